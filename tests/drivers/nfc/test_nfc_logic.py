"""Patron cards: UID formats, NDEF text extraction, presentation tracking,
device-string mapping onto nfcpy paths, the simulator and typed errors."""

from __future__ import annotations

import pytest

import ndef
from kiosk.drivers.nfc.base import PresenceTracker, format_uid, patron_id_from_ndef
from kiosk.drivers.nfc.nfcpy_reader import nfcpy_path
from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError, RemoteProtocolError


@pytest.mark.parametrize("uid, fmt, text", [
    ("04A1B2C3D4E5F6", "hex", "04A1B2C3D4E5F6"),
    ("DEADBEEF", "decimal", str(0xDEADBEEF)),
    ("DEADBEEF", "decimal-reversed", str(0xEFBEADDE)),
    ("0102030405060708", "hex", "0102030405060708"),
])
def test_format_uid(uid: str, fmt: str, text: str) -> None:
    assert format_uid(bytes.fromhex(uid), fmt) == text


def test_format_uid_errors() -> None:
    with pytest.raises(RemoteProtocolError):
        format_uid(b"", "hex")
    with pytest.raises(DeviceError, match="uid_format"):
        format_uid(b"\x01", "octal")


def encode(*records: ndef.Record) -> bytes:
    return b"".join(ndef.message_encoder(list(records)))


@pytest.mark.parametrize("message, patron", [
    (encode(ndef.TextRecord("21000000000001", "en")), "21000000000001"),
    (encode(ndef.TextRecord(" 21000000000002\n", "de")), "21000000000002"),
    (encode(ndef.UriRecord("https://x.example"), ndef.TextRecord("P-77", "en", "UTF-16")), "P-77"),
    (encode(ndef.TextRecord("Ñandú-6", "es")), "Ñandú-6"),
])
def test_patron_id_from_ndef(message: bytes, patron: str) -> None:
    assert patron_id_from_ndef(message) == patron


@pytest.mark.parametrize("message, reason", [
    (b"", "no NDEF message"),
    (encode(ndef.UriRecord("https://x.example")), "no NDEF text record (records: urn:nfc:wkt:U)"),
    (encode(ndef.TextRecord("   ", "en")), "does not hold a patron id"),
    (encode(ndef.TextRecord("x" * 65, "en")), "does not hold a patron id"),
    (encode(ndef.TextRecord("21\x0700", "en")), "does not hold a patron id"),
    (b"\xd1\x01\xff\x54", "damaged"),                 # payload length runs past the end
    (b"\x00", "damaged"),
])
def test_patron_id_from_bad_ndef(message: bytes, reason: str) -> None:
    with pytest.raises(RemoteProtocolError, match=reason.replace("(", r"\(").replace(")", r"\)")):
        patron_id_from_ndef(message)


def test_presence_tracker() -> None:
    tracker = PresenceTracker(removal_time=1.0)
    assert tracker.seen("A", 0.0)
    assert not tracker.seen("A", 0.5)      # flicker at the edge of the field
    assert not tracker.seen("A", 1.4)      # still there (last seen 0.5)
    assert tracker.seen("A", 3.0)          # gone for longer than removal_time: a new tap
    assert tracker.seen("B", 3.1)          # another card
    assert tracker.seen("A", 3.2)


@pytest.mark.parametrize("argument, path", [
    ("usb", "usb"),
    ("usb:054c:06c1", "usb:054c:06c1"),
    ("tty:ttyUSB0:pn532", "tty:USB0:pn532"),
    ("tty:/dev/ttyAMA0:pn532", "tty:AMA0:pn532"),
    ("tty:USB1", "tty:USB1"),
    ("udp:127.0.0.1:54321", "udp:127.0.0.1:54321"),
    ("udp", "udp"),
])
def test_nfcpy_path(argument: str, path: str) -> None:
    assert nfcpy_path(argument) == path


@pytest.mark.parametrize("spec, options, message", [
    ("nfc:bluetooth", {}, "unknown reader"),
    ("nfc:tty:", {}, "expected nfc:tty:PORT"),
    ("nfc:", {}, "expected nfc:usb"),
    ("nfc:udp:127.0.0.1:9", {"mode": "magnetic"}, "mode 'magnetic' unknown"),
    ("nfc:udp:127.0.0.1:9", {"targets": "106A,999Z"}, "targets 999Z not known"),
    ("nfc:udp:127.0.0.1:9", {"uid_format": "octal"}, "uid_format 'octal'"),
    ("nfc:usb:ffff:fffe", {}, "no reader on 'usb:ffff:fffe'"),
    ("rfid:usb", {}, "unknown device string 'rfid:usb'; valid forms: nfc:usb"),
])
def test_open_errors_are_typed(spec: str, options: dict[str, object], message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        open_device("nfc", spec, options)


def test_simulated_reader() -> None:
    reader = open_device("nfc", "sim", {})
    cards: list[str] = []
    errors: list[str] = []
    reader.present("21000000000001")          # not started: nobody listens
    reader.start(cards.append, errors.append)
    reader.present("21000000000006")
    reader.present_unreadable()
    assert cards == ["21000000000006"] and errors == ["card has no NDEF text record"]
    reader.fail_self_test = "antenna cable loose"
    assert not reader.self_test().ok
    reader.close()
    reader.present("21000000000002")
    assert cards == ["21000000000006"]


def test_handler_exceptions_do_not_escape() -> None:
    reader = open_device("nfc", "sim", {})

    def broken(card: str) -> None:
        raise RuntimeError("bug in the handler")

    reader.start(broken)
    reader.present("21000000000001")          # logged, not raised
    assert reader.cards == 1

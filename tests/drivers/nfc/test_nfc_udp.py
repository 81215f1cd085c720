"""NFC patron cards end to end through nfcpy's UDP driver: the test starts a
second process (card_emulator.py) that plays a FeliCa / Type 3 library card
over nfcpy's udp driver on 127.0.0.1, and the kiosk's reader opens
``nfc:udp:127.0.0.1:PORT`` as it would open ``nfc:usb``."""

from __future__ import annotations

import queue
import socket
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import ndef
import pytest

from kiosk.drivers.registry import open_device

EMULATOR = Path(__file__).with_name("card_emulator.py")
IDM = "03FEFFE011223344"
WAIT = 8.0


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


Card = Callable[..., subprocess.Popen[bytes]]


@pytest.fixture
def card() -> Iterator[Card]:
    """Starts card processes; every one is killed at the end of the test."""
    started: list[subprocess.Popen[bytes]] = []

    def start(port: int, *args: str, seconds: float = 6.0) -> subprocess.Popen[bytes]:
        process = subprocess.Popen([sys.executable, str(EMULATOR), "--port", str(port), "--seconds", str(seconds),
                                    *args], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        started.append(process)
        assert process.stdout is not None and process.stdout.readline().strip() == b"listening"
        return process

    yield start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=5)
        if process.stdout:
            process.stdout.close()


def reader(port: int, **options: object) -> object:
    base = {"targets": "212F", "poll_interval": 0.05, "removal_time": 0.3}
    return open_device("nfc", f"nfc:udp:127.0.0.1:{port}", {**base, **options})


def test_uid_mode_reads_the_felica_idm(card: Card) -> None:
    port = free_udp_port()
    card(port, "--idm", IDM)
    nfc_reader = reader(port, mode="uid")
    cards: queue.Queue[str] = queue.Queue()
    try:
        nfc_reader.start(cards.put)  # type: ignore[attr-defined]
        assert cards.get(timeout=WAIT) == IDM
        assert nfc_reader.self_test().ok  # type: ignore[attr-defined]
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]


def test_uid_decimal_format(card: Card) -> None:
    port = free_udp_port()
    card(port, "--idm", "0102030405060708")
    nfc_reader = reader(port, mode="uid", uid_format="decimal-reversed")
    try:
        assert nfc_reader.wait_for_card(WAIT) == str(int.from_bytes(bytes.fromhex("0102030405060708"), "little"))  # type: ignore[attr-defined]
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]


def test_ndef_mode_reads_the_patron_barcode_once_per_presentation(card: Card) -> None:
    port = free_udp_port()
    first = card(port, "--text", "21000000000001", seconds=2.5)
    nfc_reader = reader(port, mode="ndef")
    cards: queue.Queue[str] = queue.Queue()
    try:
        nfc_reader.start(cards.put)  # type: ignore[attr-defined]
        assert cards.get(timeout=WAIT) == "21000000000001"
        first.wait(timeout=WAIT)            # the card rests on the reader, then is taken away
        with pytest.raises(queue.Empty):
            cards.get(timeout=0.3)          # resting on the reader was one presentation
        card(port, "--text", "21000000000001")   # ... and tapped again
        assert cards.get(timeout=WAIT) == "21000000000001"
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]
    assert not nfc_reader.running  # type: ignore[attr-defined]


def test_ndef_mode_reports_a_card_without_text(card: Card) -> None:
    port = free_udp_port()
    uri = b"".join(ndef.message_encoder([ndef.UriRecord("https://library.example.org")]))
    card(port, "--raw", uri.hex())
    nfc_reader = reader(port, mode="ndef")
    cards: queue.Queue[str] = queue.Queue()
    errors: queue.Queue[str] = queue.Queue()
    try:
        nfc_reader.start(cards.put, errors.put)  # type: ignore[attr-defined]
        assert "no NDEF text record" in errors.get(timeout=WAIT)
        assert cards.empty()
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]


def test_type_a_uid_card_resting_on_the_reader_is_one_presentation(card: Card) -> None:
    port = free_udp_port()
    card(port, "--uid", "04A1B2C3D4E5F6", seconds=2.0)
    nfc_reader = reader(port, mode="uid", targets="106A", removal_time=1.5)
    cards: queue.Queue[str] = queue.Queue()
    try:
        nfc_reader.start(cards.put)  # type: ignore[attr-defined]
        assert cards.get(timeout=WAIT) == "04A1B2C3D4E5F6"
        with pytest.raises(queue.Empty):
            cards.get(timeout=1.5)     # polled again and again, reported once
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]


def test_no_card_means_no_event_and_a_bounded_stop() -> None:
    nfc_reader = reader(free_udp_port())
    try:
        assert nfc_reader.wait_for_card(0.5) is None  # type: ignore[attr-defined]
    finally:
        nfc_reader.close()  # type: ignore[attr-defined]

"""NFC patron cards through nfcpy (PN53x, ACR122U, RC-S380 ... readers).

Device strings (family ``nfc``), mapped onto nfcpy's own path grammar
(``ContactlessFrontend.open``):

``nfc:usb``                    the first supported USB reader
``nfc:usb:VID:PID``            a USB reader by hex ids (``nfc:usb:054c:06c1``)
``nfc:tty:PORT[:DRIVER]``      a serial reader, e.g. ``nfc:tty:ttyUSB0:pn532``
                               (``ttyUSB0``, ``USB0`` and ``/dev/ttyUSB0`` all work)
``nfc:udp[:HOST[:PORT]]``      nfcpy's UDP test driver (default localhost:54321)

A reader thread polls for cards (``targets``: nfcpy bitrate+type strings,
default ``106A,106B,212F``). Once a card is found it is activated where
nfcpy knows the tag type, and the thread then waits on nfcpy's presence
check, so a card resting on the reader is one presentation. Cards nfcpy
cannot activate (MIFARE Classic) fall back to repeated polling debounced by
``removal_time``. Every wait is bounded by the stop flag.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Any

from kiosk.drivers import arguments
from kiosk.drivers.nfc.base import UID_FORMATS, CardReader, PresenceTracker, format_uid, option, patron_id_from_ndef
from kiosk.drivers.registry import register
from kiosk.drivers.reader_thread import ReaderThread
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError, RemoteProtocolError

log = logging.getLogger(__name__)
FAMILY = "nfc"
TECHNOLOGIES = ("106A", "212A", "424A", "106B", "212B", "424B", "212F", "424F")


def nfcpy_path(argument: str) -> str:
    """Our device-string argument -> nfcpy's path (``tty:ttyUSB0:pn532`` -> ``tty:USB0:pn532``).
    Pure; a malformed argument raises ValueError."""
    kind, _, rest = argument.partition(":")
    kind = kind.strip().lower()
    if kind == "usb":
        ids = [part.strip() for part in rest.split(":")] if rest else []
        if len(ids) > 2 or any(not part or len(part) > 4 or any(c not in "0123456789abcdefABCDEF" for c in part)
                               for part in ids):
            raise ValueError(f"expected nfc:usb or nfc:usb:VID:PID with hex ids, e.g. nfc:usb:054c:06c1 "
                             f"(got usb:{rest})")
        return "usb" + (f":{rest}" if rest else "")
    if kind == "tty":
        port, _, driver = rest.partition(":")
        port = port.removeprefix("/dev/").removeprefix("tty")
        if not port:
            raise ValueError("expected nfc:tty:PORT[:DRIVER], e.g. nfc:tty:ttyUSB0:pn532")
        return f"tty:{port}" + (f":{driver}" if driver else "")
    if kind == "udp":
        host, _, port_text = rest.partition(":")
        if port_text:
            arguments.tcp_port(port_text)
        return "udp" + (f":{rest}" if rest else "")
    raise ValueError(f"unknown reader {argument!r}; expected nfc:usb, nfc:usb:VID:PID, nfc:tty:PORT[:DRIVER] "
                     "or nfc:udp[:HOST[:PORT]]")


@dataclass(frozen=True)
class NfcSettings:
    path: str                       # nfcpy's path
    mode: str = "uid"
    uid_format: str = "hex"
    targets: tuple[str, ...] = ("106A", "106B", "212F")


def parse_nfc(argument: str, options: dict[str, Any]) -> NfcSettings:
    """The device string and the ``[devices.nfc]`` table -> settings (pure)."""
    if not argument:
        raise ValueError("expected nfc:usb, nfc:usb:VID:PID, nfc:tty:PORT[:DRIVER] or nfc:udp")
    mode = str(option(options, "mode", "uid"))
    if mode not in ("uid", "ndef"):
        raise ValueError(f"mode {mode!r} unknown; use uid or ndef")
    uid_format = str(option(options, "uid_format", "hex"))
    if uid_format not in UID_FORMATS:
        raise ValueError(f"uid_format {uid_format!r} unknown; use {', '.join(UID_FORMATS)}")
    targets = tuple(t.strip().upper() for t in str(option(options, "targets", "106A,106B,212F")).split(",")
                    if t.strip())
    bad = [t for t in targets if t not in TECHNOLOGIES]
    if bad or not targets:
        raise ValueError(f"targets {', '.join(bad) or '(none)'} not known; use {', '.join(TECHNOLOGIES)}")
    return NfcSettings(nfcpy_path(argument), mode, uid_format, targets)


def nfcpy() -> Any:
    """nfcpy, imported when a reader opens: a station without one (and the
    command line, which only parses device strings) never carries it (2.6 MB)."""
    import nfc
    import nfc.clf
    import nfc.tag  # noqa: F401  (nfc.tag.activate)

    # nfcpy pins its logger at INFO on import, which would put "searching for
    # reader" lines in the journal whatever the kiosk's verbosity; inherit instead.
    logging.getLogger("nfc").setLevel(logging.NOTSET)
    return nfc


def card_uid(target: Any) -> bytes:
    """The identifier a sensed target reports: NFCID1, PUPI or IDm."""
    if target.sdd_res:
        return bytes(target.sdd_res)
    if target.sensb_res:
        return bytes(target.sensb_res[1:5])
    if target.sensf_res:
        return bytes(target.sensf_res[1:9])
    raise RemoteProtocolError(f"card answered without an identifier ({target})")


class NfcpyReader(CardReader):
    def __init__(self, settings: NfcSettings, options: dict[str, Any]) -> None:
        path = settings.path
        super().__init__(f"NFC reader {path}")
        self.path = path
        self.nfc = nfcpy()
        self.mode, self.uid_format, self.targets = settings.mode, settings.uid_format, list(settings.targets)
        self.poll_interval = float(option(options, "poll_interval", 0.2))
        self.tracker = PresenceTracker(float(option(options, "removal_time", 1.0)))
        self.error: str | None = None
        self._reader = ReaderThread(self._run, self.name)
        self._halt = self._reader.halt
        self.clf = self.nfc.ContactlessFrontend()
        try:
            found = self.clf.open(path)
        except (OSError, ValueError) as exc:
            hint = "libusb-1.0 is not installed: apt install libusb-1.0-0" if "libusb" in str(exc) \
                else "plugged in? kiosk user in plugdev?"
            reason = str(exc).split(":")[0] if "libusb" in str(exc) else str(exc)
            raise DeviceError(f"nfc: no reader on {path!r}: {reason} ({hint})", FAMILY) from exc
        if not found:
            raise DeviceError(f"nfc: no reader on {path!r} (plugged in? kiosk user in plugdev?)", FAMILY)

    @property
    def running(self) -> bool:
        return self._reader.running

    def _start(self) -> None:
        self._reader.start()

    def _stop(self) -> None:
        # One poll can block for nfcpy's per-technology timeout (1 s per
        # target type on the UDP driver, milliseconds on hardware).
        self._reader.stop(len(self.targets) * 1.5 + 2)

    def close(self) -> None:
        super().close()
        self.clf.close()

    def _run(self) -> None:
        failures = 0
        while not self._halt.is_set():
            self.heart.beat()
            try:
                target = self.clf.sense(*[self.nfc.clf.RemoteTarget(t) for t in self.targets], iterations=1)
            except self.nfc.clf.CommunicationError as exc:
                log.debug("%s: %s", self.name, exc)
                continue
            except (OSError, self.nfc.clf.Error) as exc:
                failures += 1
                if failures >= 3:   # unplugged: say so and stop rather than spin
                    self.error = f"reader failed: {exc}"
                    log.warning("%s: %s", self.name, self.error)
                    self._status_changed(SelfTestResult.failed(f"{self.name}: {self.error}"))
                    self.heart.rest()       # stopped on purpose, and said so: not a hang
                    return
                self._halt.wait(self.poll_interval)
                continue
            failures = 0
            if target is None:
                self._halt.wait(self.poll_interval)
                continue
            try:
                self._handle(target)
            except Exception:  # a card that upsets nfcpy must not silence the reader
                log.exception("%s: reading a card failed", self.name)
                self._halt.wait(self.poll_interval)
        self.heart.rest()

    def _handle(self, target: Any) -> None:
        now = time.monotonic()
        tag = None
        try:
            uid = card_uid(target)
            if self.mode == "ndef":
                tag = self.nfc.tag.activate(self.clf, target)
                if tag is None:
                    raise RemoteProtocolError("card type cannot hold NDEF data for this reader")
                patron_id = patron_id_from_ndef(bytes(tag.ndef.octets) if tag.ndef else b"")
            else:
                patron_id = format_uid(uid, self.uid_format)
        except (RemoteProtocolError, self.nfc.clf.Error, self.nfc.tag.TagCommandError) as exc:
            # Key the error by UID so one bad card says so once per presentation.
            key = "unreadable:" + (bytes(target.sdd_res or target.sensf_res or b"").hex())
            if self.tracker.seen(key, now):
                self._unreadable(str(exc))
            self._halt.wait(self.poll_interval)
            return
        if self.tracker.seen(patron_id, now):
            self._card(patron_id)
        if tag is None:
            try:
                tag = self.nfc.tag.activate(self.clf, target)
            except (self.nfc.clf.Error, self.nfc.tag.TagCommandError):
                tag = None
        if tag is None:
            self._halt.wait(self.poll_interval)
            return
        while not self._halt.is_set():
            try:
                present = tag.is_present
            except (self.nfc.clf.Error, self.nfc.tag.TagCommandError):
                present = False
            if not present:
                break
            self.tracker.seen(patron_id, time.monotonic())
            self.heart.beat()               # a card held on the reader: waiting, not hung
            self._halt.wait(0.1)

    def self_test(self) -> SelfTestResult:
        if self.error:
            return SelfTestResult.failed(f"{self.name}: {self.error}")
        device = self.clf.device
        if device is None:
            return SelfTestResult.failed(f"{self.name}: reader closed")
        return SelfTestResult.passed(f"{self.name}: {device} ({self.mode} mode, polling {','.join(self.targets)})")


@register("nfc", "nfc", "nfc:usb | nfc:usb:VID:PID | nfc:tty:PORT[:DRIVER] | nfc:udp[:HOST[:PORT]]",
          "NFC patron-card reader via nfcpy (card UID or NDEF text record)", parse_nfc)
def open_nfcpy(settings: NfcSettings, options: dict[str, Any]) -> NfcpyReader:
    return NfcpyReader(settings, options)

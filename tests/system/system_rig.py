"""The whole-system rig: the ILS simulator on 127.0.0.1, reader emulators on
ptys or loopback sockets, a serial scanner on a pty, the loopback ESC/POS
printer and the sorter board emulator, plus a TOML config that points the
real drivers at them.

Nothing here stands in for one of our own classes: the station and the return
bin open every device through ``[devices.*]`` strings and the registry, and
talk SIP2 over TCP. Every resource a test starts is registered with
:class:`Rig` and released by its finalizer, in reverse order.
"""

from __future__ import annotations

import os
import socket
import sys
import time
import tty
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import FieldTag, TagField
from kiosk.drivers.rfid.m3_810_emulator import M3Emulator
from kiosk.drivers.rfid.sim import make_item_tag
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.tags import dsfid_for
from kiosk.tags.security import AFI_ON_LOAN, AFI_SECURED

LIBRARY = "Riverside Public Library"
ISIL = "US-RPL"
ANA, ANA_PIN = "21000000000001", "1234"
ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]
ON_HOLD, IN_TRANSIT, NOT_FOR_LOAN, MULTIPART = "31000000000011", "31000000000012", "31000000000013", "31000000000014"
KIOSK_CMD = [sys.executable, "-m", "kiosk.cli"]

__all__ = ["AFI_ON_LOAN", "AFI_SECURED", "ANA", "ANA_PIN", "EventLog", "ISIL", "ITEMS", "IN_TRANSIT",
           "KIOSK_CMD", "LIBRARY", "MULTIPART", "NOT_FOR_LOAN", "ON_HOLD", "Rig", "ScannerPty", "afi_of", "dead_port",
           "eventually", "put_item"]


def eventually(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.02,
               what: str = "condition") -> Any:
    """Poll until ``predicate()`` is truthy and return it; AssertionError after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} not met within {timeout:.1f} s")
        time.sleep(interval)


def dead_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ScannerPty:
    """A serial barcode scanner: the kiosk opens the pty's slave path, the
    test types codes into the master as the scanner's USB-CDC port would."""

    def __init__(self) -> None:
        self.master, self.slave = os.openpty()
        tty.setraw(self.master)
        tty.setraw(self.slave)
        self.path = os.ttyname(self.slave)

    def scan(self, code: str, terminator: bytes = b"\r") -> None:
        os.write(self.master, code.encode("ascii") + terminator)

    def close(self) -> None:
        for fd in (self.master, self.slave):
            try:
                os.close(fd)
            except OSError:
                pass


class EventLog:
    """Station events in arrival order (they come on worker threads)."""

    def __init__(self) -> None:
        self.events: list[Any] = []

    def __call__(self, event: Any) -> None:
        self.events.append(event)

    def of(self, kind: type) -> list[Any]:
        return [e for e in list(self.events) if isinstance(e, kind)]

    def wait_for(self, predicate: Callable[[Any], bool], timeout: float = 10.0, what: str = "event") -> Any:
        return eventually(lambda: next((e for e in list(self.events) if predicate(e)), None), timeout, what=what)


@dataclass
class Rig:
    """Everything one system test starts; :meth:`close` releases it all."""

    tmp: Path
    ils: ILSSimulator | None = None
    slip_printer: Any = None
    closers: list[Callable[[], None]] = field(default_factory=list)

    def close(self) -> None:
        while self.closers:
            close = self.closers.pop()
            try:
                close()
            except Exception as exc:  # one failed cleanup must not leak the others
                print(f"system rig cleanup: {exc!r}", file=sys.stderr)

    # -- the ILS -----------------------------------------------------------------
    def start_ils(self, **kw: Any) -> ILSSimulator:
        self.ils = ILSSimulator(**kw).start()
        self.closers.append(self.ils.close)
        return self.ils

    def client(self) -> SIP2Client:
        """A second, independent SIP2 client: how the test looks at the ILS's books."""
        assert self.ils is not None
        client = SIP2Client(SIP2Settings(host="127.0.0.1", port=self.ils.port, username="kiosk",
                                         password="kiosk-pass", institution_id="DEMO", encoding="utf-8",
                                         connect_timeout=2.0, read_timeout=3.0, retries=1,
                                         keepalive_interval=0.0, honour_acs_timeout=False))
        client.connect()
        self.closers.append(client.close)
        return client

    # -- devices -------------------------------------------------------------------
    def feig(self, transport: str = "pty") -> tuple[FeigEmulator, str]:
        """A FEIG reader emulator; returns it and the port for ``feig:PORT``."""
        emulator = FeigEmulator(TagField())
        port = emulator.start_pty() if transport == "pty" else emulator.start_socket()
        self.closers.append(emulator.stop)
        return emulator, port

    def m3(self, transport: str = "pty") -> tuple[M3Emulator, str]:
        emulator = M3Emulator(TagField())
        port = emulator.start_pty() if transport == "pty" else emulator.start_socket()
        self.closers.append(emulator.stop)
        return emulator, port

    def scanner(self) -> ScannerPty:
        scanner = ScannerPty()
        self.closers.append(scanner.close)
        return scanner

    def printer(self) -> Any:
        from kiosk.drivers.printer.emulator import TcpPrinter

        printer = TcpPrinter()
        self.closers.append(printer.close)
        return printer

    def serial_printer(self) -> Any:
        """An ESC/POS printer on the far end of a pty (``escpos-serial:PATH``)."""
        from kiosk.drivers.printer.emulator import PtyPrinter

        printer = PtyPrinter()
        self.closers.append(printer.close)
        return printer

    def sorter(self, bins: Iterable[str] = ("1", "2", "holds", "reject")) -> Any:
        from kiosk.drivers.sorter.emulator import SorterBoardEmulator

        board = SorterBoardEmulator(list(bins)).start()
        self.closers.append(board.stop)
        return board

    # -- config ----------------------------------------------------------------------
    def write_config(self, devices: str, *, name: str = "station.toml", mode: str = "kiosk",
                     sip2_extra: str = "", extra: str = "", port: int | None = None,
                     encoding: str = "utf-8") -> Path:
        """A complete station config whose [sip2] points at the ILS simulator."""
        sip_port = port if port is not None else (self.ils.port if self.ils else dead_port())
        data_dir = self.tmp / f"data-{name.split('.')[0]}"
        text = f"""# written by tests/system: every device is an emulator on a pty or 127.0.0.1
[station]
id = "system-{mode}"
mode = "{mode}"
library_name = "{LIBRARY}"
institution_id = "DEMO"
location_code = "SYSTEST"
isil = "{ISIL}"
country = "US"
data_dir = "{data_dir.as_posix()}"

[sip2]
host = "127.0.0.1"
port = {sip_port}
username = "kiosk"
password = "kiosk-pass"
encoding = "{encoding}"
checksums = true
connect_timeout = 2.0
read_timeout = 3.0
retries = 1
keepalive_interval = 0
reconnect_interval = 0.5
{sip2_extra}

[circulation]
pin_policy = "required"
security_failure = "undo"

[receipt]
default = "ask"
footer = "Thank you for visiting"

[offline]
replay_interval = 1.0

{devices}
{extra}
"""
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return path


def put_item(field_: TagField, item_id: str, afi: int = AFI_SECURED, parts: int = 1, part: int = 1,
             model: str = "danish") -> FieldTag:
    """Lay a library-owned item tag on an emulator's antenna."""
    uid, data = make_item_tag(item_id, parts=parts, part=part, model=model, owner_isil=ISIL,
                              **({"country": "US"} if model == "danish" else {}))
    return field_.place(uid, data, afi=afi, dsfid=dsfid_for(model))


def afi_of(field_: TagField, item_id: str, parts: int = 1, part: int = 1, model: str = "danish") -> int | None:
    uid, _ = make_item_tag(item_id, parts=parts, part=part, model=model, owner_isil=ISIL,
                           **({"country": "US"} if model == "danish" else {}))
    tag = field_.get(uid)
    return None if tag is None else tag.afi

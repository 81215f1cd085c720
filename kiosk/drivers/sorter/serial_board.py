"""A sorter driven by a serial relay/controller board speaking a simple line
protocol, the kind a library's integrator builds from a microcontroller and a
relay per flap.

Protocol (ASCII lines, LF-terminated; CR before LF tolerated)::

    host -> board                 board -> host
    PING                          OK PONG
    BINS                          OK BINS 1,2,3,holds,reject
    ROUTE <bin>                   OK ROUTE <bin>     | ERR FULL <bin> | ERR JAM | ERR BIN <bin>
    STATUS                        OK STATUS 1=ok,2=full,...
    RESET <bin>                   OK RESET <bin>     (staff emptied the bin)
    (unsolicited)                 EVT FULL <bin> | EVT EMPTY <bin> | EVT JAM | EVT CLEAR

Replies to commands start with ``OK`` or ``ERR``; ``EVT`` lines may arrive at
any time and are delivered to listeners; an event a command causes (the bin
it filled) is sent before that command's reply. Anything else is garbage: logged,
skipped, never fatal.
"""

from __future__ import annotations

import logging
import threading
import time

import serial

from kiosk.drivers.sorter.base import BinFull, Sorter, SorterEvent
from kiosk.errors import DeviceError, RemoteProtocolError, TransportTimeout
from kiosk.drivers.serial_port import open_port

log = logging.getLogger(__name__)

EVENT_KINDS = {"FULL": "full", "EMPTY": "emptied", "JAM": "jam", "CLEAR": "cleared"}


class SerialSorterBoard(Sorter):
    def __init__(self, port: str | serial.SerialBase, baudrate: int = 9600, timeout: float = 2.0) -> None:
        super().__init__()
        self.timeout = timeout
        if isinstance(port, str):
            try:
                self._serial = open_port(port, baudrate=baudrate, timeout=0.05, exclusive=True)
            except (serial.SerialException, ValueError) as exc:
                raise DeviceError(f"sorter: cannot open {port}: {exc}", "sorter") from exc
        else:
            self._serial = port
        self._buffer = b""
        self._lock = threading.Lock()
        self._full: set[str] = set()
        self._bins: list[str] | None = None

    def _read_line(self, deadline: float) -> str | None:
        while b"\n" not in self._buffer:
            if time.monotonic() > deadline:
                return None
            try:
                chunk = self._serial.read(64)
            except serial.SerialException as exc:
                raise DeviceError(f"sorter: serial line failed: {exc}", "sorter") from exc
            self._buffer += chunk
            if len(self._buffer) > 4096:  # a board babbling without newlines
                self._buffer = b""
                raise RemoteProtocolError("sorter sent 4 KiB without a line end")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.rstrip(b"\r").decode("ascii", "replace").strip()

    def _handle_event(self, line: str) -> None:
        parts = line.split()
        kind = EVENT_KINDS.get(parts[1] if len(parts) > 1 else "")
        if kind is None:
            log.warning("sorter: unknown event %r", line)
            return
        bin_name = parts[2] if len(parts) > 2 else ""
        if kind == "full":
            self._full.add(bin_name)
        elif kind == "emptied":
            self._full.discard(bin_name)
        self._emit(SorterEvent(kind, bin_name))

    def _command(self, command: str) -> str:
        """Send ``command``; return the text after ``OK``; raise on ``ERR``."""
        with self._lock:
            try:
                self._serial.write(command.encode("ascii") + b"\n")
            except serial.SerialException as exc:
                raise DeviceError(f"sorter: serial line failed: {exc}", "sorter") from exc
            deadline = time.monotonic() + self.timeout
            while True:
                line = self._read_line(deadline)
                if line is None:
                    raise TransportTimeout(f"sorter: no reply to {command.split()[0]} within {self.timeout:g} s")
                if line.startswith("EVT "):
                    self._handle_event(line)
                elif line.startswith("OK"):
                    return line[2:].strip()
                elif line.startswith("ERR"):
                    self._raise_error(command, line[3:].strip())
                elif line:
                    log.warning("sorter: ignoring garbage line %r", line[:80])

    def _raise_error(self, command: str, reason: str) -> None:
        parts = reason.split()
        if parts[:1] == ["FULL"]:
            bin_name = parts[1] if len(parts) > 1 else command.split()[-1]
            self._full.add(bin_name)
            raise BinFull(bin_name)
        if parts[:1] == ["JAM"]:
            self._emit(SorterEvent("jam", "", "reported by the board"))
        raise DeviceError(f"sorter refused {command}: {reason or 'no reason given'}", "sorter")

    def poll_events(self, wait: float = 0.0) -> None:
        """Read unsolicited ``EVT`` lines that arrived between commands."""
        with self._lock:
            deadline = time.monotonic() + wait
            while True:
                line = self._read_line(deadline)
                if line is None:
                    return
                if line.startswith("EVT "):
                    self._handle_event(line)
                elif line:
                    log.warning("sorter: ignoring unexpected line %r", line[:80])

    def ping(self) -> None:
        if self._command("PING") != "PONG":
            raise RemoteProtocolError("sorter answered PING without PONG")

    def bins(self) -> list[str]:
        if self._bins is None:
            reply = self._command("BINS")
            if not reply.startswith("BINS"):
                raise RemoteProtocolError(f"sorter: unexpected BINS reply {reply!r}")
            self._bins = [b for b in reply[4:].strip().split(",") if b]
        return list(self._bins)

    def status(self) -> dict[str, str]:
        reply = self._command("STATUS")
        if not reply.startswith("STATUS"):
            raise RemoteProtocolError(f"sorter: unexpected STATUS reply {reply!r}")
        states = dict(pair.split("=", 1) for pair in reply[6:].strip().split(",") if "=" in pair)
        self._full = {b for b, s in states.items() if s == "full"}
        return states

    def is_full(self, bin_name: str) -> bool:
        return self.status().get(bin_name) == "full"

    def full_bins(self) -> list[str]:
        return [b for b, s in self.status().items() if s == "full"]

    def route(self, bin_name: str) -> None:
        if bin_name in self._full:
            raise BinFull(bin_name)
        self._command(f"ROUTE {bin_name}")

    def reset(self, bin_name: str) -> None:
        self._command(f"RESET {bin_name}")
        self._full.discard(bin_name)

    def close(self) -> None:
        self._serial.close()

"""Serial barcode scanners (USB-CDC or RS-232) through pyserial.

Device string: ``serial:PORT[,baud=N][,terminator=cr|lf|crlf|tab|etx|none]``
where PORT is a device (``/dev/ttyACM0``) or any pyserial URL
(``socket://127.0.0.1:7000``, ``loop://``). Options may also come from the
``[devices.scanner]`` table: ``baud`` (9600), ``terminator`` (``cr``; most
scanners ship with CR, many with CRLF; both are accepted whatever is set),
``prefix``/``suffix`` (stripped), ``max_length`` (64), ``idle_timeout`` (0.5 s:
a partial line older than this is noise, or, with ``terminator=none``, a
complete code).

A serial line carries noise: a hot-plugged scanner sends a burst of garbage,
a wrong baud rate gives high-bit bytes. :class:`LineFramer` turns the byte
stream into codes and rejects such lines (counted in ``rejected``) instead of
passing them to the circulation core.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Any

import serial

from kiosk.drivers.barcode.base import Scanner
from kiosk.drivers import arguments
from kiosk.drivers.barcode.spec import float_option, int_option, terminator_option
from kiosk.drivers.registry import register
from kiosk.drivers.reader_thread import ReaderThread
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError
from kiosk.drivers.serial_port import open_port

log = logging.getLogger(__name__)


@dataclass
class LineFramer:
    """Sans-I/O framer: ``feed(bytes, now)`` returns complete lines (str) and
    records rejected ones in ``rejected``; ``flush_idle(now)`` ends a line
    that stopped arriving."""

    terminator: bytes = b"\r"
    max_length: int = 64
    idle_timeout: float = 0.5
    buffer: bytearray = field(default_factory=bytearray)
    last_byte_at: float = 0.0
    rejected: list[str] = field(default_factory=list)
    _overflow: bool = False

    def feed(self, data: bytes, now: float) -> list[str]:
        lines: list[str] = []
        lines.extend(self.flush_idle(now))
        for byte in data:
            self.last_byte_at = now
            if byte in (0x0D, 0x0A) or (self.terminator and bytes([byte]) == self.terminator[-1:]):
                # CR, LF, CRLF or the configured terminator all end a code; an
                # empty line (the LF of CRLF) yields nothing.
                lines.extend(self._end_line())
                continue
            if byte == 0x02 and not self.buffer:
                continue  # STX: the "start of code" framing byte many scanners send
            if len(self.buffer) >= self.max_length:
                self._overflow = True
                continue
            self.buffer.append(byte)
        return lines

    def flush_idle(self, now: float) -> list[str]:
        if self.buffer and now - self.last_byte_at >= self.idle_timeout:
            if self.terminator:
                self._reject("partial line without terminator")
                return []
            return self._end_line()
        return []

    def _end_line(self) -> list[str]:
        raw, overflow = bytes(self.buffer), self._overflow
        self.buffer.clear()
        self._overflow = False
        if overflow:
            self.rejected.append(f"line longer than {self.max_length} bytes")
            return []
        if not raw:
            return []
        if any(b < 0x20 and b not in (0x09, 0x1D) or b == 0x7F for b in raw):
            # 0x1D (GS) is the GS1 field separator and legitimately appears.
            self.rejected.append(f"control bytes in line {raw!r}")
            return []
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            self.rejected.append(f"not text (wrong baud rate?): {raw!r}")
            return []
        if not all(ch.isprintable() or ch in "\t\x1d" for ch in text):
            # valid UTF-8 that is still noise: C1 controls, unassigned or format characters
            self.rejected.append(f"not text (wrong baud rate?): {raw!r}")
            return []
        return [text]

    def _reject(self, why: str) -> None:
        self.rejected.append(f"{why}: {bytes(self.buffer)!r}")
        self.buffer.clear()
        self._overflow = False


class SerialScanner(Scanner):
    """A scanner on a serial port; a reader thread delivers codes."""

    POLL = 0.05  # serial read timeout: bounds how long stop() waits
    RECONNECT_INTERVAL = 1.0

    def __init__(self, port: str, options: dict[str, Any]) -> None:
        super().__init__(f"serial scanner {port}", options)
        self.port = port
        self.baud = int_option(options, "baud", 9600, self.family)
        self.framer = LineFramer(
            terminator_option(options, "cr", self.family),
            int_option(options, "max_length", 64, self.family),
            float_option(options, "idle_timeout", 0.5, self.family))
        try:
            self._serial = open_port(port, baudrate=self.baud, timeout=self.POLL, exclusive=True)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceError(f"scanner: cannot open serial port {port!r}: {exc}", self.family) from exc
        self._reader = ReaderThread(self._run, f"scanner-{self.port}")
        self._halt = self._reader.halt
        self.error: str | None = None
        self.reconnects = 0

    @property
    def running(self) -> bool:
        return self._reader.running

    def _start(self) -> None:
        self._reader.start()

    def _stop(self) -> None:
        self._reader.stop(2.0)

    def close(self) -> None:
        super().close()
        self._serial.close()

    def _run(self) -> None:
        while not self._halt.is_set():
            self.heart.beat()
            try:
                data = self._serial.read(self._serial.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                # Unplugged (or the link dropped): say so, then keep trying to
                # reopen the port, so re-plugging the scanner is all staff do.
                self.error = f"read failed: {exc}"
                log.warning("%s: %s; reconnecting", self.name, self.error)
                self._status_changed(SelfTestResult.failed(f"{self.name}: {self.error} (reconnecting)"))
                self._reconnect()
                continue
            now = time.monotonic()
            for line in self.framer.feed(data, now) if data else self.framer.flush_idle(now):
                self._deliver(line)
            for why in self.framer.rejected:
                log.warning("%s: dropped %s", self.name, why)
            self.rejected += len(self.framer.rejected)
            self.framer.rejected.clear()
        self.heart.rest()

    def _reconnect(self) -> None:
        try:
            self._serial.close()
        except (serial.SerialException, OSError):
            pass
        self.framer.buffer.clear()
        while not self._halt.wait(self.RECONNECT_INTERVAL):
            self.heart.beat()
            try:
                self._serial = open_port(self.port, baudrate=self.baud, timeout=self.POLL, exclusive=True)
            except (serial.SerialException, ValueError, OSError):
                continue
            log.info("%s: reconnected", self.name)
            self.error = None
            self.reconnects += 1
            self._status_changed(SelfTestResult.passed(f"{self.name}: reconnected"))
            return

    def self_test(self) -> SelfTestResult:
        if self.error:
            return SelfTestResult.failed(f"{self.name}: {self.error} (reconnecting)")
        if not self._serial.is_open:
            return SelfTestResult.failed(f"{self.name}: port is closed")
        return SelfTestResult.passed(f"{self.name}: port open at {self.baud} baud")


SERIAL_OPTIONS = {"baud": arguments.baud, "terminator": arguments.terminator}


def parse_serial(argument: str, options: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """``PORT[,baud=N][,terminator=...]`` plus the ``[devices.scanner]`` table
    -> (port, options with the string's values winning) (pure)."""
    port, spec_options = arguments.parse_port(argument, SERIAL_OPTIONS, example="/dev/ttyACM0")
    merged = dict(options)
    for name, parse in SERIAL_OPTIONS.items():
        merged[name] = arguments.table_option(options, name, parse, None)
        if merged[name] is None:
            del merged[name]
    return port, {**merged, **spec_options}


@register("scanner", "serial", "serial:PORT[,baud=N][,terminator=cr|lf|crlf|tab|etx|none]",
          "serial/USB-CDC barcode scanner via pyserial (PORT may be a pyserial URL)", parse_serial)
def open_serial(settings: tuple[str, dict[str, Any]], options: dict[str, Any]) -> SerialScanner:
    port, merged = settings
    return SerialScanner(port, merged)

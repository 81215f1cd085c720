"""The serial port under a pad driver: pyserial opened from a path or URL,
with deadline-bounded reads and errors that name the port.

Any pyserial URL works (``socket://127.0.0.1:7000``, ``loop://``,
``rfc2217://``), so the same driver runs against a real reader, an emulator
on a pty, or one on a loopback socket.

A port that fails (USB cable pulled, reader power-cycled, the socket closed)
is dropped, and the next operation opens it again by name: when the reader is
back the kiosk takes items again without a restart. ``on_reopen`` lets the
driver bring the reader back to its working state (3M setup, cached AFIs).
"""

from __future__ import annotations

import errno
import logging
import termios
import threading
import time

import serial

from typing import Callable

from kiosk.errors import DeviceError
from kiosk.drivers.serial_port import open_port

log = logging.getLogger("kiosk.drivers.rfid")

POLL = 0.02
PARITIES = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}


class SerialLink:
    def __init__(self, port: str, baudrate: int, parity: str = "none", device: str = "rfid") -> None:
        self.port_name = port
        self.device = device
        if parity not in PARITIES:
            raise ValueError(f"parity must be one of {', '.join(PARITIES)}, got {parity!r}")
        self.baudrate, self.parity = baudrate, parity
        self.closed = False
        self.reopened = 0                   # how often a lost port came back (diagnostics)
        #: Called (under the driver's lock) after a lost port was opened again.
        self.on_reopen: Callable[[], None] | None = None
        self._state = threading.Lock()      # close() against a reconnect on the driver's thread
        self._port: serial.SerialBase | None = self._open()

    def _open(self) -> serial.SerialBase:
        try:
            # exclusive: an flock on a tty, so `kiosk diag` or `kiosk tag write` run
            # while the kiosk holds the pad get "busy" instead of talking on the
            # same line (two hosts on one serial line corrupt each other's frames).
            # URL transports (socket://, loop://) ignore it.
            return open_port(self.port_name, baudrate=self.baudrate, parity=PARITIES[self.parity],
                                         bytesize=8, stopbits=1, timeout=POLL, write_timeout=2.0, exclusive=True)
        except serial.SerialException as exc:
            if exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):   # SerialException is an OSError
                raise DeviceError(f"{self.device}: {self.port_name} is busy: another program has it open "
                                  "(is the kiosk or the return bin running?)", self.device) from exc
            raise DeviceError(f"{self.device}: cannot open {self.port_name}: {exc}", self.device) from exc
        except (OSError, ValueError, termios.error) as exc:
            # termios.error: the tty refused the line settings (e.g. parity on a pty)
            raise DeviceError(f"{self.device}: cannot open {self.port_name}: {exc}", self.device) from exc

    def _lost(self, exc: Exception, what: str) -> DeviceError:
        """The port failed: let it go (the next operation reopens it)."""
        port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass
        return DeviceError(f"{self.device}: {what} {self.port_name} failed: {exc}", self.device)

    def _ready(self) -> serial.SerialBase:
        """The open port, reopening a lost one first."""
        if self.closed:
            raise DeviceError(f"{self.device}: {self.port_name} is closed", self.device)
        if self._port is not None:
            return self._port
        port = self._open()
        with self._state:
            if self.closed:  # close() ran while we reconnected: do not keep a port nobody will close
                port.close()
                raise DeviceError(f"{self.device}: {self.port_name} is closed", self.device)
            self._port = port
        self.reopened += 1
        log.info("%s: %s is back", self.device, self.port_name)
        if self.on_reopen is not None:
            try:
                self.on_reopen()
            except DeviceError:
                self._lost(RuntimeError("not ready after reconnecting"), "re-initialising")
                raise
        return self._port

    def discard_input(self) -> int:
        """Drop bytes left over from an earlier exchange; returns how many."""
        port = self._ready()
        dropped = 0
        try:
            while port.in_waiting:
                dropped += len(port.read(port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc, "reading from") from exc
        return dropped

    def write(self, data: bytes) -> None:
        port = self._ready()
        log.debug("%s >> %s", self.port_name, data.hex(" "))
        try:
            port.write(data)
            port.flush()
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc, "writing to") from exc

    def read_some(self, deadline: float) -> bytes:
        """Whatever arrives before ``deadline`` (time.monotonic()); b"" if nothing."""
        port = self._ready()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b""
        try:
            # The port's own timeout (fixed at open; changing it re-runs
            # tcsetattr) bounds this read to POLL seconds past the deadline.
            data: bytes = port.read(max(1, port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise self._lost(exc, "reading from") from exc
        if data:
            log.debug("%s << %s", self.port_name, data.hex(" "))
        return data

    def close(self) -> None:
        with self._state:
            if self.closed:
                return
            self.closed = True
            port, self._port = self._port, None
        if port is not None:
            try:
                port.close()
            except (serial.SerialException, OSError):
                pass

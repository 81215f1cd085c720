"""The serial port under a pad driver: pyserial opened from a path or URL,
with deadline-bounded reads and errors that name the port.

Any pyserial URL works (``socket://127.0.0.1:7000``, ``loop://``,
``rfc2217://``), so the same driver runs against a real reader, an emulator
on a pty, or one on a loopback socket.
"""

from __future__ import annotations

import logging
import termios
import time

import serial

from kiosk.errors import DeviceError

log = logging.getLogger("kiosk.drivers.rfid")

POLL = 0.02
PARITIES = {"none": serial.PARITY_NONE, "even": serial.PARITY_EVEN, "odd": serial.PARITY_ODD}


class SerialLink:
    def __init__(self, port: str, baudrate: int, parity: str = "none", device: str = "rfid") -> None:
        self.port_name = port
        self.device = device
        if parity not in PARITIES:
            raise ValueError(f"parity must be one of {', '.join(PARITIES)}, got {parity!r}")
        try:
            self._port = serial.serial_for_url(port, baudrate=baudrate, parity=PARITIES[parity],
                                               bytesize=8, stopbits=1, timeout=POLL, write_timeout=2.0)
        except (serial.SerialException, OSError, ValueError, termios.error) as exc:
            # termios.error: the tty refused the line settings (e.g. parity on a pty)
            raise DeviceError(f"{device}: cannot open {port}: {exc}", device) from exc
        self.closed = False

    def discard_input(self) -> int:
        """Drop bytes left over from an earlier exchange; returns how many."""
        self._check_open()
        dropped = 0
        try:
            while self._port.in_waiting:
                dropped += len(self._port.read(self._port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(f"{self.device}: {self.port_name}: {exc}", self.device) from exc
        return dropped

    def write(self, data: bytes) -> None:
        self._check_open()
        log.debug("%s >> %s", self.port_name, data.hex(" "))
        try:
            self._port.write(data)
            self._port.flush()
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(f"{self.device}: writing to {self.port_name} failed: {exc}", self.device) from exc

    def read_some(self, deadline: float) -> bytes:
        """Whatever arrives before ``deadline`` (time.monotonic()); b"" if nothing."""
        self._check_open()
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return b""
        try:
            # The port's own timeout (fixed at open; changing it re-runs
            # tcsetattr) bounds this read to POLL seconds past the deadline.
            data: bytes = self._port.read(max(1, self._port.in_waiting))
        except (serial.SerialException, OSError) as exc:
            raise DeviceError(f"{self.device}: reading from {self.port_name} failed: {exc}", self.device) from exc
        if data:
            log.debug("%s << %s", self.port_name, data.hex(" "))
        return data

    def close(self) -> None:
        if not self.closed:
            self.closed = True
            try:
                self._port.close()
            except (serial.SerialException, OSError):
                pass

    def _check_open(self) -> None:
        if self.closed:
            raise DeviceError(f"{self.device}: {self.port_name} is closed", self.device)

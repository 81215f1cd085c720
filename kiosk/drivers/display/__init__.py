"""Status display or LEDs at the return chute.

Device strings (``[devices.display] driver``):

* ``sim``: records what it was told to show (``history``).
* ``serial:PORT[,baud=N]``: a line display / LED board; each state change is
  one ASCII line ``SHOW <state> <text>`` answered by ``OK`` (LF-terminated).
  States: ``ready`` (green), ``busy`` (amber), ``full`` (red), ``offline``
  (green: returns are still taken), ``error`` (red). A board that only has
  LEDs ignores the text.
"""

from __future__ import annotations

import threading
import time
from typing import Any

import serial

from kiosk.drivers import arguments
from kiosk.drivers.registry import register
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError, TransportTimeout
from kiosk.drivers.serial_port import open_port

STATES = ("ready", "busy", "full", "offline", "error")


class StatusDisplay:
    """Base: one primitive, :meth:`_write_state`."""

    def __init__(self) -> None:
        self.state = ""
        self.text = ""

    def show(self, state: str, text: str = "") -> None:
        if state not in STATES:
            raise ValueError(f"unknown display state {state!r}; one of {', '.join(STATES)}")
        if (state, text) == (self.state, self.text):
            return
        self._write_state(state, text)
        self.state, self.text = state, text

    def _write_state(self, state: str, text: str) -> None:
        raise NotImplementedError

    def self_test(self) -> SelfTestResult:
        try:
            self._write_state("busy", "self test")
            self._write_state(self.state or "ready", self.text)
        except DeviceError as exc:
            return SelfTestResult.failed(str(exc))
        return SelfTestResult.passed("display answered")

    def close(self) -> None:
        pass


class SimulatedDisplay(StatusDisplay):
    def __init__(self) -> None:
        super().__init__()
        self.history: list[tuple[str, str]] = []

    def _write_state(self, state: str, text: str) -> None:
        self.history.append((state, text))


class SerialDisplay(StatusDisplay):
    def __init__(self, port: str, baudrate: int = 9600, timeout: float = 1.0) -> None:
        super().__init__()
        try:
            self._serial = open_port(port, baudrate=baudrate, timeout=0.05, exclusive=True)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceError(f"display: cannot open {port}: {exc}", "display") from exc
        self.timeout = timeout
        self._lock = threading.Lock()

    def _write_state(self, state: str, text: str) -> None:
        clean = "".join(c if 32 <= ord(c) < 127 else "?" for c in text)[:80]
        with self._lock:
            try:
                self._serial.write(f"SHOW {state} {clean}".rstrip().encode("ascii") + b"\n")
                deadline = time.monotonic() + self.timeout
                reply = b""
                while not reply.endswith(b"\n"):
                    if time.monotonic() > deadline:
                        raise TransportTimeout(f"display: no reply within {self.timeout:g} s")
                    reply += self._serial.read(32)
            except serial.SerialException as exc:
                raise DeviceError(f"display: serial line failed: {exc}", "display") from exc
        if not reply.strip().startswith(b"OK"):
            raise DeviceError(f"display refused the state: {reply.strip()[:40]!r}", "display")

    def close(self) -> None:
        self._serial.close()


@register("display", "sim", "sim", "simulated status display")
def _open_sim(settings: None, options: dict[str, Any]) -> SimulatedDisplay:
    return SimulatedDisplay()


def parse_serial(argument: str, options: dict[str, Any]) -> tuple[str, int]:
    """``PORT[,baud=N]`` (the table's ``baud`` unless the string says) -> (port, baud) (pure)."""
    port, opts = arguments.parse_port(argument, {"baud": arguments.baud}, example="/dev/ttyUSB2")
    return port, opts.get("baud") or arguments.table_option(options, "baud", arguments.baud, 9600)


@register("display", "serial", "serial:PORT[,baud=N]", "line display / LED board over serial", parse_serial)
def _open_serial(settings: tuple[str, int], options: dict[str, Any]) -> SerialDisplay:
    port, baud = settings
    return SerialDisplay(port, baud)

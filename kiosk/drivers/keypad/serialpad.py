"""Serial keypads (RS-232 or USB-CDC) through pyserial: one key per byte, or
one key per line.

Device string: ``serial:PORT[,baud=N][,framing=byte|line]``; PORT is a
device (``/dev/ttyUSB3``) or any pyserial URL (``socket://127.0.0.1:7000``).
``baud`` (9600) and ``framing`` may also come from ``[devices.keypad]``; the
device string wins.

``framing=byte`` (the default): each byte is one key press, case-insensitive::

    0-9  digits          u d l r  up down left right     s  select
    b    back            h        help                   p  repeat ("play again")
    +    volume up       -        volume down            >  <  faster, slower
    CR   enter           BS (0x08) or c  clear           *  speech on/off
    LF   ignored (the LF of CRLF)

``framing=line``: each line (CR, LF or CRLF) names one key: a key name
(``UP``, ``VOLUME_UP``, ``DIGIT_5``), a single digit, or one of the byte
codes above. The ``keymap`` option adds or changes codes (``"x=HELP"``; for
byte framing the code is one character, ``\\x1b`` style escapes allowed).
Anything else is counted in ``rejected`` and dropped, never guessed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import serial

from kiosk.drivers import arguments
from kiosk.drivers.barcode.spec import unescape
from kiosk.drivers.keypad.base import Keypad
from kiosk.drivers.keypad.keys import DIGIT_KEYS, Key, KeyPress, key_named, parse_keymap
from kiosk.drivers.reader_thread import ReaderThread
from kiosk.drivers.registry import register
from kiosk.drivers.selftest import SelfTestResult
from kiosk.drivers.serial_port import open_port
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

BYTE_CODES: dict[str, Key] = {
    **{str(d): DIGIT_KEYS[d] for d in range(10)},
    "u": Key.UP, "d": Key.DOWN, "l": Key.LEFT, "r": Key.RIGHT, "s": Key.SELECT, "b": Key.BACK,
    "h": Key.HELP, "p": Key.REPEAT, "+": Key.VOLUME_UP, "-": Key.VOLUME_DOWN, ">": Key.RATE_UP,
    "<": Key.RATE_DOWN, "\r": Key.ENTER, "\x08": Key.CLEAR, "c": Key.CLEAR, "*": Key.SPEECH,
}
FRAMINGS = ("byte", "line")
MAX_LINE = 32


@dataclass(frozen=True)
class SerialKeypadSpec:
    """A parsed ``serial:`` argument (what the driver and config checks share)."""

    port: str
    baud: int = 9600
    framing: str = "byte"


SERIAL_OPTIONS = {"baud": arguments.baud, "framing": arguments.choice(*FRAMINGS)}


def parse_serial_argument(argument: str, options: dict[str, Any] | None = None) -> SerialKeypadSpec:
    """``"/dev/ttyUSB3,baud=19200"`` -> :class:`SerialKeypadSpec`; device-string
    options win over ``options`` (the config table), whose keymap is checked
    too. Pure: raises ValueError saying why."""
    options = options or {}
    port, given = arguments.parse_port(argument, SERIAL_OPTIONS, example="/dev/ttyUSB3")
    baud = given.get("baud") or arguments.table_option(options, "baud", arguments.baud, 9600)
    framing = given.get("framing") or arguments.table_option(options, "framing", SERIAL_OPTIONS["framing"], "byte")
    try:
        parse_keymap(options.get("keymap", ()), _byte_code if framing == "byte" else _line_code)
    except DeviceError as exc:
        raise ValueError(str(exc).removeprefix("keypad: ")) from None
    return SerialKeypadSpec(port, baud, framing)


def _byte_code(text: str) -> str:
    code = unescape(text)
    if len(code) != 1:
        raise ValueError(f"{text!r} is not one character")
    return code.lower()


def _line_code(text: str) -> str:
    return text.strip().lower()


@dataclass
class KeyFramer:
    """Sans-I/O: ``feed(bytes)`` -> key presses; unknown codes go to ``rejected`` (a count)."""

    framing: str = "byte"
    codes: dict[str, Key] = field(default_factory=lambda: dict(BYTE_CODES))
    rejected: int = 0
    _line: bytearray = field(default_factory=bytearray)

    def feed(self, data: bytes) -> list[KeyPress]:
        return self._bytes(data) if self.framing == "byte" else self._lines(data)

    def _bytes(self, data: bytes) -> list[KeyPress]:
        presses = []
        for byte in data:
            char = chr(byte).lower()
            key = self.codes.get(char)
            if key is not None:
                presses.append(KeyPress(key))
            elif byte != 0x0A:
                self.rejected += 1
        return presses

    def _lines(self, data: bytes) -> list[KeyPress]:
        presses = []
        for byte in data:
            if byte not in (0x0D, 0x0A):
                if len(self._line) <= MAX_LINE:
                    self._line.append(byte)
                continue
            if not self._line:
                continue  # the LF of CRLF, or a blank line
            text = self._line.decode("ascii", "replace").strip()
            self._line.clear()
            key = self.codes.get(text.lower())
            if key is None and len(text) <= MAX_LINE:
                try:
                    key = key_named(text)
                except ValueError:
                    key = None
            if key is None:
                self.rejected += 1
            else:
                presses.append(KeyPress(key))
        return presses

    def reset(self) -> None:
        self._line.clear()


class SerialKeypad(Keypad):
    POLL = 0.1
    RECONNECT_INTERVAL = 1.0

    def __init__(self, spec: SerialKeypadSpec, options: dict[str, Any] | None = None) -> None:
        super().__init__(f"keypad {spec.port}", options)
        self.spec = spec
        extra = parse_keymap(self.options.get("keymap", ()), _byte_code if spec.framing == "byte" else _line_code)
        base = BYTE_CODES if spec.framing == "byte" else {k: v for k, v in BYTE_CODES.items() if k.isprintable()}
        self.framer = KeyFramer(spec.framing, {**base, **extra})
        try:
            self._serial = open_port(spec.port, baudrate=spec.baud, timeout=self.POLL, exclusive=True)
        except (serial.SerialException, ValueError) as exc:
            raise DeviceError(f"keypad: cannot open serial port {spec.port!r}: {exc}", "keypad") from exc
        self._reader = ReaderThread(self._run, f"keypad-{spec.port}")
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
            try:
                data = self._serial.read(self._serial.in_waiting or 1)
            except (serial.SerialException, OSError, TypeError, AttributeError) as exc:
                self.error = f"read failed: {exc}"
                log.warning("%s: %s; reconnecting", self.name, self.error)
                self._status_changed(SelfTestResult.failed(f"{self.name}: {self.error} (reconnecting)"))
                self._reconnect()
                continue
            for press in self.framer.feed(data):
                self._deliver(press)
            self.rejected = self.framer.rejected

    def _reconnect(self) -> None:
        try:
            self._serial.close()
        except (serial.SerialException, OSError):
            pass
        self.framer.reset()
        while not self._halt.wait(self.RECONNECT_INTERVAL):
            try:
                self._serial = open_port(self.spec.port, baudrate=self.spec.baud, timeout=self.POLL, exclusive=True)
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
        return SelfTestResult.passed(f"{self.name}: port open at {self.spec.baud} baud, {self.spec.framing} framing")


@register("keypad", "serial", "serial:PORT[,baud=N][,framing=byte|line]",
          "serial/USB-CDC keypad via pyserial, one key per byte or per line (PORT may be a pyserial URL)",
          parse_serial_argument)
def open_serial(spec: SerialKeypadSpec, options: dict[str, Any]) -> SerialKeypad:
    return SerialKeypad(spec, options)

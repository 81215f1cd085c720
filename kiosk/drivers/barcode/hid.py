"""HID (keyboard-mode) barcode scanners read through evdev.

Device string: ``hid:/dev/input/eventN`` or ``hid:name=TEXT`` (the first
input device whose name contains TEXT, case-insensitive; staff find names
with ``kiosk diag`` or ``evtest``). The device is *grabbed* (EVIOCGRAB) so its
keystrokes reach only us, never the Kivy UI or a console login.

The kernel delivers ``struct input_event`` records (``linux/input.h``:
``struct timeval time; __u16 type; __u16 code; __s32 value``); we read them
from the device fd ourselves and :class:`KeyDecoder` turns key presses into
characters with a US layout (what scanners emulate unless reprogrammed),
honouring Shift and Caps Lock. Enter, keypad Enter or Tab ends a code.
Scanners programmed for a national keyboard set ``keyboard_layout``
(``us``, ``uk``, ``de``, ``fr``): an AZERTY scanner sends Shift+& for "1".
"""

from __future__ import annotations

import logging
import os
import select
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from evdev import ecodes as e

from kiosk.drivers.barcode.base import Scanner
from kiosk.drivers.registry import register
from kiosk.drivers.reader_thread import ReaderThread
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

EVENT = struct.Struct("llHHi")  # native struct input_event (timeval is two longs)
KEY_UP, KEY_DOWN, KEY_REPEAT = 0, 1, 2

# keycode -> (plain, shifted), US layout.
KEYMAP: dict[int, tuple[str, str]] = {
    **{e.ecodes[f"KEY_{c}"]: (c.lower(), c) for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZ"},
    **{e.ecodes[f"KEY_{d}"]: (d, s) for d, s in zip("1234567890", "!@#$%^&*()")},
    **{e.ecodes[f"KEY_KP{d}"]: (d, d) for d in "0123456789"},
    e.KEY_MINUS: ("-", "_"), e.KEY_EQUAL: ("=", "+"), e.KEY_LEFTBRACE: ("[", "{"),
    e.KEY_RIGHTBRACE: ("]", "}"), e.KEY_SEMICOLON: (";", ":"), e.KEY_APOSTROPHE: ("'", '"'),
    e.KEY_GRAVE: ("`", "~"), e.KEY_BACKSLASH: ("\\", "|"), e.KEY_COMMA: (",", "<"),
    e.KEY_DOT: (".", ">"), e.KEY_SLASH: ("/", "?"), e.KEY_SPACE: (" ", " "),
    e.KEY_KPMINUS: ("-", "-"), e.KEY_KPPLUS: ("+", "+"), e.KEY_KPASTERISK: ("*", "*"),
    e.KEY_KPSLASH: ("/", "/"), e.KEY_KPDOT: (".", "."),
}
# Keyboard layouts a scanner may be programmed to emulate: differences from US.
LAYOUTS: dict[str, dict[int, tuple[str, str]]] = {
    "us": {},
    "uk": {e.KEY_2: ("2", '"'), e.KEY_3: ("3", "£"), e.KEY_APOSTROPHE: ("'", "@"),
           e.KEY_BACKSLASH: ("#", "~"), e.KEY_GRAVE: ("`", "¬"), e.KEY_102ND: ("\\", "|")},
    "de": {e.KEY_Y: ("z", "Z"), e.KEY_Z: ("y", "Y"), e.KEY_2: ("2", '"'), e.KEY_3: ("3", "§"),
           e.KEY_6: ("6", "&"), e.KEY_7: ("7", "/"), e.KEY_8: ("8", "("), e.KEY_9: ("9", ")"),
           e.KEY_0: ("0", "="), e.KEY_MINUS: ("ß", "?"), e.KEY_EQUAL: ("´", "`"), e.KEY_SLASH: ("-", "_"),
           e.KEY_SEMICOLON: ("ö", "Ö"), e.KEY_APOSTROPHE: ("ä", "Ä"), e.KEY_LEFTBRACE: ("ü", "Ü"),
           e.KEY_RIGHTBRACE: ("+", "*"), e.KEY_BACKSLASH: ("#", "'"), e.KEY_COMMA: (",", ";"),
           e.KEY_DOT: (".", ":"), e.KEY_102ND: ("<", ">"), e.KEY_GRAVE: ("^", "°")},
    # AZERTY: the digits are the *shifted* characters of the top row.
    "fr": {e.KEY_Q: ("a", "A"), e.KEY_A: ("q", "Q"), e.KEY_W: ("z", "Z"), e.KEY_Z: ("w", "W"),
           e.KEY_SEMICOLON: ("m", "M"), e.KEY_M: (",", "?"), e.KEY_COMMA: (";", "."), e.KEY_DOT: (":", "/"),
           e.KEY_SLASH: ("!", "§"), e.KEY_1: ("&", "1"), e.KEY_2: ("é", "2"), e.KEY_3: ('"', "3"),
           e.KEY_4: ("'", "4"), e.KEY_5: ("(", "5"), e.KEY_6: ("-", "6"), e.KEY_7: ("è", "7"),
           e.KEY_8: ("_", "8"), e.KEY_9: ("ç", "9"), e.KEY_0: ("à", "0"), e.KEY_MINUS: (")", "°"),
           e.KEY_EQUAL: ("=", "+"), e.KEY_102ND: ("<", ">")},
}
SHIFTS = {e.KEY_LEFTSHIFT, e.KEY_RIGHTSHIFT}
TERMINATORS = {e.KEY_ENTER, e.KEY_KPENTER, e.KEY_TAB}


@dataclass
class KeyDecoder:
    """Sans-I/O: ``feed(code, value)`` with EV_KEY events; returns a finished
    code on its terminator. Unknown keys are counted, not guessed."""

    max_length: int = 128
    layout: str = "us"
    shift: bool = False
    caps: bool = False
    chars: list[str] = field(default_factory=list)
    unknown_keys: int = 0
    keymap: dict[int, tuple[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if self.layout not in LAYOUTS:
            raise DeviceError(f"scanner: keyboard_layout {self.layout!r} unknown; use {', '.join(LAYOUTS)}",
                              "scanner")
        self.keymap = {**KEYMAP, **LAYOUTS[self.layout]}

    def feed(self, code: int, value: int) -> str | None:
        if code in SHIFTS:
            self.shift = value != KEY_UP
            return None
        if value != KEY_DOWN:
            return None  # releases and auto-repeat carry no new characters
        if code == e.KEY_CAPSLOCK:
            self.caps = not self.caps
            return None
        if code in TERMINATORS:
            text, self.chars = "".join(self.chars), []
            return text or None
        pair = self.keymap.get(code)
        if pair is None:
            self.unknown_keys += 1
            return None
        plain, shifted = pair
        upper = self.shift != (self.caps and plain.isalpha())
        if len(self.chars) < self.max_length:
            self.chars.append(shifted if upper else plain)
        return None


class HidScanner(Scanner):
    """Reads a grabbed input device's fd; a thread delivers codes."""

    POLL = 0.1
    RECONNECT_INTERVAL = 1.0

    def __init__(self, fd: int, name: str, options: dict[str, Any] | None = None,
                 device: Any = None, reopen: Callable[[], Any] | None = None) -> None:
        super().__init__(f"HID scanner {name}", options)
        self.fd = fd
        self._device = device      # evdev.InputDevice when opened from /dev/input
        self._reopen = reopen      # finds and grabs the device again after a replug
        self.reconnects = 0
        self.layout = str((options or {}).get("keyboard_layout", "us"))
        self.decoder = KeyDecoder(layout=self.layout)
        self._reader = ReaderThread(self._run, self.name)
        self._halt = self._reader.halt
        self.error: str | None = None

    @classmethod
    def from_fd(cls, fd: int, name: str = "fd", options: dict[str, Any] | None = None) -> "HidScanner":
        """A scanner over any fd carrying ``struct input_event`` records."""
        return cls(fd, name, options)

    @property
    def running(self) -> bool:
        return self._reader.running

    def _start(self) -> None:
        self._reader.start()

    def _stop(self) -> None:
        self._reader.stop(2.0)

    def close(self) -> None:
        super().close()
        self._release()

    def _run(self) -> None:
        pending = b""
        while not self._halt.is_set():
            self.heart.beat()
            try:
                ready, _, _ = select.select([self.fd], [], [], self.POLL)
                if not ready:
                    continue
                chunk = os.read(self.fd, EVENT.size * 64)
            except OSError as exc:
                chunk, why = b"", f"read failed: {exc}"
            else:
                why = "device went away"
            if not chunk:
                self.error = why
                log.warning("%s: %s", self.name, why)
                self._status_changed(SelfTestResult.failed(f"{self.name}: {why}"))
                if self._reopen is None or not self._reconnect():
                    self.heart.rest()       # gone for good, and said so: not a hang
                    return
                pending = b""
                continue
            pending += chunk
            usable = len(pending) - len(pending) % EVENT.size
            for offset in range(0, usable, EVENT.size):
                _sec, _usec, etype, code, value = EVENT.unpack_from(pending, offset)
                if etype == e.EV_KEY:
                    text = self.decoder.feed(code, value)
                    if text:
                        self._deliver(text)
            pending = pending[usable:]
        self.heart.rest()

    def _reconnect(self) -> bool:
        """Wait for the scanner to come back (USB replug); False when stopped."""
        self._release()
        self.decoder = KeyDecoder(layout=self.layout)
        while not self._halt.wait(self.RECONNECT_INTERVAL):
            self.heart.beat()
            try:
                device = self._reopen() if self._reopen else None
            except DeviceError:
                continue
            if device is not None:
                self._device, self.fd = device, device.fd
                self.error = None
                self.reconnects += 1
                log.info("%s: reconnected", self.name)
                self._status_changed(SelfTestResult.passed(f"{self.name}: reconnected"))
                return True
        return False

    def _release(self) -> None:
        if self._device is not None:
            try:
                self._device.ungrab()
            except OSError:
                pass  # already gone (unplugged)
            self._device.close()
            self._device = None

    def self_test(self) -> SelfTestResult:
        if self.error:
            return SelfTestResult.failed(f"{self.name}: {self.error}")
        grabbed = " (grabbed)" if self._device is not None else ""
        return SelfTestResult.passed(f"{self.name}: input device open{grabbed}")


def _find_by_name(text: str) -> str:
    import evdev

    names = []
    for path in evdev.list_devices():
        try:
            device = evdev.InputDevice(path)
        except OSError:
            continue
        names.append(f"{path} {device.name!r}")
        found = text.lower() in device.name.lower()
        device.close()
        if found:
            return path
    shown = "; ".join(names) or "none readable (is the kiosk user in the 'input' group?)"
    raise DeviceError(f"scanner: no input device named like {text!r}; devices: {shown}", "scanner")


def parse_hid(argument: str, options: dict[str, Any]) -> tuple[str, str]:
    """``/dev/input/eventN`` or ``name=TEXT`` -> ("path", PATH) or ("name", TEXT) (pure)."""
    if argument.startswith("name="):
        if not argument[5:].strip():
            raise ValueError("hid:name= needs part of the device's name, e.g. hid:name=Honeywell")
        return "name", argument[5:].strip()
    if not argument.startswith("/"):
        raise ValueError("needs a device, e.g. hid:/dev/input/event3, hid:/dev/input/by-id/... "
                         "or hid:name=Honeywell" + (f" (got {argument!r})" if argument else ""))
    return "path", argument


@register("scanner", "hid", "hid:/dev/input/eventN | hid:name=TEXT",
          "USB HID (keyboard-mode) scanner via evdev, grabbed so keys never reach the UI", parse_hid)
def open_hid(settings: tuple[str, str], options: dict[str, Any]) -> HidScanner:
    import evdev

    kind, where = settings

    def open_grabbed() -> Any:
        # By name, the device is found again even if udev renumbers it on replug.
        path = _find_by_name(where) if kind == "name" else where
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            raise DeviceError(f"scanner: cannot open input device {path!r}: {exc}", "scanner") from exc
        try:
            device.grab()
        except OSError as exc:
            device.close()
            raise DeviceError(f"scanner: cannot grab {path!r} (another program holds it?): {exc}",
                              "scanner") from exc
        return device

    device = open_grabbed()
    return HidScanner(device.fd, f"{device.path} {device.name!r}", options, device=device, reopen=open_grabbed)

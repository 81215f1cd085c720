"""USB keypads read through evdev: a numeric keypad or an "audio-nav" keypad
(arrows, select, back, help, volume) that presents itself as a keyboard.

Device string: ``evdev:/dev/input/by-id/usb-...-event-kbd`` (by-id paths
survive a replug) or ``evdev:name=TEXT`` (the first input device whose name
contains TEXT, case-insensitive; ``kiosk diag`` and ``evtest`` list names).
The device is grabbed (EVIOCGRAB) so its keys reach only us, never the UI or
a console login.

The kernel delivers ``struct input_event`` records (``linux/input.h``:
``struct timeval time; __u16 type; __u16 code; __s32 value``, value 1 = down,
0 = up, 2 = auto-repeat). :class:`KeypadDecoder` maps EV_KEY codes through
:data:`DEFAULT_KEYMAP`, which the ``[devices.keypad] keymap`` option extends
(``"KEY_F5=REPEAT"``, or a numeric code ``"63=REPEAT"``). A numeric keypad's
keys always arrive as KEY_KP0-9 whatever NumLock says: the focus machine
reads 8/2/4/6 as arrows on screens with nothing to type into.
"""

from __future__ import annotations

import logging
import os
import select
import struct
from dataclasses import dataclass, field
from typing import Any, Callable

from evdev import ecodes as e

from kiosk.drivers.keypad.base import Keypad
from kiosk.drivers.keypad.keys import DIGIT_KEYS, REPEATABLE, Key, KeyPress, parse_keymap
from kiosk.drivers.reader_thread import ReaderThread
from kiosk.drivers.registry import register
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

EVENT = struct.Struct("llHHi")  # native struct input_event (timeval is two longs)
KEY_UP, KEY_DOWN, KEY_AUTOREPEAT = 0, 1, 2

DEFAULT_KEYMAP: dict[int, Key] = {
    **{e.ecodes[f"KEY_KP{d}"]: DIGIT_KEYS[d] for d in range(10)},
    **{e.ecodes[f"KEY_{d}"]: DIGIT_KEYS[d] for d in range(10)},
    e.KEY_UP: Key.UP, e.KEY_DOWN: Key.DOWN, e.KEY_LEFT: Key.LEFT, e.KEY_RIGHT: Key.RIGHT,
    e.KEY_SELECT: Key.SELECT, e.KEY_OK: Key.SELECT, e.KEY_SPACE: Key.SELECT,
    e.KEY_ENTER: Key.ENTER, e.KEY_KPENTER: Key.ENTER,
    e.KEY_BACK: Key.BACK, e.KEY_ESC: Key.BACK,
    e.KEY_HELP: Key.HELP, e.KEY_F1: Key.HELP, e.KEY_KPASTERISK: Key.HELP,
    e.KEY_AGAIN: Key.REPEAT, e.KEY_F2: Key.REPEAT, e.KEY_KPSLASH: Key.REPEAT,
    e.KEY_VOLUMEUP: Key.VOLUME_UP, e.KEY_KPPLUS: Key.VOLUME_UP,
    e.KEY_VOLUMEDOWN: Key.VOLUME_DOWN, e.KEY_KPMINUS: Key.VOLUME_DOWN,
    e.KEY_FASTFORWARD: Key.RATE_UP, e.KEY_REWIND: Key.RATE_DOWN,
    e.KEY_BACKSPACE: Key.CLEAR, e.KEY_DELETE: Key.CLEAR, e.KEY_KPDOT: Key.CLEAR,
    e.KEY_NUMLOCK: Key.SPEECH, e.KEY_F12: Key.SPEECH,
}


def key_code(text: str) -> int:
    """``"KEY_F5"`` or ``"63"`` -> the evdev key code (ValueError if neither)."""
    if text.isdigit():
        return int(text)
    code = e.ecodes.get(text.upper())
    if not isinstance(code, int) or not text.upper().startswith(("KEY_", "BTN_")):
        raise ValueError(f"{text!r} is no evdev key name (KEY_...) or code")
    return code


@dataclass
class KeypadDecoder:
    """Sans-I/O: ``feed(type, code, value)`` -> a :class:`KeyPress` or None;
    ``decode(bytes)`` -> presses from whole ``input_event`` records (a
    partial record is kept for the next call). Unknown codes are counted."""

    keymap: dict[int, Key] = field(default_factory=lambda: dict(DEFAULT_KEYMAP))
    unknown: int = 0
    _pending: bytes = b""

    def feed(self, etype: int, code: int, value: int) -> KeyPress | None:
        if etype != e.EV_KEY or value == KEY_UP:
            return None
        key = self.keymap.get(code)
        if key is None:
            if value == KEY_DOWN:
                self.unknown += 1
            return None
        if value == KEY_AUTOREPEAT:
            return KeyPress(key, repeat=True) if key in REPEATABLE else None
        return KeyPress(key)

    def decode(self, data: bytes) -> list[KeyPress]:
        buffer = self._pending + data
        usable = len(buffer) - len(buffer) % EVENT.size
        presses = []
        for offset in range(0, usable, EVENT.size):
            _sec, _usec, etype, code, value = EVENT.unpack_from(buffer, offset)
            press = self.feed(etype, code, value)
            if press is not None:
                presses.append(press)
        self._pending = buffer[usable:]
        return presses

    def reset(self) -> None:
        self._pending = b""


class EvdevKeypad(Keypad):
    """Reads a grabbed input device's fd (or any fd carrying input_event records)."""

    POLL = 0.1
    RECONNECT_INTERVAL = 1.0

    def __init__(self, fd: int, name: str, options: dict[str, Any] | None = None,
                 device: Any = None, reopen: Callable[[], Any] | None = None) -> None:
        super().__init__(f"keypad {name}", options)
        extra = parse_keymap(self.options.get("keymap", ()), key_code)
        self.decoder = KeypadDecoder({**DEFAULT_KEYMAP, **extra})
        self.fd = fd
        self._device = device      # evdev.InputDevice when opened from /dev/input
        self._reopen = reopen      # finds and grabs the device again after a replug
        self.reconnects = 0
        self.error: str | None = None
        self._reader = ReaderThread(self._run, self.name)
        self._halt = self._reader.halt

    @classmethod
    def from_fd(cls, fd: int, name: str = "fd", options: dict[str, Any] | None = None) -> "EvdevKeypad":
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
        while not self._halt.is_set():
            try:
                ready, _, _ = select.select([self.fd], [], [], self.POLL)
                if not ready:
                    continue
                chunk = os.read(self.fd, EVENT.size * 64)
            except OSError as exc:
                chunk, why = b"", f"read failed: {exc.strerror or exc}"
            else:
                why = "device went away"
            if not chunk:
                self.error = why
                log.warning("%s: %s", self.name, why)
                self._status_changed(SelfTestResult.failed(f"{self.name}: {why}"))
                if self._reopen is None or not self._reconnect():
                    return
                continue
            for press in self.decoder.decode(chunk):
                self._deliver(press)
            self.rejected = self.decoder.unknown

    def _reconnect(self) -> bool:
        """Wait for the keypad to come back (USB replug); False when stopped."""
        self._release()
        self.decoder.reset()
        while not self._halt.wait(self.RECONNECT_INTERVAL):
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


def parse_evdev_argument(argument: str, options: dict[str, Any] | None = None) -> tuple[str, str]:
    """``"/dev/input/event3"`` -> ``("path", ...)``; ``"name=Storm"`` -> ``("name", "Storm")``;
    the table's keymap is checked too. Pure: raises ValueError saying why."""
    try:
        parse_keymap((options or {}).get("keymap", ()), key_code)
    except DeviceError as exc:
        raise ValueError(str(exc).removeprefix("keypad: ")) from None
    if argument.startswith("name="):
        if not argument[5:].strip():
            raise ValueError("evdev:name= needs part of the device name, e.g. evdev:name=AudioNav")
        return "name", argument[5:].strip()
    if not argument.startswith("/"):
        raise ValueError("evdev needs a device path or name=TEXT, e.g. "
                         "evdev:/dev/input/by-id/usb-Storm_AudioNav-event-kbd")
    return "path", argument


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
    raise DeviceError(f"keypad: no input device named like {text!r}; devices: {shown}", "keypad")


@register("keypad", "evdev", "evdev:/dev/input/by-id/PATH | evdev:name=TEXT",
          "USB numeric or audio-nav keypad via evdev, grabbed so keys never reach the UI", parse_evdev_argument)
def open_evdev(settings: tuple[str, str], options: dict[str, Any]) -> EvdevKeypad:
    import evdev

    kind, target = settings

    def open_grabbed() -> Any:
        path = _find_by_name(target) if kind == "name" else target
        try:
            device = evdev.InputDevice(path)
        except OSError as exc:
            raise DeviceError(f"keypad: cannot open input device {path!r}: {exc.strerror or exc}", "keypad") from exc
        try:
            device.grab()
        except OSError as exc:
            device.close()
            raise DeviceError(f"keypad: cannot grab {path!r} (another program holds it?): {exc}", "keypad") from exc
        return device

    device = open_grabbed()
    return EvdevKeypad(device.fd, f"{device.path} {device.name!r}", options, device=device, reopen=open_grabbed)

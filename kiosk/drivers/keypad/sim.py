"""Simulated keypad (device string ``sim``) for the demo, the accessible
tour and tests.

``press(key)`` delivers a key as if pressed, on the caller's thread;
``type_digits("1234")`` presses digit keys. Fault injection:
``fail_self_test`` (a reason) makes the self-test fail; ``unplug()`` drops
every key and reports the keypad failed until ``replug()``.
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.keypad.base import Keypad
from kiosk.drivers.keypad.keys import Key, KeyPress, key_named
from kiosk.drivers.registry import register
from kiosk.drivers.selftest import SelfTestResult
from kiosk.drivers.sim_input import SimulatedInput


class SimulatedKeypad(SimulatedInput, Keypad):
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        super().__init__("simulated keypad", options)
        self._init_simulated()
        self.unplugged = False

    def press(self, key: Key | str, repeat: bool = False) -> None:
        """A patron presses ``key`` (a :class:`Key` or its name). Ignored while
        stopped or unplugged, like a real keypad nobody is listening to."""
        press = KeyPress(key if isinstance(key, Key) else key_named(key), repeat)
        if self._running and not self.unplugged:
            self._deliver(press)

    def type_digits(self, digits: str) -> None:
        for digit in digits:
            self.press(key_named(digit))

    def unplug(self) -> None:
        self.unplugged = True
        self._status_changed(SelfTestResult.failed(f"{self.name}: device went away"))

    def replug(self) -> None:
        self.unplugged = False
        self._status_changed(SelfTestResult.passed(f"{self.name}: reconnected"))

    def self_test(self) -> SelfTestResult:
        if self.unplugged:
            return SelfTestResult.failed(f"{self.name}: device went away")
        return SimulatedInput.self_test(self)


@register("keypad", "sim", "sim", "simulated keypad; keys injected with press(key)")
def open_sim(settings: None, options: dict[str, Any]) -> SimulatedKeypad:
    return SimulatedKeypad(options)

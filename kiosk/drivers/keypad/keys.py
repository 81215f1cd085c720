"""The keys a patron can press, whatever keypad they are on.

A keypad driver turns its device's codes (evdev key codes, serial bytes)
into :class:`KeyPress` events of one :class:`Key` vocabulary; the focus
machine (:mod:`kiosk.speech.focus`) decides what a key does on each screen.

Privacy: digits are PIN digits as often as not, so a :class:`KeyPress` of
a digit shows as ``KeyPress(<digit>)`` in reprs and logs; only ``.key``
and :attr:`KeyPress.digit` give it away, to the code that needs it.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Callable, Iterable, TypeVar

from kiosk.errors import DeviceError


class Key(StrEnum):
    UP = "up"
    DOWN = "down"
    LEFT = "left"
    RIGHT = "right"
    SELECT = "select"            # activate the focused control
    BACK = "back"
    HELP = "help"                # read this screen's help
    REPEAT = "repeat"            # say the last announcement again
    VOLUME_UP = "volume_up"
    VOLUME_DOWN = "volume_down"
    RATE_UP = "rate_up"          # speak faster
    RATE_DOWN = "rate_down"
    ENTER = "enter"              # confirm what was typed (else: Select)
    CLEAR = "clear"              # delete the last digit typed
    SPEECH = "speech"            # speech mode on/off
    DIGIT_0 = "digit_0"
    DIGIT_1 = "digit_1"
    DIGIT_2 = "digit_2"
    DIGIT_3 = "digit_3"
    DIGIT_4 = "digit_4"
    DIGIT_5 = "digit_5"
    DIGIT_6 = "digit_6"
    DIGIT_7 = "digit_7"
    DIGIT_8 = "digit_8"
    DIGIT_9 = "digit_9"


DIGIT_KEYS: tuple[Key, ...] = (Key.DIGIT_0, Key.DIGIT_1, Key.DIGIT_2, Key.DIGIT_3, Key.DIGIT_4, Key.DIGIT_5,
                               Key.DIGIT_6, Key.DIGIT_7, Key.DIGIT_8, Key.DIGIT_9)
#: Keys whose auto-repeat (held down) is delivered: moving and adjusting.
#: A held digit or Select must not type or act twice.
REPEATABLE = frozenset({Key.UP, Key.DOWN, Key.LEFT, Key.RIGHT, Key.VOLUME_UP, Key.VOLUME_DOWN,
                        Key.RATE_UP, Key.RATE_DOWN})


@dataclass(frozen=True)
class KeyPress:
    """One key went down (``repeat``: the key is held and the device repeats it)."""

    key: Key
    repeat: bool = False

    @property
    def digit(self) -> str | None:
        """``"0"``..``"9"`` for a digit key, else ``None``."""
        return str(DIGIT_KEYS.index(self.key)) if self.key in DIGIT_KEYS else None

    def __repr__(self) -> str:
        shown = "<digit>" if self.key in DIGIT_KEYS else self.key.name
        return f"KeyPress({shown}{', repeat' if self.repeat else ''})"

    __str__ = __repr__


def key_named(name: str) -> Key:
    """``"UP"``, ``"volume_up"``, ``"DIGIT_5"`` or ``"5"`` -> the :class:`Key`."""
    text = name.strip()
    if len(text) == 1 and text.isdigit():
        return DIGIT_KEYS[int(text)]
    try:
        return Key(text.lower())
    except ValueError:
        raise ValueError(f"{name!r} is not a key; keys: {', '.join(k.name for k in Key)}") from None


Code = TypeVar("Code")


def parse_keymap(entries: Iterable[str], parse_code: Callable[[str], Code], family: str = "keypad") -> dict[Code, Key]:
    """``["KEY_F5=REPEAT", ...]`` -> ``{code: Key}``; ``parse_code`` reads the
    device's side (raises ValueError). Every bad entry is reported at once."""
    mapping: dict[Code, Key] = {}
    problems = []
    for entry in entries:
        code_text, sep, key_text = entry.rpartition("=")
        if not sep or not code_text.strip():
            problems.append(f"{entry!r} is not CODE=KEY")
            continue
        try:
            mapping[parse_code(code_text.strip())] = key_named(key_text)
        except ValueError as exc:
            problems.append(f"{entry!r}: {exc}")
    if problems:
        raise DeviceError(f"{family}: keymap: " + "; ".join(problems), family)
    return mapping

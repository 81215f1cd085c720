"""Keypads (device family ``keypad``): operating the kiosk without touch or
sight (EN 301 549 clause 5.1.6).

Device strings: ``sim``, ``evdev:/dev/input/by-id/PATH`` or
``evdev:name=TEXT`` (a USB numeric or audio-nav keypad),
``serial:PORT[,baud=N][,framing=byte|line]``. Every driver delivers
:class:`KeyPress` events of one :class:`Key` vocabulary; what a key does on
each screen is :mod:`kiosk.speech.focus`'s business.
"""

from kiosk.drivers.keypad import evdevpad, serialpad, sim  # noqa: F401  (they register)
from kiosk.drivers.keypad.base import Keypad
from kiosk.drivers.keypad.keys import DIGIT_KEYS, Key, KeyPress, key_named

__all__ = ["DIGIT_KEYS", "Key", "KeyPress", "Keypad", "key_named"]

"""Building blocks every screen uses (layout in ``widgets.kv``): labels that
follow the theme and the reading direction, big rounded buttons, cards, the
PIN pad and item rows."""

from __future__ import annotations

from typing import Any

from kivy.lang import Builder
from kivy.properties import BooleanProperty, ColorProperty, NumericProperty, ObjectProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label

from kiosk.screens.theme import DirBox, shape

__all__ = ["KLabel", "KButton", "Card", "PinPad", "ItemRow", "DirBox", "load_kv"]


def load_kv(py_file: str) -> None:
    """Load the ``.kv`` beside a screen module once (re-imports are no-ops)."""
    path = py_file[:-3] + ".kv"
    if path not in Builder.files:
        Builder.load_file(path)


class KLabel(Label):
    """Themed text. ``align``: ``start`` (left, or right in RTL), ``center``, ``end``."""

    align = StringProperty("start")
    role = StringProperty("body")     # small | body | title | hero
    tone = StringProperty("text")     # text | muted | ok | error | warn | primary

    def on_text(self, _: Any, value: str) -> None:
        # Shaping is idempotent (shaped text has no Arabic base letters left),
        # so translated strings can be formatted first and shaped here.
        shaped = shape(value)
        if shaped != value:
            self.text = shaped


class KButton(ButtonBehavior, Label):
    """A big rounded button. ``kind``: primary, secondary, danger, quiet."""

    kind = StringProperty("primary")
    icon = StringProperty("")
    selected = BooleanProperty(False)

    def on_text(self, _: Any, value: str) -> None:
        shaped = shape(value)
        if shaped != value:
            self.text = shaped


class Card(BoxLayout):
    fill = ColorProperty(None, allownone=True)
    radius = NumericProperty(18)


class ItemRow(DirBox):
    """One line of the borrow/return list: status mark, title, what to do."""

    mark = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    tone = StringProperty("text")
    item_id = StringProperty("")


class PinPad(BoxLayout):
    """Digits 0-9, backspace, clear, OK. Keeps the entry itself and shows only
    dots; ``action`` gets the digits. ``max_length`` stops runaway entry."""

    entry = StringProperty("")
    masked = StringProperty("")
    max_length = NumericProperty(12)
    min_length = NumericProperty(4)
    action = ObjectProperty(None, allownone=True)

    def on_entry(self, _: Any, value: str) -> None:
        self.masked = " ".join("\u25CF" for _ in value)

    def press(self, key: str) -> None:
        if key == "back":
            self.entry = self.entry[:-1]
        elif key == "clear":
            self.entry = ""
        elif key == "ok":
            if len(self.entry) >= self.min_length and self.action is not None:
                digits, self.entry = self.entry, ""
                self.action(digits)
        elif key.isdigit() and len(self.entry) < self.max_length:
            self.entry += key


load_kv(__file__)

"""Building blocks every screen uses (layout in ``widgets.kv``): labels that
follow the theme and the reading direction, big rounded buttons, cards, the
PIN pad and item rows."""

from __future__ import annotations

import math
from typing import Any

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import (BooleanProperty, ColorProperty, ListProperty, NumericProperty, ObjectProperty,
                             StringProperty)
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.label import Label
from kivy.uix.recycleview import RecycleView

from kiosk.screens.theme import DirBox, needs_shaping, shape, shape_uncached

__all__ = ["KLabel", "KButton", "Card", "PinPad", "ItemRow", "RowAction", "ClippedRecycleView", "DirBox", "load_kv"]


def load_kv(py_file: str) -> None:
    """Load the ``.kv`` beside a screen module once (re-imports are no-ops)."""
    path = py_file[:-3] + ".kv"
    if path not in Builder.files:
        Builder.load_file(path)


_NARROW: dict[type, type] = {}


def _narrow(core_class: type) -> type:
    """``core_class`` (Kivy's text provider) rendering wrapped text into a texture
    as wide as its longest line, not as wide as ``text_size``: a short title in
    a wide row is a small texture (memory, and fewer pixels to blend)."""
    found = _NARROW.get(core_class)
    if found is None:
        def render(self: Any, real: bool = False) -> Any:
            size = getattr(core_class, "render")(self, real)
            if real or not self.text_size[0] or self.options["halign"] == "justify":
                return size
            return max(2, min(size[0], math.ceil(self._internal_size[0]))), size[1]
        found = _NARROW[core_class] = type(f"Narrow{core_class.__name__}", (core_class,), {"render": render})
    return found


class FreshTexture:
    """Mixed into labels: changed text is drawn into a new texture, as wide as its text.

    Kivy rewrites a label's texture in place when the new text renders to the
    same size. A GL driver must then finish every queued draw that reads the
    old texture first; with software GL (llvmpipe) that stalls the frame and
    keeps another frame's worth of rendering memory. A new texture needs
    neither: the old one is released once nothing draws with it. The texture
    is as wide as the longest line (:func:`_narrow`); the kv rule places it by
    ``halign``."""

    _label: Any

    def _create_label(self) -> None:
        super()._create_label()  # type: ignore[misc]
        core = type(self._label)
        if core not in _NARROW.values():
            self._label.__class__ = _narrow(core)

    def texture_update(self, *largs: Any) -> None:
        self._label.texture = None
        super().texture_update(*largs)  # type: ignore[misc]


class KLabel(FreshTexture, Label):
    """Themed text. ``align``: ``start`` (left, or right in RTL), ``center``, ``end``."""

    align = StringProperty("start")
    role = StringProperty("body")     # small | body | title | hero
    tone = StringProperty("text")     # text | muted | ok | error | warn | primary

    _logical = ""
    _shaped = ""

    def on_text(self, _: Any, value: str) -> None:
        # Shaping is idempotent, so translated strings can be formatted first
        # and shaped here. Right-to-left text is wrapped *before* it is put in
        # visual order; Kivy's own wrapping of reordered text would start the
        # sentence on the last line.
        # Not set from inside this handler: Label's own observer of ``text``
        # runs after it with the old value and would render the unshaped text.
        if not needs_shaping(value):
            return
        self._logical = value
        Clock.schedule_once(self._apply_shape, -1)

    def _apply_shape(self, _dt: float = 0.0) -> None:
        if str(self.text) == self._logical:  # type: ignore[has-type]
            self._shaped = self._wrap_and_shape(self._logical)
            self.text = self._shaped

    def on_width(self, *_: Any) -> None:
        if self._logical and self.text == self._shaped:
            self._shaped = self._wrap_and_shape(self._logical)
            self.text = self._shaped

    def _wrap_and_shape(self, value: str) -> str:
        width = self.width - 2 * float(self.padding[0] if self.padding else 0)
        if width <= 10:
            return shape(value)
        from kivy.core.text import Label as CoreLabel

        measure = CoreLabel(font_size=self.font_size, bold=self.bold, font_name=self.font_name)
        lines: list[str] = []
        for paragraph in value.split("\n"):
            current = ""
            for word in paragraph.split(" "):
                candidate = f"{current} {word}" if current else word
                # Measured shaped but not cached: prefixes must not crowd out real outputs.
                if current and measure.get_extents(shape_uncached(candidate))[0] > width:
                    lines.append(current)
                    current = word
                else:
                    current = candidate
            lines.append(current)
        return shape("\n".join(lines))


class KButton(FreshTexture, ButtonBehavior, Label):
    """A big rounded button. ``kind``: primary, secondary, danger, quiet."""

    kind = StringProperty("primary")
    icon = StringProperty("")
    selected = BooleanProperty(False)
    outlined = BooleanProperty(False)   # set by the kv rule: quiet buttons and high contrast

    def on_text(self, _: Any, value: str) -> None:
        if needs_shaping(value):   # deferred for the same reason as KLabel's
            Clock.schedule_once(lambda _dt: self._apply_shape(value), -1)

    def _apply_shape(self, value: str) -> None:
        if str(self.text) == value:  # type: ignore[has-type]
            self.text = shape(value)


class Card(BoxLayout):
    fill = ColorProperty(None, allownone=True)
    radius = NumericProperty(18)


class ItemRow(DirBox):
    """One line of the borrow/return list: status mark, title, what to do.

    A RecycleView row: its properties come from the line's data (the height
    too), and the same row shows other lines as the list scrolls. The button
    (``action_text``) exists only while a line has one, so a row without
    draws nothing for it. ``fit(key, height)``: told when the text needs more
    height than the line was given."""

    key = StringProperty("")
    mark = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    tone = StringProperty("text")
    item_id = StringProperty("")
    action_text = StringProperty("")                     # a button on the row ("" = none)
    action = ObjectProperty(None, allownone=True)        # what the button does
    fit = ObjectProperty(None, allownone=True)

    def __init__(self, **kwargs: Any) -> None:
        self._button: Any = None
        super().__init__(**kwargs)

    def on_action_text(self, _: Any, text: str) -> None:
        if text and self._button is None:
            self._button = RowAction(row=self)
        if self._button is None:
            return
        if text and self._button.parent is None:
            self.add_widget(self._button, index=0)
        elif not text and self._button.parent is self:
            self.remove_widget(self._button)

    def needs(self, box_height: float, unit: float, touch: float) -> None:
        """The text box was laid out: ask for more height if it does not fit."""
        needed = max(touch, box_height + unit * 2)
        if self.fit is not None and needed > self.height + 0.5:
            self.fit(self.key, needed)

    def run_action(self) -> None:
        if self.action is not None:
            self.action()


class ClippedRecycleView(RecycleView):
    """A RecycleView that clips its rows with the GL scissor instead of the
    stencil buffer (``widgets.kv`` replaces StencilView's canvas): with software
    GL the stencil test on every row's pixels cost a third of a frame. The
    scissor is a window rectangle (:attr:`clip`), kept up to date by
    :meth:`reclip` when the view or its screen moves."""

    clip = ListProperty([0, 0, 1, 1])

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.fbind("pos", self.reclip)
        self.fbind("size", self.reclip)

    def reclip(self, *_: Any) -> None:
        x, y = self.to_window(self.x, self.y)
        self.clip = [int(x), int(y), max(1, int(self.width)), max(1, int(self.height))]


class RowAction(KButton):
    """The button of an :class:`ItemRow` (accept a rental charge)."""

    row = ObjectProperty(None, allownone=True)


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

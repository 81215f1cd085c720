"""The visible focus ring of keypad operation (EN 301 549 5.1.6): drawn on
the focused widget's own canvas (``canvas.after``), so it moves, scrolls and
clips with the widget, and is above the widget's text. Two lines, dark and
bright, so it shows on every background of both themes.

The ring follows the widget's position and size until it moves to another
widget or is hidden; a widget inside a scrolled list (or the zoom view) is
scrolled into view first, as a patron's finger would.
"""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.graphics import Color, InstructionGroup, Line

__all__ = ["FocusRing", "scroll_into_view"]

RING_WIDTH = 4.0
RING_GAP = 5.0


def scroll_into_view(widget: Any) -> None:
    """Scroll every ScrollView around ``widget`` (a list, the zoom view) so it shows."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    for _ in range(64):   # the window is its own parent: the walk must be bounded
        if parent is None or parent.parent is parent:
            return
        # A RecycleView (the item list) is scrolled by its screen, from its data (its
        # rows' positions lag a frame behind, and Kivy's scroll_to cannot read its
        # layout's pending state): see ItemsScreen.focus_target.
        if isinstance(parent, ScrollView) and parent.children and not hasattr(parent, "refresh_from_data"):
            viewport = parent.children[0]
            if viewport.height > parent.height or viewport.width > parent.width:
                parent.scroll_to(widget, padding=RING_GAP * 3, animate=False)
        parent = parent.parent


class FocusRing:
    """``show(widget)`` draws the ring on ``widget`` (and takes it off the
    last one); ``hide()`` takes it off."""

    def __init__(self, theme: Any) -> None:
        self.theme = theme
        self.widget: Any = None
        self._group: InstructionGroup | None = None
        self._lines: tuple[Line, Line] | None = None

    def show(self, widget: Any) -> None:
        widget = widget.__self__          # the widget itself, not a kv ``ids`` weak proxy
        if widget is not self.widget:
            self.hide()
            self.widget = widget
            group = InstructionGroup()
            dark, bright = self.theme.text, self.theme.accent
            outer, inner = Line(width=RING_WIDTH), Line(width=RING_WIDTH * 0.7)
            for colour, line in ((dark, outer), (bright, inner)):
                group.add(Color(*colour))
                group.add(line)
            widget.canvas.after.add(group)
            self._group, self._lines = group, (outer, inner)
            widget.bind(pos=self._draw, size=self._draw)
        scroll_into_view(widget)
        # Again once a list that has just been filled in is laid out (the next frames).
        Clock.schedule_once(lambda _dt: self._scroll(widget), 0.05)
        self._draw()

    def _scroll(self, widget: Any) -> None:
        if widget is self.widget:
            scroll_into_view(widget)

    def hide(self) -> None:
        widget, group = self.widget, self._group
        self.widget, self._group, self._lines = None, None, None
        if widget is not None:
            widget.unbind(pos=self._draw, size=self._draw)
            if group is not None:
                widget.canvas.after.remove(group)

    def _draw(self, *_: Any) -> None:
        widget, lines = self.widget, self._lines
        if widget is None or lines is None:
            return
        outer, inner = lines
        gap = RING_GAP
        radius = min(widget.height / 2.0 + gap, self.theme.unit * 2.2 + gap)
        outer.rounded_rectangle = (widget.x - gap, widget.y - gap, widget.width + 2 * gap,
                                   widget.height + 2 * gap, radius)
        inner.rounded_rectangle = (widget.x - gap + RING_WIDTH, widget.y - gap + RING_WIDTH,
                                   widget.width + 2 * gap - 2 * RING_WIDTH, widget.height + 2 * gap - 2 * RING_WIDTH,
                                   max(1.0, radius - RING_WIDTH))

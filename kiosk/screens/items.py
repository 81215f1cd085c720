"""Borrow and Return: one screen, a live list that fills as tags are read.

Each row says in plain words what happened and what to do next (the
station's translated ``message``); multi-part and security problems arrive
as instructions, never codes. A count and a visible finish button stay on
screen the whole time.

The list is a RecycleView: a line is data (:attr:`ItemsScreen.lines`), and
only the rows on screen exist as widgets, built once and reused as the list
scrolls or a line changes. Results that arrive in one frame are published
together, so the list is laid out once per frame, not once per result. A
line's height is measured from its text (:func:`text_height`) before it is
shown; a row whose text turns out taller corrects it (:meth:`ItemsScreen.fit`).
"""

from __future__ import annotations

import math
from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty

from kiosk.events import Instruction, ItemResult, ItemStatus, SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv

MARKS = {"ok": "\u2714", "error": "\u2716", "warn": "!", "text": "\u2026"}
PREPARE_AFTER = 1.0      # seconds after start-up: the rows are built while the attract screen waits

_HEIGHTS: dict[tuple[str, float, float, bool], float] = {}     # measured text heights, bounded


def tone_of(result: ItemResult) -> str:
    if result.status is ItemStatus.PENDING:
        return "text"
    if result.ok:
        return "warn" if (result.warning or result.instruction not in (Instruction.NONE,)) else "ok"
    if result.status in (ItemStatus.INCOMPLETE, ItemStatus.CONFIRM_FEE):
        return "warn"
    return "error"


def text_height(text: str, width: float, font_size: float, bold: bool = False) -> float:
    """Height of ``text`` wrapped at ``width`` pixels (a KLabel's ``texture_size[1]``), measured without drawing."""
    if not text:
        return 0.0
    key = (text, round(width), round(font_size, 2), bold)
    found = _HEIGHTS.get(key)
    if found is None:
        from kivy.core.text import Label as CoreLabel

        if len(_HEIGHTS) > 4000:
            _HEIGHTS.clear()
        found = _HEIGHTS[key] = float(CoreLabel(text=text, font_size=font_size, bold=bold,
                                                text_size=(max(1.0, width), None)).render()[1])
    return found


class ItemsScreen(KioskScreen):
    mode = StringProperty("borrow")       # borrow | return
    count = NumericProperty(0)
    count_text = StringProperty("")
    anonymous = NumericProperty(0)
    def __init__(self, **kwargs: Any) -> None:
        #: item key -> its line (the RecycleView's data for that row), in arrival order
        self.lines: dict[str, dict[str, Any]] = {}
        self._ok: dict[str, bool] = {}
        self._focus_key = ""             # the line the keypad's focus is on, if any
        self._publish_trigger = Clock.create_trigger(self._publish, -1)
        self._remeasure_trigger = Clock.create_trigger(self._remeasure, -1)
        super().__init__(**kwargs)      # the kv rule is applied (on_kv_post) in here

    @property
    def _rows(self) -> dict[str, dict[str, Any]]:
        """The lines (kept under this name for tools and tests)."""
        return self.lines

    def on_kv_post(self, _base: Any) -> None:
        theme = self.app.theme
        theme.bind(f_body=self._remeasure_trigger, unit=self._remeasure_trigger, touch=self._remeasure_trigger)
        self.ids.rows.bind(width=self._remeasure_trigger)
        Clock.schedule_once(lambda _dt: self.prepare_rows(), PREPARE_AFTER)

    def prepare_rows(self, count: int | None = None) -> None:
        """Build the row widgets ahead, one per frame while the kiosk waits for a
        patron: building one from its kv rule takes longer than a frame should,
        so a stack must find them ready. ``count``: enough to fill the list."""
        from kivy.core.window import Window

        from kiosk.screens.widgets import ItemRow

        if count is None:      # the list takes well under two thirds of the window
            count = int(Window.height * 0.6 / max(1.0, self.app.theme.touch)) + 2
        adapter = self.ids.rows.view_adapter
        blank = {"key": "", "item_id": "", "tone": "text", "mark": "", "title": "", "detail": "",
                 "action_text": "", "action": None, "fit": None}

        def build(_dt: float, left: int) -> None:
            if left <= 0 or self.lines:
                return
            # Left with the list's spare (dirty) views, under an index no line has: the list
            # takes it for its next row.
            adapter.dirty_views[ItemRow][-left] = adapter.create_view(-left, blank, ItemRow)
            Clock.schedule_once(lambda dt: build(dt, left - 1), 0)
        build(0.0, count)

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh_count()
        self.ids.rows.reclip()

    def on_pos(self, *_: Any) -> None:
        self.ids.rows.reclip()      # the list's scissor is in window coordinates

    def reset(self, mode: str) -> None:
        self.mode = mode
        self.lines, self._ok = {}, {}
        self._focus_key = ""
        self.ids.rows.data = []
        self.refresh_count()

    def detail_for(self, r: ItemResult) -> str:
        tr, app = self.tr, self.app
        parts = []
        if r.status is ItemStatus.PENDING:
            parts.append(tr("Checking\u2026"))
        elif r.message:
            pass  # the station's message already says it (and the due date)
        elif r.status in (ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS) and r.due_display:
            parts.append(tr("Due back {date}").format(date=r.due_display))
        elif r.status is ItemStatus.RETURNED:
            parts.append(tr("Returned"))
        if r.message:
            parts.append(r.message)
        if r.warning:
            parts.append(r.warning)
        parts.extend(m for m in r.ils_message if m and m not in parts)
        return app.shape("\n".join(parts))

    def add_result(self, r: ItemResult) -> None:
        lines = self.lines
        key = r.item_id or ",".join(r.uids)
        tone = tone_of(r)
        line: dict[str, Any] = {"key": key, "item_id": r.item_id, "tone": tone, "mark": MARKS[tone],
                                "title": self.app.shape(r.title or r.item_id or self.tr("Unknown item")),
                                "detail": self.detail_for(r), "action_text": "", "action": None, "fit": self.fit}
        if r.status is ItemStatus.CONFIRM_FEE:
            # A rental charge: borrowing it is the patron's choice, one tap.
            line["action_text"] = self.app.shape(self.tr("Accept {amount}").format(amount=r.fee))
            line["action"] = lambda item_id=r.item_id: self.station.accept_fee(item_id)
        line["height"] = self.row_height(line)
        lines[key] = line
        self._ok[key] = r.ok
        self.refresh_count()
        self._publish_trigger()

    # -- the list ----------------------------------------------------------------------------
    def row_height(self, line: dict[str, Any]) -> float:
        """The height a row needs for ``line`` (the ItemRow rule's layout, in numbers)."""
        theme = self.app.theme
        u = theme.unit
        width = (self.ids.rows.width or self.width) - 2 * 1.5 * u - 6 * u - 1.5 * u
        if line["action_text"]:
            width -= theme.target * 3.2 + 1.5 * u
        text = (text_height(line["title"], width, theme.f_body, True) + 0.4 * u
                + text_height(line["detail"], width, theme.f_body))
        return float(max(theme.touch, math.ceil(text + 2 * u)))

    def fit(self, key: str, needed: float) -> None:
        """A row found its text taller than measured (a font's rounding): give it the room."""
        line = self.lines.get(key)
        # A rounding costs a line at most; more is a recycled row measured
        # before it had its width (a frame later it fits), and is ignored.
        if line is not None and line["height"] + 0.5 < needed <= line["height"] + 2 * self.app.theme.f_body:
            line["height"] = float(math.ceil(needed))
            self._publish_trigger()

    def _remeasure(self, *_: Any) -> None:
        for line in self.lines.values():
            line["height"] = self.row_height(line)
        self._publish_trigger()

    def _publish(self, *_: Any) -> None:
        rows = self.ids.rows
        grown = len(self.lines) > len(rows.data)
        # Copies: the list lays its rows out again only when its data compares unequal.
        rows.data = [dict(line) for line in self.lines.values()]
        if self._focus_key in self.lines:
            self._scroll_to(self._focus_key)       # the keypad's row stays in view
        elif grown:
            # Newest line in view; a short list stays at the top (scroll_y 0 would pin it to the bottom).
            content = sum(line["height"] for line in rows.data) + self.app.theme.unit * max(0, len(rows.data) - 1)
            rows.scroll_y = 0 if content > rows.height else 1

    def refresh_count(self) -> None:
        done = sum(1 for ok in self._ok.values() if ok)
        self.count = done
        if self.mode == "borrow":
            text = self.app.ngettext("{n} item borrowed", "{n} items borrowed", done)
        else:
            text = self.app.ngettext("{n} item returned", "{n} items returned", done)
        self.count_text = self.app.shape(text.format(n=done))

    def update(self, view: SessionView) -> None:
        self.anonymous = 1 if view.patron is None else 0
        for item in view.items:
            if (self.mode == "borrow") == (item.action in ("borrow", "renew")):
                self.add_result(item)

    def focus_target(self, control_id: str) -> Any:
        """An ``item:KEY`` control is its row: the list is first scrolled so the
        line shows whole (reckoned from the lines' heights, which the rows are
        laid out from: a recycled row's own position lags a frame behind the
        scroll). Until the row is laid out there, the list is the target."""
        kind, _, key = control_id.partition(":")
        self._focus_key = key if kind == "item" else ""
        self.focus_pending = False
        if kind != "item":
            return super().focus_target(control_id)
        rows = self.ids.rows
        if key in self.lines:
            self._scroll_to(key)
        layout = rows.children[0] if rows.children else None
        row = self.find_row(layout, key, "key") if layout is not None else None
        self.focus_pending = row is None and key in self.lines
        return rows if row is None else row

    def _scroll_to(self, key: str) -> None:
        """Scroll the least that shows line ``key`` whole, with a margin."""
        rows, unit = self.ids.rows, self.app.theme.unit
        heights = [line["height"] for line in self.lines.values()]
        index = list(self.lines).index(key)
        content = sum(heights) + unit * max(0, len(heights) - 1)
        room = content - rows.height
        if room <= 0:
            return
        top = sum(heights[:index]) + unit * index           # the line's top, from the content's top
        bottom = top + heights[index]
        shown = (1.0 - rows.scroll_y) * room                 # the content's first pixel in view
        margin = min(unit, max(0.0, (rows.height - heights[index]) / 2))
        if top - margin < shown:
            shown = top - margin
        elif bottom + margin > shown + rows.height:
            shown = bottom + margin - rows.height
        else:
            return
        rows.scroll_y = min(1.0, max(0.0, 1.0 - shown / room))

    def finish(self) -> None:
        self.station.finish()

    def back(self) -> None:
        self.station.go_home()


load_kv(__file__)

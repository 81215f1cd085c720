"""Borrow and Return: one screen, a live list that fills as tags are read.

Each row says in plain words what happened and what to do next (the
station's translated ``message``); multi-part and security problems arrive
as instructions, never codes. A count and a visible finish button stay on
screen the whole time."""

from __future__ import annotations

from typing import Any

from kivy.properties import NumericProperty, StringProperty

from kiosk.events import Instruction, ItemResult, ItemStatus, SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import ItemRow, load_kv

MARKS = {"ok": "\u2714", "error": "\u2716", "warn": "!", "text": "\u2026"}


def tone_of(result: ItemResult) -> str:
    if result.status is ItemStatus.PENDING:
        return "text"
    if result.ok:
        return "warn" if (result.warning or result.instruction not in (Instruction.NONE,)) else "ok"
    if result.status in (ItemStatus.INCOMPLETE, ItemStatus.CONFIRM_FEE):
        return "warn"
    return "error"


class ItemsScreen(KioskScreen):
    mode = StringProperty("borrow")       # borrow | return
    count = NumericProperty(0)
    count_text = StringProperty("")
    anonymous = NumericProperty(0)
    _rows: dict[str, ItemRow] | None = None   # item id -> its line; made by reset()

    def on_pre_enter(self, *_: Any) -> None:
        self.refresh_count()

    def reset(self, mode: str) -> None:
        self.mode = mode
        self.ids.rows.clear_widgets()
        self._rows = {}
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
        if self._rows is None:
            self.reset(self.mode)
        rows = self._rows
        assert rows is not None  # reset() made them
        key = r.item_id or ",".join(r.uids)
        row = rows.get(key)
        if row is None:
            row = ItemRow(item_id=r.item_id)
            rows[key] = row
            self.ids.rows.add_widget(row)   # children[0] is laid out last: the newest line at the bottom
        tone = tone_of(r)
        row.ok_result = r.ok
        row.tone = tone
        row.mark = MARKS[tone]
        row.title = self.app.shape(r.title or r.item_id or self.tr("Unknown item"))
        row.detail = self.detail_for(r)
        if r.status is ItemStatus.CONFIRM_FEE:
            # A rental charge: borrowing it is the patron's choice, one tap.
            row.action_text = self.app.shape(self.tr("Accept {amount}").format(amount=r.fee))
            row.action = lambda item_id=r.item_id: self.station.accept_fee(item_id)
        else:
            row.action_text, row.action = "", None
        self.refresh_count()
        # Newest row in view; a short list stays at the top (scroll_y 0 would pin it to the bottom).
        scroll = self.ids.scroll
        scroll.scroll_y = 0 if self.ids.rows.height > scroll.height else 1

    def refresh_count(self) -> None:
        rows = self._rows or {}
        done = sum(1 for row in rows.values() if row.ok_result)   # set with the row (add_result)
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
        kind, _, key = control_id.partition(":")
        if kind != "item":
            return super().focus_target(control_id)
        row = (self._rows or {}).get(key)
        return row if row is not None else self.find_row(self.ids.rows, key, "item_id")

    def finish(self) -> None:
        self.station.finish()

    def back(self) -> None:
        self.station.go_home()


load_kv(__file__)

"""My account: loans with due dates and overdue marks (renew one / renew
all), holds ready for pickup, fines with the total and a pay button when a
payment device is fitted. Everything comes from the station's AccountView.
A renewed loan moves down the list (it is due later): the list scrolls to it."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.events import AccountView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import KButton, KLabel, load_kv


class LoanLine(BoxLayout):
    item_id = StringProperty("")
    title = StringProperty("")
    detail = StringProperty("")
    overdue = BooleanProperty(False)
    can_renew = BooleanProperty(True)


class AccountScreen(KioskScreen):
    summary = StringProperty("")
    message = StringProperty("")
    result = StringProperty("")             # the last renewal or payment, until the patron leaves
    result_ok = BooleanProperty(True)
    fines_total = StringProperty("")
    can_renew = BooleanProperty(False)
    can_pay = BooleanProperty(False)
    loading = BooleanProperty(True)
    renewed = StringProperty("")            # the loan the patron renewed last: kept in view
    _kept: LoanLine | None = None           # its row in the list now

    def on_pre_enter(self, *_: Any) -> None:
        self.result = ""
        self.renewed = ""
        self._keep(None)
        if self.station.account() is None:
            self.loading = True

    def show(self, account: AccountView) -> None:
        tr, app = self.tr, self.app
        self.loading = False
        self.can_renew = account.can_renew and bool(account.loans)
        self.can_pay = account.can_pay and account.fines_total not in ("", "0", "0.00")
        self.fines_total = account.fines_total_display or app.money(account.fines_total, account.currency)
        # An account arrives in parts (loans_pending): lines are updated in place, not rebuilt.
        lines: list[dict[str, Any]] = []
        for loan in account.loans:
            due = tr("Due {date}").format(date=loan.due_display or loan.due_date) if loan.due_date else "\u2026"
            if loan.overdue:
                due = tr("Overdue! Was due {date}").format(date=loan.due_display or loan.due_date)
            lines.append({"item_id": loan.item_id, "title": app.shape(loan.title or loan.item_id),
                          "detail": app.shape(due), "overdue": loan.overdue, "can_renew": self.can_renew})
        if not account.loans:
            lines.append({"text": tr("You have nothing on loan."), "tone": "muted", "focus_key": ""})
        _fill(self.ids.loans, lines)
        self._keep(next((w for w in self.ids.loans.children
                         if isinstance(w, LoanLine) and self.renewed and w.item_id == self.renewed), None))
        # focus_key: the keypad's focus ring finds a hold or a fine by it.
        texts = [{"text": app.shape("\u2605 " + (hold.title or hold.item_id)), "tone": "text",
                  "focus_key": f"hold:{hold.item_id}"} for hold in account.holds_ready]
        _fill(self.ids.holds, texts or [{"text": tr("No holds are waiting for you."), "tone": "muted",
                                         "focus_key": ""}])
        _fill(self.ids.fines, [{"text": app.shape(f"{fine.description or fine.fee_id}: "
                                                  f"{fine.amount_display or app.money(fine.amount, account.currency)}"),
                                "tone": "text", "focus_key": f"fine:{fine.fee_id}"} for fine in account.fines])
        counts = [app.ngettext("{n} item on loan", "{n} items on loan", len(account.loans)).format(n=len(account.loans))]
        if account.overdue_count:
            counts.append(app.ngettext("{n} overdue", "{n} overdue", account.overdue_count)
                          .format(n=account.overdue_count))
        if account.loans_pending:            # a long account still filling in
            counts.append(tr("Loading your account\u2026"))
        self.summary = app.shape(" \u00B7 ".join(counts))
        self.message = app.shape("\n".join([account.message, *account.ils_message]).strip())

    def show_result(self, text: str, ok: bool) -> None:
        self.result, self.result_ok = self.app.shape(text), ok

    def focus_target(self, control_id: str) -> Any:
        kind, _, key = control_id.partition(":")
        if kind == "loan":
            return self.find_row(self.ids.loans, key, "item_id")
        if kind in ("hold", "fine"):
            return self.find_row(self.ids.holds if kind == "hold" else self.ids.fines, control_id)
        return super().focus_target(control_id)

    def on_kv_post(self, *_: Any) -> None:
        # Rows find their places and heights over the next frames (wrapped titles): the list
        # scrolls each time the renewed row or the list moves, until the patron leaves.
        self._scroll_trigger = Clock.create_trigger(self._keep_in_view)
        self.ids.loans.bind(height=lambda *_: self._scroll_trigger())
        self.ids.scroll.bind(height=lambda *_: self._scroll_trigger())

    def _keep(self, row: LoanLine | None) -> None:
        """Follow ``row`` (the renewed loan's line; lines are reused, so it may change)."""
        if row is not self._kept:
            if self._kept is not None:
                self._kept.unbind(pos=self._kept_moved, height=self._kept_moved)
            self._kept = row
            if row is not None:
                row.bind(pos=self._kept_moved, height=self._kept_moved)
        if row is not None:
            # A reused line may show the renewed loan without moving: scroll to it now too.
            self._scroll_trigger()

    def _kept_moved(self, *_: Any) -> None:
        self._scroll_trigger()

    def _keep_in_view(self, *_: Any) -> None:
        row, scroll = self._kept, self.ids.scroll
        if row is None or row not in self.ids.loans.children:
            return
        content = scroll.children[0]
        room = content.height - scroll.height
        if room <= 0:
            return
        pad = self.app.theme.unit
        low = row.to_window(row.x, row.y)[1] - content.to_window(content.x, content.y)[1]   # above the content's foot
        bottom = scroll.scroll_y * room                                 # the content's lowest line in view
        if low - pad < bottom:
            bottom = low - pad
        elif low + row.height + pad > bottom + scroll.height:
            bottom = low + row.height + pad - scroll.height
        scroll.scroll_y = min(1.0, max(0.0, bottom / room))

    def renew(self, item_id: str) -> None:
        self.renewed = item_id
        self.station.renew(item_id)

    def renew_all(self) -> None:
        self.station.renew_all()

    def pay(self) -> None:
        account = self.station.account()
        if account is not None:
            self.station.pay(None, account.fines_total)

    def back(self) -> None:
        self.station.go_home()

    def finish(self) -> None:
        self.station.finish()


def _fill(box: Any, lines: list[dict[str, Any]]) -> None:
    """Show ``lines`` in ``box``: a loan's (``item_id`` ...) as a LoanLine, others
    (``text``, ``tone``) as a KLabel; the widgets already there are reused."""
    children = list(reversed(box.children))          # top to bottom
    for i, line in enumerate(lines):
        kind = LoanLine if "item_id" in line else KLabel
        if i < len(children) and type(children[i]) is kind:
            for key, value in line.items():
                setattr(children[i], key, value)
            continue
        for extra in children[i:]:
            box.remove_widget(extra)
        children = children[:i]
        widget = kind()
        for key, value in line.items():       # not as keywords: focus_key is no Kivy property
            setattr(widget, key, value)
        box.add_widget(widget)
        children.append(widget)
    for extra in children[len(lines):]:
        box.remove_widget(extra)


__all__ = ["AccountScreen", "LoanLine", "KButton"]

load_kv(__file__)

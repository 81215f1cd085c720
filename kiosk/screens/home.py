"""Patron home: Borrow / Return / My account, with what the patron should
know first: the greeting with the patron's name, holds ready, fines, a block,
then any message from the library the kiosk does not already say (the core
quotes it and leaves out the rest: kiosk/station/library_words.py)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.events import SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class HomeScreen(KioskScreen):
    greeting = StringProperty("")
    status = StringProperty("")
    warning = StringProperty("")
    can_borrow = BooleanProperty(True)

    def borrow(self) -> None:
        self.station.start_borrow()

    def return_items(self) -> None:
        self.station.start_return()

    def account(self) -> None:
        self.station.open_account()

    def finish(self) -> None:
        self.station.finish()

    def update(self, view: SessionView) -> None:
        p = view.patron
        if p is None:
            return
        tr, app = self.tr, self.app
        self.greeting = app.shape(tr("Hello, {name}").format(name=p.display_name) if p.display_name.strip()
                                  else tr("Hello!"))
        notes = []
        if p.holds_ready:
            notes.append(app.ngettext("{n} hold is ready for you to pick up.",
                                      "{n} holds are ready for you to pick up.", p.holds_ready).format(n=p.holds_ready))
        if p.fines_total and p.fines_total.strip("0.,") != "":
            notes.append(tr("Fines to pay: {amount}").format(amount=app.money(p.fines_total, p.currency)))
        if p.offline and not view.message:
            notes.append(app.ngettext("The library system is offline: you can borrow {n} more item.",
                                      "The library system is offline: you can borrow {n} more items.",
                                      p.offline_left).format(n=p.offline_left))
        self.status = app.shape("\n".join(notes))
        warn = []
        if not p.can_borrow:
            warn.append(p.blocked_reason or tr("Borrowing is not possible on this card. Please ask at the desk."))
        if view.message and view.message not in warn:
            warn.append(view.message)
        warn.extend(p.ils_message)           # the library's own messages, quoted; none the screen already says
        self.warning = app.shape("\n".join(w for w in warn if w))
        self.can_borrow = p.can_borrow


load_kv(__file__)

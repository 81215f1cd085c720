"""Receipt choice: print, email or none (only what the station offers now:
a printer out of paper removes "print", not the whole kiosk)."""

from __future__ import annotations

from kivy.properties import BooleanProperty, StringProperty

from kiosk.events import SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class ReceiptScreen(KioskScreen):
    can_print = BooleanProperty(True)
    can_email = BooleanProperty(False)
    message = StringProperty("")
    busy = BooleanProperty(False)

    def update(self, view: SessionView) -> None:
        options = view.receipt_options or self.station.receipt_options()
        self.can_print = "print" in options
        self.can_email = "email" in options
        self.message = self.app.shape(view.message)
        self.busy = False

    def choose(self, choice: str) -> None:
        if self.busy:
            return
        self.busy = choice != "none"
        self.message = self.tr("Printing your receipt\u2026") if choice == "print" else (
            self.tr("Sending your receipt\u2026") if choice == "email" else "")
        self.station.choose_receipt(choice)

    def failed(self, message: str) -> None:
        self.busy = False
        self.message = self.app.shape(message)


load_kv(__file__)

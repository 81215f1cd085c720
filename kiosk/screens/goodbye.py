"""Goodbye: thanks, what happened (the station's message) and a reminder to
take the card and items; the app returns to the attract screen after
``[ui] goodbye_seconds``."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class GoodbyeScreen(KioskScreen):
    message = StringProperty("")

    def show(self, message: str) -> None:
        self.message = self.app.shape(message)

    def done(self) -> None:
        self.app.go_attract()


load_kv(__file__)

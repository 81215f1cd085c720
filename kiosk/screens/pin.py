"""PIN pad: big keys, dots instead of digits, clear and backspace. The PIN
goes straight to the station and is never kept or logged here."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.events import SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class PinScreen(KioskScreen):
    greeting = StringProperty("")
    message = StringProperty("")
    error = BooleanProperty(False)       # the last PIN was wrong

    def on_pre_enter(self, *_: Any) -> None:
        self.ids.pad.entry = ""

    def submit(self, pin: str) -> None:
        self.station.enter_pin(pin)

    def cancel(self) -> None:
        self.ids.pad.entry = ""
        self.station.end_session()

    def update(self, view: SessionView) -> None:
        name = view.patron.display_name if view.patron else ""
        self.greeting = self.app.shape(self.tr("Hello, {name}").format(name=name)) if name else ""
        message = view.message
        self.error = bool(view.pin_tries_left and view.pin_tries_left < self.app.config_pin_attempts)
        if self.error:
            message = (message + "\n" if message else "") + self.app.ngettext(
                "{n} try left", "{n} tries left", view.pin_tries_left).format(n=view.pin_tries_left)
        self.message = self.app.shape(message)


load_kv(__file__)

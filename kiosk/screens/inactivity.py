"""The inactivity warning: a dialog over any patron screen with the countdown
the station sends; "I'm still here" restarts the station's clock."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView

from kiosk.screens.widgets import load_kv


class InactivityWarning(ModalView):
    seconds = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(auto_dismiss=False, **kwargs)

    def still_here(self) -> None:
        App.get_running_app().station.touch()
        self.dismiss()

    def end_now(self) -> None:
        App.get_running_app().station.end_session()
        self.dismiss()


load_kv(__file__)

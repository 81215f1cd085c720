"""The inactivity warning: a dialog over any patron screen with the countdown
the station sends; "More time" restarts the station's clock (WCAG 2.2.1)."""

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

    # Closed at once, as the router closes it: the screen beneath is live again
    # (and announced) the moment the patron has answered.
    def still_here(self) -> None:
        App.get_running_app().station.touch()
        self.dismiss(animation=False)

    def end_now(self) -> None:
        App.get_running_app().station.end_session()
        self.dismiss(animation=False)


load_kv(__file__)

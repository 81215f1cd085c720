"""Out of service: the kiosk cannot take patrons (a required device failed,
or the ILS is down and offline service is off). Says why, in plain words;
staff can still open staff mode from the logo."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class OutOfServiceScreen(KioskScreen):
    reason = StringProperty("")

    def show(self, reason: str) -> None:
        self.reason = self.app.shape(reason)


load_kv(__file__)

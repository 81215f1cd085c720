"""Staff sign-in: the staff PIN on a pad, or a staff badge (the demo panel
and badge readers call :meth:`KioskApp.staff_badge`). Checked by
:mod:`kiosk.staff` (salted scrypt, lockout after repeated failures) on a
worker thread, since scrypt takes a noticeable fraction of a second."""

from __future__ import annotations

from kivy.properties import StringProperty

from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import load_kv


class StaffLoginScreen(KioskScreen):
    message = StringProperty("")

    def on_pre_enter(self, *_: object) -> None:
        self.ids.pad.entry = ""
        self.message = ""

    def submit(self, pin: str) -> None:
        self.message = self.tr("Checking\u2026")
        self.app.staff_pin(pin)

    def cancel(self) -> None:
        self.app.leave_staff()


load_kv(__file__)

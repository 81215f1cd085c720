"""The frame around every screen: header (logo, library name, large-text and
contrast switches), offline banner, the screen manager, a notice strip and
the footer. The logo is also the hidden way into staff mode (five taps within
three seconds), so no patron-visible button leads there."""

from __future__ import annotations

import time
from typing import Any

from kivy.clock import Clock
from kivy.properties import NumericProperty, StringProperty
from kivy.uix.behaviors import ButtonBehavior
from kivy.uix.boxlayout import BoxLayout
from kivy.uix.image import Image

from kiosk.screens.widgets import load_kv

STAFF_TAPS = 5
STAFF_TAP_WINDOW = 3.0
NOTICE_SECONDS = 7.0


class LogoButton(ButtonBehavior, Image):
    """The library's logo; five taps open the staff sign-in."""


class KioskShell(BoxLayout):
    library_name = StringProperty("")
    logo = StringProperty("")
    footer = StringProperty("")
    banner = StringProperty("")          # offline banner text ("" = hidden)
    notice = StringProperty("")
    notice_level = StringProperty("info")
    taps = NumericProperty(0)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._tap_times: list[float] = []
        self._notice_event: Any = None

    @property
    def sm(self) -> Any:
        return self.ids.sm

    def logo_tapped(self) -> None:
        now = time.monotonic()
        self._tap_times = [t for t in self._tap_times if now - t < STAFF_TAP_WINDOW] + [now]
        if len(self._tap_times) >= STAFF_TAPS:
            self._tap_times = []
            from kivy.app import App
            App.get_running_app().open_staff_login()

    def show_notice(self, text: str, level: str = "info", seconds: float = NOTICE_SECONDS) -> None:
        self.notice, self.notice_level = text, level
        if self._notice_event is not None:
            self._notice_event.cancel()
        self._notice_event = Clock.schedule_once(lambda _dt: self.clear_notice(), seconds) if text else None

    def clear_notice(self) -> None:
        self.notice = ""


load_kv(__file__)

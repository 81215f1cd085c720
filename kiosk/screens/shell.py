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
# Low layout on a portrait screen: the share of the flexible height left empty
# at the top, so every control sits in the lower part (about the lower 60 %,
# within a seated reach: EN 301 549 8.3.2).
LOW_TOP = 0.6


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
        self._zoom_view: Any = None       # the pannable view around the screens while zoomed
        self._low_top: Any = None         # the empty top of the low layout

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

    # -- magnification and low reach -------------------------------------------------
    @property
    def screen_area(self) -> Any:
        """The screens, or the zoom view holding them."""
        return self._zoom_view if self._zoom_view is not None else self.sm

    def set_zoom(self, zoom: float) -> None:
        """Zoomed, the screens are laid out ``zoom`` times larger (the theme
        scales text and sizes) inside a view the patron pans with a finger;
        the focus ring scrolls it to the focused control."""
        from kivy.effects.scroll import ScrollEffect
        from kivy.uix.scrollview import ScrollView

        sm = self.sm
        if zoom > 1.0 and self._zoom_view is None:
            view = ScrollView(do_scroll_x=True, do_scroll_y=True, effect_cls=ScrollEffect,
                              scroll_type=["bars", "content"], bar_width=8, scroll_y=1)
            self._swap(sm, view)
            view.add_widget(sm)
            self._zoom_view = view
        elif zoom <= 1.0 and self._zoom_view is not None:
            view, self._zoom_view = self._zoom_view, None
            view.remove_widget(sm)
            self._swap(view, sm)
        sm.size_hint = (max(1.0, zoom), max(1.0, zoom))

    def set_low_layout(self, low: bool) -> None:
        """Low layout: the header (with its switches) moves to the bottom and,
        on a portrait screen, the top of the screen is left empty so every
        control is in the lower part."""
        from kivy.uix.widget import Widget

        wanted = [self.ids.header, self.ids.banner, self.screen_area, self.ids.notice_strip, self.ids.footer]
        if low:
            if self._low_top is None:
                self._low_top = Widget(size_hint_y=LOW_TOP)
            self._low_top.size_hint_y = LOW_TOP if self.height > self.width else 0.0001
            wanted = [self._low_top, self.ids.banner, self.screen_area, self.ids.notice_strip, self.ids.header,
                      self.ids.footer]
        if list(reversed(self.children)) == wanted:
            return
        self.clear_widgets()
        for widget in wanted:
            self.add_widget(widget)

    def _swap(self, old: Any, new: Any) -> None:
        index = self.children.index(old)
        self.remove_widget(old)
        self.add_widget(new, index=index)


load_kv(__file__)

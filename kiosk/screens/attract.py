"""Attract / idle screen: who we are, how to start (scan or tap a card),
returns without logging in, and the language buttons (each language named in
itself). For keypad users, the card number they type; for wheelchair users,
the low-layout switch; a long press anywhere not on a button turns speech on."""

from __future__ import annotations

from typing import Any

from kivy.clock import Clock
from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.events import SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import KButton, load_kv


LONG_PRESS = 2.0      # seconds held still that turn speech on
LONG_PRESS_SLOP = 30  # pixels a held finger may wander


class AttractScreen(KioskScreen):
    busy = StringProperty("")               # "One moment..." while the card is checked
    languages = ListProperty([])            # [(code, own name), ...]
    anonymous_return = BooleanProperty(True)

    def on_languages(self, *_: Any) -> None:
        box = self.ids.languages
        box.clear_widgets()
        for code, name in self.languages:
            button = KButton(text=self.app.shape(name), kind="secondary", size_hint_x=None,
                             width=max(self.app.theme.touch * 2.6, self.app.theme.unit * 21, self.app.theme.f_button * 6))
            button.code = code
            button.bind(on_release=lambda b: self.app.set_language(b.code))
            box.add_widget(button)
        self.mark_language(self.app.language)

    def mark_language(self, code: str) -> None:
        for button in self.ids.languages.children:
            button.selected = button.code == code   # every child is a language button (on_languages)

    def start_return(self) -> None:
        self.station.start_return()

    def toggle_low_layout(self) -> None:
        self.app.access.toggle_low_layout()

    def focus_target(self, control_id: str) -> Any:
        if control_id.startswith("lang_"):
            return self.find_row(self.ids.languages, control_id[5:], "code")
        return super().focus_target(control_id)

    # -- long press: speech on ---------------------------------------------------------
    def on_touch_down(self, touch: Any) -> bool:
        handled = super().on_touch_down(touch)
        if not handled and self.collide_point(*touch.pos):
            touch.ud["speech_press"] = Clock.schedule_once(lambda _dt: self._long_press(touch), LONG_PRESS)
        return handled

    def on_touch_up(self, touch: Any) -> bool:
        pending = touch.ud.pop("speech_press", None)
        if pending is not None:
            pending.cancel()
        return bool(super().on_touch_up(touch))

    def _long_press(self, touch: Any) -> None:
        touch.ud.pop("speech_press", None)
        if abs(touch.x - touch.ox) < LONG_PRESS_SLOP and abs(touch.y - touch.oy) < LONG_PRESS_SLOP:
            self.app.access.set_speech(True)

    def update(self, view: SessionView) -> None:
        self.busy = view.message if view.state == "identifying" else ""
        self.mark_language(view.language)


load_kv(__file__)

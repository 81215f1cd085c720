"""Attract / idle screen: who we are, how to start (scan or tap a card),
returns without logging in, and the language buttons (each language named in
itself)."""

from __future__ import annotations

from typing import Any

from kivy.properties import BooleanProperty, ListProperty, StringProperty

from kiosk.events import SessionView
from kiosk.screens.base import KioskScreen
from kiosk.screens.widgets import KButton, load_kv


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

    def update(self, view: SessionView) -> None:
        self.busy = view.message if view.state == "identifying" else ""
        self.mark_language(view.language)


load_kv(__file__)

"""Base class of every kiosk screen: access to the app (and through it the
station), and ``update(view)`` called with each new session view."""

from __future__ import annotations

from typing import Any

from kivy.app import App
from kivy.uix.screenmanager import Screen

from kiosk.events import SessionView
from kiosk.station.api import StationAPI


class KioskScreen(Screen):
    """Screens are thin: they lay out what the app hands them and forward taps."""

    @property
    def app(self) -> Any:
        return App.get_running_app()

    @property
    def station(self) -> StationAPI:
        station: StationAPI = self.app.station
        return station

    def tr(self, text: str) -> str:
        return self.app.tr(text)

    def update(self, view: SessionView) -> None:
        """A new :class:`kiosk.events.SessionView` (on the UI thread)."""

    #: Set by :meth:`focus_target` when the control's widget is not laid out
    #: yet (a list row scrolled to this frame): the ring looks again shortly.
    focus_pending = False

    def focus_target(self, control_id: str) -> Any:
        """The widget the keypad's focus ring is drawn on for ``control_id``
        (the ids of :mod:`kiosk.speech.controls`), or None. Screens with list
        rows (``item:ID``, ``loan:ID``) find them by item id, not by a fixed
        widget id, so a recycled row pool still resolves."""
        return self.ids.get(control_id)

    def find_row(self, container: Any, key: str, attribute: str = "focus_key") -> Any:
        """The child of ``container`` whose ``attribute`` is ``key`` (list rows)."""
        return next((w for w in container.children if getattr(w, attribute, None) == key), None)

    def on_touch_down(self, touch: Any) -> bool:
        # Any touch restarts the inactivity clock (the station's, not ours).
        self.app.touched()
        return bool(super().on_touch_down(touch))

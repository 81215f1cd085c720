"""Every control the keypad can activate has a way to the station (the
screens' own methods, as a tap takes); the app's table is checked here
without Kivy."""

from __future__ import annotations

from kiosk.screens.control_actions import control_actions
from kiosk.speech.focus import Action


def test_every_action_has_an_entry() -> None:
    assert set(control_actions(None, lambda: None)) == set(Action)


def test_the_low_layout_switch_is_the_one_handed_in() -> None:
    switched = []
    control_actions(None, lambda: switched.append(True))[Action.LOW_LAYOUT]("")
    assert switched == [True]

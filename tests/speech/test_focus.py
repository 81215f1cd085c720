"""The focus state machine, as tables: the controls of every patron screen,
what each key does there, and that every control is reachable by keypad."""

from __future__ import annotations

from dataclasses import replace

import pytest

from kiosk.drivers.keypad import Key, KeyPress
from kiosk.events import SessionState, SessionView
from kiosk.i18n import translator
from kiosk.speech.focus import (BACK_ACTIONS, Action, Activate, Adjust, Deleted, Focus, Moved, Repeat, Role, Say,
                                Screen, Speech, Submit, ToggleSpeech, Typed, controls_for, focus_on, press,
                                screen_for)
from speech_views import ACCOUNT, PATRON, VIEWS

EN = translator("en")
LANGS = ("en", "es", "tl", "ar")


def focus(screen: Screen, view: SessionView | None = None, rtl: bool = False) -> Focus:
    view = view or VIEWS[screen]
    return focus_on(screen, controls_for(screen, view, EN, account=ACCOUNT, languages=LANGS), rtl=rtl)


def run(start: Focus, keys: list[Key]) -> tuple[Focus, list[object]]:
    effects: list[object] = []
    for key in keys:
        start, out = press(start, KeyPress(key))
        effects.extend(out)
    return start, effects


@pytest.mark.parametrize("state, screen", [
    (SessionState.IDLE, Screen.ATTRACT), (SessionState.IDENTIFYING, Screen.IDENTIFYING),
    (SessionState.PIN_ENTRY, Screen.PIN_ENTRY), (SessionState.READY, Screen.HOME),
    (SessionState.BORROWING, Screen.BORROWING), (SessionState.RETURNING, Screen.RETURNING),
    (SessionState.ACCOUNT, Screen.ACCOUNT), (SessionState.RECEIPT, Screen.RECEIPT),
    (SessionState.ENDING, Screen.GOODBYE),
])
def test_screen_of_each_session_state(state: SessionState, screen: Screen) -> None:
    view = SessionView(state)
    assert screen_for(view) is screen
    assert screen_for(view, out_of_service=True) is Screen.OUT_OF_SERVICE
    covered = state not in (SessionState.IDLE, SessionState.ENDING)
    assert screen_for(view, warning=True) is (Screen.INACTIVITY_WARNING if covered else screen)


CONTROLS = [
    (Screen.ATTRACT, ["card", "return_button", "lang_en", "lang_es", "lang_tl", "lang_ar", "low_layout"], "card"),
    (Screen.IDENTIFYING, [], None),
    (Screen.PIN_ENTRY, ["pad", "cancel"], "pad"),
    (Screen.HOME, ["borrow", "return_items", "account", "finish"], "borrow"),
    (Screen.BORROWING, ["item:31000000000001", "item:31000000000002", "item:31000000000003",
                        "item:31000000000004", "back", "finish"], "finish"),
    (Screen.RETURNING, ["item:31000000000005", "finish"], "finish"),        # anonymous: no way "back" home
    (Screen.ACCOUNT, ["renew_all", "loan:31000000000001", "loan:31000000000009", "hold:31000000000010", "fine:f1",
                      "pay", "back", "finish"], "renew_all"),
    (Screen.RECEIPT, ["print", "email", "none"], "print"),
    (Screen.GOODBYE, ["done"], "done"),
    (Screen.OUT_OF_SERVICE, [], None),
    (Screen.INACTIVITY_WARNING, ["still_here", "end_now"], "still_here"),
]


@pytest.mark.parametrize("screen, ids, first", CONTROLS)
def test_controls_of_each_screen_in_focus_order(screen: Screen, ids: list[str], first: str | None) -> None:
    start = focus(screen)
    assert [c.id for c in start.controls] == ids
    assert (start.focused.id if start.focused else None) == first
    assert all(c.label.strip() for c in start.controls)


def test_every_patron_screen_is_in_the_tables() -> None:
    assert {screen for screen, _, _ in CONTROLS} == set(Screen) == set(BACK_ACTIONS)


@pytest.mark.parametrize("screen", list(Screen))
def test_every_control_is_reachable_and_does_something(screen: Screen) -> None:
    state = focus(screen)
    seen = []
    for _ in state.controls:
        control = state.focused
        assert control is not None
        seen.append(control.id)
        _, effects = press(state, KeyPress(Key.SELECT))
        if control.role is Role.FIELD:
            assert effects == (Say(Speech.EMPTY_FIELD),)           # nothing typed yet
        elif control.action is Action.READ:
            assert effects == (Moved(control, *state.position()),)  # a row is read again
        else:
            assert effects == (Activate(control.action, control.target),)
        state, _ = press(state, KeyPress(Key.DOWN))
    assert sorted(seen) == sorted(c.id for c in state.controls)


def test_controls_follow_the_view() -> None:
    blocked = replace(VIEWS[Screen.HOME], patron=replace(PATRON, can_borrow=False))
    assert [c.id for c in focus(Screen.HOME, blocked).controls] == ["return_items", "account", "finish"]
    loading = focus_on(Screen.ACCOUNT, controls_for(Screen.ACCOUNT, VIEWS[Screen.ACCOUNT], EN, account=None))
    assert [c.id for c in loading.controls] == ["back", "finish"]
    no_renew = controls_for(Screen.ACCOUNT, VIEWS[Screen.ACCOUNT], EN, account=replace(ACCOUNT, can_renew=False))
    assert [c.action for c in no_renew if c.id.startswith("loan:")] == [Action.READ, Action.READ]
    attract = controls_for(Screen.ATTRACT, SessionView(SessionState.IDLE, language="es"), EN, languages=LANGS,
                           anonymous_return=False, low_layout=True)
    assert [c.id for c in attract if c.selected] == ["lang_es", "low_layout"]
    assert "return_button" not in [c.id for c in attract]
    receipt = controls_for(Screen.RECEIPT, replace(VIEWS[Screen.RECEIPT], receipt_options=("none",)), EN)
    assert [c.id for c in receipt] == ["none"]


KEYS = [
    # screen, keys, focused id afterwards, effects (Moved shown as the id moved to)
    (Screen.HOME, [Key.DOWN], "return_items", ["->return_items"]),
    (Screen.HOME, [Key.UP], "finish", ["->finish"]),                                    # round the ring
    (Screen.HOME, [Key.RIGHT, Key.RIGHT, Key.SELECT], "account", ["->return_items", "->account",
                                                                  Activate(Action.ACCOUNT)]),
    (Screen.HOME, [Key.DIGIT_2, Key.DIGIT_8, Key.DIGIT_6, Key.DIGIT_4], "borrow",       # numpad navigates
     ["->return_items", "->borrow", "->return_items", "->borrow"]),
    (Screen.HOME, [Key.DIGIT_5], "borrow", [Activate(Action.BORROW)]),
    (Screen.HOME, [Key.DIGIT_1, Key.DIGIT_0], "borrow", []),
    (Screen.HOME, [Key.BACK], "borrow", [Say(Speech.NO_BACK)]),
    (Screen.HOME, [Key.ENTER], "borrow", [Activate(Action.BORROW)]),
    (Screen.HOME, [Key.HELP, Key.REPEAT, Key.VOLUME_UP, Key.VOLUME_DOWN, Key.RATE_UP, Key.RATE_DOWN, Key.SPEECH],
     "borrow", [Say(Speech.HELP), Repeat(), Adjust("volume", 1), Adjust("volume", -1), Adjust("rate", 1),
                Adjust("rate", -1), ToggleSpeech()]),
    (Screen.ATTRACT, [Key.DIGIT_2, Key.DIGIT_1, Key.ENTER], "card", ["typed 1", "typed 2",
                                                                     Submit(Action.IDENTIFY, "21")]),
    (Screen.ATTRACT, [Key.DOWN, Key.SELECT], "return_button", ["->return_button", Activate(Action.START_RETURN)]),
    (Screen.ATTRACT, [Key.DOWN, Key.DOWN, Key.DOWN, Key.SELECT], "lang_es",
     ["->return_button", "->lang_en", "->lang_es", Activate(Action.SET_LANGUAGE, "es")]),
    (Screen.ATTRACT, [Key.UP, Key.SELECT], "low_layout", ["->low_layout", Activate(Action.LOW_LAYOUT)]),
    (Screen.ATTRACT, [Key.DOWN, Key.DIGIT_7], "card", ["->return_button", "typed 1"]),    # digits go to the field
    (Screen.ATTRACT, [Key.BACK, Key.CLEAR], "card", [Say(Speech.NO_BACK), Say(Speech.EMPTY_FIELD)]),
    (Screen.PIN_ENTRY, [Key.DIGIT_4, Key.DIGIT_2, Key.CLEAR, Key.DIGIT_7, Key.ENTER], "pad",
     ["typed 1", "typed 2", "deleted 1", "typed 2", Submit(Action.ENTER_PIN, "47")]),
    (Screen.PIN_ENTRY, [Key.ENTER], "pad", [Say(Speech.EMPTY_FIELD)]),
    (Screen.PIN_ENTRY, [Key.DOWN, Key.SELECT], "cancel", ["->cancel", Activate(Action.CANCEL)]),
    (Screen.PIN_ENTRY, [Key.BACK], "pad", [Activate(Action.CANCEL)]),
    (Screen.PIN_ENTRY, [Key.DIGIT_3, Key.DOWN, Key.ENTER], "cancel", ["typed 1", "->cancel",
                                                                      Submit(Action.ENTER_PIN, "3")]),
    (Screen.BORROWING, [Key.SELECT], "finish", [Activate(Action.FINISH)]),
    (Screen.BORROWING, [Key.BACK], "finish", [Activate(Action.GO_HOME)]),
    (Screen.BORROWING, [Key.UP, Key.UP, Key.UP, Key.SELECT], "item:31000000000003",
     ["->back", "->item:31000000000004", "->item:31000000000003",
      Activate(Action.ACCEPT_FEE, "31000000000003")]),
    (Screen.BORROWING, [Key.DOWN, Key.SELECT], "item:31000000000001",
     ["->item:31000000000001", "->item:31000000000001"]),                               # Select reads a row again
    (Screen.RETURNING, [Key.BACK], "finish", [Say(Speech.NO_BACK)]),
    (Screen.ACCOUNT, [Key.DOWN, Key.SELECT], "loan:31000000000001",
     ["->loan:31000000000001", Activate(Action.RENEW, "31000000000001")]),
    (Screen.ACCOUNT, [Key.SELECT], "renew_all", [Activate(Action.RENEW_ALL)]),
    (Screen.RECEIPT, [Key.DOWN, Key.SELECT], "email", ["->email", Activate(Action.RECEIPT, "email")]),
    (Screen.RECEIPT, [Key.BACK], "print", [Say(Speech.NO_BACK)]),
    (Screen.GOODBYE, [Key.BACK], "done", [Activate(Action.DONE)]),
    (Screen.INACTIVITY_WARNING, [Key.SELECT], "still_here", [Activate(Action.MORE_TIME)]),
    (Screen.INACTIVITY_WARNING, [Key.BACK], "still_here", [Activate(Action.MORE_TIME)]),
    (Screen.INACTIVITY_WARNING, [Key.DOWN, Key.SELECT], "end_now", ["->end_now", Activate(Action.END_SESSION)]),
    (Screen.IDENTIFYING, [Key.DOWN, Key.SELECT, Key.DIGIT_5], None, [Say(Speech.NOTHING_HERE)] * 3),
    (Screen.OUT_OF_SERVICE, [Key.HELP, Key.BACK], None, [Say(Speech.HELP), Say(Speech.NO_BACK)]),
]


def shown(effect: object) -> object:
    if isinstance(effect, Moved):
        return f"->{effect.control.id}"
    if isinstance(effect, Typed):
        return f"typed {effect.length}"
    if isinstance(effect, Deleted):
        return f"deleted {effect.length}"
    return effect


@pytest.mark.parametrize("screen, keys, focused, effects", KEYS)
def test_keys(screen: Screen, keys: list[Key], focused: str | None, effects: list[object]) -> None:
    end, out = run(focus(screen), keys)
    assert (end.focused.id if end.focused else None) == focused
    assert [shown(e) for e in out] == effects


def test_left_and_right_swap_in_right_to_left_languages() -> None:
    rtl = focus(Screen.HOME, rtl=True)
    assert run(rtl, [Key.RIGHT])[0].focused.id == "finish"          # type: ignore[union-attr]
    assert run(rtl, [Key.LEFT])[0].focused.id == "return_items"     # type: ignore[union-attr]
    assert run(rtl, [Key.DOWN])[0].focused.id == "return_items"     # type: ignore[union-attr]


def test_held_arrows_move_and_positions_are_counted() -> None:
    start = focus(Screen.HOME)
    moved, effects = press(start, KeyPress(Key.DOWN, repeat=True))
    assert effects == (Moved(moved.controls[1], 2, 4),)


def test_entry_is_bounded() -> None:
    state, effects = run(focus(Screen.PIN_ENTRY), [Key.DIGIT_9] * 20)
    assert len(state.entry) == 16 and len(effects) == 16


def test_focus_stays_on_its_control_when_the_screen_updates() -> None:
    view = VIEWS[Screen.BORROWING]
    before = focus_on(Screen.BORROWING, controls_for(Screen.BORROWING, replace(view, items=view.items[:1]), EN))
    before, _ = run(before, [Key.UP])
    assert before.focused is not None and before.focused.id == "back"
    after = focus_on(Screen.BORROWING, controls_for(Screen.BORROWING, view, EN), before)
    assert after.focused is not None and after.focused.id == "back" and after.index == 4
    typed, _ = run(focus(Screen.PIN_ENTRY), [Key.DIGIT_1])
    again = focus_on(Screen.PIN_ENTRY, typed.controls, typed)
    assert again.entry == "1"
    home = focus_on(Screen.HOME, focus(Screen.HOME).controls, typed)    # a new screen: typed digits are gone
    assert home.entry == "" and home.focused is not None and home.focused.id == "borrow"


def test_the_pin_is_never_in_a_repr() -> None:
    state, effects = run(focus(Screen.PIN_ENTRY), [Key.DIGIT_8, Key.DIGIT_6, Key.DIGIT_4])
    submitted = press(state, KeyPress(Key.ENTER))[1]
    assert submitted == (Submit(Action.ENTER_PIN, "864"),)
    for shown_text in [repr(state), str(state), *map(repr, effects), repr(submitted), repr(KeyPress(Key.DIGIT_8))]:
        assert "864" not in shown_text and "8" not in shown_text.replace("Screen", "")

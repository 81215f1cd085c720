"""Focus order and key handling for keypad operation (EN 301 549 5.1.6),
UI-free.

Each patron screen has an ordered list of :class:`Control` s
(:mod:`kiosk.speech.controls`, re-exported here). :func:`press` is a pure state machine: ``(Focus, KeyPress) -> (Focus,
effects)``. The caller carries the effects out: :class:`Activate` and
:class:`Submit` go to the station, :class:`Adjust`, :class:`Repeat` and
:class:`ToggleSpeech` to the speaker, and :func:`kiosk.speech.script.feedback`
turns every effect into what is said. Every key press also counts as
activity (the inactivity timer restarts) and silences what is being said.

What the keys do (table :data:`KEY_HANDLERS`):

* Up/Left and Down/Right move to the previous/next control, round the ring
  (Left and Right swap in right-to-left languages);
* Select activates the focused control; Enter submits what was typed, else
  acts as Select;
* digits type into the screen's field (card number on the welcome screen,
  PIN on the PIN screen) from wherever the focus is; on screens with no
  field a numeric keypad navigates: 8 up, 2 down, 4 left, 6 right, 5 select;
* Clear deletes the last digit typed; Back does the screen's back action
  (:data:`BACK_ACTIONS`); Help, Repeat, the volume and speed keys and the
  speech key do what they say on every screen.

The PIN never leaves :class:`Focus` except in :class:`Submit`, and neither
shows it in its repr.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Callable, Union

from kiosk.drivers.keypad.keys import Key, KeyPress
from kiosk.speech.controls import Action, Control, Role, Screen, controls_for, screen_for

__all__ = [
    "Key", "KeyPress", "Action", "Control", "Role", "Screen", "controls_for", "screen_for", "Focus", "focus_on", "press",
    "Moved", "Activate", "Submit", "Typed", "Deleted", "Speech", "Say", "Repeat", "Adjust", "ToggleSpeech",
    "Effect", "Effects", "BACK_ACTIONS", "DEFAULT_FOCUS", "KEY_HANDLERS",
]


@dataclass(frozen=True)
class Focus:
    """Where the focus is on one screen, and the digits typed into its field."""

    screen: Screen
    controls: tuple[Control, ...] = ()
    index: int = 0
    entry: str = field(default="", repr=False)
    rtl: bool = False

    @property
    def focused(self) -> Control | None:
        return self.controls[self.index] if self.controls else None

    @property
    def field(self) -> Control | None:
        return next((c for c in self.controls if c.role is Role.FIELD), None)

    def position(self) -> tuple[int, int]:
        """1-based position of the focused control and the number of controls."""
        return (self.index + 1, len(self.controls))


# -- effects: what the caller does after a key ---------------------------------------------

@dataclass(frozen=True)
class Moved:
    control: Control
    position: int
    count: int


@dataclass(frozen=True)
class Activate:
    action: Action
    target: str = ""


@dataclass(frozen=True)
class Submit:
    """Typed digits for the core (card number or PIN); ``value`` is not in the repr."""

    action: Action
    value: str = field(repr=False)


@dataclass(frozen=True)
class Typed:
    control: Control
    length: int
    digit: str = field(repr=False)


@dataclass(frozen=True)
class Deleted:
    control: Control
    length: int


class Speech(StrEnum):
    HELP = "help"                    # this screen's help
    NOTHING_HERE = "nothing_here"    # no control to move to or act on
    EMPTY_FIELD = "empty_field"      # Enter/Clear with nothing typed
    NO_BACK = "no_back"              # Back has nowhere to go here


@dataclass(frozen=True)
class Say:
    what: Speech


@dataclass(frozen=True)
class Repeat:
    pass


@dataclass(frozen=True)
class Adjust:
    setting: str                     # "volume" | "rate"
    step: int                        # +1 | -1


@dataclass(frozen=True)
class ToggleSpeech:
    pass


Effect = Union[Moved, Activate, Submit, Typed, Deleted, Say, Repeat, Adjust, ToggleSpeech]
Effects = tuple[Effect, ...]

MAX_ENTRY = {Action.IDENTIFY: 32, Action.ENTER_PIN: 16}

#: What Back does on each screen (None: nothing, and the patron is told so).
BACK_ACTIONS: dict[Screen, Action | None] = {
    Screen.ATTRACT: None, Screen.IDENTIFYING: None, Screen.PIN_ENTRY: Action.CANCEL, Screen.HOME: None,
    Screen.BORROWING: Action.GO_HOME, Screen.RETURNING: Action.GO_HOME, Screen.ACCOUNT: Action.GO_HOME,
    Screen.RECEIPT: None, Screen.GOODBYE: Action.DONE, Screen.OUT_OF_SERVICE: None,
    Screen.INACTIVITY_WARNING: Action.MORE_TIME,
}
#: The control focused when a screen appears (else the first).
DEFAULT_FOCUS: dict[Screen, str] = {
    Screen.ATTRACT: "card", Screen.PIN_ENTRY: "pad", Screen.BORROWING: "finish", Screen.RETURNING: "finish",
    Screen.INACTIVITY_WARNING: "still_here",
}
# A numeric keypad on a screen with nothing to type into.
NUMPAD_NAVIGATION = {Key.DIGIT_8: Key.UP, Key.DIGIT_2: Key.DOWN, Key.DIGIT_4: Key.LEFT, Key.DIGIT_6: Key.RIGHT,
                     Key.DIGIT_5: Key.SELECT}


def focus_on(screen: Screen, controls: tuple[Control, ...], previous: Focus | None = None,
             rtl: bool = False) -> Focus:
    """The focus for ``screen`` showing ``controls``. On the same screen
    (a view update: an item arrived) the focus stays on the same control and
    what was typed is kept; on a new screen it starts at the default control."""
    if previous is not None and previous.screen is screen:
        focused = previous.focused
        ids = [c.id for c in controls]
        index = ids.index(focused.id) if focused is not None and focused.id in ids else min(previous.index, max(len(controls) - 1, 0))
        return Focus(screen, controls, index, previous.entry, rtl)
    wanted = DEFAULT_FOCUS.get(screen)
    index = next((i for i, c in enumerate(controls) if c.id == wanted), 0)
    return Focus(screen, controls, index, "", rtl)


# -- keys ----------------------------------------------------------------------------------------

def press(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
    """What ``key`` does on ``focus``'s screen: the new focus and the effects."""
    handler = KEY_HANDLERS.get(key.key)
    if handler is None:
        digit = key.digit
        if digit is None:
            return focus, ()
        return _digit(focus, key, digit)
    return handler(focus, key)


def _move(step: int) -> Callable[[Focus, KeyPress], tuple[Focus, Effects]]:
    def move(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
        if not focus.controls:
            return focus, (Say(Speech.NOTHING_HERE),)
        direction = -step if focus.rtl and key.key in (Key.LEFT, Key.RIGHT) else step
        moved = replace(focus, index=(focus.index + direction) % len(focus.controls))
        control = moved.focused
        assert control is not None
        return moved, (Moved(control, *moved.position()),)
    return move


def _select(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
    control = focus.focused
    if control is None:
        return focus, (Say(Speech.NOTHING_HERE),)
    if control.role is Role.FIELD:
        return _submit(focus)
    if control.action is Action.READ:
        return focus, (Moved(control, *focus.position()),)
    return focus, (Activate(control.action, control.target),)


def _enter(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
    if focus.entry:
        return _submit(focus)
    return _select(focus, key)


def _submit(focus: Focus) -> tuple[Focus, Effects]:
    field_control = focus.field
    if field_control is None or not focus.entry:
        return focus, (Say(Speech.EMPTY_FIELD),)
    return replace(focus, entry=""), (Submit(field_control.action, focus.entry),)


def _digit(focus: Focus, key: KeyPress, digit: str) -> tuple[Focus, Effects]:
    field_control = focus.field
    if field_control is None:
        navigation = NUMPAD_NAVIGATION.get(key.key)
        return press(focus, KeyPress(navigation, key.repeat)) if navigation else (focus, ())
    if len(focus.entry) >= MAX_ENTRY.get(field_control.action, 32):
        return focus, ()
    typed = replace(focus, entry=focus.entry + digit, index=focus.controls.index(field_control))
    return typed, (Typed(field_control, len(typed.entry), digit),)


def _clear(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
    field_control = focus.field
    if field_control is None or not focus.entry:
        return focus, (Say(Speech.EMPTY_FIELD),) if field_control is not None else ()
    cleared = replace(focus, entry=focus.entry[:-1])
    return cleared, (Deleted(field_control, len(cleared.entry)),)


def _back(focus: Focus, key: KeyPress) -> tuple[Focus, Effects]:
    action = BACK_ACTIONS.get(focus.screen)
    if action is Action.GO_HOME and not any(c.id == "back" for c in focus.controls):
        action = None       # anonymous return: no home to go back to
    if action is None:
        return focus, (Say(Speech.NO_BACK),)
    return focus, (Activate(action),)


def _always(*effects: Effect) -> Callable[[Focus, KeyPress], tuple[Focus, Effects]]:
    return lambda focus, key: (focus, effects)


KEY_HANDLERS: dict[Key, Callable[[Focus, KeyPress], tuple[Focus, Effects]]] = {
    Key.UP: _move(-1), Key.LEFT: _move(-1), Key.DOWN: _move(+1), Key.RIGHT: _move(+1),
    Key.SELECT: _select, Key.ENTER: _enter, Key.CLEAR: _clear, Key.BACK: _back,
    Key.HELP: _always(Say(Speech.HELP)), Key.REPEAT: _always(Repeat()),
    Key.VOLUME_UP: _always(Adjust("volume", +1)), Key.VOLUME_DOWN: _always(Adjust("volume", -1)),
    Key.RATE_UP: _always(Adjust("rate", +1)), Key.RATE_DOWN: _always(Adjust("rate", -1)),
    Key.SPEECH: _always(ToggleSpeech()),
}

"""Speech, keypad, more time, zoom and low reach on the touchscreen app
(EN 301 549 5.1.3 speech output, 5.1.6 operation without vision, 11.2.2.1
timing, 5.1.4 magnification, 8.3 reach): the glue on the UI thread.

What is decided is decided elsewhere, UI-free: the focus order and what
each key does (:mod:`kiosk.speech.focus`), what is said
(:mod:`kiosk.speech.script`), the timeouts (the station). This module
carries it out:

* keys arrive from the keypad's thread and are handed to the UI thread with
  ``Clock.schedule_once``; :func:`~kiosk.speech.focus.press` turns each into
  effects, and :func:`~kiosk.screens.control_actions.control_actions` maps every activated
  control to the same screen method (and so the same station call) a tap would make;
* every patron screen is announced when it appears, every station event the
  patron needs is spoken as it happens (queued after the announcement), a
  key stops what is being said and a new screen replaces it;
* the focus ring is drawn on the focused widget, found through the screen's
  ``focus_target`` (list rows by item id, so a recycled row pool still works);
* the time factor for this patron (speech or large text / zoom) goes to the
  station; each new patron starts with the station's settings (:meth:`reset`).

The speaker runs on its own thread: nothing here waits for speech.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import replace
from typing import Any, Callable, Protocol

from kivy.clock import Clock
from kivy.event import EventDispatcher
from kivy.properties import BooleanProperty, NumericProperty, StringProperty

from kiosk.events import ItemResult, SessionChanged, SessionState, SessionView, StationEvent
from kiosk.i18n import LANGUAGES, N_, Translator, translator
from kiosk.screens.control_actions import control_actions
from kiosk.screens.focus_ring import FocusRing
from kiosk.speech.focus import (Action, Activate, Adjust, Control, Effect, Focus, Key, KeyPress, Repeat, Role, Screen,
                                Submit, ToggleSpeech, controls_for, focus_on, press)
from kiosk.speech.phrases import join, language_name
from kiosk.speech.script import announce_event, announce_screen, control_text, feedback, speech_toggled
from kiosk.speech.settings import AccessibilitySettings
from kiosk.speech.speaker import Speaker

log = logging.getLogger(__name__)

__all__ = ["Accessibility", "KeySource"]

#: Kivy screens that show one patron screen whatever the session's state.
KIVY_SCREENS = {"pin": Screen.PIN_ENTRY, "home": Screen.HOME, "account": Screen.ACCOUNT,
                "receipt": Screen.RECEIPT, "goodbye": Screen.GOODBYE, "out_of_service": Screen.OUT_OF_SERVICE}
NO_VOICE = N_("No voice for {language}: speaking {fallback}.")
PENDING_LOOKS = 10      # a focused list row not laid out yet: looked for again, every 50 ms, this often


class KeySource(Protocol):
    """What the app needs of a keypad (:class:`kiosk.drivers.keypad.base.Keypad`)."""

    def start(self, on_key: Callable[[KeyPress], None]) -> None: ...

    def stop(self) -> None: ...


class Accessibility(EventDispatcher):
    """``app.access``: kv binds to :attr:`speech`, :attr:`keys_used`,
    :attr:`low_layout`, :attr:`zoom` and :attr:`card_entry`."""

    speech = BooleanProperty(False)        # speech mode
    keys_used = BooleanProperty(False)     # the keypad was used this session: ring and card field shown
    low_layout = BooleanProperty(False)
    zoom = NumericProperty(1.0)
    card_entry = StringProperty("")        # a card number typed on the keypad (never a PIN)

    def __init__(self, app: Any, settings: AccessibilitySettings, *, keypad: KeySource | None = None,
                 speaker: Speaker | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.app = app
        self.settings = settings
        self.keypad = keypad
        self.speech_default = settings.speech_default      # staff may change it in staff mode
        self.focus: Focus | None = None
        self.speaker = speaker              # None: no speech on this kiosk (keys still work)
        self._woken = False                 # the patron's first key has been taken
        self._announced: tuple[Screen, str, bool] | None = None   # screen, language, account shown
        self._time_factor = 1.0
        self._voice_language: dict[str, str] = {}
        self._translators: dict[str, Translator] = {}
        self._results: dict[tuple[str, str], ItemResult] = {}    # item results since the last view
        self.languages: tuple[str, ...] = ()       # offered at this station (set at start)
        self.ring: FocusRing | None = None
        self._refresh_soon = Clock.create_trigger(lambda _dt: self.refresh(), 0)
        self.actions: dict[Action, Callable[[str], None]] = control_actions(app, self.toggle_low_layout)

    # -- life ---------------------------------------------------------------------------
    def start(self) -> None:
        """Once the shell is built: the keypad, and the station's settings."""
        app = self.app
        self.ring = FocusRing(app.theme)
        app.shell.sm.bind(current=lambda *_: self._refresh_soon())
        app.shell.bind(size=lambda *_: self._apply_layout())
        app.theme.bind(large_text=lambda *_: self._push_time_factor())
        if self.keypad is not None:
            self.keypad.start(lambda key: Clock.schedule_once(lambda _dt: self.key(key)))
        # The first announcement names every language in the patron's: CLDR data, loaded off
        # the UI thread now rather than as a frame's hitch when speech is first turned on.
        self.languages = tuple(app.offered_languages())
        threading.Thread(target=_warm_up, args=(self.languages,), name="speech-warm-up", daemon=True).start()
        self.reset()

    def close(self) -> None:
        if self.keypad is not None:
            self.keypad.stop()
        if self.speaker is not None:
            self.speaker.close()

    def reset(self) -> None:
        """A new patron: the station's speech, zoom, reach and speech settings."""
        if self.speaker is not None:
            self.speaker.stop()
            self.speaker.rate, self.speaker.volume = self.settings.speech_rate, self.settings.speech_volume
        self.keys_used, self._woken, self.card_entry = False, False, ""
        self.focus, self._announced = None, None
        if self.ring is not None:
            self.ring.hide()
        self.speech = self.speech_default
        self.low_layout = self.settings.low_layout
        self.set_zoom(1.0)
        self._apply_layout()
        self._push_time_factor()
        self._refresh_soon()

    @property
    def active(self) -> bool:
        return bool(self.speech or self.keys_used)

    # -- what the patron switches ----------------------------------------------------------
    def set_speech(self, on: bool) -> None:
        if on == self.speech:
            return
        self.speech = on
        self._push_time_factor()
        if on:
            self._announced = None          # the screen is announced after "Speech on"
            self.refresh(prefix=speech_toggled(True, self.speech_tr))
        elif self.speaker is not None:      # the last words: said although speech is now off
            self.speaker.speak(speech_toggled(False, self.speech_tr), self.speech_language)

    def toggle_low_layout(self) -> None:
        self.low_layout = not self.low_layout
        self._apply_layout()

    def cycle_zoom(self) -> None:
        levels = self.settings.zoom_levels()
        bigger = [z for z in levels if z > self.zoom + 1e-6]
        self.set_zoom(bigger[0] if bigger else levels[0])

    def set_zoom(self, zoom: float) -> None:
        self.zoom = zoom
        self.app.theme.zoom = zoom
        if getattr(self.app, "shell", None) is not None:
            self.app.shell.set_zoom(zoom)
            self._apply_layout()
        self._push_time_factor()

    def _apply_layout(self) -> None:
        if getattr(self.app, "shell", None) is not None:
            self.app.shell.set_low_layout(self.low_layout)

    def _push_time_factor(self) -> None:
        large = bool(self.app.theme.large_text) or self.zoom > 1.0
        factor = self.settings.timeout_factor(speech=bool(self.speech), large_text=large)
        if factor != self._time_factor:
            self._time_factor = factor
            self.app.station.set_time_factor(factor)

    # -- speech --------------------------------------------------------------------------------
    # Both asked several times per station event: looked up once per language (finding a
    # voice walks espeak-ng's list; a translator's look-up reads the locale folder).
    @property
    def speech_language(self) -> str:
        """The session's language, or the fallback when there is no voice for it."""
        lang = self.app.language
        if lang not in self._voice_language:
            self._voice_language[lang] = self.speaker.language_for(lang) if self.speaker is not None else lang
        return self._voice_language[lang]

    @property
    def speech_tr(self) -> Translator:
        lang = self.speech_language
        if lang not in self._translators:
            self._translators[lang] = translator(lang)
        return self._translators[lang]

    def say(self, text: str | None, queue: bool = False) -> None:
        if text and self.speech and self.speaker is not None:
            self.speaker.speak(text, self.speech_language, queue=queue)

    def on_event(self, event: StationEvent) -> None:
        """After the router has shown ``event``: follow the screen, then say the change."""
        if isinstance(event, SessionChanged):
            self._results.clear()           # its view holds every result so far
        elif isinstance(event, ItemResult):
            self._results[(event.item_id, event.action)] = event
        if not self.active or self.app.staff_mode:
            return
        try:
            if isinstance(event, ItemResult) and self.focus is not None:
                # A stack settles as a burst of these: the list's controls follow once a frame.
                self._refresh_soon()
                if self.focus.screen is Screen.ACCOUNT:
                    return          # a renewal: said whole with its RenewResult
            else:
                self.refresh()      # a new screen is announced before what follows it
            self.say(announce_event(event, self.speech_tr), queue=True)
        except Exception:  # speech must never break the screens
            log.exception("speech: %s not announced", type(event).__name__)

    # -- the screen and the focus --------------------------------------------------------------
    def current_screen(self) -> Screen | None:
        app = self.app
        name = app.shell.sm.current
        if app.staff_mode or name in ("staff", "staff_login"):
            return None
        warning = app.router.warning
        if warning is not None and warning.parent is not None:
            return Screen.INACTIVITY_WARNING
        view = app.router.view
        if name == "attract":
            identifying = view is not None and view.state is SessionState.IDENTIFYING
            return Screen.IDENTIFYING if identifying else Screen.ATTRACT
        if name == "items":
            return Screen.BORROWING if app.root_screen("items").mode == "borrow" else Screen.RETURNING
        return KIVY_SCREENS.get(name)

    def _view(self, screen: Screen) -> SessionView:
        view = self.app.router.view or self.app.station.session_view()
        if self._results and screen in (Screen.BORROWING, Screen.RETURNING, Screen.INACTIVITY_WARNING):
            # Item results come as their own events after the last view: merged here, not asked
            # of the station (its lock is the borrow engine's too).
            items = {(r.item_id, r.action): r for r in view.items}
            items.update(self._results)
            view = replace(view, items=tuple(items.values()))
        if screen is Screen.GOODBYE and view.state is not SessionState.ENDING:
            view = replace(view, message=self.app.root_screen("goodbye").message)
        return view

    def refresh(self, prefix: str = "") -> None:
        """Follow the screen: the controls in focus order, the focus, the ring,
        and the announcement when the screen (or its language) is new."""
        if not self.active or self.ring is None:
            return
        screen = self.current_screen()
        if screen is None:
            self.focus = None
            self.ring.hide()
            return
        app, tr = self.app, self.speech_tr
        view = self._view(screen)
        account = app.station.account() if screen is Screen.ACCOUNT else None
        controls = controls_for(screen, view, tr, account=account, languages=self.languages,
                                anonymous_return=bool(app.kiosk_config.circulation.anonymous_return),
                                low_layout=bool(self.low_layout))
        shown = (screen, app.language, account is not None)
        loaded = self._announced is not None and self._announced[:2] == shown[:2] and shown != self._announced
        # A screen that has just filled in (the account arrived) starts at its first control again.
        self.focus = focus_on(screen, controls, None if loaded else self.focus, rtl=bool(app.theme.rtl))
        if shown != self._announced:
            self._announced = shown
            warning = app.router.warning
            said = announce_screen(self.focus, view, tr, account=account,
                                   seconds_left=int(warning.seconds) if screen is Screen.INACTIVITY_WARNING else 0,
                                   reason=app.root_screen("out_of_service").reason)
            self.say(join(prefix, said))
            if warning is not None and not getattr(warning, "_access_bound", False):
                warning._access_bound = True
                warning.bind(on_dismiss=lambda *_: self._refresh_soon())
        self._show_focus()

    def _show_focus(self, looks: int = PENDING_LOOKS) -> None:
        focus, ring = self.focus, self.ring
        if ring is None:
            return
        target = self._target(focus.focused) if focus is not None and self.keys_used else None
        if target is None:
            ring.hide()
        else:
            ring.show(target)
            if looks > 0 and self.app.shell.sm.current_screen.focus_pending:
                # A list row scrolled to this frame: on it once the list has laid it out.
                control = focus.focused if focus is not None else None
                Clock.schedule_once(lambda _dt: self._look_again(control, looks - 1), 0.05)
        if focus is not None and self.keys_used:   # touch patrons' own typing is left alone
            if focus.screen is Screen.ATTRACT:
                self.card_entry = focus.entry
            elif focus.screen is Screen.PIN_ENTRY:
                self.app.root_screen("pin").ids.pad.entry = focus.entry

    def _look_again(self, control: Control | None, looks: int) -> None:
        if self.focus is not None and self.focus.focused is control:
            self._show_focus(looks)

    def _target(self, control: Control | None) -> Any:
        if control is None or self.focus is None:
            return None
        if self.focus.screen is Screen.INACTIVITY_WARNING:
            return self.app.router.warning.ids.get(control.id)
        return self.app.shell.sm.current_screen.focus_target(control.id)

    # -- keys -------------------------------------------------------------------------------------
    def key(self, key: KeyPress) -> None:
        """One key from the keypad (UI thread). Never logs which key: it may be a PIN digit."""
        app = self.app
        if app.staff_mode:
            return
        self.keys_used = True
        if not self._woken:
            self._woken = True
            if not self.speech and self.settings.speech_on_keypad and key.key is not Key.SPEECH:
                self.set_speech(True)       # the first key wakes speech up and is not acted on
                return
        self.refresh()
        focus = self.focus
        if focus is None:
            return
        if focus.screen is not Screen.INACTIVITY_WARNING:
            app.touched()                   # activity; on the warning only "more time" is
        if key.key is not Key.REPEAT and self.speaker is not None:
            self.speaker.stop()
        self.focus, effects = press(focus, key)
        said = [self._carry_out(effect) for effect in effects]
        if self.focus is not None and self.focus.screen is focus.screen:
            self.say(join(*(s for s in said if s)))
        self._show_focus()

    def _carry_out(self, effect: Effect) -> str | None:
        """Do ``effect``; what to say about it (None: the next screen speaks)."""
        assert self.focus is not None
        tr = self.speech_tr
        if isinstance(effect, Activate):
            self.actions[effect.action](effect.target)
            self.refresh()
            control = self.focus.focused if self.focus is not None else None
            if control is not None and control.role is Role.SWITCH:
                return control_text(control, *self.focus.position(), tr)
            return None
        if isinstance(effect, Submit):
            if effect.action is Action.IDENTIFY:
                self.app.station.identify(effect.value, "keyboard")
            else:
                self.app.root_screen("pin").submit(effect.value)
            return None
        if isinstance(effect, Repeat):
            if self.speaker is not None:
                self.speaker.repeat()
            return None
        if isinstance(effect, ToggleSpeech):
            self.set_speech(not self.speech)
            return None
        if isinstance(effect, Adjust) and self.speaker is not None:
            change = {"volume": (self.speaker.louder, self.speaker.quieter),
                      "rate": (self.speaker.faster, self.speaker.slower)}[effect.setting]
            change[0 if effect.step > 0 else 1]()
        return feedback(effect, self.focus, tr)

    # -- staff ----------------------------------------------------------------------------------
    def staff_status(self) -> list[str]:
        """Speech for staff mode: the engine and device, and every offered
        language spoken with another language's voice."""
        speaker = self.speaker
        if speaker is None:
            return []
        status = speaker.status()
        lines = [status.detail]
        fallback = speaker.fallback_language
        for code, voice in speaker.voices(self.languages).items():
            if voice is None:
                lines.append(self.app.tr(NO_VOICE).format(language=LANGUAGES.get(code, code),
                                                          fallback=LANGUAGES.get(fallback, fallback)))
        return lines


def _warm_up(languages: tuple[str, ...]) -> None:
    for lang in languages:
        tr = translator(lang)
        for code in languages:
            language_name(code, tr)

"""The Kivy touchscreen app: a thin view over the station (:class:`kiosk.station.api.StationAPI`).

The station decides; the app routes its events to screens. Station events
arrive on worker threads and are re-scheduled onto the Kivy clock here, in
one place (:meth:`KioskApp._deliver`), so screens only ever run on the UI
thread and never do I/O.

Lock-down (outside staff mode): fullscreen without decorations, Escape,
Alt+F4 and the window's close request are swallowed, the cursor can be
hidden, and every session ends back on the attract screen.

Call :func:`configure_kivy` before anything creates the Kivy window.
"""

from __future__ import annotations

import collections
import logging
import os
import signal
import threading
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
# SDL would turn SIGTERM into a window-close request, which lock-down refuses;
# the app handles SIGTERM/SIGINT itself (systemd stop must stop the kiosk).
os.environ.setdefault("SDL_NO_SIGNAL_HANDLERS", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

from kivy.app import App  # noqa: E402
from kivy.clock import Clock  # noqa: E402
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty  # noqa: E402

from kiosk.config import Config  # noqa: E402
from kiosk.config.sections import TextByLanguage  # noqa: E402
from kiosk.events import ItemResult, SessionState, StationEvent  # noqa: E402
from kiosk.i18n import LANGUAGES, is_rtl, normalize, translator  # noqa: E402
from kiosk.screens.accessibility import Accessibility, KeySource  # noqa: E402
from kiosk.screens.frames import finish_frame  # noqa: E402
from kiosk.screens.router import Router  # noqa: E402
from kiosk.screens.sounds import Sounds  # noqa: E402
from kiosk.screens.theme import ASSETS, Theme, register_fonts  # noqa: E402
from kiosk.screens.window import configure_kivy  # noqa: E402,F401  (the launcher's entry point)
from kiosk.config.overrides import save_overrides  # noqa: E402
from kiosk.staff import StaffAuth, StaffLocked  # noqa: E402
from kiosk.speech.settings import AccessibilitySettings  # noqa: E402
from kiosk.speech.speaker import Speaker  # noqa: E402
from kiosk.station.api import StationAPI  # noqa: E402

log = logging.getLogger(__name__)

__all__ = ["KioskApp", "configure_kivy"]

KEY_ESCAPE, KEY_F4, KEY_BACK = 27, 285, 1001
TOUCH_RATE = 1.0          # seconds between inactivity resets sent to the station
FRAME_BUDGET = 0.012      # seconds of event handling per frame (60 fps leaves ~16 ms)
# Item lines drawn per frame: a new or changed line's text becomes new textures,
# uploaded when the frame is drawn (after the time budget above is spent), so
# a settling stack is spread over frames by count as well.
ITEMS_PER_FRAME = 2
HEART_INTERVAL = 0.5      # seconds between the main loop's liveness beats (the systemd watchdog)


class KioskApp(App):
    """``KioskApp(config, station, staff_auth=None, side_panel=None).run()``.

    ``side_panel``: a callable returning a widget placed beside the kiosk
    screen (the demo's virtual hardware). ``on_ready(app)`` runs once the
    attract screen has been drawn. ``keypad``: the patron keypad, if one is
    fitted; ``speaker``: what says things in speech mode (the app closes it).
    """

    theme = ObjectProperty(None)
    tr = ObjectProperty(None)             # kv: app.tr("Borrow") re-renders when the language changes
    ngettext = ObjectProperty(None)
    nformat = ObjectProperty(None)        # kv: app.nformat("{n} second", "{n} seconds", n)
    language = StringProperty("en")
    library_name = StringProperty("")
    logo = StringProperty("")
    staff_mode = BooleanProperty(False)

    def __init__(self, config: Config, station: StationAPI, staff_auth: StaffAuth | None = None, *,
                 side_panel: Callable[["KioskApp"], Any] | None = None,
                 on_ready: Callable[["KioskApp"], None] | None = None, keypad: KeySource | None = None,
                 speaker: Speaker | None = None, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.shell: Any = None                           # the KioskShell, from build()
        self.kiosk_config = config
        self.station = station
        self.staff_auth = staff_auth
        self.side_panel = side_panel
        self.on_ready = on_ready
        ui = config.ui
        self.theme = Theme(primary=ui.primary_colour, accent=ui.accent_colour, name=ui.theme,
                           large_text=bool(ui.large_text))
        self.default_language = normalize(config.station.default_language)
        self._set_translator(self.default_language)
        self.library_name = config.station.library_name
        self.logo = str(ui.logo) if ui.logo and Path(ui.logo).is_file() else str(ASSETS / "logo.png")
        self.title = config.station.library_name
        self.config_pin_attempts = int(config.circulation.pin_attempts)
        self.sounds = Sounds(enabled=bool(ui.sounds), volume=float(ui.volume))
        self.settings: dict[str, Any] = {"default_language": self.default_language, "volume": float(ui.volume),
                                         **{k: float(getattr(ui, k)) for k in (
                                             "timeout_pin", "timeout_home", "timeout_borrow", "timeout_return",
                                             "timeout_account")}}
        self.router = Router(self)
        access = AccessibilitySettings.from_config(config)
        self.settings["speech_default"] = access.speech_default
        self.access = Accessibility(self, access, keypad=keypad, speaker=speaker)
        self.exit_code = 0
        self.restart_requested = False
        self.shutting_down = False
        self.ready_at: float | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._last_touch = 0.0
        self._events: collections.deque[StationEvent] = collections.deque()
        self._drain_trigger = Clock.create_trigger(self._drain, 0)
        #: Called from the Kivy clock while the main loop runs: ``kiosk run`` hands
        #: in its liveness beat (the systemd watchdog stops when the loop hangs).
        self.beat: Callable[[], None] = lambda: None
        # Installed now, not in on_start: systemd may stop us while the window is still opening.
        self._install_signal_handlers()

    # -- building -------------------------------------------------------------------
    def build(self) -> Any:
        from kivy.core.window import Window
        from kivy.metrics import Metrics
        from kivy.uix.boxlayout import BoxLayout

        register_fonts()
        # The shell and the screens load their .kv rules now: the window is configured, the fonts registered.
        from kiosk.screens import load_screens
        from kiosk.screens.shell import KioskShell

        self.theme.dpi = float(self.kiosk_config.ui.dpi or Metrics.dpi or 96)
        self.shell = KioskShell(library_name=self.library_name, logo=self.logo, footer=self.footer_for(self.language))
        for screen in load_screens():
            self.shell.sm.add_widget(screen)
        self.root_screen("attract").anonymous_return = bool(self.kiosk_config.circulation.anonymous_return)
        self.root_screen("attract").languages = [(c, LANGUAGES.get(c, c)) for c in self.offered_languages()]
        root: Any = self.shell
        if self.side_panel is not None:
            root = BoxLayout(orientation="horizontal")
            root.add_widget(self.shell)
            root.add_widget(self.side_panel(self))
        self.shell.bind(size=lambda _w, size: self.theme.resize(*size))
        self.theme.resize(*Window.size)
        # The window's clear colour is the page background: one full-screen
        # fill less per frame, which matters with software GL (llvmpipe).
        Window.clearcolor = self.theme.bg
        self.theme.bind(bg=lambda _t, colour: setattr(Window, "clearcolor", colour))
        Window.bind(on_keyboard=self._on_keyboard, on_request_close=self._on_request_close)
        Window.bind(on_flip=finish_frame)
        return root

    def on_start(self) -> None:
        self.beat()
        Clock.schedule_interval(lambda _dt: self.beat(), HEART_INTERVAL)
        self._unsubscribe = self.station.subscribe(self._deliver)
        self.router.sync(self.station.session_view())
        self.access.start()
        from kivy.core.window import Window

        def drawn(*_: Any) -> None:
            Window.unbind(on_flip=drawn)
            self.ready_at = time.monotonic()
            self.sounds.preload()
            if self.on_ready is not None:
                self.on_ready(self)
        Window.bind(on_flip=drawn)

    def _install_signal_handlers(self) -> None:
        if threading.current_thread() is not threading.main_thread():
            return

        def on_signal(signum: int, _frame: Any) -> None:
            log.warning("signal %d: stopping the kiosk", signum)
            self.shutting_down = True
            Clock.schedule_once(lambda _dt: self.stop())
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, on_signal)

    def on_stop(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None
        self.access.close()

    # -- helpers for screens and kv ---------------------------------------------------
    def root_screen(self, name: str) -> Any:
        sm = self.shell.sm
        if not sm.has_screen(name):
            from kiosk.screens import build_later

            later = build_later(name)
            if later is not None:
                sm.add_widget(later)
        return sm.get_screen(name)

    @staticmethod
    def shape(text: str) -> str:
        """Kept for kv and screens: KLabel and KButton shape (and wrap)
        right-to-left text themselves, so text is handed over in logical order."""
        return text

    def offered_languages(self) -> list[str]:
        offered = [normalize(c) for c in self.kiosk_config.station.languages]
        return list(dict.fromkeys(c for c in offered if c))

    def money(self, amount: str, currency: str) -> str:
        try:
            return translator(self.language).format_money(amount, currency or "USD")
        except ValueError:
            return f"{amount} {currency}"

    def touched(self) -> None:
        now = time.monotonic()
        if now - self._last_touch >= TOUCH_RATE:
            self._last_touch = now
            self.station.touch()

    # -- language and accessibility ------------------------------------------------------
    def _set_translator(self, code: str) -> None:
        t = translator(code)
        self.language = t.lang
        self.theme.rtl = is_rtl(t.lang)
        self.tr = t.gettext
        self.ngettext = t.ngettext
        self.nformat = t.nformat
        if self.shell is not None:                       # built in build(), after the first call
            self.shell.footer = self.footer_for(t.lang)

    def footer_for(self, lang: str) -> str:
        """``[ui] footer_text`` in ``lang`` (``footer_text_by_language``), else as written."""
        ui = self.kiosk_config.ui
        return TextByLanguage.pick(ui.footer_text_by_language, ui.footer_text, lang)

    def set_language(self, code: str) -> None:
        """Switch at once on screen; the station switches the session too."""
        self._set_translator(normalize(code))
        self.station.set_language(self.language)
        self.router.language_changed()

    def follow_language(self, code: str) -> None:
        if normalize(code) != self.language:
            self._set_translator(normalize(code))
            self.router.language_changed()

    def toggle_large_text(self) -> None:
        self.theme.large_text = not self.theme.large_text

    def toggle_contrast(self) -> None:
        self.theme.name = "default" if self.theme.name == "high-contrast" else "high-contrast"

    def reset_look(self) -> None:
        """Each patron starts with the station's look, not the last patron's."""
        ui = self.kiosk_config.ui
        self.theme.name = ui.theme
        self.theme.large_text = bool(ui.large_text)
        self.follow_language(self.settings["default_language"])
        self.access.reset()

    # -- station events (worker threads) -> UI thread -----------------------------------
    def _deliver(self, event: StationEvent) -> None:
        """Station subscriber (worker threads): queue the event for the UI thread."""
        self._events.append(event)
        self._drain_trigger()

    def _drain(self, _dt: float = 0.0) -> None:
        """Handle queued events in order within a per-frame time budget, so a
        burst (a stack of ten items settles at once) spreads over a few frames
        instead of freezing one."""
        deadline = time.perf_counter() + FRAME_BUDGET
        items = 0
        while self._events:
            if isinstance(self._events[0], ItemResult):
                if items >= ITEMS_PER_FRAME:
                    break
                items += 1
            self.router.handle(self._events.popleft())
            if time.perf_counter() > deadline:
                break
        if self._events:
            self._drain_trigger()

    def go_attract(self) -> None:
        """Back to the attract screen after a session, with the station's look."""
        self.router.go_attract(reset=True)

    # -- lock-down --------------------------------------------------------------------------
    def _on_keyboard(self, _window: Any, key: int, _scancode: int, _codepoint: str, modifiers: list[str]) -> bool:
        if self.staff_mode:
            return False
        if key in (KEY_ESCAPE, KEY_BACK) or (key == KEY_F4 and "alt" in modifiers):
            return True     # swallowed: patrons cannot leave the kiosk
        return False

    def _on_request_close(self, *_: Any, **__: Any) -> bool:
        return not (self.staff_mode or self.shutting_down or self.restart_requested)

    # -- staff mode ------------------------------------------------------------------------
    def open_staff_login(self) -> None:
        if self.station.session_view().state is not SessionState.IDLE:
            self.station.end_session()
        self.router.show("staff_login")

    def _check_staff(self, check: Callable[[StaffAuth], bool]) -> None:
        screen = self.root_screen("staff_login")
        auth = self.staff_auth
        if auth is None or not auth.configured:
            screen.message = self.tr("Staff access is not set up on this kiosk.")
            return

        def work() -> None:
            try:
                ok, message = check(auth), ""
            except StaffLocked as exc:
                ok, message = False, self.nformat("Too many attempts. Staff mode is locked for {n} second.",
                                                  "Too many attempts. Staff mode is locked for {n} seconds.",
                                                  int(exc.seconds_left + 0.999))
            Clock.schedule_once(lambda _dt: self._staff_result(ok, message))
        threading.Thread(target=work, name="staff-auth", daemon=True).start()

    def staff_pin(self, pin: str) -> None:
        self._check_staff(lambda auth: bool(auth.check_pin(pin)))

    def staff_badge(self, badge: str) -> None:
        self.router.show("staff_login")
        self._check_staff(lambda auth: bool(auth.check_badge(badge)))

    def open_staff_from_badge(self) -> None:
        """A staff badge scanned or tapped on the idle kiosk (already verified by the core)."""
        self._staff_result(True, "")

    def _staff_result(self, ok: bool, message: str) -> None:
        if ok:
            self.staff_mode = True
            self.router.show("staff")
            log.info("staff mode opened")
        else:
            self.root_screen("staff_login").message = message or self.tr("That is not a staff PIN or badge.")
            self.sounds.play("error")

    def leave_staff(self) -> None:
        self.staff_mode = False
        self.router.go_attract(force=True)

    def save_settings(self) -> Path:
        s = self.settings
        ui = {k: v for k, v in s.items() if k.startswith("timeout_") or k == "volume"}
        return Path(save_overrides(self.kiosk_config, {"station": {"default_language": s["default_language"]},
                                                      "ui": ui,
                                                      "accessibility": {"speech_default": s["speech_default"]}}))

    def apply_settings(self) -> None:
        """Saved staff settings, in force at once (timeouts from the next screen on)."""
        from dataclasses import replace

        s = self.settings
        self.sounds.volume = float(s["volume"])
        self.default_language = s["default_language"]
        self.access.speech_default = bool(s["speech_default"])
        self.station.set_timeouts(replace(self.station.timeouts, pin=float(s["timeout_pin"]),
                                          home=float(s["timeout_home"]), borrow=float(s["timeout_borrow"]),
                                          ret=float(s["timeout_return"]), account=float(s["timeout_account"])))

    def restart(self) -> None:
        self.restart_requested = True
        self.stop()

    def exit_to_desktop(self) -> None:
        if self.staff_mode:
            self.exit_code = 0
            self.shutting_down = True
            self.stop()

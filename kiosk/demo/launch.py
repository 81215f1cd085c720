"""Start the kiosk UI for a station: build the Kivy app, run a script against
it (the tour, UI tests, benchmarks), and the production kiosk (``kiosk run``).

Nothing here knows the demo's simulators; :mod:`kiosk.demo.run` adds them.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
from typing import Any, Callable

from kivy.clock import Clock

from kiosk.config import Config
from kiosk.demo.driver import UIDriver
from kiosk.drivers.keypad.base import Keypad
from kiosk.monitoring.sdnotify import SystemdNotifier
from kiosk.monitoring.watchdog import ServiceNotifier
from kiosk.screens.accessibility import KeySource
from kiosk.screens.app import KioskApp, configure_kivy
from kiosk.i18n import normalize
from kiosk.speech.output import AudioOutput
from kiosk.speech.settings import AccessibilitySettings, build_speaker
from kiosk.station.api import StationAPI
from kiosk.station.facade import Station

log = logging.getLogger(__name__)

#: Seconds start-up (ILS connect, journal recovery, devices) may take before
#: READY=1 is given up (systemd's TimeoutStartSec= restarts the kiosk first).
STARTUP_LIMIT = 300.0


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_app(config: Config, station: StationAPI, *, side_panel: Callable[[KioskApp], Any] | None = None,
             size: tuple[int, int] | None = None, headless: bool = False,
             on_ready: Callable[[KioskApp], None] | None = None, keypad: KeySource | None = None,
             speech_output: AudioOutput | None = None) -> KioskApp:
    """Configure Kivy's window from ``[ui]`` and build the app (not run yet).
    ``keypad``: the patron keypad (a :class:`~kiosk.drivers.keypad.base.Keypad`);
    ``speech_output``: where speech goes instead of ``[accessibility] audio_device``."""
    configure_kivy(config.ui, size, headless=headless)
    # Speech: espeak-ng to the configured audio device (never raises: a missing
    # engine or device leaves a silent speaker that says why in staff mode).
    speaker = build_speaker(AccessibilitySettings.from_config(config), normalize(config.station.default_language),
                            speech_output)
    # The station's own staff checks: badges at its readers and the PIN pad share one lockout.
    return KioskApp(config, station, station.staff_auth, side_panel=side_panel, on_ready=on_ready, keypad=keypad,
                    speaker=speaker)


def open_keypad(config: Config) -> Keypad | None:
    """The patron keypad of ``[devices.keypad]``, or None when none is fitted.
    A keypad that cannot be opened is a warning (the kiosk still works by
    touch), unless the section says ``required = true``."""
    from kiosk.drivers.registry import open_device
    from kiosk.errors import DeviceError

    section = config.devices.keypad
    if not section.driver:
        return None
    try:
        keypad: Keypad = open_device("keypad", section.driver, dict(section.options))
    except DeviceError as exc:
        if section.required:
            raise
        log.warning("keypad disabled: %s", exc)
        return None
    return keypad


def run_script(app: KioskApp, script: Callable[[UIDriver], int], result: dict[str, int], limit: float) -> None:
    """Run ``script(driver)`` on a thread once the app is drawn; stop the app after."""

    def body() -> None:
        code = 1
        try:
            code = script(UIDriver(app))
        except Exception as exc:  # the tour reports and exits non-zero; never hangs
            log.exception("UI script failed")
            print(f"FAILED: {exc}", flush=True)
        result["code"] = code
        Clock.schedule_once(lambda _dt: app.stop())

    def watchdog(_dt: float) -> None:
        print(f"FAILED: the UI script did not finish within {limit:.0f} s", flush=True)
        result.setdefault("code", 1)
        app.stop()

    def ready(_app: KioskApp) -> None:
        Clock.schedule_once(watchdog, limit)
        threading.Thread(target=body, name="ui-script", daemon=True).start()
    app.on_ready = ready


def run_kiosk(config: Config, *, size: tuple[int, int] | None = None,
              script: Callable[[UIDriver], int] | None = None, limit: float = 60.0) -> int:
    """The production kiosk: the station from the config file and the UI fullscreen.
    Exit code 0 after "exit to desktop"; a restart re-executes the process.

    Under systemd (``Type=notify``): READY=1 once the attract screen is drawn
    and the station has started (serving, or out of service with the reason in
    STATUS=), STATUS= on every change, WATCHDOG=1 while the Kivy main loop, the
    station worker and the device reader threads all make progress, STOPPING=1
    when it shuts down (:class:`~kiosk.monitoring.watchdog.ServiceNotifier`).
    ``size`` and ``script`` (benchmarks): a windowed size offscreen, and a
    script run as in :func:`run_script` on the first frame instead of the
    systemd notice (its exit code is returned)."""
    station = Station(config)
    app = make_app(config, station, size=size, headless=size is not None,   # first: it takes over SIGTERM/SIGINT
                   keypad=open_keypad(config))
    app.beat = station.liveness.heart("ui main loop", station.allowances.ui).beat
    # Inside cage (kiosk.service) systemd's main process is the compositor, our parent.
    systemd = ServiceNotifier(SystemdNotifier(accept_parent=True), station.liveness,
                              station.monitoring.status_line).start()

    def ready_when_started() -> None:
        if station.wait_started(STARTUP_LIMIT):
            systemd.ready()
        else:
            log.error("station start-up took over %.0f s: not telling systemd it is ready", STARTUP_LIMIT)

    def drawn(_app: KioskApp) -> None:   # on the UI thread: wait elsewhere
        threading.Thread(target=ready_when_started, name="systemd-ready", daemon=True).start()
    app.on_ready = drawn
    result: dict[str, int] = {}
    if script is not None:
        run_script(app, script, result, limit)
    station.start()
    try:
        app.run()
    finally:
        # STOPPING=1, unless staff asked for a restart: the process re-executes
        # itself in place (same pid), which systemd must not take for an exit.
        systemd.stop(stopping=not app.restart_requested)
        station.stop()
    if app.restart_requested:
        log.warning("restarting the kiosk app from staff mode")
        os.execv(sys.executable, [sys.executable, "-m", "kiosk.cli", *sys.argv[1:]])
    return int(result.get("code", app.exit_code))

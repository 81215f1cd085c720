"""Start the kiosk UI: the demo (simulator + virtual hardware, on screen or
as the headless tour) and the production kiosk (``kiosk run``)."""

from __future__ import annotations

import logging
import os
import sys
import threading
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

PANEL_WIDTH = 440     # keeps the window a multiple of 4 pixels wide (screenshots read whole words per row)


def has_display() -> bool:
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def make_app(config: Any, station: Any, *, side_panel: Callable[[Any], Any] | None = None,
             size: tuple[int, int] | None = None, headless: bool = False,
             on_ready: Callable[[Any], None] | None = None) -> Any:
    """Configure Kivy's window from ``[ui]`` and build the app (not run yet)."""
    from kiosk.screens.app import KioskApp, configure_kivy

    configure_kivy(config.ui, size, headless=headless)
    from kiosk.staff import StaffAuth, StaffPolicy

    return KioskApp(config, station, StaffAuth(StaffPolicy.from_config(config)), side_panel=side_panel,
                    on_ready=on_ready)


def run_script(app: Any, script: Callable[[Any], int], result: dict[str, int], limit: float) -> None:
    """Run ``script(driver)`` on a thread once the app is drawn; stop the app after."""
    from kivy.clock import Clock

    from kiosk.demo.driver import UIDriver

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

    def ready(_app: Any) -> None:
        Clock.schedule_once(watchdog, limit)
        threading.Thread(target=body, name="ui-script", daemon=True).start()
    app.on_ready = ready


def run_demo(headless: bool, out: Path, *, size: tuple[int, int] = (1280, 800),
             script: Callable[[Any, Any], int] | None = None, limit: float = 60.0, panel: bool = True,
             config: Any = None, rig_options: dict[str, Any] | None = None) -> int:
    """The demo: ILS simulator, simulated devices, the kiosk UI and the
    virtual hardware panel. ``headless``: run the scripted tour into ``out``.
    ``script(driver, rig)`` replaces the tour (UI tests, the benchmark);
    ``panel=False`` shows the kiosk screen alone at exactly ``size``."""
    from kiosk.demo.rig import DemoRig

    with DemoRig(config, **(rig_options or {})) as rig:
        side_panel = None
        if panel:
            from kiosk.demo.panel import HardwarePanel

            def side_panel(app: Any) -> Any:
                panel = HardwarePanel(rig)
                app.panel = panel
                app.bind(on_stop=lambda *_: panel.stop())
                return panel
        window = (size[0] + PANEL_WIDTH, size[1]) if panel else size
        app = make_app(rig.config, rig.station, side_panel=side_panel, size=window, headless=headless)
        app.rig = rig
        result: dict[str, int] = {}
        if script is not None:
            run_script(app, lambda driver: script(driver, rig), result, limit)
        elif headless:
            from kiosk.demo.tour import Tour

            run_script(app, Tour(rig, out).run, result, limit)
        app.run()
        return int(result.get("code", 0))


def run_kiosk(config: Any) -> int:
    """The production kiosk: the station from the config file and the UI fullscreen.
    Exit code 0 after "exit to desktop"; a restart re-executes the process."""
    from kiosk.station.facade import Station

    station = Station(config)
    app = make_app(config, station)      # first: it takes over SIGTERM/SIGINT
    station.start()
    try:
        app.run()
    finally:
        station.stop()
    if app.restart_requested:
        log.warning("restarting the kiosk app from staff mode")
        os.execv(sys.executable, [sys.executable, "-m", "kiosk.cli", *sys.argv[1:]])
    return int(app.exit_code)

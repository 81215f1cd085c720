"""The demo: the ILS simulator and simulated devices (:class:`DemoRig`), the
kiosk UI and the virtual hardware panel, on screen or as the headless tour."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from kiosk.config import Config
from kiosk.demo.driver import UIDriver
from kiosk.demo.launch import make_app, run_script
from kiosk.demo.panel import HardwarePanel
from kiosk.demo.rig import DemoRig
from kiosk.demo.tour import Tour
from kiosk.screens.app import KioskApp
from kiosk.speech.output import RecordingOutput

PANEL_WIDTH = 440     # keeps the window a multiple of 4 pixels wide (screenshots read whole words per row)


def run_demo(headless: bool, out: Path, *, size: tuple[int, int] = (1280, 800),
             script: Callable[[UIDriver, DemoRig], int] | None = None, limit: float = 60.0, panel: bool = True,
             config: Config | None = None, rig_options: dict[str, Any] | None = None, accessible: bool = False,
             tour: bool = True) -> int:
    """The demo: ILS simulator, simulated devices, the kiosk UI and the
    virtual hardware panel. ``headless``: run the scripted tour into ``out``.
    ``script(driver, rig)`` replaces the tour (UI tests, the benchmark);
    ``panel=False`` shows the kiosk screen alone at exactly ``size``.
    Headless, speech is recorded (text and WAV) under ``out/speech`` instead
    of played; ``accessible`` adds the keypad-only tour (``tour=False``: only it)."""
    with DemoRig(config, **(rig_options or {})) as rig:
        assert rig.station is not None   # started by the with
        side_panel = None
        if panel:
            def side_panel(app: KioskApp) -> HardwarePanel:
                panel = HardwarePanel(rig)
                app.panel = panel
                app.bind(on_stop=lambda *_: panel.stop())
                return panel
        window = (size[0] + PANEL_WIDTH, size[1]) if panel else size
        speech_output = RecordingOutput(Path(out) / "speech") if headless else None
        app = make_app(rig.config, rig.station, side_panel=side_panel, size=window, headless=headless,
                       keypad=rig.keypad, speech_output=speech_output)
        app.rig = rig
        result: dict[str, int] = {}
        if script is not None:
            run_script(app, lambda driver: script(driver, rig), result, limit)
        elif headless:
            run_script(app, lambda driver: run_tours(driver, rig, Path(out), tour, accessible), result, limit)
        app.run()
        return int(result.get("code", 0))


def run_tours(driver: Any, rig: DemoRig, out: Path, tour: bool, accessible: bool) -> int:
    """The touch tour and/or the keypad-only accessible tour, one after the other."""
    code = Tour(rig, out).run(driver) if tour else 0
    if accessible and code == 0:
        from kiosk.demo.accessible import AccessibleTour

        if tour:
            driver.call(lambda: driver.app.leave_staff())   # the touch tour ends in staff mode
        code = AccessibleTour(rig, out / "accessible").run(driver)
    return code

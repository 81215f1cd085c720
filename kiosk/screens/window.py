"""The window's settings, from ``[ui]``, applied before the window exists.

Imported through :mod:`kiosk.screens.app`, which sets Kivy's environment
before anything of Kivy loads.
"""

from __future__ import annotations

from kivy.config import Config as KivyConfig

from kiosk.config.typed import UISection


def configure_kivy(ui: UISection, size: tuple[int, int] | None = None, *, headless: bool = False) -> None:
    """Window settings from ``[ui]`` (must run before the window exists).
    ``size`` forces a windowed size (demo, tests, benchmark)."""
    KivyConfig.set("kivy", "exit_on_escape", "0")
    KivyConfig.set("kivy", "log_level", "warning")
    KivyConfig.set("input", "mouse", "mouse,disable_multitouch")
    # No multisampling: rounded shapes are smooth enough on a kiosk panel, and
    # MSAA multiplies the fill cost of every frame (badly so with software GL).
    KivyConfig.set("graphics", "multisamples", "0")
    if size is not None or not ui.fullscreen:
        width, height = size or (int(ui.width) or 1280, int(ui.height) or 800)
        KivyConfig.set("graphics", "fullscreen", "0")
        KivyConfig.set("graphics", "width", str(width))
        KivyConfig.set("graphics", "height", str(height))
    else:
        KivyConfig.set("graphics", "fullscreen", "auto")
        KivyConfig.set("graphics", "borderless", "1")
    KivyConfig.set("graphics", "resizable", "0" if ui.fullscreen else "1")
    KivyConfig.set("graphics", "show_cursor", "0" if (ui.hide_cursor and not headless) else "1")
    if headless:
        KivyConfig.set("graphics", "maxfps", "60")

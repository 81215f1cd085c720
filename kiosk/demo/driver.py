"""Drive the running Kivy app from a script thread, the way a patron would:
touch widgets at their position on screen, wait for what the screen says,
take screenshots. Used by the headless tour, the UI tests and the benchmark.

Every call hops onto the Kivy clock and waits a bounded time for it; the
script thread never touches widgets itself.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path
from typing import Any, Callable, Iterator

from kivy.base import EventLoop
from kivy.clock import Clock
from kivy.input.motionevent import MotionEvent
from kivy.uix.label import Label

from kiosk.errors import KioskError


class DriverTimeout(KioskError):
    """The screen did not reach the expected state in time."""


def walk(widget: Any) -> Iterator[Any]:
    yield widget
    for child in list(widget.children):
        yield from walk(child)


def visible_text(widget: Any) -> str:
    """Every label's text under ``widget`` (what a patron could read)."""
    return "\n".join(w.text for w in walk(widget) if isinstance(w, Label) and w.text and w.opacity > 0)


class ScriptedTouch(MotionEvent):
    """One finger at window position (x, y), fed through the event loop's
    input path like a real touch (Kivy's own test helper needs pytest,
    which an installed kiosk does not have)."""

    def __init__(self, x: float, y: float) -> None:
        window = EventLoop.window
        super().__init__("ScriptedTouch", 99, {"sx": x / (window.width - 1.0), "sy": y / (window.height - 1.0)},
                         is_touch=True, type_id="touch")
        self.profile = ["pos"]

    def depack(self, args: dict[str, float]) -> None:
        self.sx, self.sy = args["sx"], args["sy"]
        super().depack(args)


def tap_widget(widget: Any) -> None:
    """A finger down and up at the widget's centre, through the window's input path."""
    x, y = widget.to_window(*widget.center)
    touch = ScriptedTouch(x, y)
    EventLoop.post_dispatch_input("begin", touch)
    EventLoop.post_dispatch_input("end", touch)


def scroll_into_view(widget: Any) -> bool:
    """Scroll the nearest ScrollView so ``widget`` is visible; True if it moved."""
    from kivy.uix.scrollview import ScrollView

    parent = widget.parent
    for _ in range(64):   # the window is its own parent: the walk must be bounded
        if parent is None or isinstance(parent, ScrollView) or parent.parent is parent:
            break
        parent = parent.parent
    if not isinstance(parent, ScrollView):
        return False
    if hasattr(parent, "refresh_from_data"):
        # A RecycleView (kv's Factory may load it as another module, so no isinstance):
        # only its rows on screen exist, so a row found is in view.
        return False
    before = parent.scroll_y
    parent.scroll_to(widget, padding=10, animate=False)
    return bool(parent.scroll_y != before)


class UIDriver:
    def __init__(self, app: Any, timeout: float = 10.0) -> None:
        self.app = app
        self.timeout = timeout

    def call(self, fn: Callable[[], Any], timeout: float | None = None) -> Any:
        done = threading.Event()
        box: dict[str, Any] = {}

        def run(_dt: float) -> None:
            try:
                box["value"] = fn()
            except Exception as exc:  # re-raised on the script thread
                box["error"] = exc
            done.set()
        Clock.schedule_once(run)
        if not done.wait(timeout or self.timeout):
            raise DriverTimeout("the UI thread did not answer")
        if "error" in box:
            raise box["error"]
        return box.get("value")

    def wait_for(self, predicate: Callable[[], Any], what: str, timeout: float | None = None) -> Any:
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            value = self.call(predicate)
            if value:
                return value
            if time.monotonic() > deadline:
                raise DriverTimeout(f"timed out waiting for {what} (screen {self.current()!r}: "
                                    f"{self.text()[:300]!r})")
            time.sleep(0.04)

    def current(self) -> str:
        return str(self.call(lambda: self.app.shell.sm.current))

    def wait_screen(self, name: str, timeout: float | None = None) -> None:
        self.wait_for(lambda: self.app.shell.sm.current == name, f"the {name} screen", timeout)

    def screen(self, name: str | None = None) -> Any:
        return self.call(lambda: self.app.shell.sm.get_screen(name or self.app.shell.sm.current))

    def text(self, name: str | None = None) -> str:
        return str(self.call(lambda: visible_text(self.app.shell.sm.get_screen(name or self.app.shell.sm.current))))

    def shell_text(self) -> str:
        return str(self.call(lambda: visible_text(self.app.shell)))

    def wait_text(self, needle: str, timeout: float | None = None, where: str = "screen") -> str:
        """Wait until ``needle`` is on the current screen (``where="shell"``: anywhere)."""
        def probe() -> str:
            root = self.app.shell if where == "shell" else self.app.shell.sm.current_screen
            found = visible_text(root)
            return found if needle in found else ""
        return str(self.wait_for(probe, f"{needle!r} on the {where}", timeout))

    def tap(self, find: Callable[[], Any]) -> None:
        """Tap the widget ``find()`` returns (run on the UI thread); a widget
        inside a scrolled list is scrolled into view first, as a patron would."""
        if self.call(lambda: scroll_into_view(find())):
            time.sleep(0.1)
        self.call(lambda: tap_widget(find()))
        time.sleep(0.03)

    def tap_id(self, screen: str, widget_id: str) -> None:
        self.tap(lambda: self.app.shell.sm.get_screen(screen).ids[widget_id])

    def tap_text(self, text: str, under: Callable[[], Any] | None = None) -> None:
        """Tap the button whose text is exactly ``text`` (first match)."""
        def find() -> Any:
            root = under() if under else self.app.shell.sm.current_screen
            for w in walk(root):
                if isinstance(w, Label) and w.text == text and hasattr(w, "trigger_action"):
                    return w
            raise DriverTimeout(f"no button {text!r} on {self.app.shell.sm.current}")
        self.tap(find)

    def settle(self, seconds: float = 0.15) -> None:
        time.sleep(seconds)

    def screenshot(self, path: str | Path) -> Path:
        """The window's real pixels as a PNG at ``path``."""
        from kivy.core.window import Window

        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        self.settle(0.12)   # a few frames at 60 fps so the last change is drawn
        stem = path.with_suffix("")
        written = self.call(lambda: Window.screenshot(name=f"{stem}.png"))
        if not written or not os.path.exists(written):
            raise DriverTimeout(f"no screenshot written for {path}")
        os.replace(written, path)
        return path

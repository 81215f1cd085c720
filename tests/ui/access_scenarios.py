"""Accessibility scenarios, each in a child process like ``scenarios.py``:
``python tests/ui/access_scenarios.py NAME OUT_DIR [WIDTHxHEIGHT]``.

The real app offscreen against the demo rig; keys go in through the
simulated keypad (the driver boundary), speech comes out of the recording
``sim`` output (text and WAV). Exit code 0 means every check passed.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.pop("DISPLAY", None)
os.environ.pop("WAYLAND_DISPLAY", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from scenarios import Check, check  # noqa: E402

from kiosk.demo.driver import UIDriver, walk  # noqa: E402

ANA, FINED, NANDU, PIN = "21000000000001", "21000000000005", "21000000000006", "1234"
RENTAL, NOT_FOR_LOAN, ANAS_LOAN = "31000000000029", "31000000000013", "31000000000020"
SPEECH_WAIT = 15.0


class Keys:
    """The patron's keypad and ears: press keys, listen to what is said."""

    def __init__(self, d: UIDriver, rig: Any) -> None:
        self.d, self.rig = d, rig
        self.access = d.app.access

    @property
    def output(self) -> Any:
        return self.access.speaker.output

    def quiet(self) -> None:
        for _ in range(2):
            self.d.wait_for(lambda: not self.d.app._events, "the UI to show every event")
            self.d.call(lambda: None)
            self.access.speaker.wait_idle(SPEECH_WAIT)

    def press(self, *keys: str) -> str:
        """Press ``keys`` one by one, each heard out; the last thing said."""
        for key in keys:
            self.rig.press(key)
            self.d.call(lambda: None)
            self.quiet()
        texts = self.output.texts
        return texts[-1] if texts else ""

    def focused(self) -> str:
        return str(self.d.call(lambda: getattr(self.access.focus.focused, "id", "") if self.access.focus else ""))

    def focus_on(self, control_id: str, limit: int = 30) -> None:
        for _ in range(limit):
            if self.focused() == control_id:
                return
            self.press("down")
        raise Check(f"{control_id!r} not reachable on {self.d.current()}: {self.controls()}")

    def controls(self) -> list[str]:
        return list(self.d.call(lambda: [c.id for c in self.access.focus.controls] if self.access.focus else []))

    def screen_is(self, name: str) -> None:
        self.d.wait_for(lambda: self.access.focus is not None and self.access.focus.screen.value == name,
                        f"the {name} screen in focus", timeout=20)
        self.quiet()


def login(k: Keys, card: str, out: Path | None = None) -> None:
    k.screen_is("attract")
    for digit in card:
        k.press(digit)
    if out is not None:
        k.d.screenshot(out / "card-typed.png")
    k.press("enter")
    k.screen_is("pin_entry")
    k.press(*PIN, "enter")
    k.screen_is("home")


def visible_buttons(root: Any) -> list[Any]:
    from kivy.core.window import Window

    from kiosk.screens.widgets import KButton
    found = []
    for w in walk(root):
        if isinstance(w, KButton) and w.opacity > 0 and not w.disabled and w.width > 1 and w.height > 1 \
                and w.get_root_window() is not None:
            x, y = w.to_window(*w.center)
            if 0 <= x <= Window.width and 0 <= y <= Window.height:
                found.append(w)
    return found


def inside(widget: Any, ancestor: Any) -> bool:
    for _ in range(64):
        if widget is None:
            return False
        if widget is ancestor:
            return True
        widget = widget.parent if widget.parent is not widget else None
    return False


def walk_ring(k: Keys, out: Path, shot: str) -> list[str]:
    """Down through every control: the ring is on a shown widget at each and
    the speech names it; every usable button of the screen is among them."""
    d, access = k.d, k.access
    controls = k.controls()
    check(controls, f"no controls on {d.current()}")
    start = k.focused()
    rings = []
    for n in range(len(controls)):
        control = d.call(lambda: access.focus.focused)
        ring = d.call(lambda: access.ring.widget)
        check(ring is not None, f"{control.id}: no focus ring")
        check(d.call(lambda: ring.get_root_window() is not None and ring.opacity > 0),
              f"{control.id}: the ring is on a hidden widget")
        rings.append(ring)
        if n == 0:
            d.screenshot(out / f"{shot}.png")
        said = k.press("down")
        following = d.call(lambda: access.focus.focused)
        label = following.label.rstrip(". ")
        check(said.startswith(label), f"{following.id}: said {said!r}, not its label {label!r}")
    check(k.focused() == start, f"the ring does not go round: {k.focused()} after {controls}")
    root = d.call(lambda: access.app.router.warning if access.focus.screen.value == "inactivity_warning"
                  else access.app.shell.sm.current_screen)
    buttons = d.call(lambda: visible_buttons(root))
    missed = [b.text for b in buttons if not any(inside(b, ring) for ring in rings)]
    check(not missed, f"{d.current()}: buttons the keypad cannot reach: {missed}")
    return controls


# -- scenarios -------------------------------------------------------------------------------------
def keypad_walk(d: UIDriver, rig: Any, out: Path) -> None:
    """Every control on every patron screen is reachable by keypad, with a
    ring drawn on it and its name spoken; every patron function by keys alone."""
    from kiosk.demo.accessible import LogCapture

    k = Keys(d, rig)
    capture = LogCapture(out / "log.txt")
    try:
        d.wait_screen("attract")
        k.press("speech")
        k.screen_is("attract")
        walk_ring(k, out, "attract")
        k.focus_on("low_layout")
        k.press("select")                                   # the switch says its new state
        check(d.call(lambda: k.access.low_layout), "low layout not switched on")
        check(k.output.texts[-1].endswith("switch, on, 7 of 7."), k.output.texts[-1])
        k.press("select")
        login(k, FINED, out)
        pin_said = _between(k, "PIN entry.", "Home screen.")[1:-1]
        check(pin_said.count("Digit entered.") == len(PIN), f"PIN keys said: {pin_said}")
        check(not any(ch.isdigit() for text in pin_said for ch in text), f"a digit said during the PIN: {pin_said}")
        walk_ring(k, out, "home")
        k.focus_on("borrow")
        k.press("select")
        k.screen_is("borrowing")
        for item in (RENTAL, NOT_FOR_LOAN, "31000000000007"):
            rig.put_item(item)
        d.wait_for(lambda: len([r for r in rig.station.session_view().items if str(r.status) != "pending"]) == 3,
                   "three results", timeout=20)
        k.quiet()
        check(any("Roma" in t for t in k.output.texts), "the rental item was not announced")
        walk_ring(k, out, "borrowing")
        k.focus_on(f"item:{RENTAL}")
        k.press("select")                                   # accept the rental charge
        d.wait_for(lambda: any(r.item_id == RENTAL and str(r.status) == "borrowed"
                               for r in rig.station.session_view().items), "the rental borrowed", timeout=20)
        rig.clear_pad()
        d.settle(0.4)
        k.press("back")
        k.screen_is("home")
        k.focus_on("return_items")
        k.press("select")
        k.screen_is("returning")
        rig.put_item(ANAS_LOAN)
        d.wait_for(lambda: any(r.action == "return" and str(r.status) != "pending"
                               for r in rig.station.session_view().items), "the return", timeout=20)
        k.quiet()
        walk_ring(k, out, "returning")
        rig.clear_pad()
        d.settle(0.4)
        k.press("back")
        k.screen_is("home")
        k.focus_on("account")
        k.press("select")
        d.wait_for(lambda: rig.station.account() is not None, "the account", timeout=20)
        k.screen_is("account")
        controls = walk_ring(k, out, "account")
        check(any(c.startswith("fine:") for c in controls) and "pay" in controls, f"account controls: {controls}")
        k.focus_on("pay")
        k.press("select")
        d.wait_for(lambda: any("Your payment of" in t for t in k.output.texts[-3:]), "the payment announced",
                   timeout=20)
        k.focus_on("finish")
        k.press("select")
        k.screen_is("receipt")
        walk_ring(k, out, "receipt")
        k.focus_on("none")
        k.press("select")
        k.screen_is("goodbye")
        walk_ring(k, out, "goodbye")
        k.press("select")
        d.wait_screen("attract", timeout=15)
        # Ñandú: holds ready for pickup are rows too.
        k.press("speech")
        login(k, NANDU)
        k.focus_on("account")
        k.press("select")
        d.wait_for(lambda: rig.station.account() is not None, "the account", timeout=20)
        k.screen_is("account")
        controls = walk_ring(k, out, "account-holds")
        check(any(c.startswith("hold:") for c in controls), f"no hold rows: {controls}")
        k.press("back")
        k.screen_is("home")
        k.focus_on("finish")
        k.press("select")
        d.wait_for(lambda: d.app.shell.sm.current in ("receipt", "goodbye", "attract"), "the end", timeout=15)
    finally:
        capture.close()
    no_pin_anywhere(k, out)


def _between(k: Keys, start: str, end: str) -> list[str]:
    texts = k.output.texts
    first = max(i for i, t in enumerate(texts) if t.startswith(start))
    last = max(i for i, t in enumerate(texts) if t.startswith(end))
    return texts[first:last + 1]


def no_pin_anywhere(k: Keys, out: Path) -> None:
    spoken = " ".join(k.output.texts)
    check(PIN not in spoken and "1 2 3 4" not in spoken, "a PIN was spoken")
    logged = (out / "log.txt").read_text(encoding="utf-8")
    check(len(logged) > 200, "nothing was logged: the capture is broken")
    check(PIN not in logged, "a PIN was logged")
    for wav in (out / "speech").glob("*.txt"):
        check(PIN not in wav.read_text(encoding="utf-8"), f"{wav.name} holds a PIN")


def more_time(d: UIDriver, rig: Any, out: Path) -> None:
    """The warning is announced in every language, offers More time by key,
    and speech and large text lengthen the timeouts by their factors."""
    k = Keys(d, rig)
    station = rig.station
    d.wait_screen("attract")
    k.press("speech")
    check(station.session.time_factor == 1.0, "speech_timeout_factor = 1 in this scenario")
    for lang in ("en", "es", "tl", "ar"):
        k.screen_is("attract")
        k.focus_on(f"lang_{lang}")
        k.press("select")
        login(k, ANA)
        k.screen_is("inactivity_warning")
        said = [t for t in k.output.texts[-4:] if t]
        from kiosk.i18n import translator
        tr = translator(k.access.speech_language)
        check(any(t.startswith(tr.gettext("Are you still there?")) for t in said), f"{lang}: warning said {said}")
        check(any(tr.gettext("More time") in t for t in said), f"{lang}: no More time in {said}")
        d.screenshot(out / f"warning-{lang}.png")
        k.press("select")                                    # More time
        d.wait_for(lambda: d.app.router.warning.parent is None, "the warning to close")
        k.screen_is("home")
        check(d.current() == "home", f"{lang}: More time did not keep the session")
        k.press("back")                                      # a key is activity too
        k.focus_on("finish")
        k.press("select")
        d.wait_screen("attract", timeout=20)
        k.press("speech")
    # The factors: speech x2 (the config's 1 here), large text x1.5, the larger one applies.
    d.call(lambda: d.app.toggle_large_text())
    d.wait_for(lambda: station.session.time_factor == 1.5, "large text: timeouts x1.5")
    d.call(lambda: d.app.toggle_large_text())
    d.wait_for(lambda: station.session.time_factor == 1.0, "back to x1")
    d.call(lambda: k.access.cycle_zoom())
    d.wait_for(lambda: station.session.time_factor == 1.5, "zoom counts as large text")
    d.call(lambda: k.access.reset())
    d.wait_for(lambda: station.session.time_factor == 1.0, "the next patron starts at x1")


def zoom_low(d: UIDriver, rig: Any, out: Path) -> None:
    """Low layout puts every control in the lower part of a portrait screen;
    zoom magnifies text and controls and the ring follows the focus."""
    from kivy.core.window import Window

    k = Keys(d, rig)
    d.wait_screen("attract")
    height = d.call(lambda: Window.height)
    d.tap_id("attract", "low_layout")
    d.wait_for(lambda: k.access.low_layout, "low layout")
    d.settle(0.3)

    def highest_control() -> float:
        shown = visible_buttons(d.app.shell)
        return max(w.to_window(w.x, w.y)[1] + w.height for w in shown)
    top = d.call(highest_control)
    d.screenshot(out / "attract-low.png")
    check(top <= height * 0.62, f"attract: a control reaches {top:.0f} of {height} px")
    rig.scan_card(ANA)
    d.wait_screen("pin")
    for digit in PIN:
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("home")
    d.settle(0.3)
    top = d.call(highest_control)
    d.screenshot(out / "home-low.png")
    check(top <= height * 0.62, f"home: a control reaches {top:.0f} of {height} px")
    body = d.call(lambda: d.app.theme.f_body)
    d.tap(lambda: d.app.shell.ids.zoom)
    d.tap(lambda: d.app.shell.ids.zoom)
    d.wait_for(lambda: k.access.zoom == 2.0, "zoom 2x")
    d.settle(0.3)
    check(d.call(lambda: d.app.theme.f_body) >= body * 1.9, "zoom did not double the text")
    k.press("down", "down", "down")                         # the ring pans the zoomed view to My account
    ring = d.call(lambda: k.access.ring.widget)
    view = d.call(lambda: d.app.shell.screen_area)

    def ring_in_view() -> bool:
        x, y = ring.to_window(*ring.center)
        vx, vy = view.to_window(view.x, view.y)
        return bool(vx <= x <= vx + view.width and vy <= y <= vy + view.height)
    d.wait_for(ring_in_view, "the focused control scrolled into view")
    d.screenshot(out / "home-zoom.png")
    d.tap(lambda: d.app.shell.ids.zoom)
    d.wait_for(lambda: k.access.zoom == 1.0, "zoom back to 1x")


def staff_speech(d: UIDriver, rig: Any, out: Path) -> None:
    """Staff see the speech status and the voice fallback, make speech the
    default for every patron (saved), and a long press turns speech on."""
    from kivy.tests.common import UnitTestTouch

    k = Keys(d, rig)
    access = k.access
    d.wait_screen("attract")
    for _ in range(5):
        d.tap(lambda: d.app.shell.ids.logo)
    d.wait_screen("staff_login")
    for digit in "2468":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("staff", timeout=15)
    d.wait_text("No voice for Tagalog: speaking English.", timeout=20)
    d.screenshot(out / "staff-speech-status.png")
    d.tap_id("staff", "nav_settings")
    d.tap_text("Speech for every patron: off")
    d.wait_text("Speech for every patron: on")
    d.tap_text("Save settings")
    d.wait_text("Saved to", timeout=15)
    d.screenshot(out / "staff-speech-default.png")
    check(access.speech_default, "the saved default is not in force")
    saved = Path(d.call(lambda: str(d.app.kiosk_config.override_path))).read_text(encoding="utf-8")
    check("speech_default = true" in saved, f"not saved: {saved!r}")
    d.tap_id("staff", "leave")
    d.wait_screen("attract")
    d.wait_for(lambda: any(t.startswith("Welcome screen.") for t in k.output.texts), "the welcome announced")
    check(d.call(lambda: access.speech), "speech is not on by default")
    # A patron who cannot see: a long press on the welcome screen turns speech on.
    d.call(lambda: setattr(access, "speech_default", False))
    d.call(access.reset)
    check(not d.call(lambda: access.speech), "speech still on")
    label = d.call(lambda: next(w for w in walk(d.app.root_screen("attract")) if getattr(w, "role", "") == "hero"))
    touch = d.call(lambda: UnitTestTouch(*label.to_window(*label.center)))
    d.call(touch.touch_down)
    time.sleep(2.4)
    d.call(touch.touch_up)
    d.wait_for(lambda: access.speech, "speech on after a long press")
    d.wait_for(lambda: k.output.texts[-1].startswith("Speech on. Welcome screen."), "speech on announced")
    k.press("speech")
    check(k.output.texts[-1] == "Speech off." and not d.call(lambda: access.speech), "the Speech key did not stop it")


def accessible_tour(d: UIDriver, rig: Any, out: Path) -> None:
    from kiosk.demo.accessible import AccessibleTour

    check(AccessibleTour(rig, out).run(d) == 0, "the accessible tour failed")


def long_list(d: UIDriver, rig: Any, out: Path) -> None:
    """A stack longer than the screen: the ring walks every row of the item
    list (a RecycleView) and each focused row is scrolled fully into view."""
    stack = [f"3100000000000{n}" for n in range(1, 7)] + ["31000000000011", "31000000000012", "31000000000013"]
    k = Keys(d, rig)
    d.wait_screen("attract")
    k.press("speech")
    login(k, ANA)
    k.focus_on("borrow")
    k.press("select")
    k.screen_is("borrowing")
    for item in stack:
        rig.put_item(item)
    d.wait_for(lambda: len([r for r in rig.station.session_view().items if str(r.status) != "pending"]) == len(stack),
               "every item's result", timeout=30)
    k.quiet()
    view = d.call(lambda: d.app.shell.sm.current_screen.ids.rows)
    check(d.call(lambda: view.children[0].height > view.height), "the list fits the screen: no scrolling tested")

    def ring_place() -> tuple[float, float, float, float]:
        ring = k.access.ring.widget
        _, y = ring.to_window(ring.x, ring.y)
        _, vy = view.to_window(view.x, view.y)
        return y, ring.height, vy, view.height

    def shown(place: tuple[float, float, float, float]) -> bool:
        y, h, vy, vh = place
        return vy - 1 <= y and y + h <= vy + vh + 1
    seen = []
    for item in reversed(stack):                             # far from one another, down the ring
        k.focus_on(f"item:{item}")
        d.settle(0.2)
        place = d.call(ring_place)
        check(shown(place), f"the row of {item} is not in view: ring y, height {place[:2]}, list y, height {place[2:]}")
        seen.append(d.call(lambda: round(view.scroll_y, 3)))
    check(len(set(seen)) > 1, f"the list never scrolled: {seen}")
    d.screenshot(out / "long-list.png")


SCENARIOS: dict[str, Callable[[UIDriver, Any, Path], None]] = {
    "keypad_walk": keypad_walk, "long_list": long_list, "more_time": more_time, "zoom_low": zoom_low, "staff_speech": staff_speech,
    "accessible_tour": accessible_tour}
CONFIG = {
    "more_time": "[ui]\ntimeout_home = 5.0\nwarning_seconds = 12.0\ngoodbye_seconds = 1.0\n[accessibility]\nspeech_timeout_factor = 1.0\n",
}


def main(argv: list[str]) -> int:
    from kiosk.config import load_config
    from kiosk.demo.run import run_demo

    name, out = argv[0], Path(argv[1])
    size = tuple(int(v) for v in argv[2].split("x")) if len(argv) > 2 else (1280, 800)
    out.mkdir(parents=True, exist_ok=True)
    data = Path(tempfile.mkdtemp(prefix="kiosk-ui-"))
    settings = out / "settings.toml"
    settings.write_text(f'[station]\ndata_dir = "{data}"\n' + CONFIG.get(name, ""), encoding="utf-8")
    config = load_config(None, overrides=[settings])

    def script(d: UIDriver, rig: Any) -> int:
        started = time.monotonic()
        try:
            SCENARIOS[name](d, rig, out)
        except Check as exc:
            print(f"FAILED: {exc}", flush=True)
            try:
                d.screenshot(out / "failure.png")
            except Exception:  # the screenshot is a courtesy; the failure is what matters
                pass
            return 1
        print(f"scenario {name} passed in {time.monotonic() - started:.1f} s", flush=True)
        return 0
    return run_demo(True, out, size=size, script=script, limit=200.0, panel=False, config=config)  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""UI scenarios run in a child process each (Kivy apps cannot be restarted in
one process): ``python tests/ui/scenarios.py NAME OUT_DIR [WIDTHxHEIGHT]``.

Each drives the real app offscreen (SDL offscreen, real GL) against the demo
rig (ILS simulator on 127.0.0.1, simulated devices) by touching widgets,
checks what the screen says, and saves screenshots into OUT_DIR. Exit code 0
means every check passed; a failed check prints ``FAILED: ...``.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path
from typing import Any, Callable

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.pop("DISPLAY", None)
os.environ.pop("WAYLAND_DISPLAY", None)
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.demo.driver import UIDriver, walk  # noqa: E402

ANA, BJORN, BLOCKED = "21000000000001", "21000000000002", "21000000000003"
STAFF_BADGE = "STAFF-BADGE-0042"


class Check(Exception):
    pass


def check(condition: Any, message: str) -> None:
    if not condition:
        raise Check(message)


def login(d: UIDriver, rig: Any, card: str = ANA, pin: str = "1234") -> None:
    rig.scan_card(card)
    d.wait_screen("pin")
    for digit in pin:
        d.tap_text(digit)
    d.tap(lambda: d.app.root_screen("pin").ids.pad.ids.ok)
    d.wait_screen("home")


def touch_targets(d: UIDriver) -> list[str]:
    """Buttons on the current screen that are smaller than 15 mm or off screen."""
    def probe() -> list[str]:
        from kivy.core.window import Window

        from kiosk.screens.widgets import KButton
        bad = []
        for w in walk(d.app.shell.sm.current_screen):
            if isinstance(w, KButton) and w.opacity > 0 and w.get_root_window() is not None and w.height > 0:
                x, y = w.to_window(w.x, w.y)
                if min(w.width, w.height) + 0.5 < d.app.theme.touch:
                    bad.append(f"{w.text!r} is {w.width:.0f}x{w.height:.0f} px < {d.app.theme.touch:.0f} px")
                if x < -1 or y < -1 or x + w.width > Window.width + 1 or y + w.height > Window.height + 1:
                    bad.append(f"{w.text!r} is off screen at {x:.0f},{y:.0f}")
        return bad
    return list(d.call(probe))


# -- scenarios: each takes (driver, rig, out) and raises Check on failure ---------------------
def layout(d: UIDriver, rig: Any, out: Path) -> None:
    """Attract, PIN, home, borrow and account fit the screen with 15 mm targets."""
    d.wait_screen("attract")
    d.screenshot(out / "attract.png")
    check(not touch_targets(d), f"attract: {touch_targets(d)}")
    # Sounds load on the UI thread: SDL audio opened from another thread
    # deadlocked the app against the UI thread's event polling, now and then.
    d.wait_for(lambda: d.app.sounds._broken or len(d.app.sounds._loaded) == 3, "the sounds loaded")
    check(set(LOADED_ON) <= {"MainThread"}, f"sounds loaded on {LOADED_ON}")
    rig.scan_card(ANA)
    d.wait_screen("pin")
    d.screenshot(out / "pin.png")
    check(not touch_targets(d), f"pin: {touch_targets(d)}")
    for digit in "1234":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("home")
    d.screenshot(out / "home.png")
    check(not touch_targets(d), f"home: {touch_targets(d)}")
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    rig.put_item("31000000000001")
    d.wait_text("1 item borrowed", timeout=15)
    d.screenshot(out / "borrow.png")
    check(not touch_targets(d), f"borrow: {touch_targets(d)}")


def patron(d: UIDriver, rig: Any, out: Path) -> None:
    """Wrong PIN, multi-part set, hold alert, large text, high contrast, cancel."""
    d.wait_screen("attract")
    rig.scan_card(ANA)
    d.wait_screen("pin")
    for digit in "9999":
        d.tap_text(digit)
    check(d.call(lambda: d.app.root_screen("pin").ids.pad.masked.count("\u25CF") == 4), "PIN not masked")
    check("9999" not in d.text(), "the PIN is shown in clear")
    d.tap_text("OK")
    d.wait_text("tries left", timeout=10)
    d.screenshot(out / "wrong-pin.png")
    for digit in "1234":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("home")
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    rig.put_item("31000000000014", part=1)            # one part of a two-part set
    text = d.wait_text("31000000000014", timeout=15)
    d.wait_for(lambda: any(line["mark"] != "\u2026" for line in d.app.root_screen("items").lines.values()),
               "the multi-part result", timeout=15)
    text = d.text()
    check("all the parts" in text, f"no multi-part instruction: {text[:300]!r}")
    d.screenshot(out / "multipart.png")
    rig.put_item("31000000000014", part=2)
    d.wait_text("1 item borrowed", timeout=15)
    rig.clear_pad()                                    # the patron takes the set away
    rig.put_item("31000000000029")                     # a rental DVD: the charge needs the patron's yes
    d.wait_text("Accept", timeout=15)
    d.screenshot(out / "rental-fee.png")
    def accept_button() -> Any:
        from kiosk.screens.widgets import KButton
        return next(w for w in walk(d.app.root_screen("items").ids.rows)
                    if isinstance(w, KButton) and w.text.startswith("Accept"))
    check("1.50" in d.call(lambda: accept_button().text), "the rental charge is not on the button")
    d.tap(accept_button)
    d.wait_text("2 items borrowed", timeout=15)
    rig.clear_pad()
    d.tap(lambda: d.app.shell.ids.large_text)
    d.tap(lambda: d.app.shell.ids.contrast)
    check(d.call(lambda: d.app.theme.large_text and d.app.theme.name == "high-contrast"), "accessibility toggles")
    d.screenshot(out / "large-high-contrast.png")
    d.tap_id("items", "finish")
    d.wait_screen("receipt")
    d.tap_id("receipt", "none")
    d.wait_screen("goodbye")
    d.screenshot(out / "goodbye.png")
    d.tap_id("goodbye", "done")
    d.wait_screen("attract")
    check(d.call(lambda: not d.app.theme.large_text and d.app.theme.name == "default"),
          "the next patron inherits the last patron's look")
    # anonymous return with a hold alert
    rig.clear_pad()
    d.tap_id("attract", "return_button")
    d.wait_screen("items")
    rig.put_item("31000000000011")
    d.wait_for(lambda: any(line["mark"] not in ("", "\u2026") for line in d.app.root_screen("items").lines.values()),
               "the hold alert", timeout=15)
    check("Night Circus" in d.text(), "returned title shown")
    d.screenshot(out / "return-hold.png")
    rig.clear_pad()
    d.tap_id("items", "finish")
    d.wait_for(lambda: d.app.shell.sm.current in ("goodbye", "attract", "receipt"), "the end of the return")
    # a blocked card cannot borrow
    if d.current() == "receipt":
        d.tap_id("receipt", "none")
    d.wait_screen("attract", timeout=15)


def inactivity(d: UIDriver, rig: Any, out: Path) -> None:
    """Idle on the home screen: countdown dialog, "More time", then the session ends."""
    d.wait_screen("attract")
    login(d, rig)
    d.wait_for(lambda: d.app.router.warning is not None and d.app.router.warning.parent is not None,
               "the inactivity warning", timeout=20)
    text = d.call(lambda: "\n".join(w.text for w in walk(d.app.router.warning) if hasattr(w, "text")))
    check("seconds" in text or "second" in text, f"no countdown: {text!r}")
    d.screenshot(out / "inactivity.png")
    d.tap(lambda: d.app.router.warning.ids.still_here)
    d.wait_for(lambda: d.app.router.warning.parent is None, "the dialog to close")
    check(d.current() == "home", "still here keeps the session")
    d.wait_for(lambda: d.app.shell.sm.current in ("goodbye", "attract"), "the session to time out", timeout=30)
    d.wait_screen("attract", timeout=15)


def staff(d: UIDriver, rig: Any, out: Path) -> None:
    """Lock-down keys, staff sign-in (wrong then right PIN), every staff section, saving settings."""
    from kivy.core.window import Window

    d.wait_screen("attract")
    swallowed = d.call(lambda: Window.dispatch("on_keyboard", 27, 0, "", []))
    check(swallowed, "Escape is not swallowed outside staff mode")
    check(d.call(lambda: Window.dispatch("on_keyboard", 285, 0, "", ["alt"])), "Alt+F4 not swallowed")
    check(d.call(lambda: d.app._on_request_close()), "window close not refused")
    for _ in range(5):
        d.tap(lambda: d.app.shell.ids.logo)
    d.wait_screen("staff_login")
    for digit in "1111":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_text("not a staff PIN", timeout=10)
    d.screenshot(out / "staff-wrong.png")
    for digit in "2468":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("staff", timeout=15)
    d.wait_text("RFID pad", timeout=15)
    d.screenshot(out / "staff-devices.png")
    rig.put_item("31000000000001")
    d.tap_text("Inventory")
    d.wait_text("RFID pad: inventory: 1 tag on the pad: 31000000000001", timeout=15)
    d.tap_text("Scan test")
    d.wait_text("Scan any barcode now", timeout=5)
    rig.scan_card(ANA)
    d.wait_text("Barcode scanner: read **********0001", timeout=15)
    d.screenshot(out / "staff-device-tests.png")
    rig.pad.clear()
    check(not d.call(lambda: d.app._on_request_close()), "staff mode may close the window")
    for section, needle in (("ils", "State: online"), ("queue", "Waiting to be sent"),
                            ("transactions", "Last transactions"), ("settings", "Volume"),
                            ("system", "Exit to desktop")):
        d.tap_id("staff", f"nav_{section}")
        d.wait_text(needle, timeout=10)
        d.screenshot(out / f"staff-{section}.png")
    d.tap_id("staff", "nav_settings")
    d.wait_text("Volume: 80%")
    d.tap_text("+", under=lambda: next(w for w in walk(d.app.root_screen("staff").ids.content)
                                       if "Volume" in getattr(w, "text", "")).parent)
    d.wait_text("Volume: 90%")
    d.tap_text("+", under=lambda: next(w for w in walk(d.app.root_screen("staff").ids.content)
                                       if "Home screen timeout" in getattr(w, "text", "")).parent)
    home = d.app.station.timeouts.home
    d.wait_text(f"Home screen timeout: {int(home + 15)} s")
    d.tap_text("Save settings")
    d.wait_text("Saved to", timeout=10)
    saved = rig.config.override_path
    check(saved.is_file() and "volume = 0.9" in saved.read_text(), f"override file not written: {saved}")
    d.wait_for(lambda: d.app.station.timeouts.home == home + 15, "the new home timeout in force", timeout=5)
    d.tap_id("staff", "leave")
    d.wait_screen("attract")
    check(d.call(lambda: Window.dispatch("on_keyboard", 27, 0, "", [])), "Escape swallowed again after staff mode")
    rig.tap_card(STAFF_BADGE)  # a staff badge on the NFC reader opens staff mode directly
    d.wait_screen("staff", timeout=15)
    d.tap_id("staff", "leave")
    d.wait_screen("attract")


def offline(d: UIDriver, rig: Any, out: Path) -> None:
    """The ILS goes away: an offline banner, and patrons can still be served."""
    d.wait_screen("attract")
    rig.ils.stop()
    rig.scan_card(ANA)
    d.wait_for(lambda: d.app.shell.banner, "the offline banner", timeout=20)
    check("offline" in d.call(lambda: d.app.shell.banner).lower(), "banner says offline")
    d.wait_for(lambda: d.app.shell.sm.current in ("pin", "home", "attract"), "a patron screen", timeout=15)
    d.screenshot(out / "offline-banner.png")


def out_of_service(d: UIDriver, rig: Any, out: Path) -> None:
    """The ILS goes away and offline service is off: out of service, with the reason."""
    d.wait_screen("attract")
    rig.ils.stop()
    rig.scan_card(ANA)
    d.wait_screen("out_of_service", timeout=20)
    text = d.text()
    check("cannot be reached" in text, f"no reason on the out-of-service screen: {text[:200]!r}")
    d.screenshot(out / "out-of-service.png")
    for _ in range(5):                      # staff can still get in
        d.tap(lambda: d.app.shell.ids.logo)
    d.wait_screen("staff_login")


def fines(d: UIDriver, rig: Any, out: Path) -> None:
    """A patron with fines sees the total and pays it on the (simulated) terminal."""
    d.wait_screen("attract")
    login(d, rig, "21000000000005", "1234")
    d.tap_id("home", "account")
    d.wait_screen("account")
    screen = d.screen("account")
    d.wait_for(lambda: not screen.loading and screen.can_pay, "the fines and the pay button", timeout=15)
    check("12.50" in d.text(), f"fines total not shown: {d.text()[:300]!r}")
    d.screenshot(out / "fines.png")
    d.tap_id("account", "pay")
    d.wait_for(lambda: screen.result, "the payment result", timeout=15)
    d.screenshot(out / "paid.png")
    check(d.call(lambda: screen.result_ok), f"payment refused: {d.call(lambda: screen.result)!r}")
    # A long account arrives in steps: loans not yet detailed show "…", the summary says it is loading.
    from dataclasses import replace

    from kiosk.events import LoanView
    full = d.app.station.account()
    partial = replace(full, loans=(*full.loans, LoanView("31000000000099")), loans_pending=1)
    d.call(lambda: screen.show(partial))
    check("Loading your account" in d.call(lambda: screen.summary), f"summary: {d.call(lambda: screen.summary)!r}")
    check("31000000000099" in d.text() and "\u2026" in d.text(), "the pending loan is not listed")
    d.screenshot(out / "account-loading.png")
    d.call(lambda: screen.show(full))
    check("Loading" not in d.call(lambda: screen.summary), "still loading after the complete view")


def arabic(d: UIDriver, rig: Any, out: Path) -> None:
    """Arabic: labels shaped (presentation forms), rows and header mirrored, back to English after."""
    d.wait_screen("attract")
    d.tap_text("\uFE94\uFEF4\uFE91\uFEAE\uFECC\uFEDF\uFE8D")   # العربية as drawn (shaped, visual order)
    d.wait_for(lambda: d.app.theme.rtl and d.app.language == "ar", "Arabic")
    d.settle(0.2)
    text = d.text()
    check(any(0xFE70 <= ord(c) <= 0xFEFF for c in text), f"no shaped Arabic on screen: {text[:200]!r}")
    check(not any(0x0621 <= ord(c) <= 0x064A for c in text), f"unshaped Arabic letters on screen: {text[:200]!r}")
    logo_x, name_x = d.call(lambda: (d.app.shell.ids.logo.x, d.app.shell.ids.large_text.x))
    check(logo_x > name_x, "header not mirrored (logo should be on the right)")
    d.screenshot(out / "attract-ar.png")
    login(d, rig)
    d.wait_for(lambda: d.app.language in ("es", "ar"), "the session language")
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    rig.put_item("31000000000001")
    d.wait_for(lambda: any(line["mark"] not in ("", "\u2026") for line in d.app.root_screen("items").lines.values()),
               "a borrowed row", timeout=15)
    d.settle(0.2)
    d.screenshot(out / "borrow-ar.png")
    d.tap_id("items", "finish")
    d.wait_screen("receipt")
    d.tap_id("receipt", "none")
    d.wait_screen("goodbye")
    d.tap_id("goodbye", "done")
    d.wait_screen("attract")
    check(d.call(lambda: d.app.language == "en" and not d.app.theme.rtl), "the next patron starts in English")


def idle(d: UIDriver, rig: Any, out: Path) -> None:
    """Sit on the attract screen (the SIGTERM test stops the process from outside)."""
    d.wait_screen("attract")
    print("READY", flush=True)
    time.sleep(30)


def burst(d: UIDriver, rig: Any, out: Path) -> None:
    """A stack settling at once reaches the screen a few lines per frame, all of them in order."""
    from kiosk.screens.app import ITEMS_PER_FRAME
    from kiosk.events import ItemResult, ItemStatus

    d.wait_screen("attract")
    login(d, rig)
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    ids = [f"3999999999{n:04d}" for n in range(10)]

    def settle_at_once() -> int:
        for item in ids:                 # what the station's worker threads deliver
            d.app._deliver(ItemResult(item, "borrow", ItemStatus.PENDING, title=f"Book {item[-2:]}"))
        d.app._drain()                   # one frame's worth
        return len(d.app.root_screen("items")._rows)
    first = d.call(settle_at_once)
    check(first == ITEMS_PER_FRAME, f"{first} lines in the first frame, not {ITEMS_PER_FRAME}")
    d.wait_for(lambda: len(d.app.root_screen("items")._rows) == len(ids), "all ten lines", timeout=10)
    d.settle(0.2)   # laid out
    order = d.call(lambda: [line["item_id"] for line in d.app.root_screen("items").ids.rows.data])
    check(order == ids, f"lines not top to bottom in the order they came: {order}")

    def newest_in_view() -> bool:
        from kiosk.screens.widgets import ItemRow
        screen = d.app.root_screen("items")
        scroll = screen.ids.rows
        row = next((w for w in walk(scroll) if isinstance(w, ItemRow) and w.item_id == ids[-1]), None)
        if row is None:            # only rows on screen exist
            return False
        _, bottom = scroll.to_window(scroll.x, scroll.y)
        _, y = row.to_window(row.x, row.y)
        return bool(bottom - 1 <= y and y + row.height <= bottom + scroll.height + 1)
    check(d.call(newest_in_view), "the newest line is scrolled out of view")
    d.screenshot(out / "burst.png")


def long_stack(d: UIDriver, rig: Any, out: Path) -> None:
    """Forty lines: rows are built once and reused (only those on screen exist), each
    line changes in place from pending to its result, the newest stays in view."""
    from kiosk.events import ItemResult, ItemStatus
    from kiosk.screens.widgets import ItemRow

    d.wait_screen("attract")
    login(d, rig)
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    ids = [f"3999999999{n:04d}" for n in range(40)]
    screen = d.app.root_screen("items")

    def rows() -> list[Any]:
        return [w for w in walk(screen.ids.rows) if isinstance(w, ItemRow)]
    for status in (ItemStatus.PENDING, ItemStatus.BORROWED):
        for item in ids:
            d.call(lambda item=item, status=status: d.app._deliver(ItemResult(
                item, "borrow", status, "Borrowed. Due Dec 24." if status is ItemStatus.BORROWED else "",
                title=f"Book {item[-2:]}", secured=False if status is ItemStatus.BORROWED else True)))
        d.wait_for(lambda: len(screen.ids.rows.data) == len(ids), "forty lines", timeout=15)
    d.wait_text("40 items borrowed", timeout=15)
    d.settle(0.3)
    built = d.call(lambda: len(rows()))
    check(0 < built < 15, f"{built} row widgets for 40 lines: rows are not reused")
    lines = d.call(lambda: [dict(line) for line in screen.ids.rows.data])
    check([line["item_id"] for line in lines] == ids, "lines not in the order they came")
    check(all(line["mark"] == "\u2714" and "Due Dec 24" in line["detail"] for line in lines),
          "a line did not change to its result in place")
    shown = d.call(lambda: sorted((r.item_id for r in rows() if r.parent is not None)))
    check(ids[-1] in shown, f"the newest line is not in view: {shown}")
    d.screenshot(out / "long-stack.png")


def words(d: UIDriver, rig: Any, out: Path) -> None:
    """Issue 12, as a patron reads it: the name once on home, the library's own message quoted,
    a hold return left in the return slot, a renewal that names the book and stays in view, a
    receipt question with its own subtitle and email, the footer in Spanish, plain staff words."""
    d.wait_screen("attract")
    check(d.call(lambda: d.app.shell.footer) == "Need help? Ask at the desk.", "English footer")
    d.tap_text("Espa\u00f1ol")
    d.wait_for(lambda: d.app.shell.footer == "\u00bfNecesita ayuda? Pregunte en el mostrador.", "the Spanish footer")
    d.screenshot(out / "attract-es.png")
    d.tap_text("English")
    d.wait_for(lambda: d.app.shell.footer == "Need help? Ask at the desk.", "the English footer again")
    login(d, rig)
    text = d.text()
    check(text.count("Ana Garc\u00eda") == 1, f"the name is not shown exactly once on home: {text!r}")
    check("Message from the library: \u201cYou have 1 overdue item.\u201d" in text, f"no quoted ILS message: {text!r}")
    d.screenshot(out / "home.png")
    d.tap_id("home", "borrow")                          # a longer account, so that renewing moves a row
    d.wait_screen("items")
    for item in ("31000000000001", "31000000000002", "31000000000003"):
        rig.put_item(item)
    d.wait_text("3 items borrowed", timeout=15)
    rig.clear_pad()
    d.settle(0.3)
    d.tap_id("items", "back")
    d.wait_screen("home")
    d.tap_id("home", "return_items")
    d.wait_for(lambda: d.app.shell.sm.current == "items" and d.app.root_screen("items").mode == "return",
               "the return screen")
    rig.put_item("31000000000011")                      # on hold for another patron
    text = d.wait_text("return slot", timeout=15)
    check("hold shelf" not in text, f"the patron is sent to the hold shelf: {text!r}")
    d.screenshot(out / "return-hold.png")
    rig.clear_pad()
    d.settle(0.3)
    d.tap_id("items", "back")
    d.wait_screen("home")
    d.tap_id("home", "account")
    d.wait_screen("account")
    screen = d.screen("account")
    d.wait_for(lambda: screen.ids.loans.children and not screen.loading, "the loans", timeout=15)
    first = d.call(lambda: screen.ids.loans.children[-1])
    title, first_id = d.call(lambda: (first.title, first.item_id))   # lines are reused: keep the values
    d.tap_text("Renew", under=lambda: first)
    d.wait_for(lambda: screen.result, "the renewal result", timeout=15)
    check(d.call(lambda: screen.result).startswith(f"Renewed: {title}. Due "), f"result: {d.call(lambda: screen.result)!r}")
    # The reloaded list: the renewed loan, due later now, has moved down from the top.
    d.wait_for(lambda: screen.ids.loans.children[-1].item_id != first_id, "the reloaded loans", timeout=15)
    d.settle(0.3)

    def renewed_in_view() -> str:
        scroll = screen.ids.scroll
        row = next(r for r in screen.ids.loans.children if r.item_id == first_id)
        _, bottom = scroll.to_window(scroll.x, scroll.y)
        _, y = row.to_window(row.x, row.y)
        inside = bottom - 1 <= y and y + row.height <= bottom + scroll.height + 1
        return "" if inside else f"row {y:.0f}..{y + row.height:.0f}, view {bottom:.0f}..{bottom + scroll.height:.0f}"
    where = d.call(renewed_in_view)
    check(not where, f"the renewed loan scrolled out of view: {where}")
    d.screenshot(out / "renew.png")
    d.tap_id("account", "finish")
    d.wait_screen("receipt")
    receipt = d.screen("receipt")
    heading, subtitle = d.call(lambda: (receipt.ids.heading.text, receipt.ids.message.text))
    check(heading and subtitle and heading != subtitle, f"heading {heading!r}, subtitle {subtitle!r}")
    check("a***@example.org" in subtitle and d.call(lambda: receipt.can_email), f"no email offered: {subtitle!r}")
    d.screenshot(out / "receipt.png")
    d.tap_id("receipt", "none")
    d.wait_screen("goodbye")
    d.tap_id("goodbye", "done")
    d.wait_screen("attract")
    for _ in range(5):
        d.tap(lambda: d.app.shell.ids.logo)
    d.wait_screen("staff_login")
    for digit in "2468":
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("staff", timeout=15)
    text = d.wait_text("RFID pad", timeout=15)
    for developer in ("(s)", "()", "come from", "rfid:", "PASS"):
        check(developer not in text, f"developer text {developer!r} in staff mode: {text!r}")
    check("no tags on the pad" in text, f"the pad's count: {text!r}")
    d.screenshot(out / "staff-devices.png")
    d.tap_id("staff", "nav_transactions")
    text = d.wait_text("Last transactions", timeout=10)
    check("set it aside" in text, f"the hold return is not on the staff's list: {text!r}")
    d.screenshot(out / "staff-transactions.png")
    d.tap_id("staff", "leave")
    d.wait_screen("attract")


SCENARIOS: dict[str, Callable[[UIDriver, Any, Path], None]] = {
    "words": words,
    "arabic": arabic, "idle": idle, "burst": burst, "long_stack": long_stack,
    "layout": layout, "patron": patron, "inactivity": inactivity, "staff": staff, "offline": offline,
    "out_of_service": out_of_service, "fines": fines}


LOADED_ON: list[str] = []     # the threads Kivy's SoundLoader.load ran on


def spy_on_sound_loading() -> None:
    import threading

    from kivy.core.audio import SoundLoader
    load = SoundLoader.load

    def spied(filename: str) -> Any:
        LOADED_ON.append(threading.current_thread().name)
        return load(filename)
    SoundLoader.load = staticmethod(spied)  # type: ignore[method-assign]


def main(argv: list[str]) -> int:
    spy_on_sound_loading()
    from kiosk.config import load_config
    from kiosk.demo.run import run_demo

    name, out = argv[0], Path(argv[1])
    size = tuple(int(v) for v in argv[2].split("x")) if len(argv) > 2 else (1280, 800)
    out.mkdir(parents=True, exist_ok=True)
    # The station's data folder (staff overrides) lives in the test's own folder,
    # which pytest removes; a folder in the system temp dir outlived every run.
    data = out / "data"
    data.mkdir(exist_ok=True)
    settings = out / "settings.toml"
    timeouts = "timeout_home = 5.0\nwarning_seconds = 3.0\n" if name == "inactivity" else ""
    offline_on = "false" if name == "out_of_service" else "true"
    extra = ('[receipt]\nemail = true\nsmtp_host = "127.0.0.1"\nsmtp_security = "none"\n'
             'from_address = "kiosk@riverside.example.org"\n[circulation]\nreturn_place = "slot"\n'
             '[ui.footer_text_by_language]\nes = "\u00bfNecesita ayuda? Pregunte en el mostrador."\n'
             if name == "words" else "")
    from kiosk.staff import hash_secret
    badge = hash_secret(STAFF_BADGE, n=2**10)
    footer = 'footer_text = "Need help? Ask at the desk."\n' if name == "words" else ""
    settings.write_text(f'[station]\ndata_dir = "{data}"\n[ui]\ngoodbye_seconds = 2.0\n{timeouts}{footer}'
                        f'[offline]\nenabled = {offline_on}\n[staff]\nbadge_hashes = ["{badge}"]\n{extra}',
                        encoding="utf-8")
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
    return run_demo(True, out, size=size, script=script, limit=80.0, panel=False, config=config)  # type: ignore[arg-type]


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))

"""The headless tour: the real UI, offscreen, through a scripted visit.

Borrow a three-item stack including a refused item, return an item with a
hold alert, look at the account and renew, print a receipt; then the attract
screen in Arabic and staff mode. Each step is printed, checked against what
the screen says, and saved as a PNG; the receipt is saved as ESC/POS bytes
and as plain text.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any, Callable

from kiosk.demo.driver import UIDriver
from kiosk.demo.rig import DemoRig

ANA, ANA_PIN = "21000000000001", "1234"
STAFF_PIN = "2468"
STACK = ("31000000000001", "31000000000002", "31000000000013")   # the last is not for loan
HOLD_ITEM = "31000000000011"


class Tour:
    def __init__(self, rig: DemoRig, out: Path) -> None:
        self.rig = rig
        self.out = Path(out)
        self.step_no = 0
        self.d: UIDriver | None = None

    def step(self, title: str, shot: str, action: Callable[[UIDriver], str | None]) -> None:
        assert self.d is not None
        self.step_no += 1
        started = time.monotonic()
        note = action(self.d) or ""
        path = self.d.screenshot(self.out / f"{self.step_no:02d}-{shot}.png")
        print(f"step {self.step_no:2d}: {title:<55} ok {time.monotonic() - started:5.2f} s  -> {path.name}"
              + (f"  ({note})" if note else ""), flush=True)

    def run(self, d: UIDriver) -> int:
        self.d = d
        self.out.mkdir(parents=True, exist_ok=True)
        started = time.monotonic()
        print(f"kiosk demo tour: screenshots and receipt into {self.out}", flush=True)
        self.step("attract screen", "attract", lambda d: d.wait_screen("attract"))
        self.step("scan Ana García's library card", "pin", self.scan_card)
        self.step("enter the PIN on the pad", "home", self.enter_pin)
        self.step("borrow a stack of three (one not for loan)", "borrow", self.borrow)
        self.step("return an item on hold for someone else", "return-hold", self.return_hold)
        self.step("open My account", "account", self.account)
        self.step("renew a loan", "renew", self.renew)
        self.step("finish: receipt choice", "receipt", self.finish)
        self.step("print the receipt", "goodbye", self.print_receipt)
        self.step("attract screen in Arabic (right to left)", "attract-arabic", self.arabic)
        self.step("staff mode: device status", "staff", self.staff)
        print(f"tour finished in {time.monotonic() - started:.1f} s; receipt: {self.out / 'receipt.txt'}", flush=True)
        return 0

    # -- the steps -------------------------------------------------------------------------
    def scan_card(self, d: UIDriver) -> str:
        self.rig.scan_card(ANA)
        d.wait_screen("pin")
        d.wait_text("Ana")
        return "PIN pad"

    def enter_pin(self, d: UIDriver) -> str:
        for digit in ANA_PIN:
            d.tap_text(digit)
        d.tap_text("OK")
        d.wait_screen("home")
        d.wait_text("Hello, Ana")
        return "home: Borrow / Return / My account"

    def borrow(self, d: UIDriver) -> str:
        d.tap_id("home", "borrow")
        d.wait_screen("items")
        for item in STACK:
            self.rig.put_item(item)
        d.wait_text("2 items borrowed", timeout=15)
        text = d.wait_text("Oxford Atlas", timeout=15)
        d.wait_for(lambda: all(line["mark"] != "\u2026"
                               for line in d.app.root_screen("items").lines.values()), "every item settled")
        return "2 borrowed, 1 refused" if "Cien" in text else "borrowed"

    def return_hold(self, d: UIDriver) -> str:
        self.rig.clear_pad()      # the borrowed stack goes into the patron's bag
        d.settle(0.5)             # ...and the pad notices before the patron taps Return
        d.tap_id("items", "back")
        d.wait_screen("home")
        d.tap_id("home", "return_items")
        d.wait_for(lambda: d.app.shell.sm.current == "items" and d.app.root_screen("items").mode == "return",
                   "the return screen")
        self.rig.put_item(HOLD_ITEM)
        d.wait_text("Night Circus", timeout=15)
        d.wait_for(lambda: any(line["tone"] in ("warn", "ok", "error") and line["mark"] != "\u2026"
                               for line in d.app.root_screen("items").lines.values()), "the return result")
        self.rig.clear_pad()
        return "hold alert shown"

    def account(self, d: UIDriver) -> str:
        d.tap_id("items", "back")
        d.wait_screen("home")
        d.tap_id("home", "account")
        d.wait_screen("account")
        d.wait_for(lambda: d.app.root_screen("account").ids.loans.children and
                   not d.app.root_screen("account").loading, "the loans list", timeout=15)
        return "loans, holds, fines"

    def renew(self, d: UIDriver) -> str:
        screen = d.screen("account")
        d.tap_text("Renew", under=lambda: screen.ids.loans.children[-1])
        d.wait_for(lambda: screen.result, "the renewal result", timeout=15)
        return str(d.call(lambda: screen.result.splitlines()[0]))[:70]

    def finish(self, d: UIDriver) -> str:
        d.tap_id("account", "finish")
        d.wait_screen("receipt")
        screen = d.screen("receipt")     # the choices the screen offers (email: set up and an address on file)
        offered = d.call(lambda: [c for c, shown in (("print", screen.can_print), ("email", screen.can_email),
                                                     ("none", True)) if shown])
        return " / ".join(offered)

    def print_receipt(self, d: UIDriver) -> str:
        d.tap_id("receipt", "print")
        d.wait_screen("goodbye", timeout=15)
        d.wait_for(lambda: self.rig.receipt_bytes(), "the printer output")
        panel = getattr(d.app, "panel", None)
        if panel is not None:   # let the virtual printer show the paper before the screenshot
            d.wait_for(lambda: "no receipt" not in panel.receipt, "the receipt on the virtual printer")
        (self.out / "receipt.bin").write_bytes(self.rig.receipt_bytes())
        text = self.rig.receipt_text()
        (self.out / "receipt.txt").write_text(text, encoding="utf-8")
        return f"receipt.bin {len(self.rig.receipt_bytes())} bytes, receipt.txt {len(text.splitlines())} lines"

    def arabic(self, d: UIDriver) -> str:
        if d.current() == "goodbye":
            d.tap_id("goodbye", "done")   # a patron in a hurry need not wait for the goodbye
        d.wait_screen("attract", timeout=15)
        d.call(lambda: d.app.set_language("ar"))
        d.wait_for(lambda: d.app.theme.rtl, "right-to-left layout")
        return "العربية"

    def staff(self, d: UIDriver) -> str:
        d.call(lambda: d.app.set_language("en"))
        for _ in range(5):
            d.tap(lambda: d.app.shell.ids.logo)
        d.wait_screen("staff_login")
        for digit in STAFF_PIN:
            d.tap_text(digit)
        d.tap_text("OK")
        d.wait_screen("staff", timeout=15)
        d.wait_text("RFID pad", timeout=15)
        return "self-tests ran"


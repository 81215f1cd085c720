"""The accessible tour: a patron who cannot see the screen, with the keypad
and speech alone (EN 301 549 5.1.3, 5.1.6), once in each language.

Every input is a key on the simulated keypad (the real driver boundary) or
an item on the RFID pad: no touch event reaches the window, and the tour
checks that. Each session turns speech on with the Speech key, picks the
language, types the card number and the PIN, borrows a stack, returns the
previous session's stack, renews a loan in My account, prints a receipt and
ends. Each step saves a screenshot and what was spoken (the recorder writes
``NNN-LANG.txt`` and ``NNN-LANG.wav`` into ``LANG/speech/``);
``script.txt`` and ``script.json`` list them step by step. The kiosk's own
log lines of the whole run are kept in ``log.txt`` (the tests read it: no
PIN digit may appear there nor in what was spoken).
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path
from typing import Any, Callable

from kiosk.demo.driver import UIDriver
from kiosk.demo.rig import DemoRig

log = logging.getLogger(__name__)

__all__ = ["AccessibleTour", "LANGUAGES", "LogCapture", "STACKS"]

ANA, ANA_PIN = "21000000000001", "1234"
LANGUAGES = ("en", "es", "tl", "ar")
#: Borrowed in one session, returned in the next; Ana's own loans are returned first.
STACKS = (("31000000000001", "31000000000002", "31000000000003"),
          ("31000000000004", "31000000000005", "31000000000006"))
FIRST_RETURN = ("31000000000020", "31000000000021")
SPEECH_WAIT = 15.0


class AccessibleTour:
    def __init__(self, rig: DemoRig, out: Path) -> None:
        self.rig = rig
        self.out = Path(out)
        self.d: UIDriver | None = None
        self.lang = "en"
        self.steps: dict[str, list[dict[str, Any]]] = {}
        self.touches = 0
        self._heard = 0

    # -- plumbing -------------------------------------------------------------------------------
    @property
    def speaker(self) -> Any:
        assert self.d is not None
        return self.d.app.access.speaker

    def key(self, *names: str, wait: bool = True) -> None:
        """Press keys one by one; each is handled (and, with ``wait``, said) before the next."""
        assert self.d is not None
        for name in names:
            self.rig.press(name)
            self.d.call(lambda: None)            # the key's turn on the UI thread has come and gone
            if wait:
                self.quiet()

    def focus_on(self, control_id: str, limit: int = 20) -> None:
        """Down until the focus is on ``control_id``, as a patron listening to each control would."""
        assert self.d is not None
        for _ in range(limit):
            focused = self.d.call(lambda: getattr(self.d.app.access.focus.focused, "id", ""))  # type: ignore[union-attr]
            if focused == control_id:
                return
            self.key("down")
        raise AssertionError(f"no control {control_id!r} on this screen")

    def quiet(self) -> None:
        """Until the UI has shown every station event and the speaker has said
        all it was given (the patron listens to the end before the next key)."""
        assert self.d is not None
        app = self.d.app
        for _ in range(2):     # an announcement's end may let the next event in
            self.d.wait_for(lambda: not app._events, "the UI to show every event")
            self.d.call(lambda: None)
            self.speaker.wait_idle(SPEECH_WAIT)

    def heard(self) -> list[tuple[int, str, str]]:
        """(number, voice language, text) of what was said since the last call."""
        self.quiet()
        spoken = list(self.speaker.output.spoken)
        first, self._heard = self._heard, len(spoken)
        return [(first + i + 1, r.language, r.text) for i, r in enumerate(spoken[first:])]

    def step(self, title: str, shot: str, action: Callable[[UIDriver], None]) -> None:
        assert self.d is not None
        started = time.monotonic()
        action(self.d)
        heard = self.heard()
        lines = [text for _, _, text in heard]
        number = len(self.steps[self.lang]) + 1
        path = self.d.screenshot(self.out / f"{self.lang}-{number:02d}-{shot}.png")
        wavs = [f"{self.lang}/speech/{n:03d}-{voice}.wav" for n, voice, _ in heard]
        self.steps[self.lang].append({"step": title, "screenshot": path.name, "spoken": lines, "wav": wavs})
        said = lines[-1][:70] if lines else "(silence)"
        print(f"  {self.lang} step {number:2d}: {title:<34} {time.monotonic() - started:5.2f} s  said: {said}",
              flush=True)

    # -- the tour ----------------------------------------------------------------------------------
    def run(self, d: UIDriver) -> int:
        from kivy.core.window import Window

        self.d = d
        self.out.mkdir(parents=True, exist_ok=True)
        capture = LogCapture(self.out / "log.txt")
        started = time.monotonic()

        def count_touch(*_: Any) -> None:
            self.touches += 1
        d.call(lambda: Window.bind(on_touch_down=count_touch))
        print(f"kiosk accessible tour (keypad and speech only): into {self.out}", flush=True)
        try:
            self._heard = len(self.speaker.output.spoken)
            for number, lang in enumerate(LANGUAGES):
                self.session(d, lang, number)
        finally:
            d.call(lambda: Window.unbind(on_touch_down=count_touch))
            capture.close()
        self._write_script()
        if self.touches:
            raise AssertionError(f"the accessible tour touched the screen {self.touches} times")
        print(f"accessible tour finished in {time.monotonic() - started:.1f} s, no touch events; "
              f"script: {self.out / 'script.txt'}", flush=True)
        return 0

    def session(self, d: UIDriver, lang: str, number: int) -> None:
        self.lang = lang
        self.steps[lang] = []
        self.speaker.output.directory = self.out / lang / "speech"
        borrow, back = STACKS[number % 2], (FIRST_RETURN if number == 0 else STACKS[(number - 1) % 2])
        d.wait_screen("attract", timeout=15)
        self.step("speech on (Speech key)", "attract", lambda d: self.key("speech"))
        self.step(f"language: {lang}", "language", lambda d: self.choose_language(lang))
        self.step("type the card number, Enter", "pin", self.identify)
        self.step("type the PIN, Enter", "home", self.enter_pin)
        self.step("Borrow: a stack on the pad", "borrow", lambda d: self.borrow(borrow))
        self.step("Back, Return: a stack on the pad", "return", lambda d: self.return_stack(back))
        self.step("Back, My account", "account", self.account)
        self.step("renew the first loan", "renew", self.renew)
        self.step("Finish: receipt choice", "receipt", self.finish)
        self.step("print the receipt", "goodbye", self.print_receipt)
        self.step("Done", "attract-again", self.done)

    def choose_language(self, lang: str) -> None:
        assert self.d is not None
        self.focus_on(f"lang_{lang}")
        self.key("select")
        self.d.wait_for(lambda: self.d.app.language == lang, f"the {lang} language")  # type: ignore[union-attr]

    def identify(self, d: UIDriver) -> None:
        self.key(*ANA)
        self.key("enter", wait=False)
        d.wait_screen("pin", timeout=15)

    def enter_pin(self, d: UIDriver) -> None:
        self.key(*ANA_PIN)
        self.key("enter", wait=False)
        d.wait_screen("home", timeout=15)

    def borrow(self, stack: tuple[str, ...]) -> None:
        assert self.d is not None
        d = self.d
        self.focus_on("borrow")
        self.key("select", wait=False)
        d.wait_for(lambda: d.app.shell.sm.current == "items" and d.app.root_screen("items").mode == "borrow",
                   "the borrow screen")
        self.speaker.wait_idle(SPEECH_WAIT)
        for item in stack:
            self.rig.put_item(item)
        self._settled("borrow", stack)
        self.quiet()

    def return_stack(self, stack: tuple[str, ...]) -> None:
        assert self.d is not None
        d = self.d
        self.rig.clear_pad()                 # the borrowed stack goes into the bag
        d.settle(0.4)                        # ...and the pad notices before the next key
        self.key("back", wait=False)
        d.wait_screen("home")
        self.focus_on("return_items")
        self.key("select", wait=False)
        d.wait_for(lambda: d.app.shell.sm.current == "items" and d.app.root_screen("items").mode == "return",
                   "the return screen")
        self.speaker.wait_idle(SPEECH_WAIT)
        for item in stack:
            self.rig.put_item(item)
        self._settled("return", stack)
        self.quiet()
        self.rig.clear_pad()
        d.settle(0.4)

    def _settled(self, action: str, stack: tuple[str, ...]) -> None:
        assert self.d is not None

        def done() -> bool:
            items = self.d.app.station.session_view().items  # type: ignore[union-attr]
            final = {r.item_id for r in items if r.action in (action, "renew") and str(r.status) != "pending"}
            return set(stack) <= final
        self.d.wait_for(done, f"every item {action}ed", timeout=20)

    def account(self, d: UIDriver) -> None:
        self.key("back", wait=False)
        d.wait_screen("home")
        self.focus_on("account")
        self.key("select", wait=False)
        d.wait_screen("account")
        d.wait_for(lambda: d.app.station.account() is not None, "the account", timeout=15)

    def renew(self, d: UIDriver) -> None:
        screen = d.screen("account")
        loan = d.call(lambda: next(c.id for c in d.app.access.focus.controls if c.id.startswith("loan:")))
        self.focus_on(loan)
        self.key("select", wait=False)
        d.wait_for(lambda: screen.result, "the renewal result", timeout=15)

    def finish(self, d: UIDriver) -> None:
        self.focus_on("finish")
        self.key("select", wait=False)
        d.wait_screen("receipt", timeout=15)

    def print_receipt(self, d: UIDriver) -> None:
        self.focus_on("print")
        self.key("select", wait=False)
        d.wait_screen("goodbye", timeout=15)
        d.wait_for(lambda: self.rig.receipt_bytes(), "the printer output")

    def done(self, d: UIDriver) -> None:
        self.key("select", wait=False)
        d.wait_screen("attract", timeout=15)

    # -- the script ---------------------------------------------------------------------------------
    def _write_script(self) -> None:
        (self.out / "script.json").write_text(json.dumps(self.steps, ensure_ascii=False, indent=1), encoding="utf-8")
        lines = ["What the kiosk said, step by step (keypad and speech only; WAV files beside each line).", ""]
        for lang, steps in self.steps.items():
            lines.append(f"== {lang} ==")
            for number, step in enumerate(steps, 1):
                lines.append(f"{number:02d} {step['step']}  [{step['screenshot']}]")
                for text, wav in zip(step["spoken"], step["wav"]):
                    lines.append(f"    {wav}: {text}")
            lines.append("")
        (self.out / "script.txt").write_text("\n".join(lines), encoding="utf-8")


class LogCapture(logging.Handler):
    """Every log line of the run into a file: the kiosk's own from DEBUG up."""

    def __init__(self, path: Path) -> None:
        super().__init__(logging.DEBUG)
        self.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
        self.stream = path.open("w", encoding="utf-8")
        self.kiosk = logging.getLogger("kiosk")
        self.level_before = self.kiosk.level
        root = logging.getLogger()
        # The console keeps its level: only this file gets the kiosk's DEBUG lines.
        self.handlers_before = [(h, h.level) for h in root.handlers]
        for handler, level in self.handlers_before:
            handler.setLevel(max(level, root.getEffectiveLevel()))
        self.kiosk.setLevel(logging.DEBUG)
        root.addHandler(self)

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith("kiosk") or record.levelno >= logging.INFO:
            self.stream.write(self.format(record) + "\n")

    def close(self) -> None:
        logging.getLogger().removeHandler(self)
        self.kiosk.setLevel(self.level_before)
        for handler, level in self.handlers_before:
            handler.setLevel(level)
        self.stream.close()
        super().close()

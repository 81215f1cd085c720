"""Scanner base: what every barcode scanner driver shares.

A driver's one primitive is "a raw code arrived" (:meth:`Scanner._deliver`);
the base strips the configured prefix/suffix and control characters, drops
repeats of the same code inside ``repeat_window`` seconds (continuous-mode
scanners and nervous patrons both re-send), and calls ``on_scan`` on the
driver's thread. A callback that raises is logged and the scanner keeps
running: one bad handler must not make the kiosk deaf.
"""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from kiosk.drivers.barcode.spec import float_option, unescape
from kiosk.drivers.prompt import PromptWaiters
from kiosk.drivers.selftest import SelfTestResult
from kiosk.monitoring.liveness import NO_HEART, Heart

log = logging.getLogger(__name__)

OnScan = Callable[[str], None]


class Scanner:
    """Base class: ``start(on_scan)``, ``stop()``, ``close()``, ``self_test()``."""

    family = "scanner"

    def __init__(self, name: str, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.name = name
        self.prefix = unescape(str(options.get("prefix", "")))
        self.suffix = unescape(str(options.get("suffix", "")))
        self.repeat_window = float_option(options, "repeat_window", 0.5, self.family)
        self._on_scan: OnScan | None = None
        self._last: tuple[str, float] = ("", 0.0)
        self._prompts = PromptWaiters()
        self.scans = 0          # codes delivered
        self.rejected = 0       # lines dropped as garbage
        self._status_listeners: list[Callable[[SelfTestResult], None]] = []
        #: Beaten by a driver's reader thread every time round its loop (the service's watchdog).
        self.heart: Heart = NO_HEART

    # -- the public contract -------------------------------------------------
    def start(self, on_scan: OnScan) -> None:
        self._on_scan = on_scan
        self._start()

    def stop(self) -> None:
        self._on_scan = None
        self._stop()

    def close(self) -> None:
        self.stop()

    def self_test(self) -> SelfTestResult:
        return SelfTestResult.passed(f"{self.name}: ready")

    def wait_for_scan(self, timeout: float) -> str | None:
        """Block up to ``timeout`` seconds for the next code (``kiosk diag``'s
        scan prompt, staff's scan test); works whether or not ``start`` was
        called. While it waits, codes go to it and not to ``on_scan``."""
        return self._prompts.wait(timeout, self.running, self._start,
                                  lambda: None if self._on_scan is not None else self._stop())

    @property
    def running(self) -> bool:
        return False

    def on_status(self, callback: Callable[[SelfTestResult], None]) -> None:
        """``callback(result)`` when the scanner fails (unplugged) or recovers,
        so the station can show the device state without polling."""
        self._status_listeners.append(callback)

    def _status_changed(self, result: SelfTestResult) -> None:
        for listener in list(self._status_listeners):
            try:
                listener(result)
            except Exception:  # a listener's bug must not stop the scanner
                log.exception("%s: status listener failed", self.name)

    # -- for drivers ---------------------------------------------------------
    def _start(self) -> None:
        """Begin delivering codes (open the port, start the reader thread)."""

    def _stop(self) -> None:
        """Stop delivering codes; must return within about a second."""

    def _clean(self, raw: str) -> str:
        code = "".join(ch for ch in raw if ch.isprintable()).strip()
        if self.prefix and code.startswith(self.prefix):
            code = code[len(self.prefix):]
        if self.suffix and code.endswith(self.suffix):
            code = code[: -len(self.suffix)]
        return code.strip()

    def _deliver(self, raw: str) -> str | None:
        """Clean ``raw`` and hand it on; returns the code delivered, if any."""
        code = self._clean(raw)
        if not code:
            return None
        now = time.monotonic()
        last_code, last_time = self._last
        self._last = (code, now)
        if code == last_code and now - last_time < self.repeat_window:
            log.debug("%s: repeat of the same code within %.2fs dropped", self.name, self.repeat_window)
            return None
        self.scans += 1
        if self._prompts.offer(code):
            return code  # a scan test (diag, staff mode) is waiting: the code is for it, not a session
        callback = self._on_scan
        if callback is not None:
            try:
                callback(code)
            except Exception:  # the handler's bug must not stop the scanner
                log.exception("%s: on_scan handler failed", self.name)
        return code

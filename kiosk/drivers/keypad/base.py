"""Keypad base: what every keypad driver shares.

A driver's one primitive is "a key went down" (:meth:`Keypad._deliver`);
the base hands it to ``on_key`` on the driver's thread, or to a waiting
key test (``kiosk diag``, staff mode). A callback that raises is logged and
the keypad keeps running. Key identities are never logged: a digit may be a
PIN digit.
"""

from __future__ import annotations

import logging
import queue
import threading
from typing import Any, Callable

from kiosk.drivers.keypad.keys import KeyPress
from kiosk.drivers.selftest import SelfTestResult

log = logging.getLogger(__name__)

OnKey = Callable[[KeyPress], None]


class Keypad:
    """Base class: ``start(on_key)``, ``stop()``, ``close()``, ``self_test()``,
    ``on_status(callback)``, ``wait_for_key(timeout)``."""

    family = "keypad"

    def __init__(self, name: str, options: dict[str, Any] | None = None) -> None:
        self.name = name
        self.options = dict(options or {})
        self._on_key: OnKey | None = None
        self._waiters: list[queue.Queue[KeyPress]] = []
        self._lock = threading.Lock()
        self._status_listeners: list[Callable[[SelfTestResult], None]] = []
        self.presses = 0        # keys delivered
        self.rejected = 0       # codes that are no key of ours

    # -- the public contract -------------------------------------------------
    def start(self, on_key: OnKey) -> None:
        self._on_key = on_key
        self._start()

    def stop(self) -> None:
        self._on_key = None
        self._stop()

    def close(self) -> None:
        self.stop()

    @property
    def running(self) -> bool:
        return False

    def self_test(self) -> SelfTestResult:
        return SelfTestResult.passed(f"{self.name}: ready")

    def wait_for_key(self, timeout: float) -> KeyPress | None:
        """Block up to ``timeout`` s for the next key (a key test); while it
        waits, keys go to it and not to ``on_key``."""
        waiter: queue.Queue[KeyPress] = queue.Queue(maxsize=1)
        with self._lock:
            self._waiters.append(waiter)
        was_running = self.running
        if not was_running:
            self._start()
        try:
            return waiter.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        finally:
            with self._lock:
                self._waiters.remove(waiter)
            if not was_running and self._on_key is None:
                self._stop()

    def on_status(self, callback: Callable[[SelfTestResult], None]) -> None:
        """``callback(result)`` when the keypad fails (unplugged) or recovers."""
        self._status_listeners.append(callback)

    # -- for drivers ---------------------------------------------------------
    def _start(self) -> None:
        """Begin delivering keys (open, start the reader thread)."""

    def _stop(self) -> None:
        """Stop delivering keys; must return within about a second."""

    def _deliver(self, press: KeyPress) -> None:
        self.presses += 1
        with self._lock:
            waiters = list(self._waiters)
        if waiters:
            for waiter in waiters:
                try:
                    waiter.put_nowait(press)
                except queue.Full:
                    pass
            return
        callback = self._on_key
        if callback is not None:
            try:
                callback(press)
            except Exception:  # the handler's bug must not stop the keypad
                log.exception("%s: on_key handler failed", self.name)

    def _status_changed(self, result: SelfTestResult) -> None:
        for listener in list(self._status_listeners):
            try:
                listener(result)
            except Exception:  # a listener's bug must not stop the keypad
                log.exception("%s: status listener failed", self.name)

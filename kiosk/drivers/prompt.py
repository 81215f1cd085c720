"""Callers waiting for the next code from a scanner or card reader (the scan
prompt of ``kiosk diag``, the staff screen's scan and tap tests).

While anyone waits, a code goes to the waiters only: a test scan must not
also open a patron session behind the staff screen.
"""

from __future__ import annotations

import queue
import threading
from typing import Callable


class PromptWaiters:
    def __init__(self) -> None:
        self._waiters: list[queue.Queue[str]] = []
        self._lock = threading.Lock()

    def offer(self, code: str) -> bool:
        """Hand ``code`` to every waiter; True if there was one (the code is theirs)."""
        with self._lock:
            waiters = list(self._waiters)
        for waiter in waiters:
            try:
                waiter.put_nowait(code)
            except queue.Full:
                pass
        return bool(waiters)

    def wait(self, timeout: float, running: bool, start: Callable[[], None],
             stop_if_unused: Callable[[], None]) -> str | None:
        """Block up to ``timeout`` s for the next code. A device that was not
        ``running`` is started for the wait and ``stop_if_unused`` afterwards."""
        waiter: queue.Queue[str] = queue.Queue(maxsize=1)
        with self._lock:
            self._waiters.append(waiter)
        if not running:
            start()
        try:
            return waiter.get(timeout=max(0.0, timeout))
        except queue.Empty:
            return None
        finally:
            with self._lock:
                self._waiters.remove(waiter)
            if not running:
                stop_if_unused()

"""Liveness: which of a service's worker threads are alive and making progress.

The systemd watchdog must prove more than "the process exists": a thread
stuck in a device read or a deadlock leaves the process up but the kiosk
deaf. Each worker that matters (the Kivy main loop, the station worker, a
device reader thread, a return-bin stage) gets a :class:`Heart` from the
service's :class:`Liveness` and calls :meth:`Heart.beat` every time round its
loop, waiting included (loops wait with a timeout, never forever). The
watchdog pinger (:class:`kiosk.monitoring.watchdog.ServiceNotifier`) pings
only while :meth:`Liveness.stale` is empty. How long each kind of worker may
take is :class:`kiosk.services.allowances.Allowances` (from the config).

A heart is *stale* when its last beat is older than its allowance (the
longest one round of its loop may honestly take: a device's timeout, the
ILS's timeouts), or when the thread that last beat has died without saying
it was done. A worker that ends on purpose (stopped, or a reader that gave up
on an unplugged device and reports that itself) calls :meth:`Heart.rest`; a
resting heart is not checked until it beats again.

Workers are handed :data:`NO_HEART` until a service wires them, so the same
code runs without a watchdog (tests, the demo).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Callable

__all__ = ["Heart", "Liveness", "NO_HEART", "Stale"]


class Heart:
    """One worker's beat. ``beat()`` and ``rest()`` are cheap and safe from any thread."""

    def __init__(self, name: str, allowance: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.name = name
        self.allowance = allowance
        self._clock = clock
        self.last: float | None = None           # None: never beat, or resting
        self.thread: threading.Thread | None = None

    def beat(self) -> None:
        self.thread = threading.current_thread()
        self.last = self._clock()

    def rest(self) -> None:
        """The worker ended on purpose: not checked until it beats again."""
        self.last = None

    def stale(self, now: float) -> "Stale | None":
        last, thread = self.last, self.thread
        if last is None:
            return None
        if thread is not None and not thread.is_alive():
            return Stale(self.name, now - last, self.allowance, "its thread died")
        if now - last > self.allowance:
            return Stale(self.name, now - last, self.allowance, "no progress")
        return None


class _NoHeart(Heart):
    """The heart of a worker nobody watches: beats go nowhere."""

    def beat(self) -> None:
        pass

    def rest(self) -> None:
        pass


#: What workers hold until a service gives them a real heart.
NO_HEART: Heart = _NoHeart("unwatched", float("inf"))


@dataclass(frozen=True)
class Stale:
    """A worker that has not shown progress: ``age`` seconds since its last beat."""

    name: str
    age: float
    allowance: float
    why: str

    def describe(self) -> str:
        return f"{self.name} ({self.why}: last beat {self.age:.1f} s ago, allowed {self.allowance:g} s)"


class Liveness:
    """The registry of a service's hearts (one per worker, by name)."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._hearts: dict[str, Heart] = {}

    def heart(self, name: str, allowance: float) -> Heart:
        """The heart called ``name`` (made on first use; ``allowance`` in seconds).
        A heart that has not beaten yet is not checked: a worker that never
        starts (a device not fitted) does not stop the watchdog."""
        if allowance <= 0:
            raise ValueError(f"liveness allowance of {name!r} must be positive, not {allowance}")
        with self._lock:
            heart = self._hearts.get(name)
            if heart is None:
                heart = self._hearts[name] = Heart(name, allowance, self._clock)
            else:
                heart.allowance = allowance
            return heart

    def names(self) -> list[str]:
        """The hearts being watched now (beating, not resting)."""
        with self._lock:
            return sorted(n for n, h in self._hearts.items() if h.last is not None)

    def stale(self) -> list[Stale]:
        now = self._clock()
        with self._lock:
            hearts = list(self._hearts.values())
        return [s for s in (h.stale(now) for h in hearts) if s is not None]


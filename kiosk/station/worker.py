"""The station's worker thread: a queue of typed actions, one table from
action type to handler, and the one error boundary.

Every action runs on this thread, so the session needs no lock for its own
state. Between actions (and at least every ``tick`` seconds) the worker runs
the station's periodic check (the inactivity clock).

The boundary (:meth:`StationWorker.guarded`): a step the session table
refuses (:class:`IllegalStep`, a stale tap) is a warning; any
:class:`KioskError` is logged and anything else logged with its traceback;
both then call ``on_error`` (a polite notice to the patron), never a
traceback on screen.
"""

from __future__ import annotations

import functools
import logging
import queue
import threading
from typing import Any, Callable, TypeVar

from kiosk.circulation.session import IllegalStep
from kiosk.errors import KioskError, LocalProtocolError
from kiosk.monitoring.liveness import NO_HEART, Heart
from kiosk.station.actions import ALL_ACTIONS, Action, Shutdown, Startup

log = logging.getLogger(__name__)

__all__ = ["ActionTable", "StationWorker"]

A = TypeVar("A")


class ActionTable:
    """Action type -> handler. ``on(Identify, handler)`` type-checks the
    handler against its action; each type is entered once."""

    def __init__(self) -> None:
        self._handlers: dict[type, Callable[[Any], None]] = {}

    def on(self, kind: type[A], handler: Callable[[A], None]) -> "ActionTable":
        if kind not in ALL_ACTIONS:
            raise LocalProtocolError(f"{kind.__name__} is not a station action")
        if kind in self._handlers:
            raise LocalProtocolError(f"{kind.__name__} has a handler already")
        self._handlers[kind] = handler
        return self

    def kinds(self) -> frozenset[type]:
        return frozenset(self._handlers)

    def missing(self) -> list[str]:
        """Actions without a handler (the station checks this is empty)."""
        return sorted(k.__name__ for k in ALL_ACTIONS if k not in self._handlers)

    def run(self, action: Action) -> None:
        try:
            handler = self._handlers[type(action)]
        except KeyError:
            raise LocalProtocolError(f"no handler for {type(action).__name__}") from None
        handler(action)


class StationWorker:
    """``post(action)`` from any thread (or put it in ``inbox``, which device
    callbacks are given); the worker runs them in order."""

    def __init__(self, table: ActionTable, inbox: queue.Queue[Action], *, periodic: Callable[[], None],
                 on_error: Callable[[], None], tick: float = 0.05) -> None:
        missing = table.missing()
        if missing:
            raise LocalProtocolError(f"station actions without a handler: {', '.join(missing)}")
        self.table = table
        self.periodic = periodic
        self.on_error = on_error
        self.tick = tick
        self._queue = inbox
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        #: Beaten every time round the loop (at least every ``tick``); the
        #: service's watchdog stops when an action hangs (kiosk/monitoring/liveness.py).
        self.heart: Heart = NO_HEART

    @property
    def started(self) -> bool:
        return self._thread is not None

    def post(self, action: Action) -> None:
        self._queue.put(action)

    def start(self) -> None:
        """Start the thread; :class:`Startup` is the first thing it does."""
        if self._thread is not None:
            return
        self._halt.clear()
        self._thread = threading.Thread(target=self._loop, name="station", daemon=True)
        self._thread.start()
        self.post(Startup())

    def stop(self, timeout: float = 10.0) -> None:
        """Run :class:`Shutdown` after what is queued, then end the thread
        (bounded: ``timeout`` for the queue, then again after a halt)."""
        if self._thread is None:
            return
        self.post(Shutdown())
        self._thread.join(timeout)
        self._halt.set()
        self._thread.join(timeout)
        self._thread = None

    def _loop(self) -> None:
        while not self._halt.is_set():
            self.heart.beat()
            try:
                action: Action | None = self._queue.get(timeout=self.tick)
            except queue.Empty:
                action = None
            if action is not None:
                self.guarded(type(action).__name__, functools.partial(self.table.run, action))
                if isinstance(action, Shutdown):
                    break
            self.guarded("inactivity check", self.periodic)
        self.heart.rest()

    def guarded(self, what: str, work: Callable[[], None]) -> None:
        """The error boundary: whatever goes wrong becomes a log line and a polite message."""
        try:
            work()
            return
        except IllegalStep as exc:
            log.warning("ignored %s: %s", what, exc)
            return
        except KioskError as exc:
            log.error("%s failed: %s", what, exc)
        except Exception:
            log.exception("%s failed", what)
        try:
            self.on_error()
        except Exception:  # the patron's notice must not take the worker down
            log.exception("could not tell the patron after an error")

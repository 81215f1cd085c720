"""What a service tells systemd: :class:`ServiceNotifier`.

* ``READY=1`` (with a ``STATUS=`` line) when the service says it is ready
  (:meth:`ServiceNotifier.ready`): the touchscreen kiosk once its attract
  screen is drawn and the station has started, the return bin once it takes
  items. Out of service is still ready: the status line gives the reason.
* ``STATUS=`` whenever the status line changes (online/offline, out of
  service, session and item counts), checked every ``tick`` seconds.
* ``WATCHDOG=1`` every ``WATCHDOG_USEC / 2`` while every worker registered in
  the :class:`~kiosk.monitoring.liveness.Liveness` is alive and making progress;
  while one is stale the pings stop (systemd restarts the service after
  ``WatchdogSec``) and the log names it.
* ``STOPPING=1`` from :meth:`ServiceNotifier.stop`, before the service shuts down.

Outside systemd (no ``NOTIFY_SOCKET``) nothing is sent; the stale-worker log
lines are still written.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Callable

from kiosk.monitoring.sdnotify import SystemdNotifier
from kiosk.monitoring.liveness import Liveness

log = logging.getLogger(__name__)

__all__ = ["ServiceNotifier"]


class ServiceNotifier:
    """``status()`` returns the one-line state for ``STATUS=`` (called on the
    notifier's thread; must not block)."""

    def __init__(self, notifier: SystemdNotifier, liveness: Liveness, status: Callable[[], str], *,
                 tick: float = 1.0, clock: Callable[[], float] = time.monotonic) -> None:
        self.notifier = notifier
        self.liveness = liveness
        self.status = status
        self.interval = notifier.watchdog_interval
        self.tick = tick
        self._clock = clock
        self._ready = threading.Event()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_status = ""
        self._stale_names: tuple[str, ...] = ()
        self.pings = 0
        self.ready_at: float | None = None

    def start(self) -> "ServiceNotifier":
        if self._thread is None:
            self._halt.clear()
            self._thread = threading.Thread(target=self._loop, name="systemd-notify", daemon=True)
            self._thread.start()
        return self

    def ready(self) -> None:
        """The service serves (or is out of service, saying why): ``READY=1`` once."""
        if self._ready.is_set():
            return
        line = self._status_line()
        self.notifier.ready(line)
        self._last_status = line
        self.ready_at = self._clock()
        self._ready.set()
        log.info("ready: %s", line)
        if self.interval is not None:
            log.info("systemd watchdog: pinging every %.1f s while these make progress: %s", self.interval,
                     ", ".join(self.liveness.names()))

    def stop(self, *, stopping: bool = True) -> None:
        """No more pings, and ``STOPPING=1`` (call before shutting the service
        down). ``stopping=False`` for a process that re-executes itself in place
        (the same pid goes on, and says READY=1 again)."""
        self._halt.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(5)
        self._thread = None
        if stopping:
            self.notifier.stopping()

    # -- the loop --------------------------------------------------------------------
    def _loop(self) -> None:
        now = self._clock()
        next_status = next_ping = now
        while True:
            due = min(next_status, next_ping) if self.interval is not None else next_status
            if self._halt.wait(max(0.0, due - self._clock())):
                return
            now = self._clock()
            if not self._ready.is_set():
                next_status = next_ping = now + self.tick
                continue
            if now >= next_status:
                next_status = now + self.tick
                line = self._status_line()
                if line != self._last_status:
                    self._last_status = line
                    self.notifier.status(line)
                if self.interval is None:
                    self._alive()  # no watchdog: still say in the log when a worker hangs
            if self.interval is not None and now >= next_ping:
                next_ping = now + self.interval
                if self._alive():
                    self.notifier.watchdog()
                    self.pings += 1

    def _alive(self) -> bool:
        stale = self.liveness.stale()
        names = tuple(s.name for s in stale)
        if names != self._stale_names:
            if stale:
                log.error("watchdog: not pinging systemd; stale: %s", "; ".join(s.describe() for s in stale))
            else:
                log.warning("watchdog: every worker is making progress again; pinging systemd")
            self._stale_names = names
        return not stale

    def _status_line(self) -> str:
        try:
            line = self.status()
        except Exception as exc:  # the status text must never stop the pings
            log.warning("status line failed: %s", exc)
            line = self._last_status or "running"
        if self._stale_names:
            line += "; stalled: " + ", ".join(self._stale_names)
        return line

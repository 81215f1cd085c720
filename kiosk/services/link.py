"""The one online/offline switch: :class:`ILSLink`, shared by the touchscreen
station and the return bin.

The link is "online" while the ILS may be asked; "offline" while requests
must go to the offline queue instead. It turns into offline when:

* the SIP2 client reports ``offline`` (its supervisor lost the connection),
* the first connect fails,
* an engine's request fails with a transport error (``go_offline``),
* start-up finds offline entries not yet replayed (:meth:`ILSLink.serve`):
  new transactions must not overtake them.

It comes back online only when the ILS answers *and* the offline queue is
empty: when the client reconnects with nothing queued, when a replay pass
completes, or from the link check that runs once a second while offline (for
a failed request while the connection itself stayed up).

Listeners hear every change as a :class:`LinkChange`, including the first
report after start-up (``first=True``: nothing changed for anyone watching,
but a gauge of "the ILS answers" must say so from the first connect on).
They are called on whichever thread made the change (the SIP2 supervisor, an
engine's thread, the replay worker, the link check) and must not block.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.errors import KioskError
from kiosk.sip2.api import ILSClient
from kiosk.store.journal import Journal
from kiosk.store.recovery import Recovery
from kiosk.store.replay import Replayer, ReplayReport, ReplayWorker

log = logging.getLogger(__name__)

__all__ = ["ILSLink", "LinkChange", "LinkListener", "ReplayListener", "CHECK_INTERVAL"]

#: Seconds between link checks while offline.
CHECK_INTERVAL = 1.0


@dataclass(frozen=True)
class LinkChange:
    """The link went online or offline. ``reason`` says why it went offline;
    ``first`` marks the first report since start-up."""

    online: bool
    reason: str = ""
    first: bool = False


LinkListener = Callable[[LinkChange], None]
ReplayListener = Callable[[ReplayReport], None]


class ILSLink:
    """See the module docstring. ``client`` is the ILS connection (what the
    link uses of it is :class:`~kiosk.sip2.api.ILSClient`); the link builds
    the :class:`ReplayWorker` around ``replayer`` so that only it decides when
    the queue is done."""

    def __init__(self, client: ILSClient, journal: Journal, replayer: Replayer, *, replay_interval: float,
                 recovery: Recovery | None = None, check_interval: float = CHECK_INTERVAL) -> None:
        self.client = client
        self.journal = journal
        self.replay_worker = ReplayWorker(replayer, replay_interval, is_online=self.client_online,
                                          on_report=self._replayed, recovery=recovery)
        self.check_interval = check_interval
        self.last_replay: ReplayReport | None = None
        self._offline = False
        self._reported = False           # nothing said yet: assumed online, as the engines do
        self._lock = threading.Lock()
        self._listeners: list[LinkListener] = []
        self._replay_listeners: list[ReplayListener] = []
        self._listening = False
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    # -- what the users ask ---------------------------------------------------------
    @property
    def offline(self) -> bool:
        return self._offline

    @property
    def online(self) -> bool:
        """True once the link has reported online and until it goes offline (the
        monitor's ``kiosk_ils_online``; False before the first connect attempt)."""
        return self._reported and not self._offline

    def client_online(self) -> bool:
        """True while the SIP2 connection is up (the queue may still be waiting)."""
        return self.client.state == "online"

    def add_listener(self, callback: LinkListener) -> None:
        with self._lock:
            self._listeners.append(callback)

    def add_replay_listener(self, callback: ReplayListener) -> None:
        """``callback(report)`` after every replay pass that did something."""
        with self._lock:
            self._replay_listeners.append(callback)

    def replay_now(self) -> None:
        """Replay the offline queue now (in the background) if the ILS answers."""
        self.replay_worker.trigger()

    # -- lifecycle ------------------------------------------------------------------------
    def connect(self) -> None:
        """Listen to the client and connect it; offline when that fails
        (unreachable, login refused, garbage). Reports the first state."""
        if not self._listening:
            self._listening = True
            self.client.add_listener(self._client_state)
        try:
            if self.client.state != "online":
                self.client.connect()
        except KioskError as exc:
            self.go_offline(str(exc))
            return
        if self.client_online():
            self.go_online()     # a no-op when the client's listener already said so

    def serve(self) -> None:
        """After start-up recovery: hold back new transactions while offline
        entries wait, then start the replay worker and the link check."""
        try:
            if not self._offline and self.journal.pending_offline():
                self.go_offline("offline queue not yet replayed")
                self.replay_worker.trigger()
        except KioskError as exc:
            log.warning("offline queue not checked: %s", exc)
        self.replay_worker.start()
        if self._thread is None:
            self._halt.clear()
            self._thread = threading.Thread(target=self._check_loop, name="ils-link", daemon=True)
            self._thread.start()

    def close(self, timeout: float = 5.0) -> None:
        """Stop the link check and the replay worker, then close the client."""
        self._halt.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.replay_worker.stop(timeout)
        try:
            self.client.close()
        except KioskError as exc:
            log.warning("closing the SIP2 client: %s", exc)

    # -- the switch -------------------------------------------------------------------------
    def go_offline(self, reason: str) -> None:
        with self._lock:
            if self._offline and self._reported:
                return
            first, self._offline, self._reported = not self._reported, True, True
        log.warning("ILS link offline: %s", reason)
        self._tell(LinkChange(False, reason, first))

    def go_online(self) -> None:
        with self._lock:
            if not self._offline and self._reported:
                return
            first, self._offline, self._reported = not self._reported, False, True
        log.info("ILS link %s", "online" if first else "back online")
        self._tell(LinkChange(True, "", first))

    def _tell(self, change: LinkChange) -> None:
        with self._lock:
            listeners = list(self._listeners)
        for callback in listeners:
            try:
                callback(change)
            except Exception:  # one user's bug must not stop the other hearing it
                log.exception("ILS link listener failed")

    def _online_unless_queued(self) -> None:
        """The ILS answers: online, unless queued entries must go first (the
        replay pass that sends them brings the link back)."""
        if self._offline and self.journal.pending_offline():
            self.replay_worker.trigger()
        else:
            self.go_online()

    # -- what drives it ---------------------------------------------------------------------
    def _client_state(self, state: str) -> None:
        """SIP2 client listener (on the client's thread)."""
        if state == "offline":
            self.go_offline(self.client.last_error or "ILS unreachable")
        elif state == "online":
            self._online_unless_queued()

    def _replayed(self, report: ReplayReport) -> None:
        """Replay worker report (on its thread)."""
        self.last_replay = report
        with self._lock:
            listeners = list(self._replay_listeners)
        for callback in listeners:
            try:
                callback(report)
            except Exception:
                log.exception("replay listener failed")
        if report.complete and self.client_online():
            self.go_online()

    def _check_loop(self) -> None:
        """Once a second while offline: back online when the ILS answers again
        and nothing queued is waiting (else a replay pass brings it back)."""
        while not self._halt.wait(self.check_interval):
            if not self._offline or not self.client_online():
                continue
            try:
                self._online_unless_queued()
            except KioskError as exc:
                log.warning("link check: %s", exc)

"""Webhooks for events staff must act on: kept on disk until delivered, in
order, never blocking the kiosk, never lost to a receiver that is down.

:meth:`Webhooks.send` writes the event to the :class:`~kiosk.monitoring.outbox.Outbox`
(SQLite in the data folder) and returns. One thread per receiver POSTs that
receiver's events oldest first; a failed POST is retried with exponential
back-off (``backoff`` doubling up to ``backoff_max``) for as long as the event
is younger than ``max_age``; older ones are dropped, counted in
``kiosk_webhooks_dropped_total`` and logged. A receiver that is down or hangs
(connect and read timeouts bound every attempt) delays only its own queue.

Payload (``Content-Type: application/json``, header ``Idempotency-Key``)::

    {"event": "printer_paper_out", "station": "kiosk-1", "time": "2026-11-23T12:00:00+00:00",
     "severity": "warning", "details": {...},
     "idempotency_key": "6f0c...", "sequence": 41}

The key is made once, when the event is raised, and stored with it: a retry,
or a resend after a restart, carries the same key, so a receiver that saw the
event already drops the duplicate. ``sequence`` grows with every event of the
station.

Details never carry PINs, passwords or full patron ids (callers pass masked ids;
:func:`kiosk.logs.mask_secrets` is applied to every string as a last guard).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from typing import TYPE_CHECKING, Any, Callable, Iterable
from urllib.parse import urlsplit

from kiosk.logs import mask_secrets
from kiosk.monitoring.metrics import Metrics
from kiosk.monitoring.outbox import Outbox, OutboxError

if TYPE_CHECKING:  # imported by the first sender thread: a station without receivers never loads it (5 MB)
    import requests

log = logging.getLogger(__name__)

#: Every event the kiosk and the return bin raise, with its severity.
EVENTS: dict[str, str] = {
    "printer_paper_out": "warning",
    "printer_paper_near_end": "info",
    "printer_ok": "info",
    "ils_offline": "critical",
    "ils_online": "info",
    "device_error": "critical",
    "device_ok": "info",
    "bin_full": "critical",
    "bin_emptied": "info",
    "security_write_failed": "critical",
    "offline_conflict": "warning",
    "out_of_service": "critical",
    "in_service": "info",
    "heartbeat": "info",
}

#: Events that stay raised until their release event: while raised, the same
#: event for the same thing (the detail named here) is coalesced, not sent again.
LATCHES: dict[str, tuple[str, str]] = {
    "bin_full": ("bin_emptied", "bin"),
    "printer_paper_out": ("printer_ok", "device"),
    "ils_offline": ("ils_online", ""),
    "out_of_service": ("in_service", ""),
}
RELEASES: dict[str, str] = {release: raised for raised, (release, _) in LATCHES.items()}

#: Events of which only the newest unsent one matters.
REPLACED = frozenset({"heartbeat"})

#: Most events kept per receiver; past it the oldest are dropped (reason "overflow").
QUEUE_LIMIT = 10_000


def latch_topic(event: str, details: dict[str, Any]) -> str:
    """``bin_full:holds``: what a latched event (or its release) is about."""
    raised = RELEASES.get(event, event)
    detail = LATCHES[raised][1]
    return f"{raised}:{details.get(detail, '') if detail else ''}"


def receiver_label(url: str) -> str:
    """A receiver as metrics and logs name it: scheme, host and port, never
    the path or query (which may hold a token)."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.hostname}{f':{parts.port}' if parts.port else ''}"


def scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {str(k): scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [scrub(v) for v in value]
    return value


class _Receiver:
    """One receiver's sender thread: its own queue order, back-off and HTTP session."""

    def __init__(self, owner: "Webhooks", url: str) -> None:
        self.owner = owner
        self.url = url
        self.label = receiver_label(url)
        self.wake = threading.Event()
        self.busy = False
        self.failing = ""            # why the current streak of failures started ("" = healthy)
        self.thread = threading.Thread(target=self._run, name=f"webhooks {self.label}", daemon=True)

    def _run(self) -> None:
        import requests

        with requests.Session() as session:
            while not self.owner.stopping.is_set():
                try:
                    self._send_all(session)
                except OutboxError as exc:  # a disk problem: say so, wait, try again
                    log.error("webhooks for %s paused: %s", self.label, exc)
                    self.owner.stopping.wait(self.owner.backoff_max)
        self.busy = False

    def _send_all(self, session: requests.Session) -> None:
        owner, outbox = self.owner, self.owner.outbox
        delay = owner.backoff
        while not owner.stopping.is_set():
            self.wake.clear()
            self._expire()
            pending = outbox.head(self.url)
            if pending is None:
                self.busy = False
                self.wake.wait(1.0)
                continue
            self.busy = True
            body = dict(pending.body, idempotency_key=pending.key, sequence=pending.seq)
            reason = self._post(session, pending.key, body)
            if not reason:
                outbox.delivered(self.url, pending.seq)
                owner.metrics.webhooks_delivered.inc(receiver=self.label)
                if self.failing:
                    log.info("webhook receiver %s reachable again; %d events waiting", self.label,
                             outbox.queued().get(self.url, 0))
                    self.failing = ""
                delay = owner.backoff
                continue
            outbox.attempted(self.url, pending.seq)
            if not self.failing:  # once per streak, not once per retry
                log.warning("webhook receiver %s failed (%s); events kept and retried", self.label, reason)
                self.failing = reason
            owner.stopping.wait(delay)
            delay = min(delay * 2, owner.backoff_max)

    def _post(self, session: requests.Session, key: str, body: dict[str, Any]) -> str:
        """POST one event; "" when the receiver accepted it, else why not."""
        import requests     # loaded already by _run: a dictionary lookup

        owner = self.owner
        try:
            response = session.post(self.url, json=body, headers={"Idempotency-Key": key},
                                    timeout=(owner.connect_timeout, owner.read_timeout))
        except requests.RequestException as exc:
            return type(exc).__name__
        return "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"

    def _expire(self) -> None:
        owner = self.owner
        for reason, dropped in (("max_age", owner.outbox.drop_older(self.url, owner.clock() - owner.max_age)),
                                ("overflow", owner.outbox.drop_beyond(self.url, QUEUE_LIMIT))):
            if dropped:
                owner.metrics.webhooks_dropped.inc(len(dropped), receiver=self.label, reason=reason)
                log.error("webhook receiver %s: dropped %d undelivered events (%s): %s", self.label, len(dropped),
                          "older than webhook_max_age" if reason == "max_age" else "queue full",
                          ", ".join(sorted(set(dropped))))


class Webhooks:
    """Events to every receiver in ``urls``, each with its own queue and thread."""

    def __init__(self, urls: Iterable[str], station: str, outbox: Outbox, metrics: Metrics, *,
                 connect_timeout: float = 3.0, read_timeout: float = 5.0, backoff: float = 1.0,
                 backoff_max: float = 300.0, max_age: float = 3 * 86400.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.urls = list(dict.fromkeys(urls))
        self.station = station
        self.outbox = outbox
        self.metrics = metrics
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.backoff = backoff
        self.backoff_max = max(backoff, backoff_max)
        self.max_age = max_age
        self.clock = clock
        self.stopping = threading.Event()
        self._receivers = [_Receiver(self, url) for url in self.urls]
        labels = {url: receiver_label(url) for url in self.urls}
        for label in labels.values():  # series exist at 0, so increase() sees the first drop
            metrics.webhooks_delivered.inc(0, receiver=label)
            for reason in ("max_age", "overflow"):
                metrics.webhooks_dropped.inc(0, receiver=label, reason=reason)
        metrics.watch_webhooks(lambda: {labels[url]: outbox.queued().get(url, 0) for url in self.urls})
        forgotten = outbox.drop_receivers_except(self.urls)
        if forgotten:
            log.warning("%d queued webhook events were for a receiver no longer configured; forgotten", forgotten)

    def start(self) -> "Webhooks":
        for receiver in self._receivers:
            if not receiver.thread.is_alive():
                receiver.thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop sending; whatever is not delivered stays on disk for the next start."""
        self.stopping.set()
        for receiver in self._receivers:
            receiver.wake.set()
        deadline = time.monotonic() + timeout
        for receiver in self._receivers:
            if receiver.thread.is_alive():
                receiver.thread.join(max(0.0, deadline - time.monotonic()))

    def send(self, event: str, **details: Any) -> str | None:
        """Keep ``event`` on disk for every receiver and return its idempotency key
        (None if the outbox cannot take it: logged, and the kiosk carries on)."""
        body = {"event": event, "station": self.station, "severity": EVENTS.get(event, "info"),
                "time": dt.datetime.fromtimestamp(self.clock(), dt.timezone.utc).isoformat(timespec="seconds"),
                "details": scrub(details)}
        try:
            key = self.outbox.add(event, body, self.urls, replace=event in REPLACED)
        except OutboxError as exc:
            log.error("webhook event %s not kept: %s", event, exc)
            return None
        for receiver in self._receivers:
            receiver.wake.set()
        return key

    def pending(self) -> int:
        """Events owed to any receiver."""
        return sum(self.outbox.queued().get(url, 0) for url in self.urls)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every receiver has every event (tests, shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        while self.pending() or any(r.busy for r in self._receivers):
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.02)
        return True

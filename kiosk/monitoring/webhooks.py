"""Webhooks for events staff must act on, sent without ever blocking the kiosk.

:meth:`WebhookSender.send` only puts the event on a bounded queue; one worker
thread POSTs it as JSON with ``requests``, retrying with exponential back-off
(``retries`` attempts in all). When the queue is full the oldest event is
dropped and counted, so a dead monitoring server cannot stall a patron.

Payload::

    {"event": "printer_paper_out", "station": "kiosk-1", "time": "2026-11-23T12:00:00+00:00",
     "severity": "warning", "details": {...}}

Details never carry PINs, passwords or full patron ids (callers pass masked ids;
:func:`kiosk.logs.mask_secrets` is applied to every string as a last guard).
"""

from __future__ import annotations

import collections
import datetime as dt
import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import requests

from kiosk.logs import mask_secrets

log = logging.getLogger(__name__)

#: Events the kiosk and the return bin raise, with their severity.
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


@dataclass(frozen=True)
class WebhookEvent:
    event: str
    station: str
    time: str
    severity: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {"event": self.event, "station": self.station, "time": self.time,
                "severity": self.severity, "details": self.details}


def _scrub(value: Any) -> Any:
    if isinstance(value, str):
        return mask_secrets(value)
    if isinstance(value, dict):
        return {k: _scrub(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_scrub(v) for v in value]
    return value


class WebhookSender:
    """POSTs events to ``url`` from a worker thread; ``send`` never blocks."""

    def __init__(self, url: str, station: str, *, timeout: float = 5.0, retries: int = 5,
                 backoff: float = 1.0, max_backoff: float = 60.0, queue_size: int = 1000,
                 session: requests.Session | None = None,
                 clock: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.timezone.utc)) -> None:
        self.url = url
        self.station = station
        self.timeout = timeout
        self.retries = max(1, retries)
        self.backoff = backoff
        self.max_backoff = max_backoff
        self._queue: collections.deque[WebhookEvent] = collections.deque(maxlen=queue_size)
        self._cond = threading.Condition()
        self._stop = threading.Event()
        self._session = session or requests.Session()
        self._clock = clock
        self._thread: threading.Thread | None = None
        self.sent = 0
        self.failed = 0
        self.dropped = 0
        self._busy = False

    def start(self) -> "WebhookSender":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="webhooks", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._cond:
            self._cond.notify_all()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._session.close()

    def send(self, event: str, **details: Any) -> WebhookEvent:
        """Queue ``event``; returns at once."""
        item = WebhookEvent(event, self.station, self._clock().isoformat(timespec="seconds"),
                            EVENTS.get(event, "info"), _scrub(details))
        with self._cond:
            if len(self._queue) == self._queue.maxlen:
                self.dropped += 1
                log.warning("webhook queue full; dropped the oldest event")
            self._queue.append(item)
            self._cond.notify()
        return item

    def pending(self) -> int:
        with self._cond:
            return len(self._queue)

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued event is delivered or given up (tests,
        shutdown); False on timeout."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._queue or self._busy:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(min(left, 0.05))
        return True

    def _run(self) -> None:
        while not self._stop.is_set():
            with self._cond:
                while not self._queue and not self._stop.is_set():
                    self._cond.wait(0.5)
                if self._stop.is_set():
                    return
                item = self._queue.popleft()
                self._busy = True
            try:
                self._deliver(item)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _deliver(self, item: WebhookEvent) -> None:
        delay = self.backoff
        for attempt in range(1, self.retries + 1):
            try:
                response = self._session.post(self.url, json=item.as_json(), timeout=self.timeout)
                if response.status_code < 300:
                    self.sent += 1
                    return
                reason = f"HTTP {response.status_code}"
                if 400 <= response.status_code < 500 and response.status_code not in (408, 429):
                    break  # the server refuses this event; retrying cannot help
            except requests.RequestException as exc:
                reason = type(exc).__name__
            log.warning("webhook %s attempt %d/%d failed: %s", item.event, attempt, self.retries, reason)
            if attempt < self.retries and self._stop.wait(delay):
                return
            delay = min(delay * 2, self.max_backoff)
        self.failed += 1
        log.error("webhook %s not delivered", item.event)

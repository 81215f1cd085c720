"""One monitoring model for every station kind (touchscreen kiosk, return bin).

The station tells the :class:`Monitor` what happens (a session, an item, a
device failing, the ILS going away); the monitor keeps the metrics, decides
which webhook events that makes, and sends a heartbeat. States are
level-triggered: ``monitor.device("rfid", up=False)`` twice sends one
``device_error``; ``monitor.device("rfid", up=True)`` sends ``device_ok`` only
if an error was sent. What was sent is kept in the outbox, so a restart neither
repeats an alarm nor forgets to clear it.
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import Any, Callable, Mapping

import kiosk
from kiosk.errors import LocalProtocolError
from kiosk.monitoring.metrics import Family, Metrics, MetricsServer
from kiosk.monitoring.outbox import FILE_NAME, Outbox, OutboxError
from kiosk.monitoring.webhooks import EVENTS, LATCHES, RELEASES, Webhooks, latch_topic

log = logging.getLogger("kiosk.events")

_LEVELS = {"critical": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}

def _ils(m: Metrics) -> Family:
    return m.ils_online


def _bin(m: Metrics) -> Family:
    return m.bin_full


def _paper(m: Metrics) -> Family:
    return m.paper_out


def _service(m: Metrics) -> Family:
    return m.in_service


#: The gauge an event sets, its value, and the detail that labels it: raising
#: an event and reporting a state agree.
_EVENT_GAUGES: dict[str, tuple[Callable[[Metrics], Family], float, str]] = {
    "ils_offline": (_ils, 0, ""), "ils_online": (_ils, 1, ""),
    "bin_full": (_bin, 1, "bin"), "bin_emptied": (_bin, 0, "bin"),
    "printer_paper_out": (_paper, 1, ""), "printer_ok": (_paper, 0, ""),
    "out_of_service": (_service, 0, ""), "in_service": (_service, 1, ""),
}


class Monitor:
    """Metrics, webhook events and the heartbeat of one station.

    Every method is safe from any thread and returns at once (events are
    written to the outbox; the network is left to the sender threads).
    ``data_dir`` holds the outbox; without it events wait in memory only.
    """

    def __init__(self, station_id: str, *, kind: str = "kiosk", webhook_url: str = "",
                 webhook_urls: tuple[str, ...] = (), data_dir: str | Path | None = None,
                 webhook_timeout: float = 5.0, webhook_connect_timeout: float = 3.0,
                 webhook_backoff: float = 1.0, webhook_backoff_max: float = 300.0,
                 webhook_max_age: float = 3 * 86400.0, heartbeat_interval: float = 0.0,
                 metrics_host: str = "127.0.0.1", metrics_port: int | None = None,
                 journal_counts: Callable[[], Mapping[str, int]] | None = None,
                 ils_online: Callable[[], bool] | None = None,
                 heartbeat_details: Callable[[], Mapping[str, Any]] | None = None,
                 webhook_retries: int | None = None) -> None:
        del webhook_retries  # events are retried until webhook_max_age now; kept so old callers work
        self.station_id = station_id
        self.kind = kind
        self.metrics = Metrics()
        self.metrics.info.set(1, station_id=station_id, kind=kind, version=kiosk.__version__)
        urls = tuple(u for u in (webhook_url, *webhook_urls) if u)
        self.outbox = self._open_outbox(Path(data_dir) / FILE_NAME if urls and data_dir is not None else None)
        self.webhooks = (Webhooks(urls, station_id, self.outbox, self.metrics, connect_timeout=webhook_connect_timeout,
                                  read_timeout=webhook_timeout, backoff=webhook_backoff,
                                  backoff_max=webhook_backoff_max, max_age=webhook_max_age)
                         if urls else None)
        self.heartbeat_interval = heartbeat_interval
        self._metrics_host = metrics_host
        self._metrics_port = metrics_port
        self.server: MetricsServer | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._lock = threading.Lock()
        self._status: dict[str, Any] = {}
        self._devices: dict[str, bool] = {}
        self._details: Callable[[], Mapping[str, Any]] | None = heartbeat_details
        self._journal: Callable[[], Mapping[str, int]] | None = None
        self._ils: Callable[[], bool] | None = None
        self._started = time.monotonic()
        if journal_counts is not None:
            self.watch_journal(journal_counts)
        if ils_online is not None:
            self.watch_ils(ils_online)

    @classmethod
    def from_config(cls, config: Any, *, journal_counts: Callable[[], Mapping[str, int]] | None = None,
                    ils_online: Callable[[], bool] | None = None,
                    heartbeat_details: Callable[[], Mapping[str, Any]] | None = None) -> "Monitor":
        """A monitor from ``[station]`` and ``[monitoring]``; the callables may also come later
        (:meth:`watch_journal`, :meth:`watch_ils`, :meth:`heartbeat_details`)."""
        m = config.monitoring
        return cls(config.station.id, kind=config.station.mode, webhook_url=m.webhook_url,
                   webhook_urls=tuple(m.webhook_urls), data_dir=config.station.data_dir,
                   webhook_timeout=m.webhook_timeout, webhook_connect_timeout=m.webhook_connect_timeout,
                   webhook_backoff=m.webhook_backoff, webhook_backoff_max=m.webhook_backoff_max,
                   webhook_max_age=m.webhook_max_age, heartbeat_interval=m.heartbeat_interval,
                   metrics_host=m.metrics_host, metrics_port=m.metrics_port or None,
                   journal_counts=journal_counts, ils_online=ils_online, heartbeat_details=heartbeat_details)

    @staticmethod
    def _open_outbox(path: Path | None) -> Outbox:
        if path is not None:
            try:
                return Outbox(path)
            except OutboxError as exc:  # monitoring never keeps the station from starting
                log.error("%s; webhook events are kept in memory only", exc)
        return Outbox(":memory:")

    # -- lifecycle -------------------------------------------------------------------

    def start(self) -> "Monitor":
        if self.webhooks is not None:
            self.webhooks.start()
        if self._metrics_port is not None:
            try:
                self.server = MetricsServer(self.metrics, self._metrics_host, self._metrics_port,
                                            health=self.health).start()
            except OSError as exc:  # a taken port: Prometheus sees the station down, the kiosk still serves
                log.error("metrics endpoint %s:%s not served: %s", self._metrics_host, self._metrics_port, exc)
        if self.heartbeat_interval > 0 and self.webhooks is not None:
            self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self._heartbeat.start()
        return self

    def stop(self, drain: float = 1.0) -> None:
        """Stop serving and sending. Events not delivered within ``drain``
        seconds stay in the outbox and go out after the next start."""
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(5)
        if self.server is not None:
            self.server.stop()
            self.server = None
        if self.webhooks is not None:
            self.webhooks.wait_idle(drain)
            self.webhooks.stop()
        # Late events (a worker finishing after stop) are still logged and
        # latched, in memory: the file is closed and nothing sends any more.
        closing, self.outbox = self.outbox, Outbox(":memory:")
        closing.close()

    @property
    def port(self) -> int | None:
        """The metrics port actually bound (``metrics_port=0`` picks a free one)."""
        return self.server.port if self.server is not None else None

    # -- live sources ----------------------------------------------------------------

    def watch_journal(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Queue length, conflicts and unfinished transactions read from
        ``counts`` (``Journal.counts``) at every scrape and heartbeat."""
        self._journal = counts
        self.metrics.watch_journal(counts)

    def watch_ils(self, online: Callable[[], bool]) -> None:
        """``kiosk_ils_online`` read from ``online`` at every scrape (true from the first one)."""
        self._ils = online
        self.metrics.watch_ils(online)

    def heartbeat_details(self, details: Callable[[], Mapping[str, Any]]) -> None:
        """Facts of the station's own added to every heartbeat (called when it is sent)."""
        self._details = details

    def set_status(self, **status: Any) -> None:
        """Static facts for the heartbeat (older API; prefer :meth:`heartbeat_details`)."""
        with self._lock:
            self._status.update(status)

    # -- latches (what receivers were told is still raised) ------------------------------
    # On a disk error the answer is the one that sends the event: a repeat beats silence.

    def _latch(self, topic: str) -> bool:
        try:
            return self.outbox.latch(topic)
        except OutboxError as exc:
            log.error("%s", exc)
            return True

    def _release(self, topic: str) -> bool:
        try:
            return self.outbox.release(topic)
        except OutboxError as exc:
            log.error("%s", exc)
            return True

    def _latched(self, topic: str) -> bool:
        try:
            return self.outbox.latched(topic)
        except OutboxError as exc:
            log.error("%s", exc)
            return True

    # -- states (gauges, and an event on each change) ----------------------------------

    def ils(self, online: bool, reason: str = "") -> None:
        """The ILS answers (or not): ``ils_offline`` / ``ils_online`` on changes."""
        if not online:
            self.event("ils_offline", **({"reason": reason} if reason else {}))
        elif self._latched(latch_topic("ils_offline", {})):
            self.event("ils_online")
        else:
            self.metrics.ils_online.set(1)

    def device(self, name: str, up: bool, detail: str = "") -> None:
        """A device works (or failed): ``kiosk_device_up{device}``; ``device_error``
        when it fails, ``device_ok`` when it recovers from a reported failure."""
        with self._lock:
            self._devices[name] = up
        self.metrics.device_up.set(1 if up else 0, device=name)
        topic = f"device_error:{name}"
        if not up:
            if self._latch(topic):
                self.event("device_error", device=name, **({"detail": detail} if detail else {}))
            else:
                self.metrics.coalesced.inc(event="device_error")
        elif self._release(topic):
            self.event("device_ok", device=name)

    def paper_out(self, out: bool, device: str = "printer") -> None:
        """The receipt printer ran out of paper (or has paper again)."""
        if out:
            self.event("printer_paper_out", device=device)
        elif self._latched(latch_topic("printer_paper_out", {"device": device})):
            self.event("printer_ok", device=device)
        else:
            self.metrics.paper_out.set(0)

    def bin(self, name: str, full: bool) -> None:
        """A return bin is full (or was emptied): one ``bin_full`` per bin until ``bin_emptied``."""
        if full:
            self.event("bin_full", bin=name)
        elif self._latched(latch_topic("bin_full", {"bin": name})):
            self.event("bin_emptied", bin=name)
        else:
            self.metrics.bin_full.set(0, bin=name)

    def service(self, serving: bool, reason: str = "") -> None:
        """In or out of service (``/healthz``, ``kiosk_in_service``); ``out_of_service`` with its reason."""
        if not serving:
            self.event("out_of_service", **({"reason": reason} if reason else {}))
        elif self._latched(latch_topic("out_of_service", {})):
            self.event("in_service")
        else:
            self.metrics.in_service.set(1)

    # -- counts ------------------------------------------------------------------------

    def session_started(self) -> None:
        self.metrics.sessions.inc()

    def item(self, action: str, outcome: str) -> None:
        """One item handled: ``action`` borrow/return/renew, ``outcome`` ok/refused/offline/error."""
        self.metrics.items.inc(action=action, result=outcome)
        if outcome in ("refused", "rejected"):
            self.metrics.refusals.inc(action=action)

    def sip2_rtt(self, seconds: float) -> None:
        self.metrics.ils_rtt.observe(seconds)

    def receipt(self, ok: bool) -> None:
        self.metrics.receipts.inc(result="printed" if ok else "failed")

    def returnbin_item(self, bin_name: str) -> None:
        self.metrics.bins.inc(bin=bin_name)

    # -- events ------------------------------------------------------------------------

    def event(self, name: str, **details: Any) -> str | None:
        """Log ``name``, keep the gauges in step, and send it to the webhooks.

        Returns the idempotency key, or None when it was coalesced (a latched
        event still raised) or no webhook is configured. Raises
        :class:`LocalProtocolError` for an event not in :data:`EVENTS`.
        """
        severity = EVENTS.get(name)
        if severity is None:
            raise LocalProtocolError(f"unknown monitoring event {name!r}; known: {', '.join(EVENTS)}")
        self._set_gauge(name, details)
        if name in LATCHES and not self._latch(latch_topic(name, details)):
            self.metrics.coalesced.inc(event=name)
            return None
        if name in RELEASES:
            self._release(latch_topic(name, details))
        self.metrics.events.inc(event=name, severity=severity)
        if name != "heartbeat":
            log.log(_LEVELS[severity], "event=%s %s", name, " ".join(f"{k}={v}" for k, v in details.items()))
        if self.webhooks is None or self._stop.is_set():
            return None
        return self.webhooks.send(name, **details)

    def _set_gauge(self, name: str, details: Mapping[str, Any]) -> None:
        gauge = _EVENT_GAUGES.get(name)
        if gauge is None:
            return
        family, value, label = gauge
        labels = {label: str(details.get(label, ""))} if label else {}
        family(self.metrics).set(value, **labels)

    # -- health and heartbeat ------------------------------------------------------------

    def health(self) -> tuple[bool, str]:
        if self.metrics.in_service.value() >= 1:
            return True, "ok"
        return False, "out of service"

    def snapshot(self) -> dict[str, Any]:
        """What the heartbeat carries: the monitor's own view plus the station's details."""
        with self._lock:
            facts: dict[str, Any] = dict(self._status)
            devices = dict(self._devices)
        facts.update(in_service=self.metrics.in_service.value() >= 1,
                     ils_online=bool(self._ils()) if self._ils is not None else self.metrics.ils_online.value() >= 1,
                     devices=devices, paper_out=self.metrics.paper_out.value() >= 1,
                     uptime_seconds=round(time.monotonic() - self._started))
        if self._journal is not None:
            counts = self._journal()
            facts.update(offline_queue=counts["pending"], conflicts=counts["conflicts"])
        if self.webhooks is not None:
            facts["webhooks_queued"] = self.webhooks.pending()
        if self._details is not None:
            facts.update(self._details())
        return facts

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_interval):
            try:
                details = self.snapshot()
            except Exception as exc:  # the heartbeat's boundary: a failing source still beats, saying so
                log.warning("heartbeat details failed: %s", exc)
                details = {"error": str(exc)}
            self.event("heartbeat", **details)

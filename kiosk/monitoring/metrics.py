"""The station's Prometheus metrics and the ``/metrics`` + ``/healthz`` endpoint.

Built on ``prometheus_client`` (one private registry per :class:`Metrics`, so
two stations in one test process never share a counter). The registry also
carries the client's process, platform and garbage-collector collectors:
memory, CPU, open files and start time of a kiosk that runs for months.

Values that live elsewhere are read at scrape time, never cached: the offline
queue and conflicts come from the journal (:meth:`Metrics.watch_journal`), the
ILS state from a callable (:meth:`Metrics.watch_ils`), the webhook queues from
the outbox. So the first scrape after a restart already tells the truth.
"""

from __future__ import annotations

import http.server
import logging
import threading
from typing import Any, Callable, Iterable, Iterator, Mapping

from prometheus_client import (CollectorRegistry, Counter, GCCollector, Gauge, Histogram, PlatformCollector,
                               ProcessCollector)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.exposition import choose_encoder

log = logging.getLogger(__name__)

#: SIP2 round trips: a LAN ILS answers in 10-50 ms, a hosted one in 100-500 ms.
RTT_BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Family:
    """One metric with keyword labels: ``items.inc(action="borrow", result="ok")``.

    A thin face over a ``prometheus_client`` metric so call sites name their
    labels, and tests can read a value back with :meth:`value`.
    """

    def __init__(self, registry: CollectorRegistry, metric: Any, sample: str, labels: tuple[str, ...] = ()) -> None:
        self._registry = registry
        self._metric = metric
        self._sample = sample          # the name its value is exposed under
        self._labels = labels

    def _child(self, labels: Mapping[str, str]) -> Any:
        if set(labels) != set(self._labels):
            raise ValueError(f"{self._sample} takes labels {sorted(self._labels)}, got {sorted(labels)}")
        return self._metric.labels(**{k: str(v) for k, v in labels.items()}) if self._labels else self._metric

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        self._child(labels).inc(amount)

    def set(self, value: float, **labels: str) -> None:
        self._child(labels).set(float(value))

    def observe(self, value: float, **labels: str) -> None:
        self._child(labels).observe(float(value))

    def set_function(self, fn: Callable[[], float]) -> None:
        """Read the (unlabelled) value from ``fn`` at every scrape."""
        self._metric.set_function(fn)

    def value(self, **labels: str) -> float:
        """The exposed value (a histogram: its count); 0 when never set."""
        found = self._registry.get_sample_value(self._sample, {k: str(v) for k, v in labels.items()})
        return float(found or 0.0)

    def count(self, **labels: str) -> int:
        return int(self.value(**labels))


class _LiveCollector:
    """Collects gauges from callables at scrape time. A source that fails is
    logged once and left out of that scrape (an absent series, not a false 0)."""

    def __init__(self) -> None:
        self._sources: list[Callable[[], Iterable[Metric]]] = []
        self._failing: set[int] = set()
        self._lock = threading.Lock()

    def add(self, source: Callable[[], Iterable[Metric]]) -> None:
        with self._lock:
            self._sources.append(source)

    def describe(self) -> list[Metric]:
        return []  # names vary with the sources added later; skip the registry's duplicate check

    def collect(self) -> Iterator[Metric]:
        with self._lock:
            sources = list(self._sources)
        for index, source in enumerate(sources):
            try:
                families = list(source())
            except Exception as exc:  # the scrape boundary: one broken source must not fail the scrape
                if index not in self._failing:
                    log.warning("metrics source %s failed: %s", getattr(source, "__name__", source), exc)
                    self._failing.add(index)
                continue
            self._failing.discard(index)
            yield from families


class Metrics:
    """Every metric a station exposes, by attribute; :meth:`exposition` renders them."""

    def __init__(self, *, process: bool = True) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        if process:
            ProcessCollector(registry=self.registry)
            PlatformCollector(registry=self.registry)
            GCCollector(registry=self.registry)
        self._live = _LiveCollector()
        self.registry.register(self._live)
        c, g = self._counter, self._gauge
        self.info = g("kiosk_station_info", "Always 1; labels name the station, its kind and version.",
                      ("station_id", "kind", "version"))
        self.in_service = g("kiosk_in_service", "1 while the station serves patrons (takes returns), else 0.")
        self.ils_online = g("kiosk_ils_online", "1 while the ILS answers SIP2, 0 while offline.")
        self.device_up = g("kiosk_device_up", "1 when the device works, 0 when it failed, by device.", ("device",))
        self.paper_out = g("kiosk_printer_paper_out", "1 while the receipt printer is out of paper.")
        self.bin_full = g("kiosk_returnbin_bin_full", "1 while a return bin is full, by bin.", ("bin",))
        self.sessions = c("kiosk_sessions", "Patron sessions started.")
        self.items = c("kiosk_items", "Items handled, by action (borrow, return, renew) and result "
                                      "(ok, refused, offline, error).", ("action", "result"))
        self.refusals = c("kiosk_refusals", "Items the ILS or the kiosk refused, by action.", ("action",))
        self.receipts = c("kiosk_receipts", "Receipts, by result (printed, failed).", ("result",))
        self.bins = c("kiosk_returnbin_items", "Items routed by the return bin, by bin.", ("bin",))
        self.events = c("kiosk_events", "Events raised (webhook or not), by event and severity.",
                        ("event", "severity"))
        self.coalesced = c("kiosk_events_coalesced", "Events not sent again because one like it is "
                                                     "still raised (bin_full until bin_emptied...).", ("event",))
        self.webhooks_delivered = c("kiosk_webhooks_delivered", "Webhook events a receiver accepted.",
                                    ("receiver",))
        self.webhooks_dropped = c("kiosk_webhooks_dropped", "Webhook events given up, by receiver and reason "
                                                            "(max_age, overflow).", ("receiver", "reason"))
        self.ils_rtt = Family(self.registry, Histogram(
            "kiosk_ils_round_trip_seconds", "SIP2 request round-trip time.", buckets=RTT_BUCKETS,
            registry=self.registry), "kiosk_ils_round_trip_seconds_count")
        for result in ("printed", "failed"):  # series exist at 0, so increase() sees the first one
            self.receipts.inc(0, result=result)

    def _counter(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Family:
        return Family(self.registry, Counter(name, doc, labels, registry=self.registry), name + "_total", labels)

    def _gauge(self, name: str, doc: str, labels: tuple[str, ...] = ()) -> Family:
        return Family(self.registry, Gauge(name, doc, labels, registry=self.registry), name, labels)

    # -- live values -----------------------------------------------------------------

    def watch_ils(self, online: Callable[[], bool]) -> None:
        """``kiosk_ils_online`` is ``online()`` at every scrape."""
        self.ils_online.set_function(lambda: 1.0 if online() else 0.0)

    def watch_journal(self, counts: Callable[[], Mapping[str, int]]) -> None:
        """Queue, conflicts and unfinished transactions from ``counts()`` (the
        journal's ``counts``: ``{"pending", "conflicts", "unfinished"}``) at every scrape."""
        def journal() -> list[Metric]:
            now = counts()
            return [GaugeMetricFamily("kiosk_offline_queue_length", "Offline transactions waiting to be replayed.",
                                      value=now["pending"]),
                    GaugeMetricFamily("kiosk_offline_conflicts", "Replayed transactions waiting for staff.",
                                      value=now["conflicts"]),
                    GaugeMetricFamily("kiosk_journal_unfinished", "Transactions whose outcome is not settled yet.",
                                      value=now["unfinished"])]
        self._live.add(journal)

    def watch_webhooks(self, queued: Callable[[], Mapping[str, int]]) -> None:
        """``kiosk_webhooks_queued{receiver}`` from ``queued()`` at every scrape."""
        def webhooks() -> list[Metric]:
            family = GaugeMetricFamily("kiosk_webhooks_queued", "Webhook events kept on disk, not yet accepted.",
                                       labels=["receiver"])
            for receiver, count in sorted(queued().items()):
                family.add_metric([receiver], count)
            return [family]
        self._live.add(webhooks)

    def exposition(self, accept: str = "") -> str:
        """The text a scrape gets (Prometheus text format; OpenMetrics when ``accept`` asks)."""
        encoder, _ = choose_encoder(accept)
        return encoder(self.registry).decode("utf-8")


class MetricsServer:
    """Serves ``/metrics`` and ``/healthz`` on ``host:port`` (0 = any free port) from a thread.

    ``/healthz`` answers 200 while ``health()`` returns ``(True, ...)`` and 503
    with the reason otherwise.
    """

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0,
                 health: Callable[[], tuple[bool, str]] | None = None) -> None:
        self.metrics = metrics
        self.health = health or (lambda: (metrics.in_service.value() >= 1, "out of service"))
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                path = self.path.split("?")[0]
                if path == "/metrics":
                    encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
                    self._reply(200, encoder(owner.metrics.registry), content_type)
                elif path == "/healthz":
                    ok, reason = owner.health()
                    self._reply(200 if ok else 503, b"ok\n" if ok else f"{reason}\n".encode("utf-8"),
                                "text/plain; charset=utf-8")
                else:
                    self._reply(404, b"not found\n", "text/plain; charset=utf-8")

            def _reply(self, status: int, body: bytes, content_type: str) -> None:
                self.send_response(status)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:  # scrapes are not news
                pass

        self._server = http.server.ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> "MetricsServer":
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="metrics", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(5)

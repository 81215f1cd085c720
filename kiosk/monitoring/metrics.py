"""Metrics in the Prometheus text exposition format (version 0.0.4), served
on a local port so a library running dozens of stations can scrape them with
the tools it already has.

Thread-safe counters, gauges and histograms with labels; no dependency on
prometheus_client. ``GET /metrics`` returns the text; ``GET /healthz`` returns
200 while the station is in service, 503 when it is not.
"""

from __future__ import annotations

import http.server
import math
import threading
from typing import Callable, Iterable

LabelKey = tuple[tuple[str, str], ...]

DEFAULT_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"')


def _labels(key: LabelKey, extra: Iterable[tuple[str, str]] = ()) -> str:
    pairs = list(key) + list(extra)
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _number(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if value == int(value) and abs(value) < 1e15:
        return str(int(value))
    return repr(value)


class _Metric:
    kind = "untyped"

    def __init__(self, name: str, doc: str) -> None:
        self.name = name
        self.doc = doc
        self._lock = threading.Lock()

    def header(self) -> list[str]:
        return [f"# HELP {self.name} {self.doc}", f"# TYPE {self.name} {self.kind}"]

    def lines(self) -> list[str]:
        raise NotImplementedError


class Counter(_Metric):
    kind = "counter"

    def __init__(self, name: str, doc: str) -> None:
        super().__init__(name, doc)
        self._values: dict[LabelKey, float] = {}

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise ValueError("a counter only goes up")
        key = tuple(sorted(labels.items()))
        with self._lock:
            self._values[key] = self._values.get(key, 0.0) + amount

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(tuple(sorted(labels.items())), 0.0)

    def lines(self) -> list[str]:
        with self._lock:
            items = sorted(self._values.items()) or [((), 0.0)]
        return [f"{self.name}{_labels(k)} {_number(v)}" for k, v in items]


class Gauge(_Metric):
    kind = "gauge"

    def __init__(self, name: str, doc: str, callback: Callable[[], float] | None = None) -> None:
        super().__init__(name, doc)
        self._values: dict[LabelKey, float] = {}
        self._callback = callback

    def set(self, value: float, **labels: str) -> None:
        with self._lock:
            self._values[tuple(sorted(labels.items()))] = float(value)

    def value(self, **labels: str) -> float:
        with self._lock:
            return self._values.get(tuple(sorted(labels.items())), 0.0)

    def lines(self) -> list[str]:
        if self._callback is not None:
            self.set(self._callback())
        with self._lock:
            items = sorted(self._values.items()) or [((), 0.0)]
        return [f"{self.name}{_labels(k)} {_number(v)}" for k, v in items]


class Histogram(_Metric):
    kind = "histogram"

    def __init__(self, name: str, doc: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> None:
        super().__init__(name, doc)
        self.buckets = tuple(sorted(buckets)) + (math.inf,)
        self._counts: dict[LabelKey, list[int]] = {}
        self._sums: dict[LabelKey, float] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = tuple(sorted(labels.items()))
        with self._lock:
            counts = self._counts.setdefault(key, [0] * len(self.buckets))
            for index, bound in enumerate(self.buckets):
                if value <= bound:
                    counts[index] += 1
            self._sums[key] = self._sums.get(key, 0.0) + value

    def count(self, **labels: str) -> int:
        with self._lock:
            counts = self._counts.get(tuple(sorted(labels.items())))
            return counts[-1] if counts else 0

    def lines(self) -> list[str]:
        out: list[str] = []
        with self._lock:
            for key in sorted(self._counts):
                for bound, count in zip(self.buckets, self._counts[key]):
                    out.append(f"{self.name}_bucket{_labels(key, [('le', _number(bound))])} {count}")
                out.append(f"{self.name}_sum{_labels(key)} {_number(self._sums[key])}")
                out.append(f"{self.name}_count{_labels(key)} {self._counts[key][-1]}")
        return out


class Metrics:
    """The station's metrics, by name; render with :meth:`exposition`."""

    def __init__(self) -> None:
        self._metrics: dict[str, _Metric] = {}
        self._lock = threading.Lock()
        self.sessions = self.counter("kiosk_sessions_total", "Patron sessions started.")
        self.items = self.counter("kiosk_items_total", "Items handled, by action (borrow, return, renew) and result.")
        self.refusals = self.counter("kiosk_refusals_total", "Items the ILS or the kiosk refused, by action.")
        self.ils_rtt = self.histogram("kiosk_ils_round_trip_seconds", "SIP2 request round-trip time.")
        self.ils_online = self.gauge("kiosk_ils_online", "1 while the ILS answers, 0 while offline.")
        self.offline_queue = self.gauge("kiosk_offline_queue_length", "Transactions waiting to be replayed.")
        self.conflicts = self.gauge("kiosk_offline_conflicts", "Replayed transactions kept for staff.")
        self.device_up = self.gauge("kiosk_device_up", "1 when the device works, by device family.")
        self.in_service = self.gauge("kiosk_in_service", "1 while the station serves patrons.")
        self.bins = self.counter("kiosk_returnbin_items_total", "Items routed by the return bin, by bin.")

    def _add(self, metric: _Metric) -> _Metric:
        with self._lock:
            if metric.name in self._metrics:
                raise ValueError(f"metric {metric.name} exists")
            self._metrics[metric.name] = metric
        return metric

    def counter(self, name: str, doc: str) -> Counter:
        return self._add(Counter(name, doc))  # type: ignore[return-value]

    def gauge(self, name: str, doc: str, callback: Callable[[], float] | None = None) -> Gauge:
        return self._add(Gauge(name, doc, callback))  # type: ignore[return-value]

    def histogram(self, name: str, doc: str, buckets: tuple[float, ...] = DEFAULT_BUCKETS) -> Histogram:
        return self._add(Histogram(name, doc, buckets))  # type: ignore[return-value]

    def exposition(self) -> str:
        with self._lock:
            metrics = list(self._metrics.values())
        lines: list[str] = []
        for metric in metrics:
            body = metric.lines()
            if body:
                lines.extend(metric.header())
                lines.extend(body)
        return "\n".join(lines) + "\n"


class MetricsServer:
    """Serves ``/metrics`` and ``/healthz`` on ``host:port`` from a thread."""

    CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"

    def __init__(self, metrics: Metrics, host: str = "127.0.0.1", port: int = 0) -> None:
        self.metrics = metrics
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (http.server's name)
                if self.path.split("?")[0] == "/metrics":
                    self._reply(200, owner.metrics.exposition(), owner.CONTENT_TYPE)
                elif self.path == "/healthz":
                    ok = owner.metrics.in_service.value() >= 1
                    self._reply(200 if ok else 503, "ok\n" if ok else "out of service\n", "text/plain")
                else:
                    self._reply(404, "not found\n", "text/plain")

            def _reply(self, status: int, text: str, content_type: str) -> None:
                body = text.encode("utf-8")
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

"""Remote monitoring: webhooks for events staff must act on, a heartbeat, and
a Prometheus metrics endpoint. :class:`Monitor` is built from ``[monitoring]``
and used by the kiosk and the return bin alike."""

from __future__ import annotations

import logging
import threading
from typing import Any

from kiosk.config import Config
from kiosk.monitoring.metrics import Metrics, MetricsServer
from kiosk.monitoring.webhooks import EVENTS, WebhookSender

log = logging.getLogger("kiosk.events")

__all__ = ["EVENTS", "Metrics", "MetricsServer", "Monitor", "WebhookSender"]

_LEVELS = {"critical": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO}


class Monitor:
    """Events to the log and the webhook, metrics to the endpoint, a heartbeat.

    ``event`` is safe to call from any thread and never blocks.
    """

    def __init__(self, station_id: str, *, webhook_url: str = "", webhook_timeout: float = 5.0,
                 webhook_retries: int = 5, heartbeat_interval: float = 0.0, metrics_host: str = "127.0.0.1",
                 metrics_port: int | None = None, webhook_backoff: float = 1.0) -> None:
        self.station_id = station_id
        self.metrics = Metrics()
        self.webhooks = (WebhookSender(webhook_url, station_id, timeout=webhook_timeout, retries=webhook_retries,
                                       backoff=webhook_backoff) if webhook_url else None)
        self.heartbeat_interval = heartbeat_interval
        self._metrics_host = metrics_host
        self._metrics_port = metrics_port
        self.server: MetricsServer | None = None
        self._stop = threading.Event()
        self._heartbeat: threading.Thread | None = None
        self._status: dict[str, Any] = {}

    @classmethod
    def from_config(cls, cfg: Config) -> "Monitor":
        m = cfg.monitoring
        return cls(cfg.station.id, webhook_url=m.webhook_url, webhook_timeout=m.webhook_timeout,
                   webhook_retries=m.webhook_retries, heartbeat_interval=m.heartbeat_interval,
                   metrics_host=m.metrics_host, metrics_port=m.metrics_port or None)

    def start(self) -> "Monitor":
        if self.webhooks is not None:
            self.webhooks.start()
        if self._metrics_port is not None:
            self.server = MetricsServer(self.metrics, self._metrics_host, self._metrics_port).start()
        if self.heartbeat_interval > 0 and self.webhooks is not None:
            self._heartbeat = threading.Thread(target=self._beat, name="heartbeat", daemon=True)
            self._heartbeat.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._heartbeat is not None:
            self._heartbeat.join(5)
        if self.server is not None:
            self.server.stop()
        if self.webhooks is not None:
            self.webhooks.wait_idle(2.0)
            self.webhooks.stop()

    def set_status(self, **status: Any) -> None:
        """Facts the heartbeat carries (queue length, device states...)."""
        self._status.update(status)

    def event(self, name: str, **details: Any) -> None:
        """Log ``name`` and send it to the webhook (queued, never blocking)."""
        severity = EVENTS.get(name, "info")
        text = " ".join(f"{k}={v}" for k, v in details.items())
        log.log(_LEVELS[severity], "event=%s %s", name, text)
        if self.webhooks is not None:
            self.webhooks.send(name, **details)

    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_interval):
            self.event("heartbeat", **self._status)

"""Remote monitoring: Prometheus metrics (``/metrics``, ``/healthz``), webhooks
for events staff must act on (kept on disk until delivered), a heartbeat, and
systemd notification. :class:`Monitor` is the one entry point, built from
``[monitoring]`` by the touchscreen kiosk and the return bin alike."""

from kiosk.monitoring.metrics import Metrics, MetricsServer
from kiosk.monitoring.monitor import Monitor
from kiosk.monitoring.outbox import Outbox
from kiosk.monitoring.webhooks import EVENTS, LATCHES, Webhooks

__all__ = ["EVENTS", "LATCHES", "Metrics", "MetricsServer", "Monitor", "Outbox", "Webhooks"]

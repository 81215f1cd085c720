"""Prometheus text exposition and the metrics endpoint."""

from __future__ import annotations

import requests

from kiosk.monitoring import Metrics, MetricsServer


def test_exposition_format() -> None:
    metrics = Metrics()
    metrics.items.inc(action="borrow", result="ok")
    metrics.items.inc(2, action="return", result="ok")
    metrics.ils_rtt.observe(0.04)
    metrics.ils_rtt.observe(0.3)
    metrics.offline_queue.set(7)
    metrics.device_up.set(1, device="rfid")
    text = metrics.exposition()
    assert "# TYPE kiosk_items_total counter" in text
    assert 'kiosk_items_total{action="borrow",result="ok"} 1' in text
    assert 'kiosk_items_total{action="return",result="ok"} 2' in text
    assert 'kiosk_ils_round_trip_seconds_bucket{le="0.05"} 1' in text
    assert 'kiosk_ils_round_trip_seconds_bucket{le="+Inf"} 2' in text
    assert "kiosk_ils_round_trip_seconds_count 2" in text
    assert "kiosk_offline_queue_length 7" in text
    assert 'kiosk_device_up{device="rfid"} 1' in text
    assert text.endswith("\n")


def test_label_values_are_escaped() -> None:
    metrics = Metrics()
    metrics.refusals.inc(action='say "hi"\n')
    assert 'action="say \\"hi\\"\\n"' in metrics.exposition()


def test_endpoint_serves_metrics_and_health() -> None:
    metrics = Metrics()
    server = MetricsServer(metrics, "127.0.0.1", 0).start()
    try:
        base = f"http://127.0.0.1:{server.port}"
        metrics.sessions.inc()
        reply = requests.get(base + "/metrics", timeout=5)
        assert reply.status_code == 200
        assert reply.headers["Content-Type"].startswith("text/plain; version=0.0.4")
        assert "kiosk_sessions_total 1" in reply.text
        assert requests.get(base + "/healthz", timeout=5).status_code == 503
        metrics.in_service.set(1)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        assert requests.get(base + "/nope", timeout=5).status_code == 404
    finally:
        server.stop()

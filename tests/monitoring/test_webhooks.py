"""Webhooks: delivered as JSON, retried with back-off, never blocking, no secrets."""

from __future__ import annotations

import socket
import time

from kiosk.monitoring import Monitor
from kiosk.monitoring.webhooks import WebhookSender


def test_events_arrive_as_json(webhook_capture) -> None:  # type: ignore[no-untyped-def]
    sender = WebhookSender(webhook_capture.url, "kiosk-7", timeout=2, retries=2, backoff=0.01).start()
    try:
        sender.send("printer_paper_out", device="printer")
        sender.send("ils_offline", error="connection refused")
        assert sender.wait_idle(5)
    finally:
        sender.stop()
    first, second = webhook_capture.events
    assert first["event"] == "printer_paper_out" and first["station"] == "kiosk-7"
    assert first["severity"] == "warning" and first["details"] == {"device": "printer"}
    assert second["event"] == "ils_offline" and second["severity"] == "critical"
    assert sender.sent == 2 and sender.failed == 0


def test_failed_posts_are_retried_with_backoff(webhook_capture) -> None:  # type: ignore[no-untyped-def]
    webhook_capture.fail_next = 2
    sender = WebhookSender(webhook_capture.url, "k", timeout=2, retries=4, backoff=0.02).start()
    try:
        started = time.monotonic()
        sender.send("bin_full", bin="holds")
        assert sender.wait_idle(5)
        elapsed = time.monotonic() - started
    finally:
        sender.stop()
    assert webhook_capture.names() == ["bin_full"]
    assert elapsed >= 0.02 + 0.04  # two back-off waits, doubling


def test_unreachable_server_never_blocks_the_caller() -> None:
    with socket.socket() as probe:  # a loopback port with nobody listening
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sender = WebhookSender(f"http://127.0.0.1:{port}/", "k", timeout=0.2, retries=3, backoff=0.01,
                           queue_size=5).start()
    try:
        started = time.monotonic()
        for index in range(50):
            sender.send("device_error", n=index)
        assert time.monotonic() - started < 0.5  # 50 sends, all queued at once
        assert sender.dropped >= 40  # the bounded queue keeps only the newest
        assert sender.wait_idle(10)
        assert sender.failed >= 1 and sender.sent == 0
    finally:
        sender.stop()


def test_secrets_are_scrubbed_from_details(webhook_capture) -> None:  # type: ignore[no-untyped-def]
    sender = WebhookSender(webhook_capture.url, "k", backoff=0.01).start()
    try:
        sender.send("device_error", detail="login failed password=hunter2", wire="93|CNk|COhunter2|")
        assert sender.wait_idle(5)
    finally:
        sender.stop()
    assert "hunter2" not in str(webhook_capture.events)


def test_monitor_heartbeat_carries_status(webhook_capture) -> None:  # type: ignore[no-untyped-def]
    monitor = Monitor("kiosk-1", webhook_url=webhook_capture.url, heartbeat_interval=0.05, webhook_backoff=0.01)
    monitor.set_status(offline_queue=3)
    monitor.start()
    try:
        deadline = time.monotonic() + 5
        while webhook_capture.names().count("heartbeat") < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
    finally:
        monitor.stop()
    beats = [e for e in webhook_capture.events if e["event"] == "heartbeat"]
    assert len(beats) >= 2 and beats[0]["details"] == {"offline_queue": 3}

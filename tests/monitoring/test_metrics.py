"""The metrics endpoint: true from the first scrape (journal and ILS read live),
labelled per device, process metrics included, health follows the service."""

from __future__ import annotations

import logging
import socket
from pathlib import Path
from typing import Iterator

import pytest
import requests

from kiosk.monitoring import Metrics, Monitor
from kiosk.store.journal import Journal, Replay
from webhook_receiver import Receiver, wait_until


@pytest.fixture
def journal(tmp_path: Path) -> Iterator[Journal]:
    """A real journal with two returns queued offline, one of them already conflicting."""
    with Journal(tmp_path / "journal.sqlite3") as j:
        for item in ("31000000000001", "31000000000002"):
            j.record_outcome(j.enqueue_offline("checkin", "", item), "done")
        yield j


def scrape(monitor: Monitor) -> str:
    reply = requests.get(f"http://127.0.0.1:{monitor.port}/metrics", timeout=5)
    assert reply.status_code == 200
    return reply.text


def test_the_first_scrape_tells_the_truth(journal: Journal) -> None:
    online = {"ils": True}
    monitor = Monitor("kiosk-3", metrics_port=0, journal_counts=journal.counts,
                      ils_online=lambda: online["ils"]).start()
    try:
        monitor.device("rfid", up=True)
        monitor.device("printer", up=False, detail="cover open")
        text = scrape(monitor)
        assert "kiosk_offline_queue_length 2.0" in text
        assert "kiosk_offline_conflicts 0.0" in text
        assert "kiosk_ils_online 1.0" in text
        assert 'kiosk_device_up{device="rfid"} 1.0' in text
        assert 'kiosk_device_up{device="printer"} 0.0' in text
        assert 'kiosk_station_info{kind="kiosk",station_id="kiosk-3",version="0.1.0"} 1.0' in text
        assert "process_resident_memory_bytes" in text and "python_gc_objects_collected_total" in text
        # Live: the journal and the ILS are read at each scrape, not on transitions.
        first = journal.pending_offline()[0]
        journal.mark_replayed(first.id, Replay.CONFLICT, "item already checked in elsewhere")
        online["ils"] = False
        text = scrape(monitor)
        assert "kiosk_offline_queue_length 1.0" in text and "kiosk_offline_conflicts 1.0" in text
        assert "kiosk_ils_online 0.0" in text
    finally:
        monitor.stop()


def test_counts_by_label() -> None:
    monitor = Monitor("k")
    monitor.session_started()
    monitor.item("borrow", "ok")
    monitor.item("borrow", "refused")
    monitor.item("return", "offline")
    monitor.sip2_rtt(0.04)
    monitor.sip2_rtt(0.3)
    monitor.receipt(True)
    monitor.returnbin_item("holds")
    monitor.paper_out(True)
    text = monitor.metrics.exposition()
    assert "kiosk_sessions_total 1.0" in text
    assert 'kiosk_items_total{action="borrow",result="ok"} 1.0' in text
    assert 'kiosk_items_total{action="borrow",result="refused"} 1.0' in text
    assert 'kiosk_refusals_total{action="borrow"} 1.0' in text
    assert 'kiosk_items_total{action="return",result="offline"} 1.0' in text
    assert 'kiosk_ils_round_trip_seconds_bucket{le="0.05"} 1.0' in text
    assert "kiosk_ils_round_trip_seconds_count 2.0" in text
    assert 'kiosk_receipts_total{result="printed"} 1.0' in text
    assert 'kiosk_receipts_total{result="failed"} 0.0' in text  # there from the start, for increase()
    assert 'kiosk_returnbin_items_total{bin="holds"} 1.0' in text
    assert "kiosk_printer_paper_out 1.0" in text
    assert monitor.metrics.items.value(action="borrow", result="ok") == 1
    monitor.stop()


def test_the_return_bins_calls_keep_working() -> None:
    """The names kiosk/returnbin/service.py uses today."""
    metrics = Metrics(process=False)
    metrics.in_service.set(1)
    metrics.ils_online.set(0)
    metrics.device_up.set(0, device="rfid")
    metrics.ils_rtt.observe(0.02)
    metrics.bins.inc(bin="1")
    metrics.items.inc(action="return", result="ok")
    metrics.refusals.inc(action="return")
    text = metrics.exposition()
    assert 'kiosk_items_total{action="return",result="ok"} 1' in text
    assert "kiosk_ils_round_trip_seconds_count 1" in text and metrics.in_service.value() == 1
    with pytest.raises(ValueError, match="takes labels"):
        metrics.items.inc(action="return")


def test_label_values_are_escaped() -> None:
    metrics = Metrics(process=False)
    metrics.refusals.inc(action='say "hi"\n')
    assert 'action="say \\"hi\\"\\n"' in metrics.exposition()


def test_health_follows_the_service_and_openmetrics_is_offered() -> None:
    monitor = Monitor("k", metrics_port=0).start()
    base = f"http://127.0.0.1:{monitor.port}"
    try:
        reply = requests.get(base + "/healthz", timeout=5)
        assert reply.status_code == 503 and "out of service" in reply.text
        monitor.service(True)
        assert requests.get(base + "/healthz", timeout=5).status_code == 200
        monitor.service(False, reason="printer required and out of paper")
        assert requests.get(base + "/healthz", timeout=5).status_code == 503
        assert requests.get(base + "/nope", timeout=5).status_code == 404
        plain = requests.get(base + "/metrics", timeout=5)
        assert plain.headers["Content-Type"].startswith("text/plain")
        om = requests.get(base + "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"},
                          timeout=5)
        assert om.headers["Content-Type"].startswith("application/openmetrics-text") and om.text.endswith("# EOF\n")
    finally:
        monitor.stop()


def test_a_failing_source_leaves_its_series_out_and_is_logged_once(
        journal: Journal, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.monitoring.metrics")
    monitor = Monitor("k", metrics_port=0, journal_counts=journal.counts).start()
    try:
        journal.close()
        for _ in range(3):
            text = scrape(monitor)
            assert "kiosk_offline_queue_length" not in text and "kiosk_in_service" in text
    finally:
        monitor.stop()
    assert len([r for r in caplog.records if "metrics source" in r.getMessage()]) == 1


def test_the_heartbeat_carries_real_details_from_the_first_beat(
        receiver: Receiver, journal: Journal, tmp_path: Path) -> None:
    monitor = Monitor("kiosk-1", webhook_url=receiver.url, data_dir=tmp_path / "data", heartbeat_interval=0.05,
                      webhook_backoff=0.02, journal_counts=journal.counts, ils_online=lambda: True,
                      heartbeat_details=lambda: {"screen": "attract", "session": False})
    monitor.device("rfid", up=True)
    monitor.service(True)
    monitor.start()
    try:
        assert wait_until(lambda: "heartbeat" in receiver.names())
    finally:
        monitor.stop()
    beat = next(b for b in receiver.unique() if b["event"] == "heartbeat")
    details = beat["details"]
    assert details["offline_queue"] == 2 and details["conflicts"] == 0
    assert details["ils_online"] is True and details["in_service"] is True
    assert details["devices"] == {"rfid": True}
    assert details["screen"] == "attract" and details["session"] is False


def test_a_taken_metrics_port_is_logged_and_the_station_carries_on(caplog: pytest.LogCaptureFixture) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        monitor = Monitor("k", metrics_port=taken.getsockname()[1]).start()
        try:
            assert monitor.port is None
            monitor.item("borrow", "ok")
        finally:
            monitor.stop()
    assert any("metrics endpoint" in r.getMessage() for r in caplog.records)

"""Webhooks: JSON with an idempotency key, kept on disk, in order, per-receiver
queues, coalescing, drops only past the max age; never blocking, no secrets."""

from __future__ import annotations

import logging
import re
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.errors import LocalProtocolError
from kiosk.monitoring import EVENTS, Monitor
from kiosk.monitoring.outbox import FILE_NAME, Outbox
from webhook_receiver import Receiver, wait_until

FAST = dict(webhook_backoff=0.02, webhook_backoff_max=0.1, webhook_timeout=2.0, webhook_connect_timeout=1.0)
README = Path(__file__).resolve().parents[2] / "README.md"


def test_events_arrive_as_json_with_an_idempotency_key(receiver: Receiver, tmp_path: Path) -> None:
    monitor = Monitor("kiosk-7", webhook_url=receiver.url, data_dir=tmp_path, **FAST).start()
    try:
        key = monitor.event("printer_paper_out", device="printer")
        monitor.event("ils_offline", error="connection refused")
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
    finally:
        monitor.stop()
    first, second = receiver.unique()
    assert first["event"] == "printer_paper_out" and first["station"] == "kiosk-7"
    assert first["severity"] == "warning" and first["details"] == {"device": "printer"}
    assert first["idempotency_key"] == key == receiver.headers[0]
    assert second["event"] == "ils_offline" and second["severity"] == "critical"
    assert second["sequence"] > first["sequence"]
    assert monitor.metrics.webhooks_delivered.value(receiver=f"http://127.0.0.1:{receiver.port}") == 2


def test_a_lost_reply_is_retried_with_the_same_key(receiver: Receiver, tmp_path: Path) -> None:
    receiver.lose_reply_next = 2
    monitor = Monitor("k", webhook_url=receiver.url, data_dir=tmp_path, **FAST).start()
    try:
        monitor.event("bin_full", bin="holds")
        monitor.event("device_error", device="sorter", detail="jam")
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
    finally:
        monitor.stop()
    assert [p["event"] for p in receiver.posts] == ["bin_full", "bin_full", "bin_full", "device_error"]
    assert len({p["idempotency_key"] for p in receiver.posts[:3]}) == 1
    assert receiver.headers[:3] == [receiver.posts[0]["idempotency_key"]] * 3
    assert receiver.names() == ["bin_full", "device_error"]


def test_every_documented_event_can_be_raised(receiver: Receiver, tmp_path: Path) -> None:
    section = README.read_text().split("## Monitoring", 1)[1].split("\n## ", 1)[0]
    documented = re.findall(r"^\| `([a-z_]+)` \| (critical|warning|info) \|", section, re.MULTILINE)
    assert dict(documented) == EVENTS, "README's table of events and EVENTS disagree"
    monitor = Monitor("k", webhook_url=receiver.url, data_dir=tmp_path, **FAST).start()
    try:
        for name in EVENTS:
            assert monitor.event(name, note=name) is not None
        with pytest.raises(LocalProtocolError, match="unknown monitoring event 'paper_jam'"):
            monitor.event("paper_jam")
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
    finally:
        monitor.stop()
    assert receiver.names() == list(EVENTS)


def test_latched_events_are_coalesced_until_released(receiver: Receiver, tmp_path: Path) -> None:
    monitor = Monitor("bin-1", kind="returnbin", webhook_url=receiver.url, data_dir=tmp_path, **FAST).start()
    try:
        for _ in range(3):
            monitor.event("bin_full", bin="1")    # the return bin's raw call, three full bins' worth
        monitor.bin("2", full=True)
        monitor.bin("2", full=True)
        monitor.bin("1", full=False)               # emptied: releases bin 1 only
        monitor.bin("3", full=False)               # never full: nothing to say
        monitor.bin("1", full=True)
        monitor.device("rfid", up=False, detail="no answer")
        monitor.device("rfid", up=False, detail="still no answer")
        monitor.device("rfid", up=True)
        monitor.device("rfid", up=True)
        monitor.paper_out(True)
        monitor.paper_out(True)
        monitor.paper_out(False)
        monitor.ils(online=True)                   # was never reported offline: no event
        monitor.ils(online=False, reason="timeout")
        monitor.ils(online=False, reason="timeout")
        monitor.ils(online=True)
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
        text = monitor.metrics.exposition()
    finally:
        monitor.stop()
    assert [(b["event"], b["details"].get("bin", b["details"].get("device", ""))) for b in receiver.unique()] == [
        ("bin_full", "1"), ("bin_full", "2"), ("bin_emptied", "1"), ("bin_full", "1"),
        ("device_error", "rfid"), ("device_ok", "rfid"), ("printer_paper_out", "printer"), ("printer_ok", "printer"),
        ("ils_offline", ""), ("ils_online", "")]
    assert 'kiosk_events_coalesced_total{event="bin_full"} 3.0' in text
    assert 'kiosk_returnbin_bin_full{bin="1"} 1.0' in text and 'kiosk_returnbin_bin_full{bin="3"} 0.0' in text
    assert 'kiosk_device_up{device="rfid"} 1.0' in text


def test_a_new_heartbeat_replaces_an_unsent_one(dead_url: str, tmp_path: Path) -> None:
    monitor = Monitor("k", webhook_url=dead_url, data_dir=tmp_path, **FAST)  # not started: nothing leaves
    for n in range(5):
        monitor.event("heartbeat", n=n)
    monitor.event("offline_conflict", conflicts=1)
    monitor.event("heartbeat", n=5)
    monitor.outbox.close()
    outbox = Outbox(tmp_path / FILE_NAME)
    head = outbox.head(dead_url)
    assert head is not None and head.event == "offline_conflict"
    assert outbox.queued() == {dead_url: 2}
    outbox.close()


def test_a_hanging_receiver_does_not_hold_up_another(receiver: Receiver, hanging_url: str, tmp_path: Path) -> None:
    monitor = Monitor("k", webhook_url=hanging_url, webhook_urls=(receiver.url,), data_dir=tmp_path,
                      webhook_backoff=0.02, webhook_backoff_max=0.1, webhook_timeout=0.5,
                      webhook_connect_timeout=0.5).start()
    try:
        for n in range(5):
            monitor.event("device_error", device="scanner", n=n)
        assert wait_until(lambda: len(receiver.unique()) == 5)
        queued = monitor.metrics.exposition()
        hanging = hanging_url.rsplit("/", 1)[0]
        assert f'kiosk_webhooks_queued{{receiver="{hanging}"}} 5.0' in queued
        assert f'kiosk_webhooks_queued{{receiver="http://127.0.0.1:{receiver.port}"}} 0.0' in queued
    finally:
        monitor.stop(drain=0)
    assert [b["details"]["n"] for b in receiver.unique()] == [0, 1, 2, 3, 4]


def test_events_past_the_max_age_are_dropped_counted_and_logged_once(
        dead_url: str, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="kiosk.monitoring.webhooks")
    monitor = Monitor("k", webhook_url=dead_url, data_dir=tmp_path, webhook_max_age=0.3, **FAST)
    for n in range(3):
        monitor.event("device_error", device="rfid", n=n)
    monitor.start()
    label = dead_url.rsplit("/", 1)[0]
    try:
        assert wait_until(lambda: monitor.metrics.webhooks_dropped.value(receiver=label, reason="max_age") == 3)
        assert monitor.webhooks is not None and monitor.webhooks.pending() == 0
    finally:
        monitor.stop(drain=0)
    failures = [r for r in caplog.records if "failed" in r.getMessage()]
    drops = [r for r in caplog.records if "dropped" in r.getMessage()]
    assert len(failures) == 1  # one line per streak, not one per retry
    assert sum(int(re.search(r"dropped (\d+)", r.getMessage()).group(1)) for r in drops) == 3  # type: ignore[union-attr]
    assert all("device_error" in r.getMessage() for r in drops)


def test_the_outbox_files_are_private_whatever_the_umask(tmp_path: Path) -> None:
    script = ("import os, sys; os.umask(0)\n"
              "from kiosk.monitoring import Monitor\n"
              "m = Monitor('k', webhook_url='http://127.0.0.1:9/', data_dir=sys.argv[1])\n"
              "m.event('bin_full', bin='1')\n"
              "print(' '.join(oct(os.stat(sys.argv[1] + '/webhooks.sqlite3' + s).st_mode & 0o777)"
              " for s in ('', '-wal', '-shm')))\n")
    result = subprocess.run([sys.executable, "-c", script, str(tmp_path / "data")], capture_output=True, text=True,
                            timeout=60, check=True)
    assert result.stdout.split() == ["0o600", "0o600", "0o600"]


def test_a_wider_outbox_left_by_an_older_version_is_tightened(tmp_path: Path) -> None:
    path = tmp_path / FILE_NAME
    path.touch(mode=0o644)
    path.chmod(0o644)
    Outbox(path).close()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_secrets_are_scrubbed_and_the_url_token_stays_out_of_metrics(receiver: Receiver, tmp_path: Path) -> None:
    monitor = Monitor("k", webhook_url=receiver.url, data_dir=tmp_path, **FAST).start()
    try:
        monitor.event("device_error", detail="login failed password=hunter2", wire="93|CNk|COhunter2|")
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
        text = monitor.metrics.exposition()
    finally:
        monitor.stop()
    assert "hunter2" not in str(receiver.posts)
    assert "s3cret" not in text and f'receiver="http://127.0.0.1:{receiver.port}"' in text


def test_sending_never_blocks_the_caller(hanging_url: str, tmp_path: Path) -> None:
    monitor = Monitor("k", webhook_url=hanging_url, data_dir=tmp_path, webhook_timeout=1,
                      webhook_connect_timeout=1).start()
    try:
        for n in range(50):
            monitor.event("device_error", device="printer", n=n)  # returns once on disk
        assert monitor.webhooks is not None and monitor.webhooks.pending() >= 49
    finally:
        monitor.stop(drain=0)


def test_an_unusable_data_folder_keeps_events_in_memory_and_the_station_running(
        receiver: Receiver, tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    not_a_folder = tmp_path / "data"
    not_a_folder.write_text("a file where the data folder should be")
    monitor = Monitor("k", webhook_url=receiver.url, data_dir=not_a_folder, **FAST).start()
    try:
        monitor.bin("1", full=True)
        assert monitor.webhooks is not None and monitor.webhooks.wait_idle(10)
    finally:
        monitor.stop()
    assert receiver.names() == ["bin_full"]
    assert any("cannot open the webhook outbox" in r.getMessage() for r in caplog.records)

"""No event is lost across a receiver outage and a crash of the station in
between: the issue's 60 s outage scaled down with fast back-off."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

from kiosk.monitoring.outbox import FILE_NAME, Outbox
from webhook_receiver import Receiver, wait_until

SENDER = Path(__file__).with_name("webhook_sender.py")
ROOT = Path(__file__).resolve().parents[2]


def station(url: str, data_dir: Path, events: list[tuple[str, dict[str, Any]]]) -> subprocess.Popen[str]:
    process = subprocess.Popen([sys.executable, str(SENDER), url, str(data_dir), json.dumps(events)], cwd=ROOT,
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None and process.stdout.readline().strip() == "raised"
    return process


def retried(data_dir: Path, url: str, attempts: int) -> bool:
    outbox = Outbox(data_dir / FILE_NAME)
    try:
        head = outbox.head(url)
        return head is not None and head.attempts >= attempts
    finally:
        outbox.close()


def test_no_event_is_lost_across_an_outage_and_a_crash(receiver: Receiver, tmp_path: Path) -> None:
    data = tmp_path / "data"
    first = station(receiver.url, data, [("ils_offline", {"reason": "timeout"})])
    second = None
    try:
        assert wait_until(lambda: receiver.names() == ["ils_offline"])
        receiver.down()  # the outage starts
        first.kill()        # a crash: nothing gets a chance to flush
        first.wait(10)
        second = station(receiver.url, data, [
            ("bin_full", {"bin": "1"}), ("heartbeat", {"n": 1}), ("bin_full", {"bin": "1"}),
            ("device_error", {"device": "sorter", "detail": "jam"}), ("heartbeat", {"n": 2})])
        assert wait_until(lambda: retried(data, receiver.url, 3))  # tried and failed while down
        second.kill()       # a second crash mid-outage, events still on disk
        second.wait(10)
        third = station(receiver.url, data, [
            ("bin_full", {"bin": "1"}),        # still full from before the crash: coalesced
            ("heartbeat", {"n": 3}),           # replaces the unsent heartbeat 2
            ("bin", {"bin": "1", "full": False}), ("bin", {"bin": "1", "full": True}),
            ("ils_online", {})])
        second = third
        assert wait_until(lambda: retried(data, receiver.url, 6))
        receiver.lose_reply_next = 1
        receiver.up()   # the receiver is back, on the same port
        assert wait_until(lambda: len(receiver.unique()) == 7, timeout=30)
        third.stdin.close()  # type: ignore[union-attr]
        assert third.wait(30) == 0
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                process.kill()
                process.wait(10)
    got = receiver.unique()
    assert [(b["event"], b["details"]) for b in got] == [
        ("ils_offline", {"reason": "timeout"}),
        ("bin_full", {"bin": "1"}),
        ("device_error", {"device": "sorter", "detail": "jam"}),
        ("heartbeat", {"n": 3}),
        ("bin_emptied", {"bin": "1"}),
        ("bin_full", {"bin": "1"}),
        ("ils_online", {}),
    ]
    sequences = [b["sequence"] for b in got]
    assert sequences == sorted(sequences)
    keys = [p["idempotency_key"] for p in receiver.posts]
    assert len(receiver.posts) == 8 and len(set(keys)) == 7  # the lost reply was resent with its own key
    assert receiver.headers == keys
    assert receiver.posts[1]["idempotency_key"] == receiver.posts[2]["idempotency_key"]

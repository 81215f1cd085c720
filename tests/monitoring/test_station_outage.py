"""No webhook event is lost across a receiver outage and a restart of the
station process, and a resent event keeps its idempotency key: the issue's
60 s outage scaled to 5 s with fast back-off, ``kiosk run`` (offscreen) as a
real process, the ILS simulator going down and coming back while the
receiver is away, the kiosk killed mid-outage and started again."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Iterator

import pytest
import requests

from kiosk.sip2.ils import ILSSimulator
from webhook_receiver import Receiver, wait_until

KIOSK_CMD = [sys.executable, "-m", "kiosk.cli"]
ROOT = Path(__file__).resolve().parents[2]
OUTAGE = 5.0            # seconds the receiver is away (the 60 s, scaled)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class KioskProcess:
    """``kiosk run --config FILE`` offscreen; its /metrics tells the test where it is."""

    def __init__(self, tmp_path: Path, config: Path, metrics_port: int, run: int) -> None:
        env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "NOTIFY_SOCKET")}
        env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy"))
        self.log_path = tmp_path / f"kiosk-{run}.log"
        self.log: IO[str] = self.log_path.open("w")
        self.port = metrics_port
        self.proc = subprocess.Popen([*KIOSK_CMD, "-v", "run", "--config", str(config)], cwd=ROOT, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, text=True)

    def gauge(self, name: str) -> float | None:
        assert self.proc.poll() is None, self.log_path.read_text()
        try:
            text = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=2).text
        except requests.RequestException:
            return None                                  # not serving yet
        for line in text.splitlines():
            if line.startswith(name + " "):
                return float(line.split()[1])
        return None

    def end(self, sig: int = signal.SIGKILL) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(10)
        self.log.close()
        return int(self.proc.returncode)


@pytest.fixture
def kiosks() -> Iterator[list[KioskProcess]]:
    started: list[KioskProcess] = []
    yield started
    for kiosk in started:
        kiosk.end()


@pytest.mark.timeout(300)   # two kiosk start-ups and an outage, each bounded
def test_no_event_is_lost_across_an_outage_and_a_kiosk_restart(tmp_path: Path, receiver: Receiver,
                                                               kiosks: list[KioskProcess]) -> None:
    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    try:
        port = free_port()
        config = tmp_path / "kiosk.toml"
        config.write_text(f"""
[station]
id = "branch-1-kiosk-1"
data_dir = "{(tmp_path / 'data').as_posix()}"
[sip2]
host = "127.0.0.1"
port = {ils.port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 0.5
read_timeout = 1.0
keepalive_interval = 0.3
reconnect_interval = 0.2
[offline]
enabled = false
[ui]
fullscreen = false
width = 800
height = 600
sounds = false
[devices.rfid]
driver = "sim"
required = true
[devices.printer]
driver = "sim"
status_interval = 0
[monitoring]
metrics_port = {port}
webhook_url = "{receiver.url}"
webhook_backoff = 0.05
webhook_backoff_max = 0.3
webhook_timeout = 1.0
webhook_connect_timeout = 0.5
heartbeat_interval = 0
""", encoding="utf-8")
        first = KioskProcess(tmp_path, config, port, 1)
        kiosks.append(first)
        assert wait_until(lambda: first.gauge("kiosk_in_service") == 1, timeout=60)

        receiver.down()                                  # the outage starts
        outage_started = time.monotonic()
        ils.set_down(True)                               # offline, and offline service is off
        assert wait_until(lambda: first.gauge("kiosk_in_service") == 0 and first.gauge("kiosk_ils_online") == 0,
                          timeout=30)
        time.sleep(0.5)                                  # a few failed attempts against the dead receiver
        first.end(signal.SIGKILL)                        # a crash mid-outage: nothing gets flushed

        second = KioskProcess(tmp_path, config, port, 2)   # systemd restarts it, the receiver still away
        kiosks.append(second)
        assert wait_until(lambda: second.gauge("kiosk_in_service") == 0, timeout=60)
        ils.set_down(False)                              # the ILS is back: in service again
        assert wait_until(lambda: second.gauge("kiosk_in_service") == 1 and second.gauge("kiosk_ils_online") == 1,
                          timeout=30)
        time.sleep(max(0.0, OUTAGE - (time.monotonic() - outage_started)))
        receiver.lose_reply_next = 1                     # the first event gets through, its answer is lost
        receiver.up()                                    # the receiver is back, on the same port
        assert wait_until(lambda: len(receiver.unique()) == 4, timeout=30), receiver.posts
        time.sleep(1.0)                                  # nothing more to come
        assert second.end(signal.SIGTERM) == 0, second.log_path.read_text()
    finally:
        ils.stop()
    got = receiver.unique()
    assert got[0]["event"] == "ils_offline" and got[0]["details"]["reason"]
    assert [(b["event"], b["details"]) for b in got[1:]] == [
        ("out_of_service", {"reason": "the library system is unavailable and offline service is off"}),
        ("ils_online", {}),
        ("in_service", {}),
    ], got
    assert all(b["station"] == "branch-1-kiosk-1" for b in got)
    sequences = [b["sequence"] for b in got]
    assert sequences == sorted(sequences)
    keys = [p["idempotency_key"] for p in receiver.posts]
    assert len(receiver.posts) == 5 and len(set(keys)) == 4       # the lost answer: sent again, same key
    assert keys[0] == keys[1] and receiver.headers == keys
    print(f"outage {OUTAGE:.0f} s, kiosk killed and restarted mid-outage: {len(receiver.posts)} posts, "
          f"{len(set(keys))} events, none lost")

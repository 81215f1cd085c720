"""Liveness hearts and the systemd notifier that pings only while every heart
is fresh: real threads that wedge on an Event, a real AF_UNIX datagram socket
in systemd's place."""

from __future__ import annotations

import logging
import socket
import threading
import time
import uuid
from typing import Iterator

import pytest

from kiosk.monitoring.sdnotify import SystemdNotifier
from kiosk.monitoring.watchdog import ServiceNotifier
from kiosk.monitoring.liveness import NO_HEART, Liveness
from webhook_receiver import wait_until


class Clock:
    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def test_a_heart_is_stale_once_its_last_beat_is_older_than_its_allowance() -> None:
    clock = Clock()
    beats = Liveness(clock)
    heart = beats.heart("station worker", 2.0)
    assert beats.stale() == [] and beats.names() == []     # never beaten: not watched yet
    heart.beat()
    clock.now += 2.0
    assert beats.stale() == [] and beats.names() == ["station worker"]
    clock.now += 0.5
    [stale] = beats.stale()
    assert (stale.name, stale.age, stale.why) == ("station worker", 2.5, "no progress")
    assert "station worker (no progress: last beat 2.5 s ago, allowed 2 s)" == stale.describe()
    heart.beat()
    assert beats.stale() == []
    heart.rest()                                            # ended on purpose
    clock.now += 60
    assert beats.stale() == [] and beats.names() == []


def test_a_heart_whose_thread_died_without_resting_is_stale_at_once() -> None:
    beats = Liveness()
    heart = beats.heart("scanner reader", 60.0)

    def crashes() -> None:
        heart.beat()
        raise RuntimeError("a bug in the reader loop")
    thread = threading.Thread(target=crashes)
    with pytest.MonkeyPatch.context() as patch:               # keep the expected traceback out of the output
        patch.setattr(threading, "excepthook", lambda args: None)
        thread.start()
        thread.join(5)
    [stale] = beats.stale()
    assert stale.why == "its thread died"


def test_the_same_name_is_one_heart_and_allowances_must_be_positive() -> None:
    beats = Liveness()
    assert beats.heart("ui main loop", 5) is beats.heart("ui main loop", 7)
    assert beats.heart("ui main loop", 7).allowance == 7
    with pytest.raises(ValueError, match="positive"):
        beats.heart("x", 0)
    NO_HEART.beat()
    NO_HEART.rest()                                         # the unwatched heart takes beats and keeps nothing


class Systemd:
    """systemd's notify socket (abstract namespace)."""

    def __init__(self) -> None:
        self.name = f"kiosk-test-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.sock.settimeout(0.05)
        self.lines: list[str] = []
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._receive, daemon=True)
        self._thread.start()

    def _receive(self) -> None:
        while not self._halt.is_set():
            try:
                self.lines.extend(self.sock.recv(4096).decode().splitlines())
            except socket.timeout:
                continue

    def count(self, line: str) -> int:
        return sum(1 for seen in list(self.lines) if seen == line)

    def close(self) -> None:
        self._halt.set()
        self._thread.join(2)
        self.sock.close()


@pytest.fixture
def systemd() -> Iterator[Systemd]:
    server = Systemd()
    yield server
    server.close()


class Worker:
    """A worker thread that beats every 20 ms until it is wedged (blocks on an Event)."""

    def __init__(self, beats: Liveness, name: str, allowance: float) -> None:
        self.heart = beats.heart(name, allowance)
        self.running = threading.Event()
        self.running.set()
        self.halt = threading.Event()
        self.thread = threading.Thread(target=self._loop, daemon=True)
        self.thread.start()

    def _loop(self) -> None:
        while not self.halt.is_set():
            self.heart.beat()
            self.running.wait()                              # cleared = wedged
            self.halt.wait(0.02)
        self.heart.rest()

    def stop(self) -> None:
        self.halt.set()
        self.running.set()
        self.thread.join(5)


def test_pings_only_while_every_worker_makes_progress(systemd: Systemd, caplog: pytest.LogCaptureFixture) -> None:
    beats = Liveness()
    worker = Worker(beats, "rfid pad watcher", 0.3)
    status = ["serving patrons; ILS online"]
    notifier = SystemdNotifier({"NOTIFY_SOCKET": "@" + systemd.name, "WATCHDOG_USEC": "100000"})
    service = ServiceNotifier(notifier, beats, lambda: status[0], tick=0.02).start()
    try:
        assert service.interval == 0.05
        time.sleep(0.2)
        assert systemd.lines == []                          # nothing before READY
        service.ready()
        assert wait_until(lambda: systemd.count("WATCHDOG=1") >= 3, timeout=5)
        assert systemd.lines[:2] == ["READY=1", "STATUS=serving patrons; ILS online"]
        status[0] = "serving patrons; ILS offline"
        assert wait_until(lambda: systemd.count("STATUS=serving patrons; ILS offline") == 1, timeout=5)

        with caplog.at_level(logging.ERROR, logger="kiosk.monitoring.watchdog"):
            worker.running.clear()                          # wedged
            assert wait_until(lambda: "stale: rfid pad watcher (no progress" in caplog.text, timeout=5)
        time.sleep(0.1)
        pings = systemd.count("WATCHDOG=1")
        time.sleep(0.4)
        assert systemd.count("WATCHDOG=1") == pings
        assert wait_until(lambda: systemd.count("STATUS=serving patrons; ILS offline; stalled: rfid pad watcher") == 1,
                          timeout=5)

        worker.running.set()                                # unwedged: pings again
        assert wait_until(lambda: systemd.count("WATCHDOG=1") >= pings + 3, timeout=5)
    finally:
        worker.stop()
        service.stop()
    assert wait_until(lambda: systemd.count("STOPPING=1") == 1, timeout=5)
    assert systemd.lines[-1] == "STOPPING=1"


def test_without_a_watchdog_nothing_pings_but_a_hang_is_still_logged(systemd: Systemd,
                                                                     caplog: pytest.LogCaptureFixture) -> None:
    beats = Liveness()
    worker = Worker(beats, "check-in stage", 0.2)
    service = ServiceNotifier(SystemdNotifier({"NOTIFY_SOCKET": "@" + systemd.name}), beats, lambda: "taking returns",
                              tick=0.02).start()
    try:
        service.ready()
        with caplog.at_level(logging.ERROR, logger="kiosk.monitoring.watchdog"):
            worker.running.clear()
            assert wait_until(lambda: "stale: check-in stage" in caplog.text, timeout=5)
    finally:
        worker.stop()
        service.stop()
    assert systemd.count("WATCHDOG=1") == 0 and systemd.count("READY=1") == 1


def test_a_compositor_parent_may_hold_the_watchdog_pid() -> None:
    """kiosk.service runs ``cage -- kiosk run``: systemd's WATCHDOG_PID is cage's."""
    import os

    env = {"NOTIFY_SOCKET": "/run/systemd/notify", "WATCHDOG_USEC": "30000000", "WATCHDOG_PID": str(os.getppid())}
    assert SystemdNotifier(env).watchdog_interval is None
    assert SystemdNotifier(env, accept_parent=True).watchdog_interval == 15.0


def test_allowances_add_each_workers_own_waits_to_the_configured_one() -> None:
    """With the shipped example config: the UI loop 20 s; the station worker
    20 s plus two SIP2 exchanges (5 s connect + 10 s reply, 3 resends); a
    reader 20 s plus its 5 s back-off and three 1 s reader commands."""
    from pathlib import Path

    from kiosk.config import load_config
    from kiosk.services.allowances import Allowances

    config = load_config(Path(__file__).resolve().parents[2] / "config" / "station.example.toml",
                         check_devices=False, apply_override_file=False)
    allow = Allowances.from_config(config)
    assert (allow.ui, allow.ils_worker, allow.reader) == (20.0, 20.0 + 2 * (5.0 + 10.0 * 4), 28.0)

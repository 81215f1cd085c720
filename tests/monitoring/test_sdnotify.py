"""sd_notify readiness and watchdog messages reach systemd's socket."""

from __future__ import annotations

import os
import socket
from pathlib import Path

from kiosk.monitoring.sdnotify import SystemdNotifier


def test_messages_reach_the_notify_socket(tmp_path: Path) -> None:
    path = str(tmp_path / "notify.sock")
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind(path)
        server.settimeout(2)
        notifier = SystemdNotifier({"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000",
                                    "WATCHDOG_PID": str(os.getpid())})
        assert notifier.enabled and notifier.watchdog_interval == 15.0
        assert notifier.ready("serving patrons")
        assert server.recv(256) == b"READY=1\nSTATUS=serving patrons"
        assert notifier.watchdog()
        assert server.recv(256) == b"WATCHDOG=1"


def test_abstract_socket_names(tmp_path: Path) -> None:
    name = f"kiosk-test-{os.getpid()}"
    with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as server:
        server.bind("\0" + name)
        server.settimeout(2)
        assert SystemdNotifier({"NOTIFY_SOCKET": "@" + name}).stopping()
        assert server.recv(64) == b"STOPPING=1"


def test_outside_systemd_everything_is_a_no_op() -> None:
    notifier = SystemdNotifier({})
    assert not notifier.enabled and notifier.watchdog_interval is None
    assert not notifier.ready() and not notifier.watchdog()


def test_watchdog_for_another_pid_is_ignored() -> None:
    notifier = SystemdNotifier({"NOTIFY_SOCKET": "/nonexistent", "WATCHDOG_USEC": "1000000", "WATCHDOG_PID": "1"})
    assert notifier.watchdog_interval is None

"""``kiosk run`` (offscreen) and ``kiosk returnbin`` as systemd runs them
(``Type=notify``, ``WatchdogSec=``): processes started with a NOTIFY_SOCKET
this test listens on and WATCHDOG_USEC=2 s. Each must send READY=1 with a
STATUS= line, then WATCHDOG=1 paced by WATCHDOG_USEC; when a worker is
wedged (the simulated RFID reader's documented ``hang_while=PATH`` fault
blocks the thread that polls it) the pings must stop and the log name the
stale worker; when it is let go they resume; SIGTERM brings STOPPING=1 and a
clean exit.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Iterator

import pytest

from notify_listener import NotifyListener
from system_rig import KIOSK_CMD, Rig, ScannerPty, eventually

WATCHDOG_USEC = 2_000_000                    # systemd's WatchdogSec=2: pings every 1 s
PING_INTERVAL = WATCHDOG_USEC / 2_000_000
# The smallest allowance, so a wedged worker is noticed within seconds (each
# worker adds its own waits: the pad watcher 5 s of back-off and 3 reads).
MONITORING = "[monitoring]\nwatchdog_allowance = 3.0\n"
# Each test runs its service through several bounded phases: more than the suite's 120 s default.
pytestmark = pytest.mark.timeout(300)
UI = "[ui]\nfullscreen = false\nwidth = 800\nheight = 600\nsounds = false\n"
LAUNCHED: dict[int, float] = {}              # pid -> when the process was started (for the figures printed)


@pytest.fixture
def notify(rig: Rig) -> Iterator[NotifyListener]:
    listener = NotifyListener()
    rig.closers.append(listener.close)
    yield listener


def start(rig: Rig, tmp_path: Path, notify: NotifyListener, name: str, *args: str) -> "subprocess.Popen[str]":
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "WATCHDOG_PID")}
    env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy"), NOTIFY_SOCKET=notify.address,
               WATCHDOG_USEC=str(WATCHDOG_USEC))
    log = open(tmp_path / f"{name}.log", "w+", encoding="utf-8")
    launched = time.monotonic()
    proc = subprocess.Popen([*KIOSK_CMD, "-v", *args], stdout=log, stderr=subprocess.STDOUT, env=env, text=True)
    LAUNCHED[proc.pid] = launched

    def finish() -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    rig.closers.append(finish)
    return proc


def output(tmp_path: Path, name: str) -> str:
    return (tmp_path / f"{name}.log").read_text(encoding="utf-8")


def alive(proc: "subprocess.Popen[str]", tmp_path: Path, name: str) -> bool:
    assert proc.poll() is None, f"{name} died:\n" + output(tmp_path, name)
    return True


def serve_then_wedge_then_stop(proc: "subprocess.Popen[str]", notify: NotifyListener, tmp_path: Path, name: str,
                               hang: Path, stale: str) -> None:
    """The whole notify protocol of one service, as systemd would see it."""
    eventually(lambda: alive(proc, tmp_path, name) and notify.count("READY=1"), 60, interval=0.1,
               what=f"{name} READY=1")
    ready_after = notify.lines("READY=1")[0][0] - LAUNCHED[proc.pid]
    assert notify.statuses(), "READY=1 came without a STATUS= line"
    assert notify.count("WATCHDOG=1") <= 1, "pinged before it was ready"

    # Regular pings, paced by WATCHDOG_USEC (never faster than half of it).
    eventually(lambda: alive(proc, tmp_path, name) and notify.count("WATCHDOG=1") >= 5, 30, interval=0.1,
               what="five watchdog pings")
    times = [t for t, _ in notify.lines("WATCHDOG=1")]
    gaps = [b - a for a, b in zip(times, times[1:])]
    assert min(gaps) >= 0.8 * PING_INTERVAL, gaps
    assert f"pinging every {PING_INTERVAL:.1f} s" in output(tmp_path, name)

    # Wedge the reader: the pings stop, the log and STATUS= say which worker.
    hang.touch()
    eventually(lambda: alive(proc, tmp_path, name) and f"stale: {stale}" in output(tmp_path, name), 40,
               interval=0.1, what=f"the watchdog noticing {stale}")
    time.sleep(0.5)                              # a ping sent just before the decision is still in flight
    before = notify.count("WATCHDOG=1")
    time.sleep(4 * PING_INTERVAL)
    assert notify.count("WATCHDOG=1") == before, "pings went on while a worker was wedged"
    assert any(f"stalled: {stale}" in s for s in notify.statuses()), notify.statuses()

    # Let it go: the pings come back.
    hang.unlink()
    eventually(lambda: alive(proc, tmp_path, name) and notify.count("WATCHDOG=1") >= before + 2, 30, interval=0.1,
               what="pings after the worker recovered")
    assert "every worker is making progress again" in output(tmp_path, name)

    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=30)
    except subprocess.TimeoutExpired:
        pytest.fail(f"{name} did not stop within 30 s of SIGTERM")
    assert code == 0, output(tmp_path, name)
    assert notify.count("STOPPING=1") == 1
    last_ping = notify.lines("WATCHDOG=1")[-1][0]
    assert notify.lines("STOPPING=1")[0][0] >= last_ping
    print(f"{name}: READY after {ready_after:.1f} s; ping gaps {min(gaps):.2f}-{max(gaps):.2f} s "
          f"(WATCHDOG_USEC={WATCHDOG_USEC}); statuses {notify.statuses()}")


def test_kiosk_run_is_a_notify_service_whose_watchdog_stops_when_a_reader_hangs(
        rig: Rig, tmp_path: Path, notify: NotifyListener) -> None:
    rig.start_ils()
    scanner = ScannerPty()
    rig.closers.append(scanner.close)
    printer = rig.printer()
    hang = tmp_path / "rfid-hang"
    devices = f"""
[devices.rfid]
driver = "sim:hang_while={hang}"
required = true
poll_interval = 0.05
timeout = 0.1

[devices.scanner]
driver = "serial:{scanner.path}"
terminator = "cr"

[devices.printer]
driver = "escpos-network:127.0.0.1:{printer.port}"
status_interval = 0
"""
    path = rig.write_config(devices, extra=UI + MONITORING)
    proc = start(rig, tmp_path, notify, "kiosk", "run", "--config", str(path))
    serve_then_wedge_then_stop(proc, notify, tmp_path, "kiosk", hang, "rfid pad watcher")
    assert notify.statuses()[0].startswith("serving patrons; ILS online"), notify.statuses()
    text = output(tmp_path, "kiosk")
    for worker in ("ui main loop", "station worker", "rfid pad watcher", "scanner reader"):
        assert worker in text.split("pinging every")[1].splitlines()[0], text


def test_kiosk_run_out_of_service_is_ready_with_the_reason(rig: Rig, tmp_path: Path,
                                                           notify: NotifyListener) -> None:
    """No ILS and offline service off: the kiosk still comes up (READY=1), out of service, and says why."""
    path = rig.write_config('[devices.rfid]\ndriver = "sim"\nrequired = true\n', extra=UI + MONITORING)
    path.write_text(path.read_text(encoding="utf-8").replace("[offline]\n", "[offline]\nenabled = false\n"),
                    encoding="utf-8")
    proc = start(rig, tmp_path, notify, "kiosk", "run", "--config", str(path))
    eventually(lambda: alive(proc, tmp_path, "kiosk") and notify.count("READY=1"), 60, interval=0.1,
               what="READY=1")
    assert notify.statuses()[0].startswith("out of service: the library system is unavailable"), notify.statuses()
    eventually(lambda: alive(proc, tmp_path, "kiosk") and notify.count("WATCHDOG=1") >= 2, 30, interval=0.1,
               what="watchdog pings while out of service")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=30) == 0, output(tmp_path, "kiosk")
    assert notify.count("STOPPING=1") == 1


def test_kiosk_returnbin_is_a_notify_service_whose_watchdog_stops_when_its_intake_hangs(
        rig: Rig, tmp_path: Path, notify: NotifyListener) -> None:
    rig.start_ils()
    hang = tmp_path / "rfid-hang"
    devices = f"""
[devices.rfid]
driver = "sim:hang_while={hang}"
required = true
poll_interval = 0.05
timeout = 0.1

[devices.sorter]
driver = "sim"
required = true

[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
"""
    path = rig.write_config(devices, name="returnbin.toml", mode="returnbin", extra=MONITORING)
    proc = start(rig, tmp_path, notify, "returnbin", "returnbin", "--config", str(path))
    serve_then_wedge_then_stop(proc, notify, tmp_path, "returnbin", hang, "intake (rfid pad watcher)")
    assert notify.statuses()[0].startswith("taking returns"), notify.statuses()
    text = output(tmp_path, "returnbin")
    for worker in ("intake (rfid pad watcher)", "check-in stage", "sorting stage"):
        assert worker in text.split("pinging every")[1].splitlines()[0], text

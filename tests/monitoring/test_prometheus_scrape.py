"""A real Prometheus server scrapes touchscreen stations and return bins found
through file-based service discovery, and reads true values from the very
first scrape: Monitors built in-process over real journals, and the real
services, ``kiosk run`` (offscreen) and ``kiosk returnbin``, as processes."""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any, Iterator

import pytest
import requests
import yaml

from kiosk.monitoring import Monitor
from kiosk.store.journal import Journal
from webhook_receiver import wait_until

pytestmark = pytest.mark.skipif(
    shutil.which("prometheus") is None,
    reason="prometheus not installed (Debian package prometheus; `make test` installs it when run as root)")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def stations(tmp_path: Path) -> Iterator[dict[str, Monitor]]:
    """A kiosk whose journal holds 2 offline returns and 1 entry for staff, and a
    return bin with an empty journal and a full holds bin."""
    kiosk_journal = Journal(tmp_path / "kiosk" / "journal.sqlite3")
    for item in ("31000000000001", "31000000000002"):
        kiosk_journal.record_outcome(kiosk_journal.enqueue_offline("checkin", "", item), "done")
    stuck = kiosk_journal.record_intent("checkout", "20000000000001", "31000000000003")
    kiosk_journal.flag_for_staff(stuck, "unknown outcome after restart")
    bin_journal = Journal(tmp_path / "bin" / "journal.sqlite3")
    kiosk = Monitor("main-kiosk-1", metrics_port=0, journal_counts=kiosk_journal.counts, ils_online=lambda: True)
    kiosk.device("rfid", up=True)
    kiosk.device("printer", up=True)
    kiosk.service(True)
    returnbin = Monitor("main-returnbin-1", kind="returnbin", metrics_port=0, journal_counts=bin_journal.counts,
                        ils_online=lambda: False)
    returnbin.device("rfid", up=True)
    returnbin.device("sorter", up=False, detail="jam")
    returnbin.bin("holds", full=True)
    monitors = {"main-kiosk-1": kiosk.start(), "main-returnbin-1": returnbin.start()}
    yield monitors
    for monitor in monitors.values():
        monitor.stop()
    kiosk_journal.close()
    bin_journal.close()


@contextlib.contextmanager
def run_prometheus(tmp_path: Path, targets: list[dict[str, Any]]) -> Iterator[str]:
    """A real Prometheus server scraping ``targets`` (file-based service discovery) every second."""
    (tmp_path / "stations.yml").write_text(yaml.safe_dump(targets))
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump({
        "global": {"scrape_interval": "1s", "scrape_timeout": "1s", "evaluation_interval": "1s"},
        "scrape_configs": [{"job_name": "kiosk",
                            "file_sd_configs": [{"files": [str(tmp_path / "stations.yml")]}]}]}))
    address = f"127.0.0.1:{free_port()}"
    log = (tmp_path / "prometheus.log").open("w")
    server = subprocess.Popen(["prometheus", f"--config.file={tmp_path / 'prometheus.yml'}",
                               f"--storage.tsdb.path={tmp_path / 'tsdb'}", f"--web.listen-address={address}"],
                              stdout=log, stderr=subprocess.STDOUT)
    try:
        base = f"http://{address}"

        def ready() -> bool:
            try:
                return requests.get(base + "/-/ready", timeout=1).status_code == 200
            except requests.RequestException:
                return False
        assert wait_until(ready, timeout=60), (tmp_path / "prometheus.log").read_text()[-2000:]
        yield base
    finally:
        server.terminate()
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(10)
        log.close()


@pytest.fixture
def prometheus(tmp_path: Path, stations: dict[str, Monitor]) -> Iterator[str]:
    targets = [{"targets": [f"127.0.0.1:{monitor.port}"],
                "labels": {"branch": "main", "station": name, "kind": monitor.kind}}
               for name, monitor in stations.items()]
    with run_prometheus(tmp_path, targets) as base:
        yield base


def query(base: str, promql: str) -> dict[str, float]:
    """``{station: value}`` of an instant query (station and device/bin joined for labelled series)."""
    reply = requests.get(base + "/api/v1/query", params={"query": promql}, timeout=5).json()
    assert reply["status"] == "success", reply
    out: dict[str, float] = {}
    for series in reply["data"]["result"]:
        labels: dict[str, Any] = series["metric"]
        key = "/".join(labels[k] for k in ("station", "device", "bin") if k in labels)
        out[key] = float(series["value"][1])
    return out


def test_a_real_prometheus_reads_true_values_from_the_first_scrape(prometheus: str) -> None:
    both = {"main-kiosk-1", "main-returnbin-1"}
    assert wait_until(lambda: set(query(prometheus, 'up{job="kiosk"} == 1')) == both, timeout=60)
    # min and max over every scrape so far, the first included: no scrape ever read another value.
    for fn in ("min_over_time", "max_over_time"):
        assert query(prometheus, f"{fn}(kiosk_offline_queue_length[10m])") == {"main-kiosk-1": 2,
                                                                                "main-returnbin-1": 0}
        assert query(prometheus, f"{fn}(kiosk_offline_conflicts[10m])") == {"main-kiosk-1": 1,
                                                                             "main-returnbin-1": 0}
        assert query(prometheus, f"{fn}(kiosk_ils_online[10m])") == {"main-kiosk-1": 1, "main-returnbin-1": 0}
        assert query(prometheus, f"{fn}(kiosk_device_up[10m])") == {
            "main-kiosk-1/rfid": 1, "main-kiosk-1/printer": 1, "main-returnbin-1/rfid": 1,
            "main-returnbin-1/sorter": 0}
        assert query(prometheus, f"{fn}(kiosk_returnbin_bin_full[10m])") == {"main-returnbin-1/holds": 1}
        assert query(prometheus, f"{fn}(kiosk_in_service[10m])") == {"main-kiosk-1": 1, "main-returnbin-1": 0}
    assert query(prometheus, 'count by (station) (kiosk_station_info{branch="main"})') == {
        "main-kiosk-1": 1, "main-returnbin-1": 1}
    assert set(query(prometheus, "process_resident_memory_bytes")) == both


KIOSK_CMD = [sys.executable, "-m", "kiosk.cli"]
ROOT = Path(__file__).resolve().parents[2]


def station_config(tmp_path: Path, name: str, mode: str, ils_port: int, metrics_port: int, devices: str) -> Path:
    path = tmp_path / f"{name}.toml"
    path.write_text(f"""
[station]
id = "{name}"
mode = "{mode}"
isil = "US-RPL"
data_dir = "{(tmp_path / name).as_posix()}"

[sip2]
host = "127.0.0.1"
port = {ils_port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 1.0
read_timeout = 1.0
keepalive_interval = 0

[ui]
fullscreen = false
width = 800
height = 600
sounds = false

[monitoring]
metrics_port = {metrics_port}
{devices}
""", encoding="utf-8")
    return path


@pytest.fixture
def processes(tmp_path: Path) -> Iterator[dict[str, tuple[int, str]]]:
    """``kiosk run`` with the ILS up and one entry waiting for staff; ``kiosk
    returnbin`` with the ILS unreachable and two returns queued offline.
    Yields ``{station: (metrics port, kind)}`` as soon as the processes are
    launched: Prometheus starts scraping while they start."""
    from kiosk.sip2.ils import ILSSimulator

    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    with socket.socket() as dead:
        dead.bind(("127.0.0.1", 0))
        dead_port = int(dead.getsockname()[1])
    kiosk_journal = Journal(tmp_path / "main-kiosk-1" / "journal.sqlite3")
    settled = kiosk_journal.record_intent("checkout", "20000000000001", "31000000000003")
    kiosk_journal.record_outcome(settled, "done")
    kiosk_journal.flag_for_staff(settled, "security write failed")
    kiosk_journal.close()
    bin_journal = Journal(tmp_path / "main-returnbin-1" / "journal.sqlite3")
    for item in ("31000000000001", "31000000000002"):
        bin_journal.record_outcome(bin_journal.enqueue_offline("checkin", "", item), "done")
    bin_journal.close()
    ports = {"main-kiosk-1": (free_port(), "kiosk"), "main-returnbin-1": (free_port(), "returnbin")}
    configs = {
        "main-kiosk-1": station_config(tmp_path, "main-kiosk-1", "kiosk", ils.port, ports["main-kiosk-1"][0], """
[devices.rfid]
driver = "sim"
required = true
[devices.scanner]
driver = "sim"
[devices.printer]
driver = "sim"
status_interval = 0
"""),
        "main-returnbin-1": station_config(tmp_path, "main-returnbin-1", "returnbin", dead_port,
                                           ports["main-returnbin-1"][0], """
[devices.rfid]
driver = "sim"
[devices.sorter]
driver = "sim"
[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
"""),
    }
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "NOTIFY_SOCKET")}
    env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy"))
    started: list[tuple[subprocess.Popen[bytes], Any]] = []
    try:
        for name, command in (("main-kiosk-1", "run"), ("main-returnbin-1", "returnbin")):
            log = (tmp_path / f"{name}.log").open("w")
            started.append((subprocess.Popen([*KIOSK_CMD, command, "--config", str(configs[name])], cwd=ROOT,
                                             stdout=log, stderr=subprocess.STDOUT, env=env), log))
        yield ports
        for (proc, _log), name in zip(started, ports):
            assert proc.poll() is None, (tmp_path / f"{name}.log").read_text()
    finally:
        for proc, log in started:
            proc.terminate()
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)
            log.close()
        ils.stop()


def test_a_real_prometheus_reads_the_real_services_true_from_the_first_scrape(
        tmp_path: Path, processes: dict[str, tuple[int, str]]) -> None:
    targets = [{"targets": [f"127.0.0.1:{port}"], "labels": {"branch": "main", "station": name, "kind": kind}}
               for name, (port, kind) in processes.items()]
    with run_prometheus(tmp_path, targets) as prometheus:
        both = set(processes)
        assert wait_until(lambda: set(query(prometheus, 'up{job="kiosk"} == 1')) == both, timeout=90)
        # A few scrapes each, the first one included in every min and max below.
        assert wait_until(lambda: min(query(prometheus, "count_over_time(kiosk_ils_online[10m])").values(),
                                      default=0) >= 3, timeout=30)
        scrapes = query(prometheus, "count_over_time(kiosk_ils_online[10m])")
        for fn in ("min_over_time", "max_over_time"):
            assert query(prometheus, f"{fn}(kiosk_ils_online[10m])") == {"main-kiosk-1": 1, "main-returnbin-1": 0}
            assert query(prometheus, f"{fn}(kiosk_offline_queue_length[10m])") == {"main-kiosk-1": 0,
                                                                                    "main-returnbin-1": 2}
            assert query(prometheus, f"{fn}(kiosk_offline_conflicts[10m])") == {"main-kiosk-1": 1,
                                                                                 "main-returnbin-1": 0}
            assert query(prometheus, f"{fn}(kiosk_device_up[10m])") == {
                "main-kiosk-1/rfid": 1, "main-kiosk-1/scanner": 1, "main-kiosk-1/printer": 1,
                "main-returnbin-1/rfid": 1, "main-returnbin-1/sorter": 1}
            assert query(prometheus, f"{fn}(kiosk_in_service[10m])") == {"main-kiosk-1": 1, "main-returnbin-1": 1}
        assert query(prometheus, 'kiosk_station_info') == {"main-kiosk-1": 1, "main-returnbin-1": 1}
        print(f"scrapes so far: {scrapes}; up: {query(prometheus, 'up')}")

"""A real Prometheus server scrapes a touchscreen station and a return bin
(Monitors built in-process over real journals) found through file-based
service discovery, and reads true values from the very first scrape."""

from __future__ import annotations

import shutil
import socket
import subprocess
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


@pytest.fixture
def prometheus(tmp_path: Path, stations: dict[str, Monitor]) -> Iterator[str]:
    targets = [{"targets": [f"127.0.0.1:{monitor.port}"],
                "labels": {"branch": "main", "station": name, "kind": monitor.kind}}
               for name, monitor in stations.items()]
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

"""The touchscreen station's monitoring, end to end in one process: a Station
built from a config file (devices opened from ``sim`` strings, SIP2 over TCP
to the ILS simulator), its /metrics and /healthz over HTTP, its webhooks to a
real receiver. Patrons act through the station's own API and the simulated
devices' hands (the scanner's ``scan``, the pad's ``place_item``)."""

from __future__ import annotations

import socket
from pathlib import Path
from typing import Iterator

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from kiosk.config import load_config
from kiosk.drivers.printer.status import PrinterStatus
from kiosk.events import SessionState
from kiosk.sip2.ils import ILSSimulator
from kiosk.station.facade import Station
from webhook_receiver import Receiver, wait_until

ANA, PIN = "21000000000001", "1234"
ITEM, NOT_FOR_LOAN = "31000000000001", "31000000000013"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture
def ils() -> Iterator[ILSSimulator]:
    server = ILSSimulator(encoding="utf-8")
    server.start()
    yield server
    server.stop()


def write_config(tmp_path: Path, ils_port: int, metrics_port: int, webhook_url: str = "", extra: str = "") -> Path:
    path = tmp_path / "station.toml"
    path.write_text(f"""
[station]
id = "branch-1-kiosk-2"
data_dir = "{(tmp_path / 'data').as_posix()}"

[sip2]
host = "127.0.0.1"
port = {ils_port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 1.0
read_timeout = 1.0
retries = 1
keepalive_interval = 0.3
reconnect_interval = 0.2

[receipt]
default = "ask"

[devices.rfid]
driver = "sim"
required = true
poll_interval = 0.02
settle_time = 0.05

[devices.scanner]
driver = "sim"

[devices.nfc]
driver = "sim"

[devices.printer]
driver = "sim"
status_interval = 0

[monitoring]
metrics_port = {metrics_port}
webhook_url = "{webhook_url}"
webhook_backoff = 0.05
webhook_backoff_max = 0.2
heartbeat_interval = 0
{extra}
""", encoding="utf-8")
    return path


class Running:
    def __init__(self, tmp_path: Path, ils_port: int, webhook_url: str = "", extra: str = "") -> None:
        self.port = free_port()
        config = load_config(write_config(tmp_path, ils_port, self.port, webhook_url, extra),
                             apply_override_file=False)
        self.station = Station(config)
        self.station.start()
        assert self.station.wait_started(15)

    def metrics(self) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
        """Every sample of a real scrape of /metrics: (name, labels) -> value."""
        text = requests.get(f"http://127.0.0.1:{self.port}/metrics", timeout=5).text
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    def value(self, name: str, **labels: str) -> float:
        return self.metrics().get((name, tuple(sorted(labels.items()))), 0.0)

    def healthz(self) -> int:
        return requests.get(f"http://127.0.0.1:{self.port}/healthz", timeout=5).status_code

    def state(self) -> SessionState:
        return self.station.session_view().state


@pytest.fixture
def running(tmp_path: Path) -> Iterator[list[Running]]:
    started: list[Running] = []
    yield started
    for station in started:
        station.station.stop()


def test_the_first_scrape_is_true_and_a_session_is_counted(ils: ILSSimulator, tmp_path: Path,
                                                           running: list[Running]) -> None:
    kiosk = Running(tmp_path, ils.port)
    running.append(kiosk)
    first = kiosk.metrics()
    assert first[("kiosk_ils_online", ())] == 1
    for device in ("rfid", "scanner", "nfc", "printer"):
        assert first[("kiosk_device_up", (("device", device),))] == 1, device
    assert first[("kiosk_offline_queue_length", ())] == 0 and first[("kiosk_offline_conflicts", ())] == 0
    assert first[("kiosk_in_service", ())] == 1 and kiosk.healthz() == 200
    assert first[("kiosk_ils_round_trip_seconds_count", ())] >= 2       # login and status at start

    station, pad = kiosk.station, kiosk.station.devices.rfid
    station.devices.scanner.scan(ANA)
    assert wait_until(lambda: kiosk.state() is SessionState.PIN_ENTRY, 10)
    station.enter_pin(PIN)
    assert wait_until(lambda: kiosk.state() is SessionState.READY, 10)
    station.start_borrow()
    assert wait_until(lambda: kiosk.state() is SessionState.BORROWING, 10)
    pad.place_item(ITEM)
    pad.place_item(NOT_FOR_LOAN)
    assert wait_until(lambda: kiosk.value("kiosk_items_total", action="borrow", result="ok") == 1
                      and kiosk.value("kiosk_items_total", action="borrow", result="refused") == 1, 15)
    station.finish()
    assert wait_until(lambda: kiosk.state() is SessionState.RECEIPT, 10)
    station.choose_receipt("print")
    assert wait_until(lambda: kiosk.value("kiosk_receipts_total", result="printed") == 1, 10)
    assert wait_until(lambda: kiosk.state() is SessionState.IDLE, 15)
    after = kiosk.metrics()
    assert after[("kiosk_sessions_total", ())] == 1
    assert after[("kiosk_refusals_total", (("action", "borrow"),))] == 1
    # The same items completed again (title, security write) are counted once.
    assert after[("kiosk_items_total", (("action", "borrow"), ("result", "ok")))] == 1
    assert after[("kiosk_ils_round_trip_seconds_count", ())] > first[("kiosk_ils_round_trip_seconds_count", ())]
    details = station.monitor.snapshot()
    assert details["state"] == "idle" and details["serving"] is True and details["sessions"] == 1
    assert details["devices"] == {"rfid": True, "scanner": True, "nfc": True, "printer": True}
    assert details["offline_queue"] == 0 and details["ils_online"] is True
    assert station.monitoring.status_line() == "serving patrons; ILS online; sessions 1, items 2"


def test_paper_out_and_out_of_service_are_raised_with_their_reasons(
        ils: ILSSimulator, tmp_path: Path, receiver: Receiver, running: list[Running]) -> None:
    kiosk = Running(tmp_path, ils.port, receiver.url, extra="[offline]\nenabled = false\n")
    running.append(kiosk)
    printer = kiosk.station.devices.printer
    printer.escpos.state = PrinterStatus(paper_out=True)
    printer.status()                                   # what the printer's own status poll would do
    assert wait_until(lambda: kiosk.value("kiosk_printer_paper_out") == 1, 5)
    ils.set_down(True)                                 # the keepalive notices: offline, and offline service is off
    assert wait_until(lambda: kiosk.value("kiosk_in_service") == 0, 10)
    assert kiosk.value("kiosk_ils_online") == 0 and kiosk.healthz() == 503
    assert kiosk.station.monitor.webhooks is not None and kiosk.station.monitor.webhooks.wait_idle(10)
    events = {body["event"]: body["details"] for body in receiver.unique()}
    assert events["printer_paper_out"] == {"device": "printer"}
    assert events["out_of_service"] == {"reason": "the library system is unavailable and offline service is off"}
    assert "ils_offline" in events

    ils.set_down(False)
    printer.escpos.state = PrinterStatus()
    printer.status()
    assert wait_until(lambda: kiosk.value("kiosk_in_service") == 1 and kiosk.value("kiosk_ils_online") == 1, 15)
    assert kiosk.station.monitor.webhooks.wait_idle(10)
    cleared = [n for n in receiver.names() if n in ("ils_online", "in_service", "printer_ok")]
    assert sorted(cleared) == ["ils_online", "in_service", "printer_ok"]
    assert cleared.index("ils_online") < cleared.index("in_service")   # back in service because the ILS is


def test_a_restart_clears_what_the_last_run_left_raised(ils: ILSSimulator, tmp_path: Path, receiver: Receiver,
                                                        running: list[Running]) -> None:
    ils.set_down(True)
    first = Running(tmp_path, ils.port, receiver.url)
    assert first.value("kiosk_ils_online") == 0
    first.station.stop()                               # stopped while the ILS is still down
    ils.set_down(False)
    second = Running(tmp_path, ils.port, receiver.url)
    running.append(second)
    assert second.metrics()[("kiosk_ils_online", ())] == 1
    assert second.station.monitor.webhooks is not None and second.station.monitor.webhooks.wait_idle(10)
    assert receiver.names() == ["ils_offline", "ils_online"]

"""What the staff screens ask the station: devices, the SIP2 link, the offline
queue, recent transactions; plus start-up (recovery, ILS down) and shutdown."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest

from kiosk.errors import DeviceError
from kiosk.events import DeviceChanged, ItemStatus, OfflineChanged, SessionState
from kiosk.store.journal import Journal, Kind, Outcome
from kiosk.station.facade import Station
from kiosk.services.devices import Devices
from kiosk.tags import AFI_ON_LOAN

from station_kit import ANA, ITEMS, client_for, eventually, make_config, start_kit


def test_staff_queries(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        sip = kit.station.sip2_status()
        assert sip.state == "online" and sip.last_error is None and sip.port == kit.ils.port
        kit.login()
        kit.place(ITEMS[0])
        kit.station.start_borrow()
        kit.results(1)
        assert kit.station.sip2_status().rtt_ms is not None
        (recent,) = kit.station.recent_transactions(5)
        assert recent.kind == "checkout" and recent.status == "done" and recent.item_id == ITEMS[0]
        assert recent.patron.endswith("0001") and ANA not in recent.patron
        devices = {d.name: d for d in kit.station.device_status()}
        assert set(devices) == {"rfid", "scanner", "nfc", "printer", "payment"}
        assert devices["rfid"].ok and "simulated pad" in devices["rfid"].detail
        status = kit.station.offline_status()
        assert (status.offline, status.queue_length, status.conflicts) == (False, 0, 0)
    finally:
        kit.stop()


def test_start_with_the_ils_down_is_offline_and_comes_back(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    kit.stop()
    from kiosk.sip2.ils import ILSSimulator
    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    ils.set_down(True)
    station = Station(make_config(tmp_path), sip2_client=client_for(ils), devices={},
                      journal_path=tmp_path / "j2.sqlite3")
    seen: list[object] = []
    station.subscribe(seen.append)
    try:
        station.start()
        assert station.wait_started(10)
        assert station.offline and any(isinstance(e, OfflineChanged) and e.offline for e in seen)
        assert station.sip2_status().state in ("offline", "connecting")
        ils.set_down(False)
        eventually(lambda: not station.offline, timeout=10)  # the client's supervisor reconnects
        assert any(isinstance(e, OfflineChanged) and not e.offline for e in seen)
    finally:
        station.stop()
        ils.stop()


def test_start_up_recovery_settles_a_checkout_the_ils_said_yes_to(tmp_path: Path) -> None:
    """The kiosk died between the ILS's yes and the security write: on start-up
    the journal's unfinished entry is settled and the tag set on loan."""
    journal_path = tmp_path / "journal.sqlite3"
    kit = start_kit(tmp_path)
    kit.stop()
    from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
    from kiosk.drivers.rfid.base import uid_hex
    from kiosk.sip2.ils import ILSSimulator
    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    pad = SimulatedPad()
    uid, data = make_item_tag(ITEMS[0])
    pad.place(uid, data)
    with Journal(journal_path) as journal:
        entry = journal.record_intent(Kind.CHECKOUT, ANA, ITEMS[0], {"uids": [uid_hex(uid)], "security": "afi"})
        client = client_for(ils)
        client.connect()
        client.checkout(ANA, ITEMS[0])
        client.close()
        journal.record_outcome(entry, Outcome.ILS_OK)
    station = Station(make_config(tmp_path), sip2_client=client_for(ils), devices={"rfid": pad},
                      journal_path=journal_path, pad_timing=(0.01, 0.05))
    try:
        station.start()
        assert station.wait_started(10)
        assert station.journal.get(entry).status is Outcome.DONE
        assert next(t.afi for t in pad.tags() if t.uid == uid) == AFI_ON_LOAN
        assert station.last_recovery is not None
    finally:
        station.stop()
        ils.stop()


def test_devices_from_config_disable_optional_failures_and_refuse_required_ones(tmp_path: Path) -> None:
    cfg = make_config(tmp_path, '[devices.printer]\ndriver = "escpos-serial:/dev/nonexistent-kiosk-printer"\n')
    devices = Devices.from_config(cfg)
    try:
        assert devices.rfid is not None and devices.payment is not None
        assert devices.printer is None and "printer" in devices.errors
        status = {d.name: d for d in devices.status()}
        assert not status["printer"].ok and status["printer"].detail
    finally:
        devices.close_owned()
    cfg = make_config(tmp_path, '[devices.printer]\ndriver = "escpos-serial:/dev/nonexistent-kiosk-printer"\n'
                                'required = true\n')
    with pytest.raises(DeviceError):
        Devices.from_config(cfg)


def test_a_disabled_device_is_announced_at_start(tmp_path: Path) -> None:
    from kiosk.sip2.ils import ILSSimulator
    cfg = make_config(tmp_path, '[devices.printer]\ndriver = "escpos-serial:/dev/nonexistent-kiosk-printer"\n')
    with ILSSimulator(encoding="utf-8") as ils:
        station = Station(cfg, sip2_client=client_for(ils), journal_path=tmp_path / "j.sqlite3",
                          pad_timing=(0.01, 0.05))
        seen: list[object] = []
        station.subscribe(seen.append)
        try:
            station.start()
            assert station.wait_started(10)
            assert any(isinstance(e, DeviceChanged) and e.device == "printer" and not e.ok for e in seen)
            assert "print" not in station.receipt_options()
        finally:
            station.stop()


def test_pad_faults_are_reported_as_device_changes(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.pad.close()  # every inventory now fails
        changed = kit.wait(lambda e: isinstance(e, DeviceChanged) and e.device == "rfid", timeout=5)
        assert not changed.ok
    finally:
        kit.stop()


def test_stop_ends_the_session_and_leaves_no_threads(tmp_path: Path) -> None:
    before = {t.name for t in threading.enumerate()}
    kit = start_kit(tmp_path)
    kit.login()
    kit.place(ITEMS[1])
    kit.station.start_borrow()
    assert kit.results(1)[ITEMS[1]].status is ItemStatus.BORROWED
    kit.stop()
    assert kit.station.session.state is SessionState.IDLE
    eventually(lambda: not ({"station", "borrow-writer", "borrow-recorder", "pad-watcher", "offline-replay", "ils-link"}
                            & ({t.name for t in threading.enumerate()} - before)), timeout=5)


def test_stop_without_start_closes_the_journal_once(tmp_path: Path) -> None:
    from kiosk.store.journal import JournalError
    from kiosk.sip2.client import SIP2Client, SIP2Settings
    station = Station(make_config(tmp_path), sip2_client=SIP2Client(SIP2Settings(port=9)), devices={},
                      journal_path=tmp_path / "never.sqlite3")
    station.stop()
    station.stop()
    with pytest.raises(JournalError):
        station.journal.recent(1)


def test_back_online_when_the_ils_answers_again_without_a_state_change(tmp_path: Path) -> None:
    """The station went offline on a failed request while the link itself stayed up:
    the worker's link check brings it back once nothing is queued."""
    kit = start_kit(tmp_path)
    try:
        kit.station.link.go_offline("a request timed out")
        kit.wait(lambda e: isinstance(e, OfflineChanged) and e.offline)
        kit.wait(lambda e: isinstance(e, OfflineChanged) and not e.offline, timeout=5)
        assert not kit.station.offline
    finally:
        kit.stop()


def test_entries_that_waited_for_the_ils_are_settled_when_it_returns(tmp_path: Path) -> None:
    import time as _time
    from kiosk.drivers.rfid.base import uid_hex
    from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
    from kiosk.sip2.ils import ILSSimulator
    journal_path = tmp_path / "journal.sqlite3"
    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    pad = SimulatedPad()
    uid, data = make_item_tag(ITEMS[1])
    pad.place(uid, data)
    client = client_for(ils)
    client.connect()
    client.checkout(ANA, ITEMS[1])       # the ILS said yes; the kiosk died before the tag write
    client.close()
    with Journal(journal_path, clock=lambda: _time.time() - 120) as journal:
        entry = journal.record_intent(Kind.CHECKOUT, ANA, ITEMS[1], {"uids": [uid_hex(uid)], "security": "afi"})
        journal.record_outcome(entry, Outcome.ILS_OK)
    ils.set_down(True)
    station = Station(make_config(tmp_path), sip2_client=client_for(ils), devices={"rfid": pad},
                      journal_path=journal_path, pad_timing=(0.01, 0.05))
    try:
        station.start()
        assert station.wait_started(10) and station.offline
        assert station.journal.get(entry).status is Outcome.ILS_OK   # waits for the ILS
        ils.set_down(False)
        eventually(lambda: station.journal.get(entry).status is Outcome.DONE, timeout=10)
        assert next(t.afi for t in pad.tags() if t.uid == uid) == AFI_ON_LOAN
    finally:
        station.stop()
        ils.stop()

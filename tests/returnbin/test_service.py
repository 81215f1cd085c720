"""The return bin end to end: ILS simulator on loopback, simulated chute
reader, simulated sorter; the ILS going down mid-stream; bins filling up."""

from __future__ import annotations

import contextlib
import time
from pathlib import Path
from typing import Iterator

from kiosk.config import load_config
from kiosk.drivers.display import SimulatedDisplay
from kiosk.drivers.rfid.sim import SimulatedPad, make_uid
from kiosk.drivers.sorter import SimulatedSorter
from kiosk.monitoring import Monitor
from kiosk.returnbin import ReturnBin
from kiosk.returnbin.chute import SimulatedChute
from kiosk.sip2.ils import ILSSimulator
from kiosk.tags import ItemTag, Usage, encode_tag

ITEMS = ["31000000000001", "31000000000002", "31000000000008"]


def test_items_are_checked_in_secured_and_sorted(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend(*ITEMS)
    uids = [rig.chute.drop(item, owner_isil="US-RPL", country="US") for item in ITEMS]
    sorted_items = rig.chute.wait_for(3)
    bins = {s.item.item_id: s.bin for s in sorted_items}
    assert bins == dict(zip(ITEMS, ["1", "1", "2"]))  # the ILS's CL sort bins
    assert all(s.routed and s.outcome is not None and s.outcome.secured for s in sorted_items)
    for item in ITEMS:
        assert not rig.charged(item)
    assert rig.sorter.routed == [s.bin for s in sorted_items]  # routed in the order processed
    # re-secured: a tag placed again still carries the "in library" AFI
    assert all(uid not in {t.uid for t in rig.pad.tags()} for uid in uids)


def test_hold_alert_goes_to_the_holds_bin(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    uid = rig.chute.drop("31000000000011", owner_isil="US-RPL")
    [done] = rig.chute.wait_for(1)
    assert done.bin == "holds" and done.outcome is not None and done.outcome.alert
    tag = rig.pad.field.get(uid)
    assert tag is None or tag.afi == 0x07


def test_security_state_after_return(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.chute.remove_sorted = False  # keep the tag on the reader to inspect it
    rig.lend("31000000000003")
    uid = rig.chute.drop("31000000000003", owner_isil="US-RPL")
    assert rig.pad.field.get(uid).afi == 0xC2  # type: ignore[union-attr]  # on loan, as borrowed
    [done] = rig.chute.wait_for(1)
    assert done.outcome is not None and done.outcome.secured
    assert rig.pad.field.get(uid).afi == 0x07  # type: ignore[union-attr]  # secured again


def test_unreadable_foreign_and_patron_cards_are_rejected_without_asking_the_ils(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000004")
    rig.chute.drop_raw(make_uid("junk"), bytes(range(32)))
    rig.chute.drop("31000000000004", owner_isil="DK-710100")  # another library's item
    card = ItemTag(model="danish", primary_item_id="21000000000001", usage=Usage.PATRON_CARD)
    rig.chute.drop_raw(make_uid("card"), encode_tag(card))
    results = rig.chute.wait_for(3)
    assert [r.bin for r in results] == ["reject"] * 3
    reasons = " | ".join(r.reason for r in results)
    assert "unreadable tag" in reasons and "foreign item (owner DK-710100)" in reasons and "patron card" in reasons
    assert rig.charged("31000000000004")  # the foreign-tagged item was never checked in


def test_multipart_set_is_checked_in_once_and_follows_its_first_part(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000014")
    rig.chute.drop("31000000000014", parts=2, part=1, owner_isil="US-RPL")
    rig.chute.wait_for(1)
    rig.chute.drop("31000000000014", parts=2, part=2, owner_isil="US-RPL")
    first, second = rig.chute.wait_for(2)
    assert second.bin == first.bin and second.reason.startswith("part 2 of 2")
    assert second.outcome is None  # no second checkin
    entries = [e for e in rig.service.journal.recent(10) if e.item_id == "31000000000014"]
    assert len(entries) == 1


def test_ils_down_mid_stream_then_back(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    items = [f"310000000000{n:02d}" for n in range(1, 9)]
    rig.lend(*items)
    for item in items[:3]:
        rig.chute.drop(item, owner_isil="US-RPL")
    rig.chute.wait_for(3)
    rig.ils.set_down(True)
    for item in items[3:]:
        rig.chute.drop(item, owner_isil="US-RPL")
    results = rig.chute.wait_for(8, timeout=20)
    offline = results[3:]
    assert all(r.outcome is not None and r.outcome.offline and r.outcome.accepted for r in offline)
    assert all(r.bin == "1" for r in offline)  # offline: the default bin
    assert all(r.outcome is not None and r.outcome.secured for r in offline)
    assert rig.service.status()["offline"] is True
    assert rig.display.history[-1][0] == "offline"
    assert rig.service.status()["queue"] == 5
    rig.ils.set_down(False)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and (rig.service.status()["queue"] or rig.service.status()["offline"]):
        time.sleep(0.05)
    assert rig.service.status()["queue"] == 0 and rig.service.status()["offline"] is False
    for item in items:
        assert not rig.charged(item)
    assert rig.display.history[-1][0] == "ready"


def test_a_full_bin_stops_the_intake_until_emptied(rig_factory, webhook_capture) -> None:  # type: ignore[no-untyped-def]
    monitor = Monitor("bin-1", webhook_url=webhook_capture.url, webhook_backoff=0.01)
    rig = rig_factory(capacity=2, monitor=monitor)
    items = ["31000000000001", "31000000000002", "31000000000003"]
    rig.lend(*items)
    for item in items:
        rig.chute.drop(item, owner_isil="US-RPL")
    first, second, third = rig.chute.wait_for(3)
    assert (first.bin, second.bin) == ("1", "1")
    assert third.bin == "reject" and "bin 1 full" in third.reason  # overflow while intake stops
    assert not rig.service.intake_open
    assert rig.display.history[-1][0] == "full"
    assert rig.service.monitor.metrics.in_service.value() == 0
    assert monitor.webhooks is not None and monitor.webhooks.wait_idle(5)
    assert "bin_full" in webhook_capture.names()
    rig.sorter.empty("1")
    assert rig.service.intake_open and rig.display.history[-1][0] == "ready"


def test_metrics_count_items_per_bin(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000001", "31000000000008")
    rig.chute.drop("31000000000001", owner_isil="US-RPL")
    rig.chute.drop("31000000000008", owner_isil="US-RPL")
    rig.chute.wait_for(2)
    text = rig.service.monitor.metrics.exposition()
    assert 'kiosk_returnbin_items_total{bin="1"} 1' in text
    assert 'kiosk_returnbin_items_total{bin="2"} 1' in text
    assert 'kiosk_items_total{action="return",result="ok"} 2' in text
    # Every SIP2 round trip is timed (login and status at start, then the two checkins).
    [count] = [float(line.split()[1]) for line in text.splitlines()
               if line.startswith("kiosk_ils_round_trip_seconds_count")]
    assert count >= 4


def test_stop_finishes_the_items_already_read(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    items = ["31000000000001", "31000000000002", "31000000000003"]
    rig.lend(*items)
    rig.ils.faults.set(delay=0.2)  # a slow ILS: items are still in the pipeline when staff stop the bin
    rig.chute.remove_sorted = False
    uids = [rig.chute.drop(item, owner_isil="US-RPL") for item in items]
    deadline = time.monotonic() + 5
    while rig.ils.requests["09"] < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    rig.service.stop()
    assert len(rig.chute.sorted) == 3  # every item read was finished, not abandoned
    assert all(rig.pad.field.get(uid).afi == 0x07 for uid in uids)  # type: ignore[union-attr]
    rig.ils.faults.clear()
    for item in items:
        assert not rig.charged(item)


def test_the_ils_is_reported_online_from_the_first_connect(rig_factory, webhook_capture) -> None:  # type: ignore[no-untyped-def]
    """The gauge says the ILS answers as soon as the first connect works, not
    only after a first outage; and the start is not an "ils_online" event."""
    monitor = Monitor("bin-1", webhook_url=webhook_capture.url, webhook_backoff=0.01)
    rig = rig_factory(monitor=monitor)
    assert rig.service.monitor.metrics.ils_online.value() == 1
    assert rig.service.status()["offline"] is False and rig.display.history[-1][0] == "ready"
    rig.lend("31000000000001")
    rig.ils.set_down(True)
    rig.chute.drop("31000000000001", owner_isil="US-RPL")
    (returned,) = rig.chute.wait_for(1)
    assert returned.outcome is not None and returned.outcome.offline
    assert rig.service.monitor.metrics.ils_online.value() == 0
    rig.ils.set_down(False)
    deadline = time.monotonic() + 15
    while time.monotonic() < deadline and rig.service.status()["offline"]:
        time.sleep(0.05)
    assert rig.service.monitor.metrics.ils_online.value() == 1
    assert monitor.webhooks is not None and monitor.webhooks.wait_idle(5)
    assert [n for n in webhook_capture.names() if n.startswith("ils_")] == ["ils_offline", "ils_online"]



def bin_config(tmp_path: Path, port: int, extra: str = "") -> object:
    path = tmp_path / "own-bin.toml"
    path.write_text(f"""
[station]
mode = "returnbin"
isil = "US-RPL"
data_dir = "{tmp_path / 'own-bin'}"
[sip2]
host = "127.0.0.1"
port = {port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 1.0
read_timeout = 1.0
keepalive_interval = 0
[devices.rfid]
driver = "sim"
[devices.sorter]
driver = "sim"
[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
{extra}
""")
    return load_config(path, check_devices=False, apply_override_file=False)


@contextlib.contextmanager
def own_bin(tmp_path: Path, sorter: SimulatedSorter, monitor: Monitor, extra: str = "") -> Iterator[ReturnBin]:
    """A return bin around a sorter the test prepared (the rig's fixture makes its own)."""
    ils = ILSSimulator()
    ils.start()
    service = ReturnBin(bin_config(tmp_path, ils.port, extra), reader=SimulatedPad(), sorter=sorter,
                        display=SimulatedDisplay(), scanner=None, monitor=monitor, pad_timing=(0.01, 0.0))
    try:
        service.start()
        yield service
    finally:
        service.stop()
        ils.stop()


def test_every_device_and_bin_is_reported_from_the_start(tmp_path: Path) -> None:
    """True from the first scrape: one ``kiosk_device_up`` per device, one
    ``kiosk_returnbin_bin_full`` per bin, the ILS and the intake."""
    sorter = SimulatedSorter(["1", "2", "holds", "reject"], capacity=1)
    sorter.route("holds")                            # full before the service looks
    monitor = Monitor("bin-2")
    with own_bin(tmp_path, sorter, monitor) as service:
        text = monitor.metrics.exposition()
        for device in ("rfid", "sorter", "display"):
            assert f'kiosk_device_up{{device="{device}"}} 1.0' in text, device
        assert 'kiosk_returnbin_bin_full{bin="holds"} 1.0' in text
        assert 'kiosk_returnbin_bin_full{bin="1"} 0.0' in text
        assert "kiosk_ils_online 1.0" in text
        assert "kiosk_in_service 0.0" in text and not service.intake_open   # a full bin stops the intake
        assert monitor.snapshot()["full_bins"] == ["holds"]


def test_items_never_sent_to_the_ils_count_as_refused(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.chute.drop_raw(make_uid("junk"), bytes(range(32)))
    rig.chute.wait_for(1)
    text = rig.service.monitor.metrics.exposition()
    assert 'kiosk_items_total{action="return",result="refused"} 1.0' in text
    assert 'result="rejected"' not in text


def test_a_wedged_sorter_makes_the_sorting_stage_stale(tmp_path: Path) -> None:
    """The watchdog's view of the return bin: every stage beats while idle; a
    sorter that never answers (the simulated sorter's hang fault) leaves the
    sorting stage stale, and only it."""
    hang = tmp_path / "sorter-hang"
    sorter = SimulatedSorter(["1", "2", "holds", "reject"], hang_while=hang)
    with own_bin(tmp_path, sorter, Monitor("bin-3"), "[monitoring]\nwatchdog_allowance = 1.0\n") as service:
        chute = SimulatedChute(service.reader, service)
        liveness = service.liveness
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and len(liveness.names()) < 3:
            time.sleep(0.02)
        assert liveness.names() == ["check-in stage", "intake (rfid pad watcher)", "sorting stage"]
        time.sleep(1.5)                               # longer than the allowance, while idle
        assert liveness.stale() == []
        hang.touch()
        chute.drop("31000000000001", owner_isil="US-RPL")
        deadline = time.monotonic() + service.line.route_heart.allowance + 15
        while time.monotonic() < deadline and not liveness.stale():
            time.sleep(0.05)
        assert [s.name for s in liveness.stale()] == ["sorting stage"]
        hang.unlink()
        chute.wait_for(1)
        assert liveness.stale() == []

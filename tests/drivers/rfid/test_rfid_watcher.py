"""PadWatcher: debouncing, reading each tag once, stack settling, fault recovery."""

from __future__ import annotations

import queue
import threading
import time

import pytest

from kiosk.drivers.rfid.events import (PadFault, PadRecovered, PadWatcher, StackSettled, TagPlaced,
                                       TagRemoved)
from kiosk.drivers.rfid.feig import FeigReader
from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.sim import SimulatedPad, make_uid
from kiosk.tags import ItemTag, Unreadable

ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]


class Recorder:
    def __init__(self) -> None:
        self.events: "queue.Queue[object]" = queue.Queue()
        self.all: list[object] = []

    def __call__(self, event: object) -> None:
        self.all.append(event)
        self.events.put(event)

    def wait_for(self, kind: type, timeout: float = 5.0) -> object:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            except queue.Empty:
                break
            if isinstance(event, kind):
                return event
        raise AssertionError(f"no {kind.__name__} within {timeout} s; got {self.all}")

    def of(self, kind: type) -> list:
        return [e for e in self.all if isinstance(e, kind)]


def poll_until_settled(watcher: PadWatcher, clock: list[float], polls: int = 40) -> None:
    for _ in range(polls):
        clock[0] += watcher.poll_interval
        watcher.poll(clock[0])


def test_ten_book_stack_settles_into_one_set_despite_collisions() -> None:
    pad = SimulatedPad()
    rec = Recorder()
    watcher = PadWatcher(pad, poll_interval=0.02, settle_time=0.15, present_polls=2, absent_polls=3)
    watcher.start(rec)
    try:
        def drop_stack() -> None:                 # books land one after another
            for i, item in enumerate(ITEMS):
                pad.place_item(item)
                if i == 4:
                    pad.collisions(polls=2)       # a couple of inventories miss colliding tags
                time.sleep(0.01)
        hand = threading.Thread(target=drop_stack)
        hand.start()
        hand.join(5)
        settled = rec.wait_for(StackSettled)
        time.sleep(0.3)                           # nothing else may follow
    finally:
        watcher.stop()
    assert isinstance(settled, StackSettled)
    assert sorted(p.data.primary_item_id for p in settled.tags) == ITEMS
    assert len(rec.of(StackSettled)) == 1
    assert len(rec.of(TagPlaced)) == 10 and rec.of(TagRemoved) == []
    assert all(isinstance(p.data, ItemTag) for p in rec.of(TagPlaced))
    assert not watcher.running


def test_debounce_needs_consecutive_sightings_and_misses() -> None:
    pad = SimulatedPad()
    rec = Recorder()
    # Three answers in a row: two inventories and the read of the tag's memory.
    watcher = PadWatcher(pad, poll_interval=0.1, settle_time=0.3, present_polls=3, absent_polls=3)
    watcher._on_event = rec
    clock = [0.0]
    info = pad.place_item(ITEMS[0])
    watcher.poll(0.0)
    assert rec.all == []                          # seen once: not yet placed
    pad.miss_tag(info.uid, polls=1)
    watcher.poll(0.1)                             # a flicker resets the count
    watcher.poll(0.2)
    assert rec.all == []
    watcher.poll(0.3)
    assert [type(e) for e in rec.all] == [TagPlaced]
    clock[0] = 0.3
    poll_until_settled(watcher, clock)
    assert [type(e) for e in rec.all] == [TagPlaced, StackSettled]
    pad.miss_tag(info.uid, polls=2)               # two missed inventories: still on the pad
    poll_until_settled(watcher, clock)
    assert rec.of(TagRemoved) == [] and len(rec.of(StackSettled)) == 1
    pad.remove(info.uid)
    poll_until_settled(watcher, clock)
    assert rec.of(TagRemoved) == [TagRemoved(info.uid)]
    assert rec.all[-1] == StackSettled(())        # the pad is clear


def test_one_inventory_and_the_read_place_a_tag_and_a_tag_gone_by_its_read_stays_pending() -> None:
    """The default (two answers): the inventory that lists a tag and the addressed
    read of its memory, with no wait for a second inventory. A book that slides
    off the antenna edge between the two never becomes a tag."""
    lifted: list[bytes] = []

    def air(_seconds: float) -> None:             # the hand takes the book while the inventory is on the air
        if not lifted:
            lifted.append(uid)
            field.remove(uid)

    field = TagField(time_scale=1.0, sleep=air)
    pad = SimulatedPad(airtime=True, field=field)
    rec = Recorder()
    watcher = PadWatcher(pad, poll_interval=0.1, settle_time=0.3)
    watcher._on_event = rec
    uid = pad.place_item(ITEMS[0]).uid
    watcher.poll(0.0)                             # listed, then gone when its memory is read
    watcher.poll(0.1)
    assert lifted == [uid] and rec.all == [] and watcher.placed() == ()
    pad.place_item(ITEMS[0])
    watcher.poll(0.2)                             # one inventory and a good read: placed at once
    assert [type(e) for e in rec.all] == [TagPlaced] and rec.all[0].data.primary_item_id == ITEMS[0]
    watcher.poll(0.6)
    assert [type(e) for e in rec.all] == [TagPlaced, StackSettled]


def test_inventories_wait_while_the_station_is_busy_but_not_for_ever() -> None:
    pad = SimulatedPad()
    rec = Recorder()
    busy = threading.Event()
    watcher = PadWatcher(pad, poll_interval=0.01, settle_time=0.02, busy=busy.is_set, max_defer=0.3)
    pad.place_item(ITEMS[0])
    busy.set()
    watcher.start(rec)
    try:
        time.sleep(0.15)
        assert rec.all == []                      # held back: no inventory, nothing read
        placed = rec.wait_for(TagPlaced, timeout=3)   # after max_defer one inventory goes ahead
        assert placed.data.primary_item_id == ITEMS[0]
        busy.clear()
        rec.wait_for(StackSettled, timeout=3)
    finally:
        watcher.stop()
    assert not watcher.running


def test_each_tag_is_read_once_and_read_errors_are_retried() -> None:
    pad = SimulatedPad()
    rec = Recorder()
    watcher = PadWatcher(pad, present_polls=1, read_attempts=3)
    watcher._on_event = rec
    info = pad.place_item(ITEMS[0])
    pad.fail_next_read(count=1)
    clock = [0.0]
    watcher.poll(0.0)
    assert rec.all == []                          # read failed once: still pending
    poll_until_settled(watcher, clock)
    placed = rec.of(TagPlaced)
    assert len(placed) == 1 and placed[0].data.primary_item_id == ITEMS[0]
    reads_before = pad.field.air_time
    watcher.poll(clock[0] + 1)
    from kiosk.drivers.rfid import airtime
    assert pad.field.air_time - reads_before == pytest.approx(airtime.inventory_time([info.uid]))


def test_unreadable_after_repeated_failures_and_foreign_tags() -> None:
    pad = SimulatedPad()
    rec = Recorder()
    watcher = PadWatcher(pad, present_polls=1, read_attempts=2)
    watcher._on_event = rec
    bad = pad.place(make_uid("damaged"), b"\x01" * 32)
    blank = pad.place(make_uid("blank"), b"")
    pad.fail_next_read(count=5, uid=bad.uid)
    poll_until_settled(watcher, [0.0])
    data = {p.tag.uid: p.data for p in rec.of(TagPlaced)}
    assert isinstance(data[bad.uid], Unreadable) and "could not read" in data[bad.uid].reason
    assert isinstance(data[blank.uid], Unreadable)
    assert len(rec.of(StackSettled)) == 1 and len(rec.of(StackSettled)[0].tags) == 2


def test_reader_failure_is_reported_once_and_recovers() -> None:
    field = TagField()
    emu = FeigEmulator(field)
    reader = FeigReader(emu.start_socket(), timeout=0.1)
    rec = Recorder()
    watcher = PadWatcher(reader, poll_interval=0.02, settle_time=0.05, present_polls=1, max_backoff=0.1)
    try:
        field.place(make_uid("a"), b"")
        watcher.start(rec)
        rec.wait_for(StackSettled)
        emu.mute(6)                               # the reader goes silent for a while
        fault = rec.wait_for(PadFault)
        assert "no reply" in fault.message
        rec.wait_for(PadRecovered)
    finally:
        watcher.stop()
        reader.close()
        emu.stop()
    assert len(rec.of(PadFault)) == 1
    assert rec.of(TagRemoved) == []               # a silent reader is not a lifted book


def test_handler_exceptions_do_not_stop_the_watcher() -> None:
    pad = SimulatedPad()
    seen: list[object] = []

    def handler(event: object) -> None:
        seen.append(event)
        raise RuntimeError("subscriber bug")

    watcher = PadWatcher(pad, poll_interval=0.01, settle_time=0.02, present_polls=1)
    watcher.start(handler)
    try:
        pad.place_item(ITEMS[0])
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not any(isinstance(e, StackSettled) for e in seen):
            time.sleep(0.01)
        assert watcher.running
    finally:
        watcher.stop()
    assert any(isinstance(e, StackSettled) for e in seen)


def test_start_twice_is_refused_and_stop_is_bounded() -> None:
    watcher = PadWatcher(SimulatedPad(), poll_interval=5.0)
    watcher.start(lambda e: None)
    try:
        with pytest.raises(RuntimeError, match="already started"):
            watcher.start(lambda e: None)
    finally:
        started = time.monotonic()
        watcher.stop()
    assert time.monotonic() - started < 1.0 and not watcher.running


def test_long_iso28560_2_records_are_read_past_the_first_blocks() -> None:
    from kiosk.tags import Usage, encode_tag
    pad = SimulatedPad()
    record = encode_tag(ItemTag(model="28560-2", primary_item_id="3100000000000000000001", usage=Usage.CIRCULATING,
                                owner_isil="DK-710100", elements=((7, "Fiction shelf 42 by the window at the back"),)))
    assert len(record) > 32
    uid = pad.place(make_uid("long"), record, dsfid=0x06, blocks=28).uid
    rec = Recorder()
    watcher = PadWatcher(pad, present_polls=1)
    watcher._on_event = rec
    poll_until_settled(watcher, [0.0])
    placed = rec.of(TagPlaced)[0]
    assert placed.tag.uid == uid and placed.data.elements and placed.data.notes == ()


def test_reading_on_stops_at_the_end_of_a_small_tag() -> None:
    from kiosk.tags import Usage, encode_tag
    pad = SimulatedPad()
    record = encode_tag(ItemTag(model="28560-2", primary_item_id="3100000000000000000001", usage=Usage.CIRCULATING,
                                owner_isil="DK-710100", elements=((7, "Fiction shelf 42 by the window at the back"),)))
    pad.place(make_uid("small"), record[:40], dsfid=0x06, blocks=10)      # a 40-byte chip: record cut off
    rec = Recorder()
    watcher = PadWatcher(pad, present_polls=1)
    watcher._on_event = rec
    poll_until_settled(watcher, [0.0])
    placed = rec.of(TagPlaced)
    assert len(placed) == 1 and placed[0].data.primary_item_id == "3100000000000000000001"
    assert any("read more blocks" in n for n in placed[0].data.notes)     # reported, not hidden


def test_from_config_options() -> None:
    from kiosk.config import load_config
    options = load_config(None).devices.rfid.options
    watcher = PadWatcher.from_options(SimulatedPad(), options)
    assert (watcher.poll_interval, watcher.settle_time) == (options["poll_interval"], options["settle_time"])

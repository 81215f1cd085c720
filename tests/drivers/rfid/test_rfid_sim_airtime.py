"""Simulated pad and the ISO 15693 air-time model."""

from __future__ import annotations

import threading

import pytest

from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid import airtime
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag, make_uid
from kiosk.errors import DeviceError, TagError
from kiosk.tags import ItemTag, Unreadable, decode_tag


def test_make_item_tag_encodes_with_the_codecs() -> None:
    uid, data = make_item_tag("31000000000014", parts=2, part=2, owner_isil="US-RPL", country="US")
    assert len(uid) == 8 and uid[:3] == bytes.fromhex("E00401")
    tag = decode_tag(data)
    assert isinstance(tag, ItemTag)
    assert (tag.primary_item_id, tag.parts, tag.part, tag.owner_isil, tag.model) == ("31000000000014", 2, 2, "US-RPL", "danish")
    assert make_item_tag("31000000000014", 2, 2, owner_isil="US-RPL", country="US")[0] == uid   # stable
    assert make_item_tag("31000000000014", 2, 1)[0] != uid
    uid2, data2 = make_item_tag("31000000000001", model="28560-2", owner_isil="US-RPL")
    assert decode_tag(data2, 0x06).model == "28560-2"


def test_place_read_write_remove() -> None:
    pad = SimulatedPad()
    info = pad.place_item("31000000000001")
    assert pad.inventory() == [info] and info.afi == 0x07
    raw = pad.read_user_memory(info.uid)
    assert decode_tag(raw).primary_item_id == "31000000000001"
    pad.write_afi(info.uid, 0xC2)
    pad.set_eas(info.uid, True)
    assert pad.tags()[0].afi == 0xC2 and pad.tags()[0].eas
    pad.write_blocks(info.uid, 0, bytes(32))
    assert isinstance(decode_tag(pad.read_user_memory(info.uid)), Unreadable)
    assert pad.remove(info.uid) and pad.inventory() == []
    with pytest.raises(TagError, match="no tag in the field"):
        pad.read_blocks(info.uid, 0, 1)


def test_fault_injection() -> None:
    pad = SimulatedPad()
    a, b = pad.place_item("31000000000001"), pad.place_item("31000000000002")
    pad.fail_next_read(uid=a.uid)
    with pytest.raises(TagError, match="unknown error"):
        pad.read_user_memory(a.uid)
    assert pad.read_user_memory(a.uid)                       # only the next read failed
    pad.miss_tag(b.uid, polls=2)
    assert [t.uid for t in pad.inventory()] == [a.uid]
    assert [t.uid for t in pad.inventory()] == [a.uid]
    assert len(pad.inventory()) == 2
    pad.lift_during_write(a.uid, after_blocks=2)
    with pytest.raises(TagError, match="partly written"):
        pad.write_blocks(a.uid, 0, b"\xAA" * 32)
    assert [t.uid for t in pad.inventory()] == [b.uid]
    pad.fail_next_write()
    with pytest.raises(TagError):
        pad.write_afi(b.uid, 0xC2)
    assert pad.tags()[0].afi == 0x07


def test_collisions_hide_tags_sharing_a_slot_for_one_poll() -> None:
    pad = SimulatedPad()
    # Same low nibble of the UID = same first-round slot.
    for last in (0x01, 0x11, 0x02):
        pad.place(bytes.fromhex("E0040100000000") + bytes([last]), b"")
    pad.collisions(polls=1)
    assert [t.uid[-1] for t in pad.inventory()] == [0x02]
    assert len(pad.inventory()) == 3


def test_tag_lifted_mid_write_keeps_the_blocks_written_before() -> None:
    pad = SimulatedPad()
    uid = make_uid("lift")
    pad.place(uid, bytes(32))
    field_tag = pad.field.get(uid)
    pad.lift_during_write(uid, after_blocks=3)
    with pytest.raises(TagError):
        pad.write_blocks(uid, 0, b"\x77" * 32)
    assert bytes(field_tag.memory[:12]) == b"\x77" * 12 and bytes(field_tag.memory[12:32]) == bytes(20)


def test_thread_safety_under_concurrent_place_and_inventory() -> None:
    pad = SimulatedPad()
    stop = threading.Event()
    errors: list[BaseException] = []

    def churn(base: int) -> None:
        for i in range(200):
            uid = make_uid(f"{base}:{i % 7}")
            pad.place(uid, b"data")
            pad.remove(uid) if i % 2 else None

    def poll() -> None:
        while not stop.is_set():
            try:
                for tag in pad.inventory():
                    try:
                        pad.read_blocks(tag.uid, 0, 1)
                    except TagError:
                        pass                      # lifted by the other thread: allowed
            except Exception as exc:              # noqa: BLE001 - collect for the assert
                errors.append(exc)
                return

    poller = threading.Thread(target=poll)
    poller.start()
    workers = [threading.Thread(target=churn, args=(n,)) for n in range(3)]
    for w in workers:
        w.start()
    for w in workers:
        w.join(10)
    stop.set()
    poller.join(10)
    assert errors == []


def test_registry_and_self_test() -> None:
    pad = open_device("rfid", "sim:airtime,tags=31000000000001;31000000000002")
    assert isinstance(pad, SimulatedPad) and pad.airtime and len(pad.tags()) == 2
    pad.airtime = False
    assert pad.self_test().ok and "2 tags on the pad" in pad.self_test().detail
    pad.close()
    assert not pad.self_test().ok
    with pytest.raises(DeviceError):
        pad.inventory()
    with pytest.raises(DeviceError, match="unknown sim option"):
        open_device("rfid", "sim:fast")


def test_airtime_model_charges_air_time() -> None:
    pad = SimulatedPad(airtime=False)
    uid = pad.place_item("31000000000001").uid
    pad.inventory()
    pad.read_user_memory(uid)
    expected = airtime.inventory_time([uid]) + airtime.read_blocks_time(8)
    assert pad.field.air_time == pytest.approx(expected)


def test_anticollision_finds_every_tag_and_resolves_collisions() -> None:
    uids = [make_uid(str(i)) for i in range(40)]
    rounds, found = airtime.anticollision(uids)
    assert sorted(found) == sorted(uids)
    assert rounds[0].mask_bits == 0 and any(r.collisions for r in rounds)
    assert all(r.mask_bits % 4 == 0 for r in rounds)


def test_air_time_figures_follow_iso15693_timing() -> None:
    # A 16-slot round with one reply: request (3 + CRC bytes), one reply slot
    # (t1 + 12-byte reply + t2 + EOF) and 15 empty slots.
    one = airtime.inventory_time([make_uid("x")])
    assert one == pytest.approx(airtime.request(3) + airtime.SLOT_REPLY + 15 * airtime.SLOT_EMPTY)
    assert 0.008 < one < 0.015                                 # about 11 ms
    # Reading 8 blocks: 14-byte request, t1, 35-byte reply at 37.76 us/bit, t2.
    assert airtime.read_blocks_time(8) == pytest.approx(airtime.request(12) + airtime.T1 + airtime.response(33)
                                                        + airtime.T2)
    # The tag's SOF and EOF: 56.64 us unmodulated, 24 pulses of fc/32, one logic bit (ISO/IEC 15693-2).
    assert airtime.response(33) == pytest.approx(2 * 151.04e-6 + 35 * 8 / 26_480)
    assert airtime.stack_floor(10) > airtime.stack_floor(5) > airtime.stack_floor(1)


def test_emulator_command_line_serves_and_stops(capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.drivers.rfid.emulator_io import serve_main
    from kiosk.drivers.rfid.m3_810_emulator import M3Emulator

    assert serve_main(M3Emulator, "3m810", ["--port", "0", "--tags", "31000000000001", "--seconds", "0.2"]) == 0
    assert capsys.readouterr().out.startswith("3m810:socket://127.0.0.1:")

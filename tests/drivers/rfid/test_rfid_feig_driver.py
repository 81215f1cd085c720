"""The FEIG driver against the FEIG emulator over a pty and a loopback socket.

Frames on the wire are checked against the layouts of FEIG's ID ISC.MR/PR/PRH101
manual (H60301-3e-ID-B, "[0xB0] ISO host commands") and the requests
dpavlin/Biblio-RFID lib/RFID/Biblio/Reader/CPRM02.pm sends a FEIG reader.
"""

from __future__ import annotations

import pytest

from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid.base import ReaderGarbled, ReaderTimeout, TagInfo
from kiosk.drivers.rfid.feig import FeigReader
from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.errors import DeviceError, TagError
from rfid_frames import feig_request, hexb

UID = hexb("E0 04 01 00 31 23 AA 26")
UID2 = hexb("E0 04 01 00 01 7C 0C 38")


def test_inventory_reports_uid_dsfid_and_afi(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"book one", afi=0x07, dsfid=0x00)
    field.place(UID2, b"book two", afi=0xC2, dsfid=0x06)
    tags = sorted(reader.inventory(), key=lambda t: t.uid)
    assert tags == [TagInfo(UID2, 0x06, 0xC2), TagInfo(UID, 0x00, 0x07)]
    # Inventory as in CPRM02.pm ("B0 01 00"), then get system information once per new tag.
    assert emu.frames_in[0] == feig_request(0xFF, 0xB0, "01 00")
    assert sorted(emu.frames_in[1:]) == sorted(feig_request(0xFF, 0xB0, bytes([0x2B, 0x01]) + u) for u in (UID, UID2))
    emu.frames_in.clear()
    reader.inventory()
    assert emu.frames_in == [feig_request(0xFF, 0xB0, "01 00")]      # AFIs cached while present


def test_empty_pad_is_no_error(feig_pair) -> None:
    _, reader = feig_pair
    assert reader.inventory() == []


def test_more_data_paging_collects_every_tag(field: TagField) -> None:
    emu = FeigEmulator(field, max_data_sets=3)
    reader = FeigReader(emu.start_socket(), timeout=0.5)
    try:
        uids = [bytes.fromhex("E0040100000000") + bytes([i]) for i in range(8)]
        for uid in uids:
            field.place(uid, b"x")
        assert sorted(t.uid for t in reader.inventory()) == uids
        inventories = [f for f in emu.frames_in if f[3] == 0x01]
        # status 0x94 "more data" twice, then 0x00: the MORE bit (0x80) asks for the rest.
        assert inventories == [feig_request(0xFF, 0xB0, "01 00")] + [feig_request(0xFF, 0xB0, "01 80")] * 2
    finally:
        reader.close()
        emu.stop()


def test_read_and_write_blocks_round_trip(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"")
    data = bytes(range(32))
    reader.write_blocks(UID, 0, data)
    assert bytes(field.get(UID).memory[:32]) == data
    # Each block goes MSB first on the wire (reversed), as CPRM02.pm does.
    assert emu.frames_in[-1] == feig_request(0xFF, 0xB0, bytes([0x24, 0x01]) + UID + bytes([0, 8, 4])
                                             + b"".join(data[i:i + 4][::-1] for i in range(0, 32, 4)))
    assert reader.read_blocks(UID, 0, 8) == data
    assert emu.frames_in[-1] == feig_request(0xFF, 0xB0, bytes([0x23, 0x01]) + UID + bytes([0, 8]))
    assert reader.read_blocks(UID, 2, 1) == data[8:12]


def test_long_reads_are_split_into_frames_that_fit(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, bytes(range(112)), blocks=28)
    assert reader.read_blocks(UID, 0, 28) == bytes(range(112))
    reads = [f for f in emu.frames_in if f[3] == 0x23]
    assert [(f[-4], f[-3]) for f in reads] == [(0, 24), (24, 4)]


def test_write_afi_and_eas(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"", afi=0x07)
    reader.write_afi(UID, 0xC2)
    assert field.get(UID).afi == 0xC2
    assert emu.frames_in[-1] == feig_request(0xFF, 0xB0, bytes([0x27, 0x01]) + UID + b"\xc2")
    reader.set_eas(UID, True)
    assert field.get(UID).eas is True
    assert emu.frames_in[-1] == feig_request(0xFF, 0xB1, bytes([0x04, 0xA2, 0x01]) + UID)
    reader.set_eas(UID, False)
    assert field.get(UID).eas is False
    assert reader.inventory() == [TagInfo(UID, 0x06, 0xC2)]


def test_missing_tag_is_a_tag_error(feig_pair) -> None:
    _, reader = feig_pair
    with pytest.raises(TagError, match="no transponder") as info:
        reader.read_blocks(UID, 0, 8)
    assert info.value.uid == UID


def test_iso_error_code_reaches_the_tag_error(feig_pair, field: TagField) -> None:
    _, reader = feig_pair
    field.place(UID, b"data")
    field.fail_next_read(code=0x0F)
    with pytest.raises(TagError, match="unknown error") as info:
        reader.read_blocks(UID, 0, 8)
    assert info.value.iso_error == 0x0F and info.value.status == 0x95
    field.lock_block(UID, 0)
    with pytest.raises(TagError, match="block locked"):
        reader.write_blocks(UID, 0, b"abcd")
    with pytest.raises(TagError, match="block not available"):
        reader.read_blocks(UID, 27, 2)
    assert reader.read_blocks(UID, 0, 1) == b"data"       # the reader itself is fine


def test_tag_lifted_mid_write_is_reported_as_partial(feig_pair, field: TagField) -> None:
    _, reader = feig_pair
    field.place(UID, bytes(32))
    field.lift_during_write(UID, after_blocks=3)
    with pytest.raises(TagError, match="partly written") as info:
        reader.write_blocks(UID, 0, b"\x11" * 32)
    assert info.value.partial is True
    assert field.get(UID) is None
    assert reader.inventory() == []


def test_garbage_before_a_reply_is_skipped(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"ok")
    emu.inject_garbage(b"\xff\x07\x00garbage\x02\x00")
    assert [t.uid for t in reader.inventory()] == [UID]
    assert reader.garbage_bytes == 12


def test_only_garbage_is_a_clear_error_then_the_line_recovers(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"ok")
    emu.mute(1)
    emu.inject_garbage(b"\x13\x37noise")
    with pytest.raises(ReaderGarbled, match="not a valid reply"):
        reader.inventory()
    assert [t.uid for t in reader.inventory()] == [UID]


def test_silence_is_a_timeout_then_the_reader_recovers(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    emu.mute(1)
    with pytest.raises(ReaderTimeout, match="no reply"):
        reader.inventory()
    field.place(UID, b"ok")
    assert len(reader.inventory()) == 1


def test_bus_address_selects_the_reader(field: TagField) -> None:
    emu = FeigEmulator(field, address=0x03)
    url = emu.start_socket()
    right, wrong = FeigReader(url, bus=3, timeout=0.3), None
    try:
        assert right.inventory() == []
        assert emu.frames_in == [feig_request(0x03, 0xB0, "01 00")]
        right.close()
        wrong = FeigReader(url, bus=4, timeout=0.3)
        with pytest.raises(ReaderTimeout):
            wrong.inventory()
    finally:
        right.close()
        if wrong:
            wrong.close()
        emu.stop()


def test_advanced_frames(field: TagField) -> None:
    emu = FeigEmulator(field)
    reader = FeigReader(emu.start_pty(), frame="advanced", timeout=0.5)
    try:
        field.place(UID, b"advanced")
        assert reader.read_blocks(UID, 0, 2) == b"advanced"
        assert emu.frames_in[-1][0] == 0x02
    finally:
        reader.close()
        emu.stop()


def test_self_test_and_rf_reset(feig_pair, field: TagField) -> None:
    emu, reader = feig_pair
    field.place(UID, b"")
    result = reader.self_test()
    assert result.ok and "firmware 3.03, hardware type 0x44" in result.detail and "1 tag" in result.detail
    reader.rf_reset()
    assert emu.frames_in[-1] == feig_request(0xFF, 0x69)
    emu.stop()
    reader.timeout = 0.2
    failed = reader.self_test()
    assert not failed.ok and "FEIG" in failed.detail


def test_registry_grammar(field: TagField) -> None:
    emu = FeigEmulator(field, address=0x00)
    url = emu.start_socket()
    try:
        reader = open_device("rfid", f"feig:{url},baud=38400,bus=0x00", {"timeout": 0.5, "poll_interval": 0.1})
        assert isinstance(reader, FeigReader) and reader.bus == 0 and reader.timeout == 0.5
        assert reader.inventory() == []
        reader.close()
        with pytest.raises(DeviceError, match="unknown option"):
            open_device("rfid", f"feig:{url},speed=9600")
        with pytest.raises(DeviceError, match="valid forms: .*feig:PORT"):
            open_device("rfid", "feigg:/dev/ttyUSB0")
        with pytest.raises(DeviceError, match="cannot open"):
            open_device("rfid", "feig:/dev/does-not-exist-rfid")
    finally:
        emu.stop()


def test_closed_reader_refuses(feig_pair) -> None:
    _, reader = feig_pair
    reader.close()
    with pytest.raises(DeviceError, match="closed"):
        reader.inventory()

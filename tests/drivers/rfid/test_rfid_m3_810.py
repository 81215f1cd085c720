"""3M 810: the codec against frames captured from real pads, and the driver
against the 3M emulator over a pty and a loopback socket.

Every frame in CAPTURED is copied from dpavlin's 3M 810 capture log
(``3m-810.pl``, the protocol notes behind dpavlin/Biblio-RFID
lib/Biblio/RFID/Reader/3M810.pm; see also http://blog.rot13.org/rfid/),
including the two checksum bytes the pad or 3M's software sent.
"""

from __future__ import annotations

import pytest

from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid import m3_protocol as mp
from kiosk.drivers.rfid.base import ReaderGarbled, ReaderTimeout, TagInfo
from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.m3_810 import M3Reader
from kiosk.drivers.rfid.m3_810_emulator import M3Emulator
from kiosk.errors import DeviceError, TagError
from rfid_frames import UID_BIBLIO, hexb, m3_frame

U = "E0 04 01 00 31 23 AA 26"
CAPTURED = [
    ("probe", "D5 00 05 | 04 00 11 | 8C 66"),
    ("probe reply", "D5 00 09 | 04 00 11 0A 05 00 02 | 72 50"),
    ("setup", "D6 00 0C | 13 04 01 00 02 00 03 00 04 00 | AA F2"),
    ("setup reply", "D6 00 0C | 13 00 02 01 01 03 02 02 03 00 | E7 78"),
    ("inventory", "D6 00 05 | FE 00 05 | FA 40"),
    ("no tags", "D6 00 07 | FE 00 00 05 00 | C9 7B"),
    ("one tag", f"D6 00 0F | FE 00 00 05 01 {U} | 94 1A"),
    ("two tags", f"D6 00 17 | FE 00 00 05 02 {U} E0 04 01 00 01 7C 0C 38 | CA DB"),
    ("afi D7", f"D6 00 0C | 09 {U} D7 | 3A F0"),
    ("afi DA", f"D6 00 0C | 09 {U} DA | EB 5D"),
    ("afi ack", f"D6 00 0C | 09 00 {U} | 6A 44"),
    ("write 6 blocks", f"D6 00 26 | 04 {U} 00 06 00 {'55 ' * 24}| A9 8B"),
    ("write ack 6", f"D6 00 0D | 04 00 {U} 06 | DF D0"),
    ("write 7 blocks", f"D6 00 2A | 04 {U} 00 07 00 04 11 00 01 {'30 ' * 10}{'00 ' * 14}| 88 43"),
    ("write ack 7", f"D6 00 0D | 04 00 {U} 07 | CF F1"),
]


@pytest.mark.parametrize("name,wire", CAPTURED, ids=[c[0] for c in CAPTURED])
def test_captured_frames_decode_and_reencode(name: str, wire: str) -> None:
    raw = hexb(wire)
    reader = mp.FrameReader()
    reader.feed(raw)
    frames = list(reader.frames())
    assert len(frames) == 1 and reader.garbage == 0
    assert mp.encode(frames[0].payload, frames[0].prefix) == raw
    assert m3_frame(frames[0].payload, frames[0].prefix) == raw      # independent helper agrees


def test_payload_builders_match_the_capture() -> None:
    assert mp.encode(mp.write_afi(UID_BIBLIO, 0xD7)) == hexb(CAPTURED[8][1])
    assert mp.encode(mp.write_blocks(UID_BIBLIO, 0, b"\x55" * 24)) == hexb(CAPTURED[11][1])
    assert mp.encode(mp.INVENTORY) == hexb(CAPTURED[4][1])
    assert mp.parse_inventory(hexb(f"FE 00 00 05 02 {U} E0 04 01 00 01 7C 0C 38")) == [
        UID_BIBLIO, hexb("E0 04 01 00 01 7C 0C 38")]


def test_byte_at_a_time_noise_and_trailing_bytes() -> None:
    wire = hexb(CAPTURED[6][1])
    reader = mp.FrameReader()
    got = []
    for byte in b"\xd6\xff\xffjunk" + wire + wire[:2]:
        reader.feed(bytes([byte]))
        got += list(reader.frames())
    assert [f.payload[:1] for f in got] == [b"\xfe"]
    assert reader.garbage == 7 and reader.pending() == 2


def test_block_reply_parsing_checks_numbers() -> None:
    # "02 00 UID 03 | 00 00 04 11 00 01 | 01 00 31 32 33 34 | 02 00 35 36 37 38" from the capture notes
    rest = hexb("03 00 00 04 11 00 01 01 00 31 32 33 34 02 00 35 36 37 38")
    assert mp.parse_blocks(rest, 0) == hexb("04 11 00 01") + b"12345678"
    with pytest.raises(ValueError, match="expected"):
        mp.parse_blocks(rest, 1)


def test_driver_opens_with_3m_handshake(m3_pair) -> None:
    emu, reader = m3_pair
    assert reader.hardware_version == "10.5.0.2"
    assert emu.frames_in[:2] == [hexb(CAPTURED[0][1]), hexb(CAPTURED[2][1])]


def test_inventory_and_afi(m3_pair, field: TagField) -> None:
    emu, reader = m3_pair
    field.place(UID_BIBLIO, b"x", afi=0xDA)
    assert reader.inventory() == [TagInfo(UID_BIBLIO, 0, 0xDA)]
    assert emu.frames_in[-2:] == [hexb(CAPTURED[4][1]), m3_frame(f"0A {U}")]
    reader.write_afi(UID_BIBLIO, 0xD7)
    assert emu.frames_in[-1] == hexb(CAPTURED[8][1])          # byte-identical to 3M's software
    assert field.get(UID_BIBLIO).afi == 0xD7
    emu.frames_in.clear()
    assert reader.inventory() == [TagInfo(UID_BIBLIO, 0, 0xD7)]
    assert emu.frames_in == [hexb(CAPTURED[4][1])]


def test_read_write_round_trip(m3_pair, field: TagField) -> None:
    emu, reader = m3_pair
    field.place(UID_BIBLIO, b"")
    reader.write_blocks(UID_BIBLIO, 0, b"\x55" * 24)
    assert emu.frames_in[-1] == hexb(CAPTURED[11][1])
    data = bytes(range(64))
    reader.write_blocks(UID_BIBLIO, 0, data)
    assert reader.read_blocks(UID_BIBLIO, 0, 16) == data
    reads = [f for f in emu.frames_in if f[3] == 0x02]
    assert reads == [m3_frame(f"02 {U} 00 08"), m3_frame(f"02 {U} 08 08")]


def test_tag_errors(m3_pair, field: TagField) -> None:
    _, reader = m3_pair
    with pytest.raises(TagError, match="not in the field"):
        reader.read_blocks(UID_BIBLIO, 0, 8)
    field.place(UID_BIBLIO, bytes(32))
    field.lift_during_write(UID_BIBLIO, after_blocks=2)
    with pytest.raises(TagError, match="partly written"):
        reader.write_blocks(UID_BIBLIO, 0, b"\x22" * 32)
    assert reader.inventory() == []
    with pytest.raises(DeviceError, match="cannot set or reset EAS"):
        reader.set_eas(UID_BIBLIO, True)


def test_noise_and_silence(m3_pair, field: TagField) -> None:
    emu, reader = m3_pair
    field.place(UID_BIBLIO, b"")
    emu.inject_garbage(b"\xd6\x00\x09noise")
    assert len(reader.inventory()) == 1
    emu.mute(1)
    with pytest.raises(ReaderTimeout):
        reader.inventory()
    emu.mute(1)
    emu.inject_garbage(b"\x00\xd6junk")
    with pytest.raises(ReaderGarbled):
        reader.inventory()
    assert len(reader.inventory()) == 1


def test_registry_and_wrong_device(field: TagField) -> None:
    emu = M3Emulator(field)
    url = emu.start_socket()
    try:
        reader = open_device("rfid", f"3m810:{url},baud=19200", {"timeout": 0.5})
        assert isinstance(reader, M3Reader) and reader.self_test().ok
        reader.close()
    finally:
        emu.stop()
    from kiosk.drivers.rfid.feig_emulator import FeigEmulator
    feig = FeigEmulator(field)
    url = feig.start_socket()
    try:
        with pytest.raises(DeviceError, match="3M 810 pad"):      # a FEIG reader is not a 3M pad
            open_device("rfid", f"3m810:{url}", {"timeout": 0.3})
    finally:
        feig.stop()

"""ISO 28560-2 (ISO/IEC 15962 data sets): tables both ways, the published annex D
memory map, damaged data.

Vector sources:
- ANNEX_D: ISO 28560-2:2014 annex D table D.10 (blocks 0-8), as printed in the
  ISO 28560-2:2023 annex D excerpt and in GOST R ISO 28560-2-2014 tables D.5/D.6:
  primary item identifier 123456789012 locked with offset 0, content parameter D0,
  set information 1203, shelf location QA268.L55, owner ISIL US-InU-Mu with two pad
  bytes. The terminator after block 8 is outside the printed map and added here.
- The other rows were assembled by hand from the precursor layout (offset flag,
  3-bit compaction, 4-bit relative OID), the compaction vectors in
  test_tags_compaction.py and the ISIL compaction vectors of annex C.
"""

from __future__ import annotations

import pytest

from kiosk.tags import ItemTag, Unreadable, Usage, decode_tag, encode_tag
from kiosk.tags.iso28560_2 import decode_28560_2, encode_28560_2, parse_data_sets

ANNEX_D = bytes.fromhex("9100051C BE991A14 0201D014 0204B346 07441CB6 E2E335D6 830207AC C09EBAA0 6F6B0000"
                        .replace(" ", "")) + b"\0"


def test_annex_d_memory_map_decodes() -> None:
    tag = decode_tag(ANNEX_D, dsfid=0x06)
    assert tag == ItemTag("28560-2", "123456789012", Usage.CIRCULATING, parts=12, part=3,
                          owner_isil="US-InU-Mu", country="US", elements=((6, "QA268.L55"),))


def test_annex_d_data_sets() -> None:
    sets, notes = parse_data_sets(ANNEX_D)
    assert [(oid, scheme) for oid, scheme, _ in sets] == [(1, 1), (2, 0), (4, 1), (6, 4), (3, 0)]
    assert sets[4][2] == bytes.fromhex("ACC09EBAA06F6B")    # offset 2: the pad bytes are skipped
    assert notes == []


def test_annex_d_detected_without_dsfid() -> None:
    assert isinstance(decode_tag(ANNEX_D), ItemTag)


ISO_VECTORS = [
    (ItemTag("28560-2", "31000000000001", owner_isil="DK-710100"),
     "11 06 1C 31 BF FC F0 01 02 01 80 03 06 22 C1 E7 10 10 0F 00"),
    (ItemTag("28560-2", "1234567890123456", Usage.NOT_FOR_CIRCULATION, parts=2, part=2, owner_isil="SE-Ltu"),
     "11 07 04 62 D5 3C 8A BA C0 02 01 E0 03 05 99 40 CE 52 BF 24 02 02 02 05 01 20 00 00"),
    (ItemTag("28560-2", "21000000000001", Usage.PATRON_CARD, owner_isil="US-RPL"),
     "11 06 13 19 71 8A 50 01 02 01 A0 03 04 AC C1 28 33 05 01 80 00 00 00 00"),
    (ItemTag("28560-2", "5000", Usage.DISCARDED, parts=3, part=1),
     "11 02 13 88 02 01 60 24 02 03 01 05 01 70 00 00"),
    (ItemTag("28560-2", "0042"), "21 02 00 42 00 00 00 00"),
    (ItemTag("28560-2", "BOOK-7", elements=((17, "Ærø"),)),
     "41 05 08 F3 CB B7 78 02 02 00 02 6F 02 03 C6 72 F8 00 00 00"),
]


@pytest.mark.parametrize("tag,memory", ISO_VECTORS)
def test_encode_table(tag: ItemTag, memory: str) -> None:
    assert encode_tag(tag) == bytes.fromhex(memory)


@pytest.mark.parametrize("tag,memory", ISO_VECTORS)
def test_decode_table(tag: ItemTag, memory: str) -> None:
    assert decode_tag(bytes.fromhex(memory), dsfid=0x06) == tag
    assert decode_tag(bytes.fromhex(memory)) == tag


def test_every_element_type_round_trips() -> None:
    elements = tuple((oid, value) for oid, value in [
        (6, "QA268.L55"), (7, "BA"), (8, "a"), (9, "SUPPLIER-1"), (10, "PO 2024/17"), (11, "DK-820010"),
        (12, "ILL-0001"), (13, "05012345678900"), (14, "urn:x:1"), (15, "A"), (16, "local b"),
        (17, "Ñandú: a title"), (18, "123"), (19, "3"), (20, "2"), (21, "INV-9"), (22, "ALT-1"),
        (23, "Town library"), (24, "Branch 2"), (25, "ILL alt"), (26, "Ünïcödé ✓")])
    tag = ItemTag("28560-2", "31000000000014", Usage.NOT_FOR_CIRCULATION, parts=2, part=2,
                  owner_isil="DK-710100", usage_sub=3, elements=elements)
    data = encode_tag(tag)
    assert len(data) % 4 == 0
    assert decode_tag(data, 0x06) == tag


def test_content_parameter_lists_elements_beyond_byte_one() -> None:
    data = encode_28560_2(ItemTag("28560-2", "1", elements=((26, "x"),)))
    # after "11 01 01": OID 26 -> bit (26-3)=23 -> third byte, last bit
    assert data[3:8] == bytes([0x02, 0x03, 0x00, 0x00, 0x01])


def test_relative_oid_above_14_uses_extension_byte() -> None:
    data = encode_28560_2(ItemTag("28560-2", "1", elements=((17, "T"),)))
    sets, _ = parse_data_sets(data)
    assert (17, 3, b"\xA0") in sets                  # 5-bit "T"
    assert bytes([0x3F, 0x02, 0x01, 0xA0]) in data   # precursor 0x3F, OID 17 = 15 + 2, length 1


def test_long_element_uses_multi_byte_length() -> None:
    title = "ÆØÅ " * 40                                 # 160 octets: EBV-8 length 81 20
    tag = ItemTag("28560-2", "1", elements=((17, title),))
    data = encode_tag(tag)
    assert bytes([0x6F, 0x02, 0x81, 0x20]) in data
    assert decode_tag(data) == tag


def test_mismatched_content_parameter_is_noted() -> None:
    data = bytes.fromhex("11 01 05 02 01 40 00 00")   # content parameter says OID 4; nothing follows
    result = decode_tag(data, 0x06)
    assert isinstance(result, ItemTag)
    assert any("content parameter" in n for n in result.notes)


def test_erased_memory_after_last_element_ends_the_chain() -> None:
    data = bytes.fromhex("11 01 05") + b"\xFF" * 13
    result = decode_tag(data, 0x06)
    assert isinstance(result, ItemTag) and result.primary_item_id == "5"


@pytest.mark.parametrize("memory,reason", [
    ("11 05 1C BE", "claims 5 bytes"),
    ("91", "offset"),
    ("1F", "length"),
    ("10 01 05 00", "no relative OID"),
    ("13 01 05 00", "no primary item identifier"),
    ("21 01 1A 00", "numeric"),
    ("11 FF FF FF FF 00", "length field"),
    ("71 02 C3 28 00 00", "UTF-8"),
    ("03 01 00 11 01 05 00", "ISIL"),
])
def test_damaged_data_is_unreadable_with_reason(memory: str, reason: str) -> None:
    result = decode_28560_2(bytes.fromhex(memory), require_first=False)
    assert isinstance(result, Unreadable)
    assert reason in result.reason


def test_without_dsfid_the_first_element_must_be_the_item_id() -> None:
    data = bytes.fromhex("13 01 05 11 01 07 00 00")
    assert isinstance(decode_28560_2(data, require_first=True), Unreadable)
    lenient = decode_28560_2(data, require_first=False)
    assert isinstance(lenient, ItemTag) and lenient.primary_item_id == "7"
    assert any("not the first" in n for n in lenient.notes)


def test_duplicate_elements_keep_the_first() -> None:
    result = decode_tag(bytes.fromhex("11 01 07 11 01 08 00 00"), 0x06)
    assert isinstance(result, ItemTag) and result.primary_item_id == "7"
    assert any("more than once" in n for n in result.notes)


@pytest.mark.parametrize("kwargs,message", [
    (dict(primary_item_id=""), "empty"),
    (dict(primary_item_id="12 "), "spaces"),
    (dict(primary_item_id="1\n2"), "control"),
    (dict(primary_item_id="1", parts=2, part=3), "not a valid set"),
    (dict(primary_item_id="1", elements=((3, "DK-1"),)), "field of its own"),
    (dict(primary_item_id="1", elements=((6, "a"), (6, "b"))), "twice"),
    (dict(primary_item_id="1", elements=((6, ""),)), "empty"),
    (dict(primary_item_id="1", elements=((200, "x"),)), "outside 1-127"),
    (dict(primary_item_id="1", usage_sub=16), "sub-code"),
])
def test_encode_errors(kwargs: dict, message: str) -> None:
    from kiosk.tags import TagEncodeError

    with pytest.raises(TagEncodeError, match=message):
        encode_tag(ItemTag("28560-2", **kwargs))


def test_isil_outside_the_isil_character_set_falls_back_to_plain_compaction() -> None:
    tag = ItemTag("28560-2", "1", owner_isil="XX-Å1")
    data = encode_tag(tag)
    assert bytes([0x63, 0x05]) + "XX-Å1".encode("latin-1") in data     # octet compaction, OID 3
    assert decode_tag(data) == tag


def test_isil_with_slash_uses_isil_compaction() -> None:
    tag = ItemTag("28560-2", "1", owner_isil="XX-A/B")
    data = encode_tag(tag)
    assert any(oid == 3 and scheme == 0 for oid, scheme, _ in parse_data_sets(data)[0])
    assert decode_tag(data) == tag


@pytest.mark.parametrize("value,scheme", [("7", 0), ("255", 0), ("007", 2), ("256", 1), ("²", 6), ("DVD", 3)])
def test_code_elements_use_one_byte_only_for_canonical_numbers(value: str, scheme: int) -> None:
    tag = ItemTag("28560-2", "1", elements=((19, value),))
    data = encode_tag(tag)
    sets, _ = parse_data_sets(data)
    assert [s for oid, s, _ in sets if oid == 19] == [scheme]
    assert decode_tag(data) == tag


@pytest.mark.parametrize("item,first_set", [
    # annex D.3.2: 123456789012 is already 8 bytes with the offset byte: offset 0
    ("123456789012", "91 00 05 1C BE 99 1A 14"),
    ("5", "91 00 01 05"),
    ("12345", "91 03 02 30 39 00 00 00"),
])
def test_align_primary_ends_it_on_a_block_boundary(item: str, first_set: str) -> None:
    tag = ItemTag("28560-2", item, owner_isil="DK-710100")
    data = encode_tag(tag, align_primary=True)
    expected = bytes.fromhex(first_set)
    assert data[:len(expected)] == expected and len(expected) % 4 == 0
    assert decode_tag(data) == tag


def test_short_read_keeps_the_complete_elements() -> None:
    # the annex D tag read as 8 blocks (32 bytes): the ISIL element is cut off
    result = decode_tag(ANNEX_D[:32], dsfid=0x06)
    assert isinstance(result, ItemTag)
    assert result.primary_item_id == "123456789012" and (result.parts, result.part) == (12, 3)
    assert result.owner_isil == "" and result.element(6) == "QA268.L55"
    assert result.notes == ("the data read ends inside owner institution (ISIL) (2 bytes missing; "
                            "read more blocks to see it)",)


def test_running_off_the_end_in_an_unannounced_element_is_damage() -> None:
    data = bytes.fromhex("11 01 05 46 07 44 1C B6")             # no content parameter, shelf location cut
    result = decode_tag(data, dsfid=0x06)
    assert isinstance(result, Unreadable) and "claims 7 bytes" in result.reason


def test_bytes_after_the_terminator() -> None:
    # a 28560-2 tag written over a Danish one, only the blocks it needed
    data = bytes.fromhex("11 01 05 00") + bytes.fromhex("31 30 30 30 30 30 30 30")
    strict = decode_tag(data)
    assert isinstance(strict, Unreadable) and "give the DSFID" in strict.reason
    hinted = decode_tag(data, dsfid=0x06)
    assert isinstance(hinted, ItemTag) and hinted.primary_item_id == "5"
    assert hinted.notes == ("the bytes after the terminator are not blank (left over from earlier data?)",)

"""ISO/IEC 15962 compaction schemes and the ISO 28560-2 ISIL compaction.

Vector sources:
- ISO 28560-2:2014 annex D (published text of GOST R ISO 28560-2-2014, tables D.5/D.6,
  and the ISO 28560-2:2023 annex D excerpt): integer 123456789012 -> 1C BE 99 1A 14;
  set information 1203 -> 04 B3; 6-bit "QA268.L55" -> 44 1C B6 E2 E3 35 D6 (pad bits "10").
- ISO 28560-2:2014 annex C.6.1 (table C.3): ISIL "DE-Heu1" -> 21 40 8E 16 BF 1F;
  annex C.6.2 describes "CH-000134-1" bit by bit (C, H, -, latch digits 11110, 000134 ...);
  annex D table D.8/D.10: ISIL "US-InU-Mu" -> AC C0 9E BA A0 6F 6B.
- Code tables (6-bit reserved codes, ':' and '/' in the ISIL sets) cross-checked against an
  open-source decoder of Finnish library tags (helmet_rfid_tag.py, class HelmetRfidTag).
- The numeric, 5-bit, 7-bit, octet and UTF-8 rows were worked by hand from the scheme
  definitions in ISO/IEC 15962 (BCD with F filler; low 5/7 bits packed MSB first).
"""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.tags import compaction as cz
from kiosk.tags.isil import ISILCompactionError, can_encode, decode_isil, encode_isil

SCHEME_VECTORS = [
    (cz.INTEGER, "123456789012", "1CBE991A14"),
    (cz.INTEGER, "1203", "04B3"),
    (cz.INTEGER, "0", "00"),
    (cz.INTEGER, "255", "FF"),
    (cz.INTEGER, "256", "0100"),
    (cz.NUMERIC, "0201", "0201"),
    (cz.NUMERIC, "007", "007F"),
    (cz.BIT5, "A", "08"),                      # 00001 + 000 pad
    (cz.BIT5, "AB", "0880"),                   # 00001 00010 + 6 pad bits: a pad group, dropped
    (cz.BIT5, "ABCDE", "08864280"),
    (cz.BIT6, "QA268.L55", "441CB6E2E335D6"),
    (cz.BIT6, "HELLO WORLD", "20530C3E05CF48C120"),  # 66 bits + one whole pad group (space)
    (cz.BIT7, "abc", "C38B18"),
    (cz.BIT7, "Lib-42", "99A712D68C80"),
    (cz.OCTET, "Ærø", "C672F8"),
    (cz.UTF8, "日本", "E697A5E69CAC"),
]


@pytest.mark.parametrize("scheme,text,hexdata", SCHEME_VECTORS)
def test_encode_table(scheme: int, text: str, hexdata: str) -> None:
    assert cz.encode_text(scheme, text) == bytes.fromhex(hexdata)


@pytest.mark.parametrize("scheme,text,hexdata", SCHEME_VECTORS)
def test_decode_table(scheme: int, text: str, hexdata: str) -> None:
    assert cz.decode_text(scheme, bytes.fromhex(hexdata)) == text


@pytest.mark.parametrize("text,scheme", [
    ("123456789012", cz.INTEGER), ("0123", cz.NUMERIC), ("ABC", cz.BIT5), ("QA268.L55", cz.BIT6),
    ("Lib-42", cz.BIT7), ("TRAILING ", cz.BIT7), ("Ærø", cz.OCTET), ("Łódź", cz.UTF8), ("tab\there", cz.OCTET),
])
def test_best_scheme(text: str, scheme: int) -> None:
    assert cz.best_scheme(text) == scheme


@pytest.mark.parametrize("scheme,text", [
    (cz.INTEGER, "0123"), (cz.INTEGER, "12a"), (cz.NUMERIC, ""), (cz.BIT5, "abc"), (cz.BIT5, "A1"),
    (cz.BIT6, "abc"), (cz.BIT6, "END "), (cz.BIT6, "A!"), (cz.BIT6, "#1"), (cz.BIT7, "é"), (cz.OCTET, "€"),
])
def test_values_a_scheme_cannot_hold(scheme: int, text: str) -> None:
    with pytest.raises(cz.CompactionError):
        cz.encode_text(scheme, text)


@pytest.mark.parametrize("scheme,hexdata", [(cz.NUMERIC, "1A"), (cz.NUMERIC, "F1"), (cz.UTF8, "C3"),
                                            (cz.BIT6, "84"),   # 100001 = EOT, not a character
                                            (cz.INTEGER, ""), (cz.APPLICATION, "00")])
def test_bad_compacted_data(scheme: int, hexdata: str) -> None:
    with pytest.raises(cz.CompactionError):
        cz.decode_text(scheme, bytes.fromhex(hexdata))


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=40))
def test_best_scheme_round_trips_any_text(text: str) -> None:
    scheme = cz.best_scheme(text)
    assert cz.decode_text(scheme, cz.encode_text(scheme, text)) == text


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([cz.INTEGER, cz.NUMERIC, cz.BIT5, cz.BIT6, cz.BIT7, cz.OCTET, cz.UTF8]),
       st.text(alphabet=st.characters(max_codepoint=0x7F), min_size=1, max_size=30))
def test_each_scheme_round_trips_what_it_accepts(scheme: int, text: str) -> None:
    if cz.can_encode(scheme, text):
        assert cz.decode_text(scheme, cz.encode_text(scheme, text)) == text


ISIL_VECTORS = [
    ("DE-Heu1", "21408E16BF1F"),
    ("US-InU-Mu", "ACC09EBAA06F6B"),
]


@pytest.mark.parametrize("isil,hexdata", ISIL_VECTORS)
def test_isil_table(isil: str, hexdata: str) -> None:
    assert encode_isil(isil) == bytes.fromhex(hexdata)
    assert decode_isil(bytes.fromhex(hexdata)) == isil


def test_isil_annex_c_example_2_bit_sequence() -> None:
    data = encode_isil("CH-000134-1")
    bits = "".join(f"{b:08b}" for b in data)
    # C=00011 H=01000 -=00000, latch digits 11110, then 0 0 0 1 3 4 in 4 bits each
    assert bits.startswith("00011" "01000" "00000" "11110" "0000" "0000" "0000" "0001" "0011" "0100")
    assert decode_isil(data) == "CH-000134-1"


def test_isil_shift_versus_latch() -> None:
    # one lower-case letter between capitals is shifted; a run of them latches
    assert decode_isil(encode_isil("DK-aB")) == "DK-aB"
    assert len(encode_isil("DK-710100")) == 6       # 3x5 + latch 5 + 6x4 = 44 bits


@pytest.mark.parametrize("isil,hexdata", [
    # ':' lives in the upper and digit sets, '/' only in the lower-case set (code 27)
    ("DK:1", "22F7F1"),        # D K : | shift digits, 1: 00100 01011 11011 11111 0001
    ("a/b", "E0762F"),         # latch lower, a / b: 11100 00001 11011 00010 + pad 1111
    ("x:y", "EE37DCFF"),       # shift lower x, ':' (upper), shift lower y: 11101 11000 11011 11101 11001 + 1111111
])
def test_isil_separator_characters(isil: str, hexdata: str) -> None:
    assert decode_isil(encode_isil(isil)) == isil
    assert encode_isil(isil).hex().upper() == hexdata


@pytest.mark.parametrize("isil", ["", "DK 1", "DÅ-1", "DK_1"])
def test_isil_outside_the_character_set(isil: str) -> None:
    assert not can_encode(isil)
    with pytest.raises(ISILCompactionError):
        encode_isil(isil)


def test_isil_bad_padding_is_rejected() -> None:
    with pytest.raises(ISILCompactionError):
        decode_isil(bytes.fromhex("2140"))           # D E - then 1 stray 0 bit: pad must be 1s


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-:/", min_size=1, max_size=16))
def test_isil_round_trip(isil: str) -> None:
    assert decode_isil(encode_isil(isil)) == isil


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=16))
def test_isil_decoder_raises_only_its_error(data: bytes) -> None:
    try:
        decode_isil(data)
    except ISILCompactionError:
        pass

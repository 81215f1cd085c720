"""Liberal acceptance, typed errors, checksums, encodings and property tests."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.errors import LocalProtocolError, RemoteProtocolError
from kiosk.sip2 import codec
from kiosk.sip2 import messages as m

D = datetime(2026, 11, 23, 10, 30, 0, tzinfo=timezone.utc)
DT = "20261123   Z103000"
END = m.EndSessionResponse(end_session=True, transaction_date=D, institution_id="DEMO", patron_identifier="2100")


def with_checksum(body: bytes, lower: bool = False) -> bytes:
    value = codec.checksum(body + b"AZ")
    return body + b"AZ" + (value.lower() if lower else value).encode()


# ----------------------------------------------------------------- liberal
LIBERAL: list[tuple[str, bytes, m.Message]] = [
    ("cr", b"36Y" + DT.encode() + b"AODEMO|AA2100|\r", END),
    ("crlf", b"36Y" + DT.encode() + b"AODEMO|AA2100|\r\n", END),
    ("lf only", b"36Y" + DT.encode() + b"AODEMO|AA2100|\n", END),
    ("no terminator", b"36Y" + DT.encode() + b"AODEMO|AA2100|", END),
    ("missing trailing bar", b"36Y" + DT.encode() + b"AODEMO|AA2100\r", END),
    ("stray spaces between fields", b"36Y" + DT.encode() + b"AODEMO| AA2100|  |\r", END),
    ("trailing blanks after the frame", b"36Y" + DT.encode() + b"AODEMO|AA2100|   \r", END),
    ("lower-case checksum", with_checksum(b"36Y" + DT.encode() + b"AODEMO|AA2100|AY4", lower=True) + b"\r", END),
    ("bar before AY", with_checksum(b"36Y" + DT.encode() + b"AODEMO|AA2100||AY4") + b"\r", END),
    ("AY without AZ", b"36Y" + DT.encode() + b"AODEMO|AA2100|AY4\r", END),
    ("lower-case y/n", b"36y" + DT.encode() + b"AODEMO|AA2100|\r", END),
    ("UTC zone spelt out", b"36Y20261123UTC 103000AODEMO|AA2100|\r", END),
    ("blank date", b"36Y" + b" " * 18 + b"AODEMO|AA2100|\r",
     m.EndSessionResponse(end_session=True, institution_id="DEMO", patron_identifier="2100")),
    ("blanks for seconds", b"36Y20261123   Z1030  AODEMO|AA2100|\r", END),
    ("missing required field", b"36Y" + DT.encode() + b"AODEMO|\r",
     m.EndSessionResponse(end_session=True, transaction_date=D, institution_id="DEMO")),
    ("unknown fields kept in order", b"36Y" + DT.encode() + b"AODEMO|ZZone|AA2100|CTtwo|ZZthree|\r",
     m.EndSessionResponse(end_session=True, transaction_date=D, institution_id="DEMO", patron_identifier="2100",
                          extensions=(("ZZ", "one"), ("CT", "two"), ("ZZ", "three")))),
    ("duplicate single field kept as extension", b"36Y" + DT.encode() + b"AODEMO|AA2100|AA9999|\r",
     m.EndSessionResponse(end_session=True, transaction_date=D, institution_id="DEMO", patron_identifier="2100",
                          extensions=(("AA", "9999"),))),
    ("leading NUL and LF", b"\x00\n36Y" + DT.encode() + b"AODEMO|AA2100|\r", END),
    ("vendor circulation status kept", b"1814" + b"0101" + DT.encode() + b"AB1|AJt|\r",
     m.ItemInformationResponse(circulation_status="14", security_marker="01", fee_type="01",
                               transaction_date=D, item_identifier="1", title_identifier="t")),
    ("blank patron status and U media", b"24" + b" " * 14 + b"000" + DT.encode() + b"AODEMO|AA1|AEx|BL|\r",
     m.PatronStatusResponse(transaction_date=D, institution_id="DEMO", patron_identifier="1", personal_name="x")),
    ("N in patron status", b"24NNNNNNNNNNNNNY000" + DT.encode() + b"AODEMO|AA1|AEx|\r",
     m.PatronStatusResponse(patron_status=m.PatronStatus(too_many_items_billed=True), transaction_date=D,
                            institution_id="DEMO", patron_identifier="1", personal_name="x")),
    ("spec example, blank-padded print width", b"990 402.00AY1AZFCB4\r",
     m.SCStatus(status_code="0", max_print_width=40)),
]


@pytest.mark.parametrize("case,data,expected", LIBERAL, ids=[c for c, _, _ in LIBERAL])
def test_liberal_acceptance(case: str, data: bytes, expected: m.Message) -> None:
    assert codec.decode(data) == expected


def test_local_time_blank_zone_is_timezone_aware_local() -> None:
    msg = codec.decode(b"36Y20261123    103000AODEMO|AA2100|\r")
    assert isinstance(msg, m.EndSessionResponse)
    assert msg.transaction_date == datetime(2026, 11, 23, 10, 30).astimezone()
    assert msg.transaction_date is not None and msg.transaction_date.utcoffset() is not None
    # and it goes back out exactly as it came in
    assert codec.encode(msg, checksum=False) == b"36Y20261123    103000AODEMO|AA2100|\r"


def test_spec_checksum_example() -> None:
    # 3M SIP2 Developers Guide: "990 402.00AY1AZFCB4"
    assert codec.checksum(b"990 402.00AY1AZ") == "FCB4"
    frame = codec.decode_frame(b"990 402.00AY1AZFCB4\r")
    assert frame.sequence == 1 and frame.checksum == "FCB4"


def test_sent_checksum_is_four_upper_case_hex_digits() -> None:
    data = codec.encode(m.LoginResponse(ok=True), seq=0)
    assert data == b"941AY0AZFDFD\r"
    assert (sum(data[:-5]) + int(data[-5:-1], 16)) & 0xFFFF == 0


def test_sequence_without_checksum_and_neither() -> None:
    assert codec.encode(m.LoginResponse(ok=True), seq=5, checksum=False) == b"941AY5\r"
    assert codec.encode(m.LoginResponse(ok=True), checksum=False, terminator="crlf") == b"941\r\n"


@pytest.mark.parametrize("seq", [-1, 10, "1", True])
def test_bad_sequence_number_is_our_error(seq: object) -> None:
    with pytest.raises(LocalProtocolError):
        codec.encode(m.LoginResponse(ok=True), seq=seq)  # type: ignore[arg-type]


def test_bad_checksum_raises_checksum_error_with_sequence() -> None:
    with pytest.raises(codec.ChecksumError) as info:
        codec.decode(b"941AY3AZ0000\r")
    assert info.value.sequence == 3
    assert isinstance(info.value, RemoteProtocolError)


def test_checksum_not_verified_when_asked_not_to() -> None:
    frame = codec.decode_frame(b"941AY3AZ0000\r", verify=False)
    assert frame.message == m.LoginResponse(ok=True) and frame.sequence == 3


# ----------------------------------------------------------------- malformed
MALFORMED: list[tuple[str, bytes, type[Exception]]] = [
    ("empty", b"\r", codec.MalformedMessage),
    ("unknown identifier", b"XX123|\r", codec.UnknownMessageType),
    ("digits but no such message", b"55Y\r", codec.UnknownMessageType),
    ("truncated fixed fields", b"12" + b"1N\r", codec.MalformedMessage),
    ("bad Y/N/U", b"121NXY" + DT.encode() + b"AODEMO|\r", codec.MalformedMessage),
    ("bad ok flag", b"94Q\r", codec.MalformedMessage),
    ("bad date", b"36Y2026AB23   Z103000AODEMO|\r", codec.MalformedMessage),
    ("impossible date", b"36Y20261323   Z103000AODEMO|\r", codec.MalformedMessage),
    ("bad count", b"66100X20001" + DT.encode() + b"AODEMO|\r", codec.MalformedMessage),
    ("one-letter field", b"36Y" + DT.encode() + b"AODEMO|A|\r", codec.MalformedMessage),
    ("bad patron status", b"24Q             000" + DT.encode() + b"AODEMO|\r", codec.MalformedMessage),
    ("bad BL flag", b"24" + b" " * 14 + b"000" + DT.encode() + b"BLQ|\r", codec.MalformedMessage),
    ("bad queue position", b"161N" + DT.encode() + b"BRfirst|\r", codec.MalformedMessage),
    ("bad status code choice", b"9950402.00\r", codec.MalformedMessage),
    ("bad checksum", b"941AY1AZFDFD\r", codec.ChecksumError),
    ("two frames given to decode", b"941\r940\r", codec.MalformedMessage),
]


@pytest.mark.parametrize("case,data,error", MALFORMED, ids=[c for c, _, _ in MALFORMED])
def test_malformed_replies_raise_typed_remote_errors(case: str, data: bytes, error: type[Exception]) -> None:
    with pytest.raises(error) as info:
        codec.decode(data)
    assert isinstance(info.value, RemoteProtocolError)


def test_error_text_masks_pins_and_passwords() -> None:
    with pytest.raises(codec.UnknownMessageType) as info:
        codec.decode(b"ZZ000AODEMO|AA2100|AD4321|COsecret|\r")
    text = str(info.value)
    assert "4321" not in text and "secret" not in text
    assert "AD****" in text and "AA2100" in text


def test_decoder_carries_on_after_a_bad_frame() -> None:
    decoder = codec.Decoder()
    decoder.feed(b"XXgarbage\r941AY1AZFDFD\r941AY0AZFDFD\r")
    with pytest.raises(codec.UnknownMessageType):
        decoder.next_frame()
    with pytest.raises(codec.ChecksumError):
        decoder.next_frame()
    frame = decoder.next_frame()
    assert frame is not None and frame.message == m.LoginResponse(ok=True) and frame.sequence == 0
    assert decoder.next_frame() is None


def test_decoder_refuses_a_runaway_frame_then_recovers() -> None:
    decoder = codec.Decoder(max_frame=1000)
    decoder.feed(b"A" * 1500)
    with pytest.raises(codec.MalformedMessage, match="no terminator"):
        decoder.next_frame()
    decoder.feed(b"941\r")
    assert list(decoder) == [m.LoginResponse(ok=True)]


def test_crlf_split_across_chunks_and_several_frames_per_chunk() -> None:
    decoder = codec.Decoder()
    decoder.feed(b"941\r")
    assert list(decoder) == [m.LoginResponse(ok=True)]
    decoder.feed(b"\n940\r\n941")
    assert list(decoder) == [m.LoginResponse(ok=False)]
    assert decoder.trailing == b"941"


# ----------------------------------------------------------------- encodings
TITLE = "Niño, Köln & Åsa: ñ ö Å"
EXPECTED_BYTES = {"cp850": {"ñ": b"\xa4", "ö": b"\x94", "Å": b"\x8f"},
                  "latin-1": {"ñ": b"\xf1", "ö": b"\xf6", "Å": b"\xc5"},
                  "utf-8": {"ñ": b"\xc3\xb1", "ö": b"\xc3\xb6", "Å": b"\xc3\x85"}}


@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "latin-1"])
def test_non_ascii_titles_survive_the_round_trip(encoding: str) -> None:
    msg = m.CheckinResponse(ok=True, title_identifier=TITLE, item_identifier="1", permanent_location="Å",
                            transaction_date=D, screen_message=("Peña",))
    data = codec.encode(msg, seq=1, encoding=encoding)
    for char, raw in EXPECTED_BYTES[encoding].items():
        assert raw in data, (char, encoding)
    decoder = codec.Decoder(encoding)
    decoder.feed(data)
    assert list(decoder) == [msg]


def test_unencodable_text_is_our_error_unless_replaced() -> None:
    msg = m.CheckoutResponse(title_identifier="漢字 title")
    with pytest.raises(LocalProtocolError, match="cp850"):
        codec.encode(msg)
    assert b"AJ?? title|" in codec.encode(msg, errors="replace")
    assert "漢字".encode("utf-8") in codec.encode(msg, encoding="utf-8")


def test_invalid_utf8_from_the_peer_does_not_crash() -> None:
    msg = codec.decode(b"36Y" + DT.encode() + b"AODEMO|AAab\xff\xfe|\r", "utf-8")
    assert isinstance(msg, m.EndSessionResponse) and msg.patron_identifier.startswith("ab")


def test_unknown_encoding_and_terminator_are_our_errors() -> None:
    with pytest.raises(LocalProtocolError):
        codec.encode(m.LoginResponse(ok=True), encoding="klingon")
    with pytest.raises(LocalProtocolError):
        codec.encode(m.LoginResponse(ok=True), terminator="lf")
    with pytest.raises(LocalProtocolError):
        codec.Decoder("klingon")


def test_encode_refuses_non_messages() -> None:
    with pytest.raises(LocalProtocolError):
        codec.encode("941")  # type: ignore[arg-type]


# ----------------------------------------------------------------- properties
@settings(max_examples=400, deadline=None)
@given(st.binary(max_size=300))
def test_arbitrary_bytes_give_a_message_or_a_typed_error(data: bytes) -> None:
    try:
        msg = codec.decode(data)
    except RemoteProtocolError:
        return
    assert isinstance(msg, m.Message)


PREFIXES = [c.encode() for c in m.MESSAGE_TYPES]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(PREFIXES), st.binary(max_size=200), st.lists(st.integers(1, 40), max_size=8))
def test_plausible_frames_in_arbitrary_chunks_never_escape_the_error_types(
        prefix: bytes, rest: bytes, cuts: list[int]) -> None:
    data = prefix + rest + b"\r"
    decoder = codec.Decoder()
    pos = 0
    for cut in cuts + [len(data)]:
        decoder.feed(data[pos:pos + cut])
        pos += cut
        while True:
            try:
                if decoder.next_frame() is None:
                    break
            except RemoteProtocolError:
                continue


SAFE_TEXT = st.text(st.characters(blacklist_characters="|\r\n", blacklist_categories=["Cs"],
                                  max_codepoint=0xFF), max_size=30)


@settings(max_examples=200, deadline=None)
@given(title=SAFE_TEXT, item=SAFE_TEXT, messages=st.lists(SAFE_TEXT, max_size=3),
       seq=st.integers(0, 9), encoding=st.sampled_from(["utf-8", "latin-1"]))
def test_any_valid_checkout_response_round_trips(title: str, item: str, messages: list[str], seq: int,
                                                 encoding: str) -> None:
    msg = m.CheckoutResponse(ok=True, title_identifier=title, item_identifier=item,
                             screen_message=tuple(messages), transaction_date=D)
    frame = codec.decode_frame(codec.encode(msg, seq=seq, encoding=encoding), encoding)
    assert frame.message == msg and frame.sequence == seq

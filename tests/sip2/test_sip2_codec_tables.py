"""Codec tables: every SIP2 2.00 message type, message -> bytes and bytes -> message.

Dates are UTC (``   Z``) so the bytes do not depend on the machine's zone.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

import pytest

from kiosk.sip2 import codec
from kiosk.sip2 import messages as m

D = datetime(2026, 11, 23, 10, 30, 0, tzinfo=timezone.utc)
DT = "20261123   Z103000"
BLANK = " " * 18
NO_FLAGS = " " * 14
ID: dict[str, Any] = {"institution_id": "DEMO", "transaction_date": D}

TABLE: list[tuple[m.Message, str]] = [
    (m.LoginRequest(login_user_id="kiosk", login_password="kiosk-pass", location_code="Branch 1"),
     "9300CNkiosk|COkiosk-pass|CPBranch 1|"),
    (m.LoginResponse(ok=True), "941"),
    (m.SCStatus(status_code="1", max_print_width=40, protocol_version="2.00"), "9910402.00"),
    (m.ACSStatus(online_status=True, checkin_ok=True, checkout_ok=True, acs_renewal_policy=True,
                 status_update_ok=False, offline_ok=False, timeout_period=30, retries_allowed=3,
                 date_time_sync=D, protocol_version="2.00", institution_id="DEMO", library_name="Demo Library",
                 supported_messages="YYYYYYYYYYYYYYYY", terminal_location="Hall", screen_message=("Welcome",)),
     "98YYYYNN030003" + DT + "2.00AODEMO|AMDemo Library|BXYYYYYYYYYYYYYYYY|ANHall|AFWelcome|"),
    (m.PatronStatusRequest(language="001", patron_identifier="21000000000001", patron_password="1234", **ID),
     "23001" + DT + "AODEMO|AA21000000000001|AC|AD1234|"),
    (m.PatronStatusResponse(
        patron_status=m.PatronStatus(charge_privileges_denied=True, excessive_outstanding_fines=True),
        language="001", patron_identifier="21000000000006", personal_name="Ñandú Peña", valid_patron=True,
        valid_patron_password=False, currency_type="USD", fee_amount="12.50",
        screen_message=("Blocked", "See staff"), print_line=("x",), **ID),
     "24Y" + " " * 9 + "Y   001" + DT
     + "AODEMO|AA21000000000006|AEÑandú Peña|BLY|CQN|BHUSD|BV12.50|AFBlocked|AFSee staff|AGx|"),
    (m.PatronInformationRequest(language="000", summary="  Y       ", patron_identifier="2100",
                                terminal_password="tp", patron_password="1234", start_item=1, end_item=5, **ID),
     "63000" + DT + "  Y       AODEMO|AA2100|ACtp|AD1234|BP1|BQ5|"),
    (m.PatronInformationResponse(
        language="000", hold_items_count=1, charged_items_count=2, fine_items_count=1,
        patron_identifier="2100", personal_name="Ana García", hold_items_limit=10, overdue_items_limit=5,
        charged_items_limit=20, valid_patron=True, valid_patron_password=True, currency_type="USD",
        fee_amount="2.00", fee_limit="25.00", hold_items=("31000000000011",),
        charged_items=("31000000000001", "31000000000002"), fine_items=("fine 2.00",),
        home_address="Calle 1", email_address="ana@example.org", home_phone_number="555-0100", **ID),
     "64" + NO_FLAGS + "000" + DT + "000100000002000100000000"
     + "AODEMO|AA2100|AEAna García|BZ0010|CA0005|CB0020|BLY|CQY|BHUSD|BV2.00|CC25.00|AS31000000000011|"
       "AU31000000000001|AU31000000000002|AVfine 2.00|BDCalle 1|BEana@example.org|BF555-0100|"),
    (m.CheckoutRequest(sc_renewal_policy=True, patron_identifier="2100", item_identifier="3100",
                       patron_password="1234", fee_acknowledged=True, **ID),
     "11YN" + DT + BLANK + "AODEMO|AA2100|AB3100|AC|AD1234|BOY|"),
    (m.CheckoutResponse(ok=True, renewal_ok=False, magnetic_media=None, desensitize=True,
                        patron_identifier="2100", item_identifier="3100", title_identifier="Cien años",
                        due_date="20261207    235900", media_type="001", screen_message=("Due 7 Dec",),
                        extensions=(("CT", "Main"),), **ID),
     "121NUY" + DT + "AODEMO|AA2100|AB3100|AJCien años|AH20261207    235900|CK001|AFDue 7 Dec|CTMain|"),
    (m.CheckinRequest(no_block=True, return_date=D, current_location="Hall", item_identifier="3100", **ID),
     "09Y" + DT + DT + "APHall|AODEMO|AB3100|AC|"),
    (m.CheckinResponse(ok=True, resensitize=True, magnetic_media=False, alert=True,
                       item_identifier="31000000000011", permanent_location="Main", title_identifier="Björn",
                       sort_bin="HOLDS", alert_type="01", screen_message=("On hold",),
                       extensions=(("CY", "2100"), ("DA", "Ana")), **ID),
     "101YNY" + DT + "AODEMO|AB31000000000011|AQMain|AJBjörn|CLHOLDS|CV01|AFOn hold|CY2100|DAAna|"),
    (m.BlockPatron(card_retained=False, blocked_card_msg="Card reported lost", patron_identifier="2100", **ID),
     "01N" + DT + "AODEMO|ALCard reported lost|AA2100|AC|"),
    (m.EndPatronSessionRequest(patron_identifier="2100", patron_password="1234", **ID),
     "35" + DT + "AODEMO|AA2100|AD1234|"),
    (m.EndSessionResponse(end_session=True, patron_identifier="2100", screen_message=("Goodbye",), **ID),
     "36Y" + DT + "AODEMO|AA2100|AFGoodbye|"),
    (m.FeePaidRequest(fee_type="04", payment_type="02", currency_type="EUR", fee_amount="12.50",
                      patron_identifier="2100", fee_identifier="F1", transaction_id="T9", **ID),
     "37" + DT + "0402EURBV12.50|AODEMO|AA2100|CGF1|BKT9|"),
    (m.FeePaidResponse(payment_accepted=True, patron_identifier="2100", transaction_id="T9", **ID),
     "38Y" + DT + "AODEMO|AA2100|BKT9|"),
    (m.ItemInformationRequest(item_identifier="3100", **ID), "17" + DT + "AODEMO|AB3100|"),
    (m.ItemInformationResponse(circulation_status="08", security_marker="02", fee_type="01", transaction_date=D,
                               hold_queue_length=2, hold_pickup_date=D, item_identifier="3100",
                               title_identifier="Å", owner="DEMO", media_type="001", permanent_location="Main",
                               current_location="Hold shelf", item_properties="2 parts"),
     "18080201" + DT + "CF2|CM" + DT + "|AB3100|AJÅ|BGDEMO|CK001|AQMain|APHold shelf|CH2 parts|"),
    (m.ItemStatusUpdateRequest(item_identifier="3100", item_properties="damaged", **ID),
     "19" + DT + "AODEMO|AB3100|CHdamaged|"),
    (m.ItemStatusUpdateResponse(item_properties_ok=True, transaction_date=D, item_identifier="3100",
                                title_identifier="T", item_properties="damaged"),
     "201" + DT + "AB3100|AJT|CHdamaged|"),
    (m.PatronEnableRequest(patron_identifier="2100", patron_password="1234", **ID),
     "25" + DT + "AODEMO|AA2100|AD1234|"),
    (m.PatronEnableResponse(language="000", patron_identifier="2100", personal_name="Ana", valid_patron=True,
                            valid_patron_password=True, **ID),
     "26" + NO_FLAGS + "000" + DT + "AODEMO|AA2100|AEAna|BLY|CQY|"),
    (m.HoldRequest(hold_mode="+", expiration_date=D, pickup_location="Main", hold_type="2",
                   patron_identifier="2100", patron_password="1234", item_identifier="3100",
                   fee_acknowledged=False, **ID),
     "15+" + DT + "BW" + DT + "|BSMain|BY2|AODEMO|AA2100|AD1234|AB3100|BON|"),
    (m.HoldResponse(ok=True, available=False, queue_position=3, pickup_location="Main", patron_identifier="2100",
                    item_identifier="3100", title_identifier="T", screen_message=("Queued",), **ID),
     "161N" + DT + "BR3|BSMain|AODEMO|AA2100|AB3100|AJT|AFQueued|"),
    (m.RenewRequest(patron_identifier="2100", patron_password="1234", item_identifier="3100", **ID),
     "29NN" + DT + BLANK + "AODEMO|AA2100|AD1234|AB3100|"),
    (m.RenewResponse(ok=False, renewal_ok=False, magnetic_media=False, desensitize=False, patron_identifier="2100",
                     item_identifier="3100", title_identifier="T", screen_message=("Renewal limit reached",), **ID),
     "300NNN" + DT + "AODEMO|AA2100|AB3100|AJT|AH|AFRenewal limit reached|"),
    (m.RenewAllRequest(patron_identifier="2100", patron_password="1234", **ID),
     "65" + DT + "AODEMO|AA2100|AD1234|"),
    (m.RenewAllResponse(ok=True, renewed_count=2, unrenewed_count=1, renewed_items=("A", "B"),
                        unrenewed_items=("C",), **ID),
     "66100020001" + DT + "AODEMO|BMA|BMB|BNC|"),
    (m.RequestSCResend(), "96"),
    (m.RequestACSResend(), "97"),
]

IDS = [type(msg).__name__ for msg, _ in TABLE]


def test_table_covers_every_message_type() -> None:
    assert {type(msg) for msg, _ in TABLE} == set(m.MESSAGE_TYPES.values())
    assert len(m.MESSAGE_TYPES) == 31


@pytest.mark.parametrize("msg,wire", TABLE, ids=IDS)
@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "latin-1"])
def test_encode(msg: m.Message, wire: str, encoding: str) -> None:
    assert codec.encode(msg, seq=None, checksum=False, encoding=encoding) == wire.encode(encoding) + b"\r"


@pytest.mark.parametrize("msg,wire", TABLE, ids=IDS)
@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "latin-1"])
def test_decode(msg: m.Message, wire: str, encoding: str) -> None:
    assert codec.decode(wire.encode(encoding) + b"\r", encoding) == msg


@pytest.mark.parametrize("msg,wire", TABLE, ids=IDS)
def test_round_trip_with_sequence_and_checksum(msg: m.Message, wire: str) -> None:
    data = codec.encode(msg, seq=7, checksum=True)
    body = wire.encode("cp850") + b"AY7AZ"
    assert data == body + codec.checksum(body).encode() + b"\r"
    frame = codec.decode_frame(data)
    assert (frame.message, frame.sequence, frame.checksum) == (msg, 7, codec.checksum(body))


@pytest.mark.parametrize("msg,wire", TABLE, ids=IDS)
def test_decoder_fed_one_byte_at_a_time(msg: m.Message, wire: str) -> None:
    data = codec.encode(msg, seq=3, checksum=True, terminator="crlf")
    decoder = codec.Decoder()
    got: list[m.Message] = []
    for byte in data:
        decoder.feed(bytes([byte]))
        got.extend(decoder)
    assert got == [msg]
    assert decoder.trailing == b""


@pytest.mark.parametrize("msg,wire", TABLE, ids=IDS)
def test_trailing_bytes_are_left_alone(msg: m.Message, wire: str) -> None:
    decoder = codec.Decoder()
    decoder.feed(wire.encode("cp850") + b"\r" + b"941AY")
    assert list(decoder) == [msg]
    assert decoder.trailing == b"941AY"
    decoder.feed(b"0AZFDFD\r")
    assert list(decoder) == [m.LoginResponse(ok=True)]
    assert decoder.trailing == b""

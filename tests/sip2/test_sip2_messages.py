"""Message classes validate their own fields; helpers for flags, summaries and codes."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from kiosk.errors import LocalProtocolError
from kiosk.sip2 import messages as m
from kiosk.sip2.fields import format_date, parse_date

D = datetime(2026, 11, 23, 10, 30, tzinfo=timezone.utc)

INVALID: list[tuple[str, type[m.Message], dict[str, object]]] = [
    ("language too long", m.PatronStatusRequest, {"language": "0001"}),
    ("summary too short", m.PatronInformationRequest, {"summary": "Y"}),
    ("status code not 0-2", m.SCStatus, {"status_code": "3"}),
    ("print width too wide", m.SCStatus, {"max_print_width": 1000}),
    ("protocol version length", m.SCStatus, {"protocol_version": "2"}),
    ("naive datetime", m.CheckoutRequest, {"transaction_date": datetime(2026, 1, 1)}),
    ("date not a datetime", m.CheckoutRequest, {"nb_due_date": "20260101"}),
    ("ok not a bool", m.CheckoutResponse, {"ok": 1}),
    ("Y/N/U not a bool", m.CheckoutResponse, {"magnetic_media": "U"}),
    ("bar in a field", m.CheckoutRequest, {"item_identifier": "31|AB"}),
    ("CR in a field", m.CheckoutResponse, {"title_identifier": "a\rb"}),
    ("bar in a repeated field", m.PatronInformationResponse, {"charged_items": ("a|b",)}),
    ("repeated field not a sequence", m.PatronInformationResponse, {"charged_items": "31000000000001"}),
    ("count negative", m.PatronInformationResponse, {"charged_items_count": -1}),
    ("count too big", m.PatronInformationResponse, {"charged_items_count": 10000}),
    ("hold mode", m.HoldRequest, {"hold_mode": "x"}),
    ("fee type length", m.FeePaidRequest, {"fee_type": "1"}),
    ("currency length", m.FeePaidRequest, {"currency_type": "EURO"}),
    ("patron status type", m.PatronStatusResponse, {"patron_status": "              "}),
    ("int field type", m.PatronInformationRequest, {"start_item": "1"}),
    ("yn field type", m.PatronStatusResponse, {"valid_patron": "Y"}),
    ("extension code length", m.CheckinResponse, {"extensions": (("CTX", "a"),)}),
    ("extension not a pair", m.CheckinResponse, {"extensions": ("CTa",)}),
    ("extension value with bar", m.CheckinResponse, {"extensions": (("CT", "a|b"),)}),
]


@pytest.mark.parametrize("case,cls,kwargs", INVALID, ids=[c for c, _, _ in INVALID])
def test_invalid_construction_is_our_error(case: str, cls: type[m.Message], kwargs: dict[str, object]) -> None:
    with pytest.raises(LocalProtocolError):
        cls(**kwargs)  # type: ignore[arg-type]


def test_messages_are_frozen_and_hashable() -> None:
    msg = m.CheckoutResponse(ok=True)
    with pytest.raises(AttributeError):
        msg.ok = False  # type: ignore[misc]
    assert hash(msg) == hash(m.CheckoutResponse(ok=True))


def test_lists_become_tuples() -> None:
    msg = m.PatronInformationResponse(charged_items=["a", "b"], extensions=[["CT", "x"]])  # type: ignore[arg-type]
    assert msg.charged_items == ("a", "b")
    assert msg.extensions == (("CT", "x"),)


def test_get_reads_any_field_by_code() -> None:
    msg = m.CheckinResponse(ok=True, sort_bin="HOLDS", screen_message=("a", "b"),
                            extensions=(("CY", "2100"), ("DA", "Ana"), ("CY", "2200")))
    assert msg.get("CL") == "HOLDS"
    assert msg.get("AF") == ("a", "b")
    assert msg.get("CY") == "2100"
    assert msg.get_all("CY") == ("2100", "2200")
    assert msg.get_all("AF") == ("a", "b")
    assert msg.get("XX") is None and msg.get("XX", "-") == "-"
    assert msg.get_all("CL") == ("HOLDS",)


def test_outcome_names_the_ok_field_of_each_reply() -> None:
    assert m.CheckoutResponse(ok=True).outcome is True
    assert m.PatronStatusResponse(valid_patron=False).outcome is False
    assert m.FeePaidResponse(payment_accepted=True).outcome is True
    assert m.ItemInformationResponse().outcome is None


def test_secrets_are_not_in_repr() -> None:
    text = repr(m.LoginRequest(login_user_id="kiosk", login_password="s3cret"))
    text += repr(m.CheckoutRequest(patron_password="4321", terminal_password="tpw"))
    assert "s3cret" not in text and "4321" not in text and "tpw" not in text


def test_patron_status_flags() -> None:
    status = m.PatronStatus.parse("Y   Y     Y   ")
    assert status.active() == ("charge_privileges_denied", "card_reported_lost", "excessive_outstanding_fines")
    assert status.blocked and bool(status)
    assert status.format() == "Y   Y     Y   "
    assert not m.PatronStatus() and m.PatronStatus().format() == " " * 14


def test_summary_helper() -> None:
    assert m.make_summary("charged") == "  Y       "
    assert m.make_summary("hold") == "Y         "
    assert m.make_summary("") == " " * 10
    assert m.make_summary("     Y    ") == "     Y    "
    with pytest.raises(LocalProtocolError):
        m.make_summary("loans")


def test_acs_supported_messages() -> None:
    acs = m.ACSStatus(supported_messages="YYYNYNYYYYYNNYYY")
    assert acs.supports("checkout") and not acs.supports("block_patron")
    assert m.ACSStatus(supported_messages="YY").supports("renew_all") is None


def test_circulation_status_codes_compare_as_strings() -> None:
    assert m.CirculationStatus.CHARGED == "04"
    assert m.ItemInformationResponse(circulation_status="04").circulation_status == m.CirculationStatus.CHARGED


def test_dates() -> None:
    assert format_date(D) == "20261123   Z103000"
    assert format_date(None) == " " * 18
    assert parse_date("20261123   Z103000") == D
    assert parse_date("20261123103000") == datetime(2026, 11, 23, 10, 30).astimezone()
    assert parse_date("20261123CET 113000") == D
    assert parse_date("  ") is None
    local = datetime(2026, 6, 1, 8, 0).astimezone()
    assert format_date(local) == "20260601    080000"
    with pytest.raises(LocalProtocolError):
        format_date(datetime(2026, 1, 1))


def test_equality_hash_and_repr_are_those_of_a_frozen_dataclass() -> None:
    """Message classes are ``@dataclass(frozen=True, kw_only=True, eq=False,
    repr=False)`` with one shared __eq__/__hash__/__repr__ (cheaper to define):
    they must mean what the generated ones meant."""
    import dataclasses

    from kiosk.sip2 import codec

    built = m.CheckoutRequest(no_block=True, transaction_date=D, nb_due_date=D, institution_id="DEMO",
                              patron_identifier="2100", item_identifier="3100", patron_password="1234")
    decoded = codec.decode(codec.encode(built))
    assert dataclasses.is_dataclass(built) and type(built).__dataclass_params__.frozen  # type: ignore[attr-defined]
    assert decoded == built and hash(decoded) == hash(built)
    assert built != dataclasses.replace(built, no_block=False)
    assert m.CheckoutResponse(ok=True) != m.RenewResponse(ok=True)  # same fields, different messages
    assert m.LoginRequest(login_password="secret") == m.LoginRequest(login_password="secret")
    shown = repr(m.LoginRequest(login_user_id="kiosk", login_password="secret"))
    assert shown.startswith("LoginRequest(extensions=(), uid_algorithm='0'") and "secret" not in shown
    assert "patron_password" not in repr(built) and "1234" not in repr(built)
    assert [f.name for f in dataclasses.fields(m.LoginResponse)] == ["extensions", "ok"]
    with pytest.raises(dataclasses.FrozenInstanceError):
        built.no_block = False  # type: ignore[misc]

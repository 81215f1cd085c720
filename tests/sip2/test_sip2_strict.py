"""Every request the client sends, judged by a strict peer (tests/sip2/strict_peer.py):
each fixed-length field well formed (3M SIP2 2.00), so an ILS built on a typed
codec never hangs up on the kiosk (issue 12)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Callable, Iterator

import pytest

from kiosk.errors import LocalProtocolError
from kiosk.sip2 import codec
from kiosk.sip2 import messages as m
from kiosk.sip2.client import SIP2Client, SIP2Settings

from strict_peer import StrictILS, fixed_field_violation, pysip2_violation

PATRON, ITEM = "21000000000001", "31000000000001"
DUE = datetime(2026, 12, 24, 23, 59, 0, tzinfo=timezone.utc)

# Every typed call of SIP2Client (kiosk.sip2.calls), with the arguments a station uses.
CALLS: list[tuple[str, Callable[[SIP2Client], Any]]] = [
    ("sc_status", lambda c: c.sc_status()),
    ("sc_status out of paper", lambda c: c.sc_status(status_code="1", max_print_width=32)),
    ("patron_status", lambda c: c.patron_status(PATRON, pin="1234")),
    ("patron_status without pin", lambda c: c.patron_status(PATRON)),
    ("patron_information", lambda c: c.patron_information(PATRON, pin="1234")),
    ("patron_information charged", lambda c: c.patron_information(PATRON, summary="charged", start=1, end=5)),
    ("patron_information unavailable", lambda c: c.patron_information(PATRON, summary="unavailable")),
    ("checkout", lambda c: c.checkout(PATRON, ITEM)),
    ("checkout renewal ok, pin, fee ack", lambda c: c.checkout(PATRON, ITEM, pin="1234", renewal_ok=True,
                                                                fee_acknowledged=True)),
    ("checkout no block with due date", lambda c: c.checkout(PATRON, ITEM, no_block=True, nb_due_date=DUE)),
    ("checkin", lambda c: c.checkin(ITEM)),
    ("checkin offline return", lambda c: c.checkin(ITEM, return_date=DUE, no_block=True)),
    ("item_information", lambda c: c.item_information(ITEM)),
    ("renew", lambda c: c.renew(PATRON, ITEM)),
    ("renew with pin", lambda c: c.renew(PATRON, ITEM, pin="1234")),
    ("renew_all", lambda c: c.renew_all(PATRON)),
    ("end_session", lambda c: c.end_session(PATRON, pin="1234")),
    ("fee_paid", lambda c: c.fee_paid(PATRON, "2.50")),
    ("fee_paid card, overdue, EUR", lambda c: c.fee_paid(PATRON, 12, fee_type="04", payment_type="02",
                                                          currency="EUR", fee_id="F1", transaction_id="T1")),
    ("hold", lambda c: c.hold(PATRON, ITEM, pickup_location="MAIN", expiration_date=DUE)),
    ("hold cancel", lambda c: c.hold(PATRON, ITEM, mode="-")),
    ("block_patron", lambda c: c.block_patron(PATRON, "card reported lost", card_retained=True)),
    ("patron_enable", lambda c: c.patron_enable(PATRON)),
    ("item_status_update", lambda c: c.item_status_update(ITEM, "shelf 4")),
    # What offline replay builds itself (kiosk/store/replay.py): no dates filled in.
    ("request: replayed checkout without dates", lambda c: c.request(m.CheckoutRequest(
        no_block=True, institution_id="DEMO", patron_identifier=PATRON, item_identifier=ITEM))),
    ("request: renew without dates", lambda c: c.request(m.RenewRequest(
        institution_id="DEMO", patron_identifier=PATRON, item_identifier=ITEM))),
    ("request: checkin without dates", lambda c: c.request(m.CheckinRequest(item_identifier=ITEM))),
    ("request: item information without date", lambda c: c.request(m.ItemInformationRequest(
        item_identifier=ITEM))),
]


def settings(port: int, **overrides: object) -> SIP2Settings:
    base: dict[str, object] = dict(host="127.0.0.1", port=port, username="kiosk", password="kiosk-pass",
                                   institution_id="DEMO", location_code="Hall", read_timeout=1.0,
                                   connect_timeout=1.0, keepalive_interval=0, retries=1)
    base.update(overrides)
    return SIP2Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def strict() -> Iterator[StrictILS]:
    with StrictILS() as server:
        yield server


@pytest.mark.parametrize("checksums", [True, False], ids=["checksums", "no-checksums"])
@pytest.mark.parametrize("name,call", CALLS, ids=[name for name, _ in CALLS])
def test_every_call_is_accepted_by_a_strict_peer(strict: StrictILS, name: str, call: Callable[[SIP2Client], Any],
                                                 checksums: bool) -> None:
    client = SIP2Client(settings(strict.port, checksums=checksums), supervise=False)
    try:
        client.connect()
        reply = call(client)
    finally:
        client.close()
    assert strict.violations == []
    assert isinstance(reply, m.Message)
    assert [f[:2] for f in strict.accepted][:2] == [b"93", b"99"]


@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "latin-1"])
def test_checkout_and_renew_send_the_transaction_date_as_nb_due_date(encoding: str) -> None:
    with StrictILS(encoding=encoding) as server:
        client = SIP2Client(settings(server.port, encoding=encoding), supervise=False)
        try:
            client.connect()
            client.checkout(PATRON, ITEM)
            client.renew(PATRON, ITEM)
        finally:
            client.close()
        assert server.violations == []
        for frame in server.accepted[2:]:
            assert frame[4:22] == frame[22:40], "nb due date is the transaction date"
            assert frame[22:40].strip(), "not blank"


def test_blank_nb_due_date_is_a_per_server_option() -> None:
    """``[sip2] nb_due_date = "blank"`` for an ILS that wants blanks: the
    request then is what the strict peer refuses, which is the point of the default."""
    with StrictILS() as server:
        client = SIP2Client(settings(server.port, nb_due_date="blank"), supervise=False)
        try:
            client.connect()
            with pytest.raises(Exception):
                client.checkout(PATRON, ITEM)
        finally:
            client.close()
        assert len(server.violations) == 1 and "nb due date" in server.violations[0]


def test_a_given_nb_due_date_is_sent_as_given(strict: StrictILS) -> None:
    client = SIP2Client(settings(strict.port, nb_due_date="blank"), supervise=False)
    try:
        client.connect()
        client.checkout(PATRON, ITEM, no_block=True, nb_due_date=DUE)
    finally:
        client.close()
    assert strict.violations == []
    assert strict.accepted[-1][22:40] == b"20261224   Z235900"


def test_a_resend_request_is_well_formed_too() -> None:
    """A reply with a bad checksum makes the client send 97: that frame is judged as well."""
    answered: list[bytes] = []

    class Corrupting(StrictILS):
        def _judge(self, frame: bytes, conn: Any) -> bytes | None:
            out = super()._judge(frame, conn)
            if frame.startswith(b"17") and not answered and isinstance(out, bytes):
                answered.append(out)
                return out[:-2] + (b"0" if out[-2:-1] != b"0" else b"1") + b"\r"
            if frame.startswith(b"97"):
                return answered[-1]
            return out

    with Corrupting() as server:
        client = SIP2Client(settings(server.port), supervise=False)
        try:
            client.connect()
            assert client.item_information(ITEM).title_identifier == "Björn"
        finally:
            client.close()
        assert server.violations == []
        assert [f[:2] for f in server.accepted] == [b"93", b"99", b"17", b"97"]


# The judges themselves: a strict peer that accepts anything proves nothing.
BAD_FRAMES = [
    (b"11NN20261123    103000" + b" " * 18 + b"AODEMO|AA1|AB2|AC|", "nb due date"),
    (b"11NN" + b" " * 18 + b"20261123    103000AODEMO|AA1|AB2|AC|", "transaction date"),
    (b"11YX20261123    10300020261123    103000AODEMO|AA1|AB2|AC|", "no block"),
    (b"09N20261123    10300020261323    103000APx|AODEMO|AB2|AC|", "return date"),
    (b"23eng20261123    103000AODEMO|AA1|AC|AD|", "language"),
    (b"63000" + b"20261123    103000" + b"YY        AODEMO|AA1|", "summary"),
    (b"63000" + b"20261123    103000" + b"  Y" + b" " * 8 + b"AODEMO|AA1|", "field code"),
    (b"3720261123    103000zz00USDBV1.00|AODEMO|AA1|", "fee type"),
    (b"372026112310300001000USDBV1.00|AODEMO|AA1|", "transaction date"),
    (b"3720261123    1030000100usdBV1.00|AODEMO|AA1|", "currency"),
    (b"15x20261123    103000AODEMO|AA1|", "hold mode"),
    (b"9930402.00", "status code"),
    (b"990402.0", "protocol version"),
    (b"2320261123    103000AODEMO|AA1|AC|AD|", "transaction date"),  # no language at all
]


@pytest.mark.parametrize("frame,reason", BAD_FRAMES, ids=[r for _, r in BAD_FRAMES])
def test_the_strict_peer_refuses_malformed_fixed_fields(frame: bytes, reason: str) -> None:
    problem = fixed_field_violation(frame)
    assert problem is not None and reason in problem


def test_pysip2_agrees_on_blank_dates() -> None:
    body = b"11NN20261123    103000" + b" " * 18 + b"AODEMO|AA1|AB2|AC|AY1AZ"
    assert pysip2_violation(body + codec.checksum(body).encode()) is not None


def test_the_strict_peer_hangs_up_on_a_blank_nb_due_date(strict: StrictILS) -> None:
    """The old client's checkout, byte for byte, is refused and the connection closed."""
    import socket

    with socket.create_connection(("127.0.0.1", strict.port), timeout=2) as sock:
        body = b"11NN20261123    103000" + b" " * 18 + b"AODEMO|AA1|AB2|AC|AY1AZ"
        sock.sendall(body + codec.checksum(body).encode() + b"\r")
        assert sock.recv(100) == b""
    assert len(strict.violations) == 1


def test_fee_paid_refuses_malformed_codes_before_sending() -> None:
    """Fee and payment types are two digits and the currency three capitals:
    building a request that breaks that is our bug, caught before the wire."""
    for bad in (dict(fee_type="zz"), dict(fee_type="1"), dict(payment_type="cash"), dict(currency_type="usd"),
                dict(currency_type="EU")):
        with pytest.raises(LocalProtocolError):
            m.FeePaidRequest(**bad)  # type: ignore[arg-type]
    for bad_lang in ("eng", "1", "0001"):
        with pytest.raises(LocalProtocolError):
            m.PatronStatusRequest(language=bad_lang)
    with pytest.raises(LocalProtocolError):
        m.PatronInformationRequest(summary="YY        ")

"""The client against the real ILS simulator on loopback: circulation end to
end, and every fault mode the simulator can inject."""

from __future__ import annotations

import dataclasses
import threading
import time
from typing import Callable, Iterator

import pytest

from kiosk.errors import TransportError, TransportTimeout, UnknownOutcome
from kiosk.sip2 import messages as m
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator, load_data

ANA, ANA_PIN, BJORN = "21000000000001", "1234", "21000000000002"
BOOK, BOOK2, ON_HOLD, NOT_FOR_LOAN = "31000000000001", "31000000000002", "31000000000011", "31000000000013"


def quick_data() -> object:
    """Demo data, but the 98 announces no timeout period: the demo's 10 s would
    (rightly) stretch the client's reply wait and slow every timeout test."""
    data = load_data(None)
    return dataclasses.replace(data, library=dataclasses.replace(data.library, timeout_period=0))


@pytest.fixture
def ils() -> Iterator[ILSSimulator]:
    with ILSSimulator(data=quick_data()) as sim:  # type: ignore[arg-type]
        yield sim


@pytest.fixture
def connect(ils: ILSSimulator) -> Iterator[Callable[..., SIP2Client]]:
    made: list[SIP2Client] = []

    def make(**overrides: object) -> SIP2Client:
        base: dict[str, object] = dict(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                                       institution_id="DEMO", location_code="MAIN", encoding=ils.encoding,
                                       read_timeout=0.5, connect_timeout=1.0, keepalive_interval=0,
                                       reconnect_interval=0.05, retries=2)
        base.update(overrides)
        client = SIP2Client(SIP2Settings(**base))  # type: ignore[arg-type]
        made.append(client)
        client.connect()
        return client

    yield make
    for client in made:
        client.close()


def is_charged(client: SIP2Client, item: str) -> bool:
    return client.item_information(item).circulation_status == m.CirculationStatus.CHARGED


# ------------------------------------------------------------------ circulation
def test_circulation_round(connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    assert client.state == "online" and client.acs_status is not None and client.acs_status.online_status
    patron = client.patron_status(ANA, pin=ANA_PIN)
    assert patron.valid_patron and patron.valid_patron_password and patron.personal_name == "Ana García"
    out = client.checkout(ANA, BOOK, pin=ANA_PIN)
    assert out.ok and out.due_date and out.title_identifier == "Cien años de soledad"
    info = client.patron_information(ANA, pin=ANA_PIN, summary="charged")
    assert BOOK in " ".join(info.charged_items)
    renewed = client.renew(ANA, BOOK, pin=ANA_PIN)
    assert isinstance(renewed, m.RenewResponse)
    back = client.checkin(BOOK)
    assert back.ok and not is_charged(client, BOOK)
    assert client.end_session(ANA, pin=ANA_PIN).end_session


def test_refusals_and_alerts_come_back_as_replies(connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    refused = client.checkout(ANA, NOT_FOR_LOAN, pin=ANA_PIN)
    assert refused.ok is False and refused.screen_message
    wrong_pin = client.patron_status(ANA, pin="0000")
    assert wrong_pin.valid_patron_password is False
    hold = client.checkin(ON_HOLD)
    assert hold.alert and hold.sort_bin == "HOLDS"


@pytest.mark.parametrize("encoding", ["cp850", "utf-8", "latin-1"])
def test_non_ascii_survives_each_encoding(encoding: str) -> None:
    with ILSSimulator(encoding=encoding) as sim:
        client = SIP2Client(SIP2Settings(port=sim.port, username="kiosk", password="kiosk-pass",
                                         institution_id="DEMO", encoding=encoding, read_timeout=1,
                                         keepalive_interval=0), supervise=False)
        try:
            client.connect()
            assert client.patron_status(BJORN).personal_name == "Björn Ångström"
            assert client.item_information(BOOK).title_identifier == "Cien años de soledad"
        finally:
            client.close()


# ------------------------------------------------------------------ faults
def test_delay(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.set(delay=0.08)
    client.item_information(BOOK)
    assert client.last_rtt is not None and client.last_rtt >= 0.08


def test_demo_acs_timeout_period_is_honoured() -> None:
    with ILSSimulator() as sim:
        client = SIP2Client(SIP2Settings(port=sim.port, username="kiosk", password="kiosk-pass",
                                         encoding=sim.encoding, read_timeout=0.5, keepalive_interval=0),
                            supervise=False)
        try:
            client.connect()
            assert client.acs_status is not None and client.acs_status.timeout_period == 100
            assert client.reply_timeout == 5.5  # 10 s asked, capped at read_timeout + acs_timeout_margin (5 s)
        finally:
            client.close()


def test_delay_longer_than_the_reply_timeout(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect(read_timeout=0.15)
    ils.faults.set(delay=0.4)
    with pytest.raises(UnknownOutcome):
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    ils.faults.clear()
    assert client.item_information(BOOK).item_identifier == BOOK  # and the link recovers


def test_dropped_connection(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.fail_next("drop", command="11")
    with pytest.raises(UnknownOutcome) as info:
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    assert isinstance(info.value.request, m.CheckoutRequest)
    assert not is_charged(client, BOOK)  # reconnected by itself; not applied


def test_lost_reply(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.fail_next("lost_reply", command="11")
    with pytest.raises(UnknownOutcome):
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    assert is_charged(client, BOOK)  # the ILS did it; the kiosk must reconcile


def test_dropped_query_is_retried(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.fail_next("drop", command="17")
    assert client.item_information(BOOK).item_identifier == BOOK


def test_garbage_reply_recovered_by_resend(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.fail_next("garbage", command="11")
    assert client.checkout(ANA, BOOK, pin=ANA_PIN).ok
    assert ils.requests["97"] >= 1


def test_bad_checksum_recovered_by_resend(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    ils.faults.fail_next("bad_checksum", command="09")
    assert client.checkin(ON_HOLD).alert


def test_bad_checksum_on_every_request_is_always_recovered(ils: ILSSimulator,
                                                            connect: Callable[..., SIP2Client]) -> None:
    client = connect(retries=2)
    ils.faults.set(bad_checksum=1.0)
    assert client.checkout(ANA, BOOK, pin=ANA_PIN).ok
    assert client.checkin(BOOK).ok
    assert ils.requests["97"] >= 2


def test_no_reply(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect(read_timeout=0.2)
    ils.faults.fail_next("no_reply", command="11")
    with pytest.raises(UnknownOutcome):
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    ils.faults.fail_next("no_reply", command="17")
    with pytest.raises(TransportTimeout) as info:
        client.item_information(BOOK)
    assert not isinstance(info.value, UnknownOutcome)
    assert not is_charged(client, BOOK)


def test_server_down_and_back(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    client = connect()
    states: list[str] = []
    online = threading.Event()

    def on_state(state: str) -> None:
        states.append(state)
        if state == "online":
            online.set()

    client.add_listener(on_state)
    ils.set_down(True)
    with pytest.raises(TransportError) as info:
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    assert client.state == "offline"
    with pytest.raises(TransportError) as info:
        client.checkout(ANA, BOOK, pin=ANA_PIN)
    assert not isinstance(info.value, UnknownOutcome)  # never sent
    ils.set_down(False)
    assert online.wait(3), states
    assert client.checkout(ANA, BOOK, pin=ANA_PIN).ok


@pytest.mark.parametrize("terminator", ["cr", "crlf"])
def test_terminators_both_ways(ils: ILSSimulator, connect: Callable[..., SIP2Client], terminator: str) -> None:
    ils.faults.set(terminator=terminator)
    client = connect(terminator=terminator)
    for _ in range(3):
        assert client.item_information(BOOK).title_identifier == "Cien años de soledad"


def test_random_faults_never_escape_the_contract(ils: ILSSimulator, connect: Callable[..., SIP2Client]) -> None:
    """Under a mix of faults every call ends in a reply or one of the documented errors."""
    client = connect(read_timeout=0.1)
    ils.faults.set(drop=0.1, garbage=0.1, bad_checksum=0.1, lost_reply=0.05, no_reply=0.05)
    outcomes: dict[str, int] = {}
    deadline = time.monotonic() + 10
    for i in range(40):
        if time.monotonic() > deadline:
            break
        try:
            client.item_information(f"3100000000000{i % 9 + 1}")
            kind = "reply"
        except UnknownOutcome:
            kind = "unknown"
        except TransportError:
            kind = "transport"
        except m.LocalProtocolError:  # pragma: no cover - would be our bug
            raise
        except Exception as exc:  # noqa: BLE001 - the point: only documented errors
            from kiosk.errors import RemoteProtocolError
            assert isinstance(exc, RemoteProtocolError), exc
            kind = "remote"
        outcomes[kind] = outcomes.get(kind, 0) + 1
    assert outcomes.get("reply", 0) > 0 and "unknown" not in outcomes  # queries are never "unknown"


def test_a_busy_simulator_is_reported_clearly() -> None:
    """Over the simulator's connection limit the client says why: the 94 or
    98 carries "ILS busy" (issue 12), not a bare reset or "outcome unknown"."""
    from kiosk.sip2.client import LoginRefused

    with ILSSimulator(data=quick_data(), max_connections=1) as sim:  # type: ignore[arg-type]
        def client(**overrides: object) -> SIP2Client:
            base: dict[str, object] = dict(port=sim.port, username="kiosk", password="kiosk-pass",
                                           encoding=sim.encoding, read_timeout=2.0, keepalive_interval=0)
            base.update(overrides)
            return SIP2Client(SIP2Settings(**base), supervise=False)  # type: ignore[arg-type]

        first, second, third = client(), client(), client(username="")
        try:
            first.connect()
            with pytest.raises(LoginRefused, match="ILS busy: 1 stations connected"):
                second.connect()
            with pytest.raises(TransportError, match=r"offline \(98\): ILS busy"):
                third.connect()
            assert second.state == third.state == "offline" and first.state == "online"
            assert sim.connections_refused == 2
        finally:
            for each in (first, second, third):
                each.close()

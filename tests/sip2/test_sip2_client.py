"""SIP2 client against scripted loopback servers: exact bytes, error detection,
unknown outcomes, reconnects, keep-alive, thread safety, masking."""

from __future__ import annotations

import logging
import socket
import threading
import time
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kiosk.errors import LocalProtocolError, RemoteProtocolError, TransportError, TransportTimeout, UnknownOutcome
from kiosk.sip2 import codec
from kiosk.sip2 import messages as m
from kiosk.sip2.client import LoginRefused, SIP2Client, SIP2Settings, format_amount
from kiosk.sip2.transport import SocketTransport

from sip2_servers import HANG_UP, Conn, ScriptedServer, free_port, good_answer, good_ils, reply


def settings_for(port: int, **overrides: object) -> SIP2Settings:
    base: dict[str, object] = dict(host="127.0.0.1", port=port, username="kiosk", password="kiosk-pass",
                                   institution_id="DEMO", location_code="Hall", read_timeout=0.5,
                                   connect_timeout=1.0, keepalive_interval=0, reconnect_interval=0.1, retries=2)
    base.update(overrides)
    return SIP2Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def clients() -> Iterator[Callable[..., SIP2Client]]:
    made: list[SIP2Client] = []

    def make(port: int, **overrides: object) -> SIP2Client:
        client = SIP2Client(settings_for(port, **overrides))
        made.append(client)
        return client

    yield make
    for client in made:
        client.close()


def wait_for(predicate: Callable[[], bool], timeout: float = 3.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return predicate()


def kinds(frames: list[bytes]) -> list[str]:
    return [f[:2].decode() for f in frames]


# ------------------------------------------------------------------ connect
def test_connect_logs_in_then_asks_status_with_exact_bytes(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port)
        states: list[str] = []
        client.add_listener(states.append)
        client.connect()
        assert client.state == "online" and client.last_error is None
        body = b"9300CNkiosk|COkiosk-pass|CPHall|AY0AZ"
        assert server.frames[0] == body + codec.checksum(body).encode()
        assert server.frames[1] == b"9900402.00AY1AZ" + codec.checksum(b"9900402.00AY1AZ").encode()
        assert client.acs_status is not None and client.acs_status.library_name == "Demo Library"
        assert client.last_login == m.LoginResponse(ok=True)
        assert states == ["connecting", "online"]
        client.close()
        assert client.state == "disconnected"


def test_login_refused(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port, password="wrong")
        with pytest.raises(LoginRefused, match="refused"):
            client.connect()
        assert client.state == "offline" and "refused" in (client.last_error or "")


def test_refused_login_is_retried_slowly(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port, password="wrong", reconnect_interval=0.05)
        with pytest.raises(LoginRefused):
            client.connect()
        time.sleep(0.4)
        assert kinds(server.frames).count("93") <= 2  # not one every 50 ms


def test_server_down_is_a_transport_error(clients: Callable[..., SIP2Client]) -> None:
    client = clients(free_port())
    with pytest.raises(TransportError) as info:
        client.connect()
    assert not isinstance(info.value, UnknownOutcome)
    assert client.state == "offline" and "cannot reach" in (client.last_error or "")
    with pytest.raises(TransportError):
        client.checkout("2100", "3100")  # never sent: not an unknown outcome
    with pytest.raises(TransportError) as info2:
        client.checkout("2100", "3100")
    assert not isinstance(info2.value, UnknownOutcome)


def test_no_login_without_username(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port, username="")
        client.connect()
        assert kinds(server.frames) == ["99"]


# ------------------------------------------------------------------ every request
CALLS: list[tuple[str, Callable[[SIP2Client], m.Message], type[m.Message], type[m.Message]]] = [
    ("patron_status", lambda c: c.patron_status("2100", pin="1234"), m.PatronStatusRequest, m.PatronStatusResponse),
    ("patron_information", lambda c: c.patron_information("2100", summary="charged"),
     m.PatronInformationRequest, m.PatronInformationResponse),
    ("checkout", lambda c: c.checkout("2100", "3100", pin="1234", fee_acknowledged=True),
     m.CheckoutRequest, m.CheckoutResponse),
    ("checkin", lambda c: c.checkin("3100"), m.CheckinRequest, m.CheckinResponse),
    ("item_information", lambda c: c.item_information("3100"), m.ItemInformationRequest, m.ItemInformationResponse),
    ("renew", lambda c: c.renew("2100", "3100"), m.RenewRequest, m.RenewResponse),
    ("renew_all", lambda c: c.renew_all("2100"), m.RenewAllRequest, m.RenewAllResponse),
    ("end_session", lambda c: c.end_session("2100"), m.EndPatronSessionRequest, m.EndSessionResponse),
    ("fee_paid", lambda c: c.fee_paid("2100", "12.5", fee_id="F1", transaction_id="T1"),
     m.FeePaidRequest, m.FeePaidResponse),
    ("hold", lambda c: c.hold("2100", "3100", mode="-"), m.HoldRequest, m.HoldResponse),
    ("block_patron", lambda c: c.block_patron("2100", "lost"), m.BlockPatron, m.PatronStatusResponse),
    ("patron_enable", lambda c: c.patron_enable("2100"), m.PatronEnableRequest, m.PatronEnableResponse),
    ("item_status_update", lambda c: c.item_status_update("3100", "damaged"),
     m.ItemStatusUpdateRequest, m.ItemStatusUpdateResponse),
    ("sc_status", lambda c: c.sc_status(), m.SCStatus, m.ACSStatus),
]


@pytest.mark.parametrize("name,call,request_type,response_type", CALLS, ids=[c[0] for c in CALLS])
def test_every_call_sends_its_request_and_returns_its_reply(
        clients: Callable[..., SIP2Client], name: str, call: Callable[[SIP2Client], m.Message],
        request_type: type[m.Message], response_type: type[m.Message]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port)
        client.connect()
        result = call(client)
        assert type(result) is response_type
        sent = codec.decode_frame(server.frames[-1])
        assert type(sent.message) is request_type and sent.sequence == 2
        assert getattr(sent.message, "institution_id", "DEMO") == "DEMO"
        assert client.last_rtt is not None and client.last_rtt > 0


def test_request_fields(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port)
        client.connect()
        client.checkout("2100", "3100", pin="1234", fee_acknowledged=True)
        client.checkin("3100")
        client.fee_paid("2100", 12.5, fee_id="F1")
        client.patron_information("2100", summary="fine", start=3, end=9)
        checkout, checkin, fee, info = (codec.decode(f) for f in server.frames[2:6])
        assert isinstance(checkout, m.CheckoutRequest)
        assert (checkout.patron_password, checkout.fee_acknowledged, checkout.transaction_date is not None) == (
            "1234", True, True)
        assert isinstance(checkin, m.CheckinRequest)
        assert checkin.current_location == "Hall" and checkin.return_date is not None
        assert isinstance(fee, m.FeePaidRequest) and fee.fee_amount == "12.50" and fee.fee_identifier == "F1"
        assert isinstance(info, m.PatronInformationRequest)
        assert (info.summary, info.start_item, info.end_item) == ("   Y      ", 3, 9)


def test_refusal_is_a_reply_not_an_error(clients: Callable[..., SIP2Client]) -> None:
    def refuse(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"11"):
            return reply(m.CheckoutResponse(ok=False, screen_message=("Not for loan",)), frame)
        return good_ils(frame, conn)

    with ScriptedServer(refuse) as server:
        client = clients(server.port)
        result = client.checkout("2100", "3100")
        assert result.ok is False and result.screen_message == ("Not for loan",)


def test_amounts() -> None:
    assert format_amount(12.5) == "12.50"
    assert format_amount("3") == "3.00"
    for bad in ("abc", "-1", "nan"):
        with pytest.raises(LocalProtocolError):
            format_amount(bad)


# ------------------------------------------------------------------ error detection
def corrupt(data: bytes) -> bytes:
    """Same frame, wrong checksum."""
    return data[:-5] + (b"0000" if data[-5:-1] != b"0000" else b"1111") + data[-1:]


def test_bad_checksum_is_answered_with_97_and_the_resend_accepted(clients: Callable[..., SIP2Client]) -> None:
    last: dict[str, bytes] = {}

    def flaky(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"97"):
            return last["good"]
        data = good_ils(frame, conn)
        assert data is not None
        if frame.startswith(b"11"):
            last["good"] = data
            return corrupt(data)
        return data

    with ScriptedServer(flaky) as server:
        client = clients(server.port)
        result = client.checkout("2100", "3100")
        assert result.ok
        assert kinds(server.frames) == ["93", "99", "11", "97"]
        assert server.frames[3] == b"97AZFEF5"  # 97 carries the checksum but no sequence


def test_checksum_that_stays_bad(clients: Callable[..., SIP2Client]) -> None:
    def always_bad(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith((b"93", b"99")):
            return good_ils(frame, conn)
        if frame.startswith(b"97"):
            return corrupt(codec.encode(m.CheckoutResponse(ok=True), seq=2))
        data = good_ils(frame, conn)
        assert data is not None
        return corrupt(data)

    with ScriptedServer(always_bad) as server:
        client = clients(server.port, retries=2)
        with pytest.raises(UnknownOutcome) as info:
            client.checkout("2100", "3100")
        assert isinstance(info.value.request, m.CheckoutRequest)
        assert kinds(server.frames).count("97") == 2
        with pytest.raises(codec.ChecksumError):
            client.patron_status("2100")  # a query: a remote protocol error, not an unknown outcome


def test_stale_sequence_is_skipped(clients: Callable[..., SIP2Client]) -> None:
    def stale_first(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"17"):
            seq = codec.decode_frame(frame).sequence
            old = codec.encode(m.ItemInformationResponse(title_identifier="OLD"), seq=((seq or 0) + 9) % 10)
            return old + (good_ils(frame, conn) or b"")
        return good_ils(frame, conn)

    with ScriptedServer(stale_first) as server:
        client = clients(server.port)
        assert client.item_information("3100").title_identifier == "Björn"


def test_wrong_message_type_with_our_sequence_is_a_protocol_error(clients: Callable[..., SIP2Client]) -> None:
    def wrong(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"17"):
            return reply(m.CheckinResponse(ok=True), frame)
        return good_ils(frame, conn)

    with ScriptedServer(wrong) as server:
        client = clients(server.port)
        with pytest.raises(RemoteProtocolError, match="expected ItemInformationResponse"):
            client.item_information("3100")


def test_ils_asking_for_a_resend_gets_the_same_frame(clients: Callable[..., SIP2Client]) -> None:
    def ask_again(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"23") and sum(f.startswith(b"23") for f in conn.frames) == 1:
            return codec.encode(m.RequestSCResend())
        return good_ils(frame, conn)

    with ScriptedServer(ask_again) as server:
        client = clients(server.port)
        assert client.patron_status("2100").valid_patron
        assert kinds(server.frames) == ["93", "99", "23", "23"]
        assert server.frames[2] == server.frames[3]


def test_acs_status_timeout_and_retries_are_honoured(clients: Callable[..., SIP2Client]) -> None:
    def slow_acs(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"99"):
            return reply(m.ACSStatus(timeout_period=25, retries_allowed=1, supported_messages="Y" * 16), frame)
        return good_ils(frame, conn)

    with ScriptedServer(slow_acs) as server:
        client = clients(server.port, read_timeout=0.5, retries=3)
        client.connect()
        assert client.reply_timeout == pytest.approx(2.5)
        assert client.max_resends == 1
        exact = clients(server.port, read_timeout=0.5, honour_acs_timeout=False)
        exact.connect()
        assert exact.reply_timeout == pytest.approx(0.5)


@pytest.mark.parametrize("period,margin,expected", [(998, 5.0, 5.5), (998, 0.0, 0.5), (30, 5.0, 3.0),
                                                    (3, 5.0, 0.5), (0, 5.0, 0.5), (999, 5.0, 0.5)])
def test_acs_timeout_period_is_capped(clients: Callable[..., SIP2Client], period: int, margin: float,
                                      expected: float) -> None:
    """Issue 11 case 10: an ILS announcing 99.8 s per reply must not make the
    kiosk wait that long: at most ``acs_timeout_margin`` past read_timeout."""
    def greedy_acs(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"99"):
            return reply(m.ACSStatus(timeout_period=period, retries_allowed=3, supported_messages="Y" * 16), frame)
        return good_ils(frame, conn)

    with ScriptedServer(greedy_acs) as server:
        client = clients(server.port, read_timeout=0.5, acs_timeout_margin=margin)
        client.connect()
        assert client.reply_timeout == pytest.approx(expected)


def test_a_lost_reply_waits_the_capped_time_not_the_acs_period(clients: Callable[..., SIP2Client]) -> None:
    def greedy_silent(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"99"):
            return reply(m.ACSStatus(timeout_period=998, retries_allowed=3, supported_messages="Y" * 16), frame)
        if frame.startswith(b"11"):
            return None  # the reply is lost
        return good_ils(frame, conn)

    with ScriptedServer(greedy_silent) as server:
        client = clients(server.port, read_timeout=0.5, acs_timeout_margin=1.0)
        client.connect()
        outcome: list[BaseException] = []
        worker = threading.Thread(target=lambda: outcome.append(pytest.raises(UnknownOutcome, client.checkout,
                                                                              "2100", "3100").value),
                                  daemon=True)
        worker.start()
        worker.join(30)  # bounded: the old client waited 99.8 s here
        assert not worker.is_alive(), "the checkout waited for the ACS's 99.8 s"
        assert outcome and "within 1.5 s" in str(outcome[0])


def test_checksums_off_and_crlf(clients: Callable[..., SIP2Client]) -> None:
    def plain(frame: bytes, conn: Conn) -> bytes | None:
        return codec.encode(good_answer(frame), checksum=False, terminator=b"\r\n")

    with ScriptedServer(plain) as server:
        client = clients(server.port, checksums=False, terminator="crlf")
        assert client.checkout("2100", "3100").ok
        assert all(b"AY" not in f and b"AZ" not in f for f in server.frames)


# ------------------------------------------------------------------ timeouts and broken links
def test_no_reply_to_a_checkout_is_an_unknown_outcome(clients: Callable[..., SIP2Client]) -> None:
    def silent(frame: bytes, conn: Conn) -> bytes | None:
        return None if frame.startswith((b"11", b"17")) else good_ils(frame, conn)

    with ScriptedServer(silent) as server:
        client = clients(server.port, read_timeout=0.2)
        client.connect()
        with pytest.raises(UnknownOutcome) as info:
            client.checkout("2100", "3100", pin="1234")
        assert isinstance(info.value.request, m.CheckoutRequest)
        assert "1234" not in repr(info.value.request)
        assert client.state == "offline"
        with pytest.raises(TransportTimeout) as info2:
            client.item_information("3100")  # a query: a timeout, not an unknown outcome
        assert not isinstance(info2.value, UnknownOutcome)
        assert client.patron_status("2100").valid_patron  # and the link comes back
        assert client.state == "online"


@pytest.mark.parametrize("call", ["checkout", "checkin", "renew", "renew_all", "fee_paid"])
def test_connection_lost_after_sending_a_state_change(clients: Callable[..., SIP2Client], call: str) -> None:
    prefixes = {"checkout": b"11", "checkin": b"09", "renew": b"29", "renew_all": b"65", "fee_paid": b"37"}

    def drop(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(prefixes[call]) and conn.number == 1:
            return HANG_UP
        return good_ils(frame, conn)

    args = {"checkout": ("2100", "3100"), "checkin": ("3100",), "renew": ("2100", "3100"),
            "renew_all": ("2100",), "fee_paid": ("2100", "1.00")}[call]
    with ScriptedServer(drop) as server:
        client = clients(server.port)
        client.connect()
        with pytest.raises(UnknownOutcome):
            getattr(client, call)(*args)
        # the next call reconnects and logs in again
        getattr(client, call)(*args)
        assert server.connections == 2
        assert kinds(server.frames)[-3:] == ["93", "99", prefixes[call].decode()]


def test_idle_connection_closed_by_the_ils_is_reopened_before_sending(clients: Callable[..., SIP2Client]) -> None:
    def close_after_status(frame: bytes, conn: Conn) -> bytes | None:
        data = good_ils(frame, conn)
        if frame.startswith(b"99") and conn.number == 1 and conn.sock is not None:
            conn.sock.sendall(data or b"")
            return HANG_UP  # like Koha dropping an idle socket
        return data

    with ScriptedServer(close_after_status) as server:
        client = clients(server.port)
        client.connect()
        assert wait_for(lambda: server.connections == 1)
        time.sleep(0.1)
        result = client.checkout("2100", "3100")  # no unknown outcome: detected before sending
        assert result.ok and server.connections == 2
        assert sum(f.startswith(b"11") for f in server.frames) == 1


def test_query_retried_once_when_the_link_breaks(clients: Callable[..., SIP2Client]) -> None:
    def drop_first_query(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"63") and conn.number == 1:
            return HANG_UP
        return good_ils(frame, conn)

    with ScriptedServer(drop_first_query) as server:
        client = clients(server.port)
        client.connect()
        assert client.patron_information("2100").charged_items_count == 3
        assert server.connections == 2


def test_garbage_reply(clients: Callable[..., SIP2Client]) -> None:
    def garbage(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith((b"11", b"23", b"97")):
            return b"\x00\xff<html>502 Bad Gateway</html>\r"
        return good_ils(frame, conn)

    with ScriptedServer(garbage) as server:
        client = clients(server.port, retries=2)
        with pytest.raises(UnknownOutcome):
            client.checkout("2100", "3100")
        assert kinds(server.frames)[-3:] == ["11", "97", "97"]
        with pytest.raises(RemoteProtocolError) as info:
            client.patron_status("2100")
        assert not isinstance(info.value, TransportError)


def test_one_garbled_reply_is_recovered_with_97(clients: Callable[..., SIP2Client]) -> None:
    last: dict[str, bytes] = {}

    def garble_once(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith(b"97"):
            return last["good"]
        data = good_ils(frame, conn)
        if frame.startswith(b"11") and data:
            last["good"] = data
            return b"12#%&garbled\r"
        return data

    with ScriptedServer(garble_once) as server:
        client = clients(server.port)
        assert client.checkout("2100", "3100").ok
        assert kinds(server.frames) == ["93", "99", "11", "97"]


# ------------------------------------------------------------------ background work
def test_keepalive_sends_status_while_idle(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port, keepalive_interval=0.1)
        client.connect()
        assert wait_for(lambda: kinds(server.frames).count("99") >= 3, timeout=3)
        client.close()
        assert client.state == "disconnected"
        assert not any(t.name == "sip2-supervisor" and t.is_alive() for t in threading.enumerate())


def test_keepalive_notices_a_silent_ils_and_recovers(clients: Callable[..., SIP2Client]) -> None:
    silent = threading.Event()

    def maybe_silent(frame: bytes, conn: Conn) -> bytes | None:
        return None if silent.is_set() else good_ils(frame, conn)

    with ScriptedServer(maybe_silent) as server:
        client = clients(server.port, keepalive_interval=0.1, read_timeout=0.2, reconnect_interval=0.05)
        states: list[str] = []
        client.add_listener(states.append)
        client.connect()
        silent.set()
        assert wait_for(lambda: client.state == "offline", timeout=3), states
        assert "no reply" in (client.last_error or "")
        silent.clear()
        assert wait_for(lambda: client.state == "online", timeout=3), states
        assert server.connections >= 2


def test_supervisor_reconnects_when_the_ils_comes_back(clients: Callable[..., SIP2Client]) -> None:
    port = free_port()
    client = clients(port, reconnect_interval=0.05)
    online = threading.Event()
    client.add_listener(lambda state: online.set() if state == "online" else None)
    with pytest.raises(TransportError):
        client.connect()
    assert client.state == "offline"
    with ScriptedServer(good_ils, port=port) as server:
        assert online.wait(3)
        assert kinds(server.frames)[:2] == ["93", "99"]


def test_reconnect_attempts_are_paced_while_the_ils_is_down(clients: Callable[..., SIP2Client]) -> None:
    client = clients(free_port(), reconnect_interval=0.1)
    states: list[str] = []
    client.add_listener(states.append)
    with pytest.raises(TransportError):
        client.connect()
    time.sleep(0.45)
    client.close()
    attempts = states.count("connecting")
    assert 2 <= attempts <= 7, states  # the first try plus about one per interval, no busy loop


def test_requests_from_many_threads_never_interleave(clients: Callable[..., SIP2Client]) -> None:
    with ScriptedServer(good_ils) as server:
        client = clients(server.port)
        client.connect()
        errors: list[BaseException] = []
        results: list[str] = []

        def worker(n: int) -> None:
            try:
                for i in range(10):
                    item = f"31{n:02d}{i:02d}"
                    results.append(client.checkout("2100", item).item_identifier == item and "ok" or "bad")
            except BaseException as exc:  # collected and re-checked below
                errors.append(exc)

        threads = [threading.Thread(target=worker, args=(n,)) for n in range(6)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=20)
        assert not errors and results == ["ok"] * 60
        seqs = [codec.decode_frame(f).sequence for f in server.frames]
        assert seqs == [i % 10 for i in range(len(seqs))]


def test_wire_log_masks_passwords_and_pins(clients: Callable[..., SIP2Client],
                                           caplog: pytest.LogCaptureFixture) -> None:
    with ScriptedServer(good_ils) as server, caplog.at_level(logging.DEBUG, logger="kiosk.sip2"):
        client = clients(server.port, terminal_password="term-pw")
        client.checkout("2100", "3100", pin="9876")
        text = "\n".join(r.getMessage() for r in caplog.records)
        assert "-> 9300CNkiosk|CO****" in text and "AD****" in text and "AC****" in text
        assert "kiosk-pass" not in text and "9876" not in text and "term-pw" not in text
        assert "kiosk-pass" not in repr(client.settings)


def test_injected_transport(clients: Callable[..., SIP2Client]) -> None:
    """Any object with write/read(timeout)/close will do: here a socketpair."""
    ours, theirs = socket.socketpair()
    stop = threading.Event()

    def ils() -> None:
        decoder = codec.Decoder()
        theirs.settimeout(0.05)
        while not stop.is_set():
            try:
                chunk = theirs.recv(4096)
            except socket.timeout:
                continue
            if not chunk:
                return
            decoder.feed(chunk)
            while (frame := decoder.next_frame()) is not None:
                theirs.sendall(codec.encode(good_answer(frame.raw), seq=frame.sequence))

    thread = threading.Thread(target=ils, daemon=True)
    thread.start()
    try:
        client = SIP2Client(settings_for(1), lambda s: SocketTransport(ours, "socketpair"), supervise=False)
        client.connect()
        assert client.item_information("3100").title_identifier == "Björn"
        client.close()
    finally:
        stop.set()
        thread.join(2)
        theirs.close()
        ours.close()


def test_settings_from_the_station_config(tmp_path: Path) -> None:
    from kiosk.config import load_config

    demo = SIP2Settings.from_config(load_config(None))
    assert (demo.host, demo.username, demo.institution_id, demo.password) == ("127.0.0.1", "kiosk", "DEMO",
                                                                              "kiosk-pass")
    assert "kiosk-pass" not in repr(demo)
    path = tmp_path / "station.toml"
    path.write_text('[station]\ninstitution_id = "MAIN"\nlocation_code = "DESK2"\n'
                    '[sip2]\nhost = "127.0.0.1"\nport = 7001\nusername = "sc"\npassword = "pw"\n'
                    'encoding = "latin-1"\nterminator = "crlf"\nchecksums = false\nterminal_password = "tpw"\n',
                    encoding="utf-8")
    cfg = load_config(path, check_devices=False, apply_override_file=False)
    settings = SIP2Settings.from_config(cfg)
    assert (settings.port, settings.institution_id, settings.location_code, settings.encoding,
            settings.terminator, settings.checksums, settings.terminal_password) == (
        7001, "MAIN", "DESK2", "latin-1", "crlf", False, "tpw")


def test_illegal_state_step_names_the_step_and_the_state() -> None:
    client = SIP2Client(settings_for(1), supervise=False)
    with pytest.raises(LocalProtocolError, match="'ready'.*'disconnected'"):
        client._step("ready")
    assert client.state == "disconnected"


def test_unknown_request_type_is_our_error(clients: Callable[..., SIP2Client]) -> None:
    client = clients(1)
    with pytest.raises(LocalProtocolError):
        client.request(m.LoginResponse(ok=True))

"""Every fault mode over loopback, switched on and off mid-stream, and
whether the faulted request took effect (what the kiosk must reconcile)."""

from __future__ import annotations

import socket
import time

import pytest
from ils_helpers import RawSIP

from kiosk.errors import ConfigError
from kiosk.sip2 import messages as m
from kiosk.sip2.codec import ChecksumError, decode_frame
from kiosk.sip2.ils import ILSSimulator
from kiosk.sip2.ils.faults import Faults, make_faults

ANA = "21000000000001"


def item(n: int) -> str:
    return f"310000000000{n:02d}"


def on_loan(sim: ILSSimulator, barcode: str) -> bool:
    return sim.store.loan(barcode) is not None


def checkout(n: int) -> m.CheckoutRequest:
    return m.CheckoutRequest(patron_identifier=ANA, item_identifier=item(n))


def test_drop_closes_without_doing_the_work(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("drop", command="11")
    station.send(checkout(1))
    assert station.is_closed()
    assert not on_loan(ils, item(1))


def test_lost_reply_closes_after_doing_the_work(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("lost_reply", command="11")
    station.send(checkout(1))
    assert station.is_closed()
    assert on_loan(ils, item(1))  # the unknown outcome the kiosk must reconcile with a 17
    again = RawSIP(ils.port)
    try:
        assert again.login()
        info = again.ask(m.ItemInformationRequest(item_identifier=item(1)))
        assert info.circulation_status == "04"  # type: ignore[attr-defined]
    finally:
        again.close()


def test_no_reply_is_silent_and_the_connection_lives_on(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("no_reply", command="11")
    station.send(checkout(1))
    with pytest.raises(TimeoutError):
        station.read_frame(timeout=0.3)
    assert not on_loan(ils, item(1))
    assert station.ask(checkout(1)).ok  # type: ignore[attr-defined]


def test_garbage_reply_then_resend_gives_the_real_one(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("garbage", command="11")
    station.send(checkout(1))
    raw = station.read_bytes()
    assert raw.endswith(b"\r") and not raw[:1].isdigit()
    assert on_loan(ils, item(1))
    station.send_raw(b"97\r")
    real = decode_frame(station.read_bytes(), "utf-8")
    assert isinstance(real.message, m.CheckoutResponse) and real.message.ok


def test_bad_checksum_reply_then_resend_verifies(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("bad_checksum", command="17")
    station.send(m.ItemInformationRequest(item_identifier=item(1)))
    bad = station.read_bytes()
    with pytest.raises(ChecksumError):
        decode_frame(bad, "utf-8")
    station.send_raw(b"97\r")
    good = decode_frame(station.read_bytes(), "utf-8")
    assert good.message.title_identifier == "Cien años de soledad"  # type: ignore[attr-defined]


def test_bad_checksum_even_when_the_station_sends_none(ils: ILSSimulator) -> None:
    conn = RawSIP(ils.port, checksums=False)
    try:
        assert conn.login()
        ils.faults.fail_next("bad_checksum")
        conn.send(m.ItemInformationRequest(item_identifier=item(1)))
        with pytest.raises(ChecksumError):
            decode_frame(conn.read_bytes(), "utf-8")
    finally:
        conn.close()


def test_fail_next_targets_one_message_type_and_count(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.fail_next("no_reply", count=2, command="11")
    for _ in range(3):  # other messages pass untouched
        assert station.ask(m.ItemInformationRequest(item_identifier=item(2))).title_identifier  # type: ignore[attr-defined]
    for n in (1, 2):
        station.send(checkout(n))
        with pytest.raises(TimeoutError):
            station.read_frame(timeout=0.2)
    assert station.ask(checkout(3)).ok  # type: ignore[attr-defined]


def test_random_faults_switched_on_and_off_mid_stream(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.set(garbage=1.0)
    station.send(m.ItemInformationRequest(item_identifier=item(1)))
    assert not station.read_bytes()[:1].isdigit()
    ils.faults.clear()
    assert isinstance(station.ask(m.ItemInformationRequest(item_identifier=item(1))), m.ItemInformationResponse)


def test_delay_holds_the_reply_back(ils: ILSSimulator, station: RawSIP) -> None:
    ils.faults.set(delay=0.5)
    station.send(m.ItemInformationRequest(item_identifier=item(1)))
    with pytest.raises(TimeoutError):
        station.read_frame(timeout=0.05)
    assert isinstance(station.read_frame(timeout=5).message, m.ItemInformationResponse)


def test_latency_argument_is_a_fixed_delay() -> None:
    with ILSSimulator(latency=0.25) as sim:
        assert sim.faults.delay == 0.25


def test_server_down_refuses_and_comes_back_on_the_same_port(ils: ILSSimulator, station: RawSIP) -> None:
    port = ils.port
    ils.set_down(True)
    assert ils.is_down and station.is_closed()
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1).close()
    ils.set_down(False)
    assert ils.port == port
    again = RawSIP(port)
    try:
        assert again.login()
    finally:
        again.close()


def test_flap_takes_the_server_down_and_up() -> None:
    with ILSSimulator(faults=["flap=0.15:0.15"]) as sim:
        states = set()
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline and states != {True, False}:
            states.add(sim.is_down)
            time.sleep(0.02)
        assert states == {True, False}


# ------------------------------------------------------------------ settings and grammar
def test_jitter_stays_within_bounds() -> None:
    faults = Faults(delay=0.1, jitter=0.2, seed=7)
    delays = [faults.decide("17").delay for _ in range(200)]
    assert min(delays) >= 0.1 and max(delays) <= 0.3 + 1e-9 and len(set(delays)) > 100


def test_probability_is_seeded_and_reproducible() -> None:
    runs = []
    for _ in range(2):
        faults = Faults(seed=3, drop=0.3)
        runs.append([faults.decide("11").mode for _ in range(100)])
    assert runs[0] == runs[1] and 10 < runs[0].count("drop") < 60


@pytest.mark.parametrize("specs, check", [
    (["drop"], lambda f: f.probabilities["drop"] == 1.0),
    (["garbage=0.25"], lambda f: f.probabilities["garbage"] == 0.25),
    (["bad-checksum=0.5"], lambda f: f.probabilities["bad_checksum"] == 0.5),
    (["delay=0.3", "jitter=0.1"], lambda f: (f.delay, f.jitter) == (0.3, 0.1)),
    (["terminator=crlf"], lambda f: f.terminator_bytes == b"\r\n"),
    (["lost_reply@11x2"], lambda f: [f.decide("17").mode, f.decide("11").mode, f.decide("11").mode,
                                     f.decide("11").mode] == [None, "lost_reply", "lost_reply", None]),
    (["no_reply@09"], lambda f: f.decide("09").mode == "no_reply"),
    (["flap=2:8"], lambda f: f.flap == (2.0, 8.0)),
])
def test_cli_grammar(specs: list[str], check) -> None:  # type: ignore[no-untyped-def]
    assert check(Faults.parse(specs))


@pytest.mark.parametrize("spec", ["explode", "drop=2", "delay=-1", "terminator=lf", "drop@1x1", "flap=1",
                                  "lost_reply@11x0", "delay"])
def test_cli_grammar_errors(spec: str) -> None:
    with pytest.raises(ConfigError) as info:
        Faults.parse([spec])
    assert info.value.errors[0].startswith(f"--fault {spec}:")


def test_make_faults_accepts_every_form() -> None:
    assert make_faults(None).snapshot()["delay"] == 0.0
    assert make_faults({"drop": 0.5}).probabilities["drop"] == 0.5
    assert make_faults("garbage").probabilities["garbage"] == 1.0
    same = Faults()
    assert make_faults(same) is same
    with pytest.raises(ValueError):
        Faults().set(explode=1)

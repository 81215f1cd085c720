"""The simulator's guards on the wire: what a 97 repeats, the connection
limit and its polite refusal, and floods of bad frames (bounded replies,
bounded log lines, the connection cut)."""

from __future__ import annotations

import logging
import socket
import threading

import pytest
from ils_helpers import RawSIP

from kiosk.sip2 import messages as m
from kiosk.sip2.codec import checksum, decode_frame
from kiosk.sip2.ils import ILSSimulator
from kiosk.sip2.ils.server import MAX_CONNECTIONS

BAD_CHECKSUM = b"1720260310    120000AODEMO|AB31000000000001|AY1AZ0000\r"


def test_a_97_after_a_96_repeats_the_96(station: RawSIP) -> None:
    """The last message the ILS sent is the 96: a 97 must not fetch the login
    reply before it, which a station would take as the answer to its request."""
    station.send_raw(BAD_CHECKSUM)
    resend = station.read_bytes()
    assert resend.startswith(b"96")
    station.send_raw(b"97AZ" + checksum(b"97AZ").encode() + b"\r")
    assert station.read_bytes() == resend


def test_a_97_after_a_reply_repeats_the_reply(station: RawSIP) -> None:
    station.send(m.ItemInformationRequest(item_identifier="31000000000001"))
    first = station.read_bytes()
    station.send_raw(b"97\r")
    assert station.read_bytes() == first


def test_the_default_limit_serves_200_stations(clock: object) -> None:
    assert MAX_CONNECTIONS >= 200
    with ILSSimulator(clock=clock) as sim:  # type: ignore[arg-type]
        assert sim.max_connections == MAX_CONNECTIONS
        conns = [RawSIP(sim.port) for _ in range(200)]
        try:
            assert all(conn.login() for conn in conns)
            assert sim.connection_count == 200 and sim.connections_refused == 0
        finally:
            for conn in conns:
                conn.close()


@pytest.mark.parametrize("checksums", [True, False])
def test_over_the_limit_a_login_is_refused_with_a_reason(clock: object, checksums: bool) -> None:
    with ILSSimulator(clock=clock, max_connections=2) as sim:  # type: ignore[arg-type]
        first, second = RawSIP(sim.port), RawSIP(sim.port)
        third = RawSIP(sim.port, checksums=checksums)
        try:
            assert first.login() and second.login()
            third.send(m.LoginRequest(login_user_id="kiosk", login_password="kiosk-pass"))
            raw = third.read_bytes()
            frame = decode_frame(raw, "utf-8")  # verifies AZ when there is one
            assert isinstance(frame.message, m.LoginResponse) and not frame.message.ok
            assert (frame.checksum is not None) == checksums
            assert "ILS busy" in frame.message.get("AF") and "2 stations" in frame.message.get("AF")
            assert third.is_closed()
            assert sim.connections_refused == 1
        finally:
            for conn in (first, second, third):
                conn.close()


def test_over_the_limit_a_status_says_offline_and_why(clock: object) -> None:
    with ILSSimulator(clock=clock, max_connections=1) as sim:  # type: ignore[arg-type]
        first, second = RawSIP(sim.port), RawSIP(sim.port)
        try:
            assert first.login()
            status = second.ask(m.SCStatus())
            assert isinstance(status, m.ACSStatus) and not status.online_status
            assert status.screen_message and "ILS busy" in status.screen_message[0]
            assert second.is_closed()
        finally:
            first.close()
            second.close()


def test_over_the_limit_silence_gets_a_96_then_close(clock: object) -> None:
    with ILSSimulator(clock=clock, max_connections=1) as sim:  # type: ignore[arg-type]
        first, second = RawSIP(sim.port), RawSIP(sim.port)
        try:
            assert first.login()
            assert second.read_bytes(timeout=10) == b"96\r"
            assert second.is_closed()
        finally:
            first.close()
            second.close()


def test_a_slot_freed_is_served_again(clock: object) -> None:
    with ILSSimulator(clock=clock, max_connections=1) as sim:  # type: ignore[arg-type]
        first = RawSIP(sim.port)
        assert first.login()
        first.close()
        second = RawSIP(sim.port)
        try:
            for _ in range(50):  # the first thread notices the close within its socket wait
                if second.login():
                    break
                second.close()
                second = RawSIP(sim.port)
            assert second.ask(m.SCStatus()).online_status  # type: ignore[attr-defined]
        finally:
            second.close()


def test_a_flood_of_bad_frames_is_cut_with_few_log_lines(ils: ILSSimulator,
                                                         caplog: pytest.LogCaptureFixture) -> None:
    """Issue 11 case 9 from the server's side: bad frames in a row close the
    connection after ``max_bad_frames``; warnings about it are rate-limited."""
    caplog.set_level(logging.INFO, logger="kiosk.sip2.ils")
    conn = RawSIP(ils.port)
    try:
        assert conn.login()
        caplog.clear()
        flood = (b"XX\x1b[2J junk AY1AZ0000\r" * 5000)
        try:
            conn.send_raw(flood)
        except OSError:
            pass  # cut while we were still sending: that is the point
        replies = b""
        while not conn.is_closed(timeout=5):
            pass
        del replies
        lines = [r for r in caplog.records if r.name == "kiosk.sip2.ils"]
        assert len(lines) <= 4, [r.getMessage() for r in lines]
        assert any("in a row" in r.getMessage() for r in lines)
        assert all("\x1b" not in r.getMessage() for r in lines)
    finally:
        conn.close()


def test_good_frames_between_bad_ones_keep_the_connection(ils: ILSSimulator) -> None:
    conn = RawSIP(ils.port)
    try:
        assert conn.login()
        for _ in range(3 * ils.max_bad_frames):
            conn.send_raw(BAD_CHECKSUM)
            assert conn.read_bytes().startswith(b"96")
            assert isinstance(conn.ask(m.SCStatus()), m.ACSStatus)
    finally:
        conn.close()


def test_refusals_are_bounded(clock: object) -> None:
    """Many connections over the limit at once: each is answered or closed,
    none holds a thread past the busy wait, and the server still serves."""
    with ILSSimulator(clock=clock, max_connections=1) as sim:  # type: ignore[arg-type]
        first = RawSIP(sim.port)
        assert first.login()
        socks = [socket.create_connection(("127.0.0.1", sim.port), timeout=5) for _ in range(40)]
        try:
            for sock in socks:
                sock.settimeout(10)
                data = b""
                try:
                    while chunk := sock.recv(100):
                        data += chunk
                except ConnectionResetError:
                    pass
                assert data in (b"", b"96\r")
            assert sim.connections_refused == 40
            assert first.ask(m.SCStatus()).online_status  # type: ignore[attr-defined]
            assert len([t for t in threading.enumerate() if t.name.startswith("ils-busy")]) <= 16
        finally:
            for sock in socks:
                sock.close()
            first.close()

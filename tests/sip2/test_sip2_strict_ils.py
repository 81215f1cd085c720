"""The ILS simulator judged by a checksum-verifying SC (tests/sip2/strict_peer.py):
every reply, the 96 for a corrupted request included, carries a valid AZ
once the station uses checksums, and a 97 returns the last message sent,
which after a 96 is the 96 (issue 12, 3M SIP2 2.00 "Error detection")."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

from kiosk.sip2 import codec
from kiosk.sip2 import messages as m
from kiosk.sip2.ils import ILSSimulator

from strict_peer import strict_reply_problem

ANA, BOOK = "21000000000001", "31000000000001"


class StrictStation:
    """A raw-socket SC that verifies every reply before it believes it."""

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5.0)
        self.buffer = b""
        self.seq = 0

    def frame(self, msg: m.Message) -> bytes:
        data = codec.encode(msg, seq=self.seq, encoding="utf-8")
        self.seq = (self.seq + 1) % 10
        return data[:-1]

    def exchange(self, request: bytes) -> bytes:
        """Send ``request`` (no terminator); the verified reply (no terminator)."""
        self.sock.sendall(request + b"\r")
        while b"\r" not in self.buffer:
            chunk = self.sock.recv(4096)
            if not chunk:
                raise ConnectionError(f"the ILS closed the connection after {request[:20]!r}")
            self.buffer += chunk
        reply, _, self.buffer = self.buffer.partition(b"\r")
        problem = strict_reply_problem(reply, request)
        assert problem is None, problem
        return reply

    def close(self) -> None:
        self.sock.close()


@pytest.fixture
def station() -> Iterator[StrictStation]:
    with ILSSimulator() as sim:
        conn = StrictStation(sim.port)
        try:
            assert conn.exchange(conn.frame(m.LoginRequest(login_user_id="kiosk", login_password="kiosk-pass")))[:3] \
                == b"941"
            yield conn
        finally:
            conn.close()


def corrupted(frame: bytes) -> bytes:
    value = (int(frame[-4:], 16) + 1) & 0xFFFF
    return frame[:-4] + f"{value:04X}".encode()


def test_a_bad_checksum_gets_a_96_with_its_own_checksum(station: StrictStation) -> None:
    request = station.frame(m.ItemInformationRequest(item_identifier=BOOK))
    resend = station.exchange(corrupted(request))
    assert resend.startswith(b"96") and b"AZ" in resend  # verified by exchange()
    assert resend == b"96AY" + request[-7:-6] + b"AZ" + codec.checksum(b"96AY" + request[-7:-6] + b"AZ").encode()
    reply = station.exchange(request)
    assert codec.decode(reply, "utf-8").title_identifier == "Cien años de soledad"  # type: ignore[attr-defined]


def test_a_97_after_a_96_gets_the_96_not_the_reply_before_it(station: StrictStation) -> None:
    checkout = station.frame(m.CheckoutRequest(patron_identifier=ANA, item_identifier=BOOK))
    resend = station.exchange(corrupted(checkout))
    again = station.exchange(b"97AZ" + codec.checksum(b"97AZ").encode())  # as Koha's SCs send it, no AY
    assert again == resend, "the 97 must repeat the 96, not the login reply"
    reply = codec.decode(station.exchange(checkout), "utf-8")
    assert isinstance(reply, m.CheckoutResponse) and reply.ok


def test_unparseable_request_gets_a_checksummed_96(station: StrictStation) -> None:
    body = b"11Y"  # too short for a checkout, but with a trailer the SC computed
    frame = body + b"AY4AZ" + codec.checksum(body + b"AY4AZ").encode()
    assert station.exchange(frame).startswith(b"96AY4AZ")
    garbage = b"XX not sip at all"  # no trailer at all: the connection already uses checksums
    assert station.exchange(garbage).startswith(b"96AZ")


REQUESTS = [
    m.SCStatus(), m.PatronStatusRequest(patron_identifier=ANA, patron_password="1234"),
    m.PatronInformationRequest(patron_identifier=ANA, patron_password="1234", summary="  Y       "),
    m.CheckoutRequest(patron_identifier=ANA, item_identifier=BOOK),
    m.RenewRequest(patron_identifier=ANA, item_identifier=BOOK),
    m.CheckinRequest(item_identifier=BOOK), m.ItemInformationRequest(item_identifier=BOOK),
    m.RenewAllRequest(patron_identifier=ANA), m.EndPatronSessionRequest(patron_identifier=ANA),
    m.HoldRequest(patron_identifier=ANA, item_identifier=BOOK),
    m.FeePaidRequest(patron_identifier=ANA, fee_amount="1.00"),
    m.PatronEnableRequest(patron_identifier=ANA),
    m.ItemStatusUpdateRequest(item_identifier=BOOK, item_properties="x"),
]


@pytest.mark.parametrize("request_msg", REQUESTS, ids=[type(r).__name__ for r in REQUESTS])
def test_every_reply_passes_a_verifying_sc(station: StrictStation, request_msg: m.Message) -> None:
    station.exchange(station.frame(request_msg))

"""Checkout round trip through the kiosk's SIP2 client, against a bare-socket floor.

Both talk to the same ILS simulator on 127.0.0.1 (no injected latency) and do
the same work: a checkout of one item (timed) followed by its checkin (not
timed, so every timed checkout is a fresh loan on the ILS). The two sides take
turns checkout by checkout, so background load on the machine hits both alike. The floor sends
pre-encoded bytes on a raw socket and only waits for the terminator: no
encoding, no parsing, no locking. The client does everything it does in the
kiosk: builds the request with today's date, encodes it with AY/AZ, checks the
reply's checksum and sequence, decodes it into a typed CheckoutResponse.

    .venv/bin/python benchmarks/sip2_roundtrip.py [--count 2000]

Prints median and p99 in microseconds for both, and the ratio client/floor
(target: under 1.3x). No assertion: the figures are for the report.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.sip2 import codec  # noqa: E402
from kiosk.sip2 import messages as m  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402

PATRON, ITEM = "21000000000002", "31000000000003"  # Björn (no PIN), a circulating book


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


class BareSocket:
    """The floor: pre-encoded frames, read until CR, nothing else."""

    def __init__(self, port: int, encoding: str) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        now = time.strftime("%Y%m%d    %H%M%S")
        self.login = codec.encode(m.LoginRequest(login_user_id="kiosk", login_password="kiosk-pass"), seq=0,
                                  encoding=encoding)
        self.checkout = (f"11NN{now}{' ' * 18}AODEMO|AA{PATRON}|AB{ITEM}|AC|AY1AZ").encode(encoding)
        self.checkout += codec.checksum(self.checkout).encode() + b"\r"
        self.checkin = (f"09N{now}{now}APMAIN|AODEMO|AB{ITEM}|AC|AY2AZ").encode(encoding)
        self.checkin += codec.checksum(self.checkin).encode() + b"\r"
        self.exchange(self.login)

    def exchange(self, data: bytes) -> bytes:
        self.sock.sendall(data)
        reply = b""
        while not reply.endswith(b"\r"):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the simulator closed the connection")
            reply += chunk
        return reply

    def close(self) -> None:
        self.sock.close()


def measure(port: int, encoding: str, count: int) -> tuple[list[float], list[float]]:
    """Alternate floor and client checkout by checkout, so that whatever else
    the machine is doing hits both sides alike."""
    bare = BareSocket(port, encoding)
    client = SIP2Client(SIP2Settings(port=port, username="kiosk", password="kiosk-pass", institution_id="DEMO",
                                     location_code="MAIN", encoding=encoding, keepalive_interval=0),
                        supervise=False)
    client.connect()
    try:
        first = bare.exchange(bare.checkout)
        assert first.startswith(b"121"), f"floor checkout refused: {first!r}"
        bare.exchange(bare.checkin)
        assert client.checkout(PATRON, ITEM).ok, "client checkout refused"
        client.checkin(ITEM)
        floor, ours = [], []
        clock = time.perf_counter
        for _ in range(count):
            start = clock()
            bare.exchange(bare.checkout)
            floor.append(clock() - start)
            bare.exchange(bare.checkin)
            start = clock()
            client.checkout(PATRON, ITEM)
            ours.append(clock() - start)
            client.checkin(ITEM)
        return floor, ours
    finally:
        client.close()
        bare.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="timed checkouts per side (default 2000)")
    args = parser.parse_args()
    with ILSSimulator() as sim:
        measure(sim.port, sim.encoding, 200)  # warm up both paths and the simulator
        floor, ours = measure(sim.port, sim.encoding, args.count)
    f_med, f_p99 = statistics.median(floor) * 1e6, percentile(floor, 0.99) * 1e6
    o_med, o_p99 = statistics.median(ours) * 1e6, percentile(ours, 0.99) * 1e6
    print(f"checkout round trip on loopback, {len(ours)} timed checkouts per side")
    print(f"{'':<28} {'median us':>10} {'p99 us':>10}")
    print(f"{'bare socket floor':<28} {f_med:>10.0f} {f_p99:>10.0f}")
    print(f"{'kiosk SIP2Client':<28} {o_med:>10.0f} {o_p99:>10.0f}")
    print(f"{'ratio client/floor':<28} {o_med / f_med:>9.2f}x {o_p99 / f_p99:>9.2f}x   (target < 1.3x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

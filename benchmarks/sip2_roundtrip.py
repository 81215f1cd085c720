"""SIP2 round trips through the kiosk's client against a raw-socket floor,
with the ILS simulator in its own process (``kiosk ils-sim --port 0``), so the
server never shares this interpreter or its lock with the clients.

Two exchanges are timed, each by both sides, in the same run:

* a cheap one: SC status (99) answered by ACS status (98);
* a checkout (11/12) of one item, followed by its checkin (09/10, not timed)
  so every timed checkout is a fresh loan.

The floor sends pre-encoded frames on a raw socket and only waits for the
terminator: no encoding, no parsing, no locking. The client does everything it
does in the kiosk: builds the typed request with today's date, encodes it with
AY/AZ, checks the reply's checksum and sequence, decodes it into a typed reply.
The sides take turns exchange by exchange, so background load hits both alike,
and on the same connection: the client's socket is opened here (through its
transport factory) and the floor writes to it between the client's requests.
On two connections the simulator's two serving threads answered tens of
microseconds apart for the same bytes (measured: 64-75 against 103-115 us),
which said more about thread scheduling than about the client.

    .venv/bin/python benchmarks/sip2_roundtrip.py [--count 2000] [--runs 3]

Prints p50 and p99 in microseconds for both sides and the ratio client/floor
per exchange, each the median of ``--runs`` runs (target: under 1.3x at p50 and
p99). No assertion: the figures are for the report.
"""

from __future__ import annotations

import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.sip2 import codec  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402
from kiosk.sip2.transport import SocketTransport  # noqa: E402

PATRON, ITEM = "21000000000002", "31000000000003"  # Björn (no PIN), a circulating book
TARGET = 1.3


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(fraction * (len(ordered) - 1))))]


def framed(body: str, seq: int) -> bytes:
    data = f"{body}AY{seq}AZ".encode("utf-8")
    return data + codec.checksum(data).encode("ascii") + b"\r"


class RawClient:
    """The floor: pre-encoded frames, read until CR, nothing else, on the
    socket it is given (the client's own, already logged in)."""

    def __init__(self, sock: socket.socket) -> None:
        self.sock = sock
        now = time.strftime("%Y%m%d    %H%M%S")
        self.status = framed("9900402.00", 1)
        self.checkout = framed(f"11NN{now}{now}AODEMO|AA{PATRON}|AB{ITEM}|AC|", 2)
        self.checkin = framed(f"09N{now}{now}APMAIN|AODEMO|AB{ITEM}|AC|", 3)

    def exchange(self, data: bytes) -> bytes:
        self.sock.sendall(data)
        reply = b""
        while not reply.endswith(b"\r"):
            chunk = self.sock.recv(65536)
            if not chunk:
                raise ConnectionError("the simulator closed the connection")
            reply += chunk
        return reply



def kiosk_command() -> list[str]:
    script = Path(sys.executable).with_name("kiosk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([*kiosk_command(), "ils-sim", "--host", "127.0.0.1", "--port", "0", "--duration", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stdout is not None
    found = re.search(r"on 127\.0\.0\.1:(\d+)", proc.stdout.readline())
    if not found:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit("the ILS simulator did not start")
    return proc, int(found.group(1))


def measure(port: int, count: int) -> dict[str, list[float]]:
    """One run: ``count`` timed exchanges of each kind per side, taking turns."""
    opened: list[socket.socket] = []

    def transport(settings: SIP2Settings) -> SocketTransport:
        sock = socket.create_connection(("127.0.0.1", port), timeout=5)
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        opened.append(sock)
        return SocketTransport(sock, f"127.0.0.1:{port}")
    client = SIP2Client(SIP2Settings(port=port, username="kiosk", password="kiosk-pass", institution_id="DEMO",
                                     location_code="MAIN", encoding="utf-8", keepalive_interval=0),
                        transport, supervise=False)
    client.connect()
    raw = RawClient(opened[-1])
    times: dict[str, list[float]] = {"raw 99": [], "client 99": [], "raw 11": [], "client 11": []}
    clock = time.perf_counter
    try:
        if not (raw.exchange(raw.checkout).startswith(b"121") and raw.exchange(raw.checkin).startswith(b"101")):
            raise SystemExit("the floor's checkout was refused")
        if not (client.checkout(PATRON, ITEM).ok and client.checkin(ITEM).ok):
            raise SystemExit("the client's checkout was refused")
        for _ in range(count):
            start = clock()
            raw.exchange(raw.status)
            times["raw 99"].append(clock() - start)
            start = clock()
            client.sc_status()
            times["client 99"].append(clock() - start)
            start = clock()
            raw.exchange(raw.checkout)
            times["raw 11"].append(clock() - start)
            raw.exchange(raw.checkin)
            start = clock()
            client.checkout(PATRON, ITEM)
            times["client 11"].append(clock() - start)
            client.checkin(ITEM)
        return times
    finally:
        client.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=2000, help="timed exchanges of each kind per side per run")
    parser.add_argument("--runs", type=int, default=3, help="runs; each figure is the median over runs (default 3)")
    args = parser.parse_args()
    sim, port = start_simulator()
    try:
        measure(port, 200)  # warm up both paths and the simulator
        runs = [measure(port, args.count) for _ in range(args.runs)]
    finally:
        sim.terminate()
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait(timeout=10)

    def figure(key: str, fraction: float) -> float:
        return statistics.median(percentile(run[key], fraction) for run in runs) * 1e6

    print(f"SIP2 round trips on loopback, ILS simulator in its own process; {args.count} timed exchanges per side "
          f"and kind per run, median of {args.runs} runs")
    print(f"{'':<34} {'p50 us':>8} {'p99 us':>8}")
    for kind, name in (("99", "SC status 99/98"), ("11", "checkout 11/12")):
        floor = (figure(f"raw {kind}", 0.5), figure(f"raw {kind}", 0.99))
        ours = (figure(f"client {kind}", 0.5), figure(f"client {kind}", 0.99))
        print(f"{name + ', raw socket floor':<34} {floor[0]:>8.0f} {floor[1]:>8.0f}")
        print(f"{name + ', kiosk SIP2Client':<34} {ours[0]:>8.0f} {ours[1]:>8.0f}")
        ratio = (ours[0] / floor[0], ours[1] / floor[1])
        verdict = "met" if max(ratio) < TARGET else "NOT met"
        print(f"{name + ', ratio client/floor':<34} {ratio[0]:>7.2f}x {ratio[1]:>7.2f}x   "
              f"(target < {TARGET}x: {verdict})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

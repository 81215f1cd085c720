"""Borrowing a 10-item stack: the whole station against its floor.

Setup per ILS latency (0, 50 and 150 ms added by the ILS simulator to every
reply): the ILS simulator on loopback, the real SIP2 client, the station
with its journal on disk (WAL, synchronous=FULL), and the simulated pad with
the ISO 15693 air-time model on (an AFI write takes the ~10 ms the air
interface needs; inventories take their anticollision time). The pad watcher
runs at the configured poll and settle times, as on a kiosk.

Measured: the patron is on the borrow screen and puts the stack on the pad.
The clock starts when the station takes the settled stack (the pad watcher's
"stack settled", which the station answers at once with a pending line per
item: the first of those events is the start) and stops when the tenth item is
reported borrowed with its tag switched to "on loan".

Floor: a checkout (11) cannot start before the previous one is answered (one
SIP2 connection, one request in flight), and a tag's security write cannot
start before its checkout is answered. With ``A`` the ILS round trip of one
checkout (measured with the bare SIP2 client on a fresh simulator at the same
latency) and ``W`` one AFI write (air-time model), the best any pipeline can do
is ``max(10*A + W, A + 10*W)``: the sum of the ILS round trips plus the tag
I/O that cannot overlap them. Printed: measured, floor, ratio (target 1.15x).

Run: .venv/bin/python benchmarks/checkout_stack.py [--repeat N] [--latency MS ...]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_station import PATRON, client_for, start_signed_in  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.drivers.rfid import airtime  # noqa: E402
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag  # noqa: E402
from kiosk.events import ItemResult, ItemStatus, SessionChanged, SessionState  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402
from kiosk.station.facade import Station  # noqa: E402
from kiosk.tags import dsfid_for  # noqa: E402

ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]


def ils_round_trips(latency: float) -> list[float]:
    """One checkout round trip per item with the bare client (no journal, no tags)."""
    with ILSSimulator(encoding="utf-8", latency=latency) as ils:
        client = client_for(ils)
        client.connect()
        try:
            times = []
            for item in ITEMS:
                start = time.perf_counter()
                reply = client.checkout(PATRON, item)
                times.append(time.perf_counter() - start)
                assert reply.ok, reply.screen_message
            return times
        finally:
            client.close()


class Waiter:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.borrowed: dict[str, float] = {}
        self.settled: float | None = None
        self.state: SessionState | None = None

    def __call__(self, event: object) -> None:
        now = time.perf_counter()
        with self.cond:
            if isinstance(event, ItemResult) and event.action == "borrow":
                if event.status is ItemStatus.PENDING:
                    if self.settled is None:
                        self.settled = now
                elif event.status is ItemStatus.BORROWED and event.secured is False:
                    self.borrowed.setdefault(event.item_id, now)
                else:
                    raise SystemExit(f"benchmark item not borrowed: {event}")
            if isinstance(event, SessionChanged):
                self.state = event.state
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 30.0) -> None:  # type: ignore[no-untyped-def]
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise SystemExit("benchmark timed out")


def station_run(latency: float, workdir: Path) -> float:
    cfg = load_config(None, apply_override_file=False)
    with ILSSimulator(encoding="utf-8", latency=latency) as ils:
        pad = SimulatedPad(airtime=True)
        station = Station(cfg, sip2_client=client_for(ils), devices={"rfid": pad},
                          journal_path=workdir / f"journal-{latency}-{time.monotonic_ns()}.sqlite3")
        waiter = Waiter()
        station.subscribe(waiter)
        try:
            start_signed_in(station)
            station.start_borrow()
            waiter.wait(lambda: waiter.state is SessionState.BORROWING)
            for item in ITEMS:
                uid, data = make_item_tag(item, owner_isil="US-RPL")
                pad.place(uid, data, dsfid=dsfid_for("danish"))
            waiter.wait(lambda: len(waiter.borrowed) == len(ITEMS))
            assert waiter.settled is not None
            elapsed = max(waiter.borrowed.values()) - waiter.settled
            assert all(t.afi == 0xC2 for t in pad.tags())
            return elapsed
        finally:
            station.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=7, help="runs per latency (median is printed)")
    parser.add_argument("--latency", type=float, nargs="*", default=[0, 50, 150], help="ILS latency in ms")
    args = parser.parse_args()
    write = airtime.write_afi_time()
    print(f"10-item stack, simulated pad with air-time model (AFI write {write * 1000:.1f} ms), "
          f"journal on disk, median of {args.repeat}")
    print(f"{'ILS latency':>11} {'checkout RTT':>12} {'floor':>9} {'measured':>9} {'ratio':>6} {'per item':>9}"
          f"  {'min-max':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for ms in args.latency:
            latency = ms / 1000
            rtt = statistics.median(ils_round_trips(latency))
            n = len(ITEMS)
            floor = max(n * rtt + write, rtt + n * write)
            runs = [station_run(latency, Path(tmp)) for _ in range(args.repeat)]
            measured = statistics.median(runs)
            print(f"{ms:>9.0f}ms {rtt * 1000:>10.1f}ms {floor * 1000:>7.0f}ms {measured * 1000:>7.0f}ms "
                  f"{measured / floor:>5.2f}x {measured / n * 1000:>7.1f}ms  {min(runs) * 1000:>5.0f}-"
                  f"{max(runs) * 1000:.0f} ms")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Borrowing a 10-item stack on the patron's clock: from the last book put
on the pad to every item shown borrowed and unsecured, against its floor.

Setup per ILS latency (0, 50 and 150 ms added by the ILS simulator to every
reply): the ILS simulator on loopback, the real SIP2 client, the station
with its journal on disk (WAL, synchronous=FULL), and the simulated pad with
the ISO 15693 air-time model on (inventories take their 16-slot
anticollision time, a memory read ~15 ms, an AFI write ~10 ms; one command
on the air at a time). The pad watcher runs at the configured poll interval
and settle time, as on a kiosk.

Measured: the patron is on the borrow screen and puts ten books on the pad,
at moments spread evenly over the pad's poll cycle (run k of N lands
(k + 0.5)/N of an interval after an inventory of the empty pad). The clock starts when the last tag is on the pad and stops when the
station's view shows all ten borrowed with their tags switched to "on loan"
(the tenth such item result; the view is checked to agree).

Floors, from the parts no pipeline can skip (``A``: one checkout round
trip with the bare SIP2 client on a fresh simulator at the same latency;
``inv``: the air time of one inventory of the ten tags; ``R``: one 8-block
memory read; ``W``: one AFI write):

* ``floor`` (issue 13's): one inventory + the ILS round trips + the AFI
  writes that cannot overlap them: ``inv + max(10*A + W, A + 10*W)``.
* ``air floor``: the same, with the memory reads no reader can skip (a
  checkout needs the item id in the tag's memory; reads and writes share one
  air interface): ``max(inv + R + 10*A + W, inv + 10*R + 10*W)``. When the
  ILS answers at once the air is the bottleneck, and the ten reads alone
  (~150 ms) are more than a quarter of ``floor``.

Printed: both floors, the measured median, the ratios (target under 1.25x),
and the poll interval's share (the pad is polled, so a stack waits on
average half an interval before an inventory sees it).

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
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench_station import PATRON, client_for, start_signed_in  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.drivers.rfid import airtime  # noqa: E402
from kiosk.drivers.rfid.base import TagInfo  # noqa: E402
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag  # noqa: E402
from kiosk.events import ItemResult, ItemStatus, SessionChanged, SessionState  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402
from kiosk.station.facade import Station  # noqa: E402
from kiosk.tags import dsfid_for  # noqa: E402

ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]
TAGS = [make_item_tag(item, owner_isil="US-RPL") for item in ITEMS]
BLOCKS = 8


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


def floors(rtt: float) -> tuple[float, float]:
    """(issue 13's floor, the air floor with the memory reads), seconds."""
    n = len(ITEMS)
    inv = airtime.inventory_time([uid for uid, _ in TAGS])
    read, write = airtime.read_blocks_time(BLOCKS), airtime.write_afi_time()
    issue = inv + max(n * rtt + write, rtt + n * write)
    air = max(inv + read + n * rtt + write, inv + n * read + n * write)
    return issue, air


class Waiter:
    """Station subscriber: when each item was shown borrowed and unsecured."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.borrowed: dict[str, float] = {}
        self.state: SessionState | None = None

    def __call__(self, event: object) -> None:
        now = time.perf_counter()
        with self.cond:
            if isinstance(event, ItemResult) and event.action == "borrow" and event.status is not ItemStatus.PENDING:
                if event.status is not ItemStatus.BORROWED or event.secured is not False:
                    raise SystemExit(f"benchmark item not borrowed: {event}")
                self.borrowed.setdefault(event.item_id, now)
            if isinstance(event, SessionChanged):
                self.state = event.state
            self.cond.notify_all()

    def wait(self, predicate: Callable[[], bool], timeout: float = 30.0) -> None:
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise SystemExit("benchmark timed out")


class TimedPad(SimulatedPad):
    """The simulated pad, noting when each inventory begins and when the first
    that lists the whole stack began."""

    stack_seen: float | None = None

    def __init__(self) -> None:
        super().__init__(airtime=True)
        self.polled = threading.Event()

    def _inventory(self) -> list[TagInfo]:
        started = time.perf_counter()
        self.polled.set()
        tags = super()._inventory()
        if self.stack_seen is None and len(tags) == len(ITEMS):
            self.stack_seen = started
        return tags


def station_run(latency: float, workdir: Path, poll: float, phase: float) -> tuple[float, float]:
    """(last tag placed -> all shown borrowed, last tag placed -> the inventory that saw them began)."""
    cfg = load_config(None, apply_override_file=False)
    with ILSSimulator(encoding="utf-8", latency=latency) as ils:
        pad = TimedPad()
        station = Station(cfg, sip2_client=client_for(ils), devices={"rfid": pad},
                          journal_path=workdir / f"journal-{latency}-{time.monotonic_ns()}.sqlite3")
        waiter = Waiter()
        station.subscribe(waiter)
        try:
            start_signed_in(station)
            station.start_borrow()
            waiter.wait(lambda: waiter.state is SessionState.BORROWING)
            # The stack lands at a given moment of the poll cycle: ``phase`` of the
            # interval after an inventory of the empty pad.
            pad.polled.clear()
            if not pad.polled.wait(5):
                raise SystemExit("benchmark: the pad is not polled")
            time.sleep(airtime.inventory_time([]) + phase * poll)
            for uid, data in TAGS:
                pad.place(uid, data, dsfid=dsfid_for("danish"))
            last_placed = time.perf_counter()
            waiter.wait(lambda: len(waiter.borrowed) == len(ITEMS))
            elapsed = max(waiter.borrowed.values()) - last_placed
            shown = {i.item_id: i for i in station.session_view().items}
            assert all(shown[item].status is ItemStatus.BORROWED and shown[item].secured is False for item in ITEMS)
            assert all(t.afi == 0xC2 for t in pad.tags())
            assert pad.stack_seen is not None
            return elapsed, pad.stack_seen - last_placed
        finally:
            station.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per latency (median is printed)")
    parser.add_argument("--latency", type=float, nargs="*", default=[0, 50, 150], help="ILS latency in ms")
    args = parser.parse_args()
    cfg = load_config(None, apply_override_file=False)
    poll, settle = float(cfg.devices.rfid.poll_interval), float(cfg.devices.rfid.settle_time)
    inv = airtime.inventory_time([uid for uid, _ in TAGS])
    print(f"10-item stack on the patron's clock (last tag placed -> all 10 shown borrowed and unsecured), "
          f"simulated pad with air-time model (inventory {inv * 1e3:.0f} ms, read {airtime.read_blocks_time(BLOCKS) * 1e3:.1f}"
          f" ms, AFI write {airtime.write_afi_time() * 1e3:.1f} ms), journal on disk, pad polled every "
          f"{poll * 1e3:.0f} ms (settle {settle * 1e3:.0f} ms), median of {args.repeat}")
    print(f"{'ILS latency':>11} {'checkout RTT':>12} {'floor':>7} {'air floor':>9} {'measured':>9} {'/floor':>7} "
          f"{'/air floor':>10} {'poll wait':>9}  {'min-max':>13}")
    with tempfile.TemporaryDirectory() as tmp:
        for ms in args.latency:
            latency = ms / 1000
            rtt = statistics.median(ils_round_trips(latency))
            issue, air = floors(rtt)
            # Landing moments spread evenly over the poll cycle, so the median is a typical patron's.
            runs = [station_run(latency, Path(tmp), poll, (k + 0.5) / args.repeat) for k in range(args.repeat)]
            measured = statistics.median(r[0] for r in runs)
            waited = statistics.median(r[1] for r in runs)
            low, high = min(r[0] for r in runs), max(r[0] for r in runs)
            print(f"{ms:>9.0f}ms {rtt * 1e3:>10.1f}ms {issue * 1e3:>5.0f}ms {air * 1e3:>7.0f}ms {measured * 1e3:>7.0f}ms "
                  f"{measured / issue:>6.2f}x {measured / air:>9.2f}x {waited * 1e3:>7.0f}ms  {low * 1e3:>5.0f}-"
                  f"{high * 1e3:.0f} ms")
    print("floor = inventory + ILS round trips + the AFI writes that cannot overlap them; air floor adds the memory "
          "reads every tag needs (one air interface for reads and writes). Target: under 1.25x. poll wait = last "
          "tag placed -> the inventory that saw the stack began (part of measured; half a poll interval on average).")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

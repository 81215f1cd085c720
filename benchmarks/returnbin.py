"""Return-bin throughput: items per minute through the whole service
(chute reader -> check in + re-secure + journal -> sorter) against the ILS
simulator at 150 ms latency, with the simulated chute reader's ISO 15693
air-time model on.

Floor: one checkin round trip per item, 60 000 / 150 ms = 400 items/min
(SIP2 allows one request in flight per connection). Target: above 90 %.

Also a steady-state run at one item per second (the design load) printing the
time from an item reaching the reader to it being sorted, first vs last
quarter, to show it keeps up indefinitely (no growing backlog).

Run: .venv/bin/python benchmarks/returnbin.py [--items N] [--latency S]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.drivers.rfid.sim import SimulatedPad  # noqa: E402
from kiosk.drivers.sorter import SimulatedSorter  # noqa: E402
from kiosk.monitoring import Monitor  # noqa: E402
from kiosk.demo.returnbin import demo_config  # noqa: E402
from kiosk.returnbin import ReturnBin  # noqa: E402
from kiosk.returnbin.chute import SimulatedChute  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402

ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]


def build(tmp: str, ils: ILSSimulator) -> tuple[ReturnBin, SimulatedChute, SimulatedPad]:
    pad = SimulatedPad(airtime=True)
    service = ReturnBin(demo_config(tmp, ils.port), reader=pad, sorter=SimulatedSorter(["1", "2", "holds", "reject"]),
                        display=None, scanner=None, monitor=Monitor("bench"), pad_timing=(0.02, 0.0))
    return service, SimulatedChute(pad, service), pad


def throughput(count: int, latency: float, in_chute: int = 3) -> None:
    with tempfile.TemporaryDirectory() as tmp, ILSSimulator(latency=latency) as ils:
        service, chute, pad = build(tmp, ils)
        service.start()
        try:
            started = time.perf_counter()
            dropped = 0
            deadline = time.monotonic() + 60 + count
            # Keep the chute fed: up to `in_chute` items on the reader at once.
            while len(chute.sorted) < count and time.monotonic() < deadline:
                while dropped < count and dropped - len(chute.sorted) < in_chute:
                    pad.place(*_tag(dropped), afi=0xC2)
                    dropped += 1
                time.sleep(0.002)
            elapsed = time.perf_counter() - started
        finally:
            service.stop()
    done = len(chute.sorted)
    per_minute = done / elapsed * 60
    floor = 60.0 / latency if latency else float("inf")
    print(f"throughput: {done} items in {elapsed:.2f} s = {per_minute:.0f} items/min; "
          f"floor {floor:.0f} items/min (60 000 / {latency * 1000:.0f} ms); {per_minute / floor:.1%} of the floor")


_SEQ = [0]


def _tag(n: int) -> tuple[bytes, bytes]:
    """A distinct item tag per drop (the ILS treats repeated returns of one
    barcode the same way; distinct UIDs keep the reader honest)."""
    from kiosk.drivers.rfid.sim import make_item_tag

    item = ITEMS[n % len(ITEMS)]
    uid, data = make_item_tag(item, owner_isil="US-RPL", country="US")
    return uid[:-2] + n.to_bytes(2, "big"), data


def steady(count: int, latency: float, rate: float) -> None:
    with tempfile.TemporaryDirectory() as tmp, ILSSimulator(latency=latency) as ils:
        service, chute, pad = build(tmp, ils)
        service.start()
        try:
            for n in range(count):
                pad.place(*_tag(n), afi=0xC2)
                time.sleep(1.0 / rate)
            chute.wait_for(count, timeout=30)
        finally:
            service.stop()
    seconds = [s.seconds * 1000 for s in chute.sorted]
    quarter = max(1, len(seconds) // 4)
    print(f"steady {rate:g} item/s, {count} items: reader-to-sorted median {statistics.median(seconds):.0f} ms, "
          f"max {max(seconds):.0f} ms; first quarter median {statistics.median(seconds[:quarter]):.0f} ms, "
          f"last quarter median {statistics.median(seconds[-quarter:]):.0f} ms (no backlog if equal)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=120)
    parser.add_argument("--latency", type=float, default=0.150)
    parser.add_argument("--steady-items", type=int, default=20)
    args = parser.parse_args()
    throughput(args.items, args.latency)
    steady(args.steady_items, args.latency, 1.0)


if __name__ == "__main__":
    main()

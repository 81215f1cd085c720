"""My account for a patron with many loans: time to the first view and to the complete one.

Setup per ILS latency (0, 50 and 150 ms added by the ILS simulator to every
reply): the ILS simulator on loopback with the demo patron holding 20 loans
(her 3 from the demo data plus 17 charged before the clock starts), the real
SIP2 client and the station. The patron is logged in on the home screen.

Measured: from "My account" pressed to the first account view on screen
(``AccountChanged``; for a long account a view with ``loans_pending`` > 0:
loans listed by id, fines and holds complete) and to the complete view (every
loan with its title and due date).

Floor: SIP2 allows one request in flight. The first view needs the patron
information reply and its item lists (``R`` requests); the complete view
needs one item information (17) per loan more. With ``A`` the measured round
trip of one request at that latency, the floors are ``R*A`` and
``(R + loans)*A``. Printed: measured against floor for both.

Run: .venv/bin/python benchmarks/account_load.py [--repeat N] [--latency MS ...]
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
from kiosk.events import AccountChanged  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402
from kiosk.station.facade import Station  # noqa: E402

EXTRA = [f"310000000000{n:02d}" for n in (*range(1, 11), 14, 16, *range(22, 27), 29)]


class Waiter:
    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.views: list[tuple[float, int]] = []     # (time, loans_pending)

    def __call__(self, event: object) -> None:
        now = time.perf_counter()
        with self.cond:
            if isinstance(event, AccountChanged):
                self.views.append((now, event.account.loans_pending))
            self.cond.notify_all()

    def wait(self, predicate, timeout: float = 60.0) -> None:  # type: ignore[no-untyped-def]
        with self.cond:
            if not self.cond.wait_for(predicate, timeout):
                raise SystemExit("benchmark timed out")


def one_run(latency: float, workdir: Path) -> tuple[float, float, int, int, float]:
    """(first view s, complete s, loans, requests for the first view, one round trip s)."""
    cfg = load_config(None, apply_override_file=False)
    with ILSSimulator(encoding="utf-8") as ils:
        setup = client_for(ils)
        setup.connect()
        try:
            for item in EXTRA:
                reply = setup.checkout(PATRON, item, fee_acknowledged=item.endswith("29"))
                assert reply.ok, (item, reply.screen_message)
            ils.faults.set(delay=latency)
            start = time.perf_counter()
            for _ in range(5):
                setup.item_information(EXTRA[0])
            round_trip = (time.perf_counter() - start) / 5
        finally:
            setup.close()
        station = Station(cfg, sip2_client=client_for(ils), devices={},
                          journal_path=workdir / f"journal-{latency}-{time.monotonic_ns()}.sqlite3")
        waiter = Waiter()
        station.subscribe(waiter)
        try:
            start_signed_in(station)
            before = sum(ils.requests.values())
            start = time.perf_counter()
            station.open_account()
            waiter.wait(lambda: bool(waiter.views) and waiter.views[-1][1] == 0)
            first, complete = waiter.views[0][0] - start, waiter.views[-1][0] - start
            account = station.account()
            assert account is not None and all(loan.title for loan in account.loans)
            loans = len(account.loans)
            requests = sum(ils.requests.values()) - before
            return first, complete, loans, requests - loans, round_trip
        finally:
            station.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per latency (median is printed)")
    parser.add_argument("--latency", type=float, nargs="*", default=[0, 50, 150], help="ILS latency in ms")
    args = parser.parse_args()
    print(f"My account with 20 loans, median of {args.repeat}; floors = SIP2 requests x one round trip")
    print(f"{'ILS latency':>11} {'requests':>8} {'first view':>10} {'floor':>8} {'complete':>9} {'floor':>8} "
          f"{'ratio':>6}")
    with tempfile.TemporaryDirectory() as tmp:
        for ms in args.latency:
            runs = [one_run(ms / 1000, Path(tmp)) for _ in range(args.repeat)]
            first = statistics.median(r[0] for r in runs)
            complete = statistics.median(r[1] for r in runs)
            loans, lists, rtt = runs[0][2], runs[0][3], statistics.median(r[4] for r in runs)
            floor_first, floor_complete = lists * rtt, (lists + loans) * rtt
            print(f"{ms:>9.0f}ms {lists + loans:>8} {first * 1000:>8.0f}ms {floor_first * 1000:>6.0f}ms "
                  f"{complete * 1000:>7.0f}ms {floor_complete * 1000:>6.0f}ms {complete / floor_complete:>5.2f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

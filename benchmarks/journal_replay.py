#!/usr/bin/env python3
"""Journal, offline-replay and receipt speed.

1. Journal: the cost the kiosk pays per item for "nothing lost": one intent
   plus one outcome, each an fsync'd SQLite WAL commit (synchronous=FULL), on
   the disk under --dir (default: a temp dir). Prints p50/p95/max in ms.
2. Replay: a queue of 200 mixed offline transactions (checkouts and returns)
   replayed to the ILS simulator on loopback at 0 and 20 ms latency: total
   time, transactions per second, and SIP2 round trips per transaction
   (item information first, so nothing is applied twice).
3. Receipts: a 10-item receipt laid out and sent to the simulated ESC/POS
   printer in English, Spanish and Arabic (Arabic is drawn as shaped
   right-to-left images): time and bytes sent.

    .venv/bin/python benchmarks/journal_replay.py [--dir DIR] [--entries 200]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.store.journal import Journal, Kind, Outcome  # noqa: E402
from kiosk.store.offline import OfflineDesk, OfflinePolicy  # noqa: E402
from kiosk.store.replay import Replayer  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402
from kiosk.sip2.ils import ILSSimulator, load_data  # noqa: E402
from kiosk.sip2.ils.data import Item, Loan, Patron  # noqa: E402


def bench_journal(folder: Path, n: int) -> None:
    with Journal(folder / "bench-journal.sqlite3") as journal:
        times = []
        for i in range(n):
            start = time.perf_counter()
            entry = journal.record_intent(Kind.CHECKOUT, "21000000000001", f"3100000000{i:04d}",
                                          {"uid": "E004010000000001", "security": "afi"})
            journal.record_outcome(entry, Outcome.ILS_OK)
            journal.record_outcome(entry, Outcome.DONE)
            times.append((time.perf_counter() - start) * 1000)
    times.sort()
    print(f"journal: {n} items x (intent + ils_ok + done), fsync'd commits on {folder}")
    print(f"  per item: p50 {statistics.median(times):.2f} ms  p95 {times[int(n * 0.95) - 1]:.2f} ms  "
          f"max {times[-1]:.2f} ms")


def bench_replay(folder: Path, n: int, latency: float) -> None:
    base = load_data(None)
    patrons = tuple(Patron(id=f"2100000000{k:04d}", name=f"P{k}") for k in range(100, 130))
    items = tuple(Item(id=f"3100000000{k:04d}", title=f"Book {k}") for k in range(1000, 1000 + n))
    loans = tuple(Loan(item=items[k].id, patron=patrons[k % 30].id) for k in range(0, n, 2))
    data = dataclasses.replace(base, patrons=base.patrons + patrons, items=base.items + items,
                               loans=base.loans + loans)
    path = folder / f"bench-replay-{latency}.sqlite3"
    with Journal(path) as journal:
        desk = OfflineDesk(journal, OfflinePolicy(max_items=10_000))
        for k, item in enumerate(items):
            if k % 2 == 0:
                entry = desk.accept_return(item.id, {"uid": "E0"})
            else:
                entry = desk.borrow(patrons[k % 30].id, item.id, {"uid": "E0"}).entry_id
            journal.record_outcome(entry, Outcome.DONE)
        with ILSSimulator(data=data, latency=latency, encoding="utf-8") as ils:
            client = SIP2Client(SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk",
                                             password="kiosk-pass", institution_id="DEMO", encoding="utf-8",
                                             keepalive_interval=0.0))
            client.connect()
            before = sum(ils.requests.values())
            start = time.perf_counter()
            report = Replayer(journal, client).replay()
            elapsed = time.perf_counter() - start
            trips = sum(ils.requests.values()) - before
            client.close()
    assert report.complete, report.summary()
    print(f"replay: {n} queued transactions at {latency * 1000:.0f} ms ILS latency: {elapsed:.2f} s "
          f"({n / elapsed:.0f}/s), {trips / n:.2f} SIP2 round trips each; {report.summary()}")


def bench_receipts() -> None:
    from datetime import date

    from kiosk.drivers.registry import open_device
    from kiosk.receipts.printing import print_receipt
    from kiosk.receipts.model import ItemOutcome, Receipt, ReceiptItem

    items = [ReceiptItem(f"3100000000{k:04d}", f"Title number {k} of a long reading list", ItemOutcome.BORROWED,
                         date(2026, 12, 7)) for k in range(10)]
    for lang in ("en", "es", "ar"):
        printer = open_device("printer", "sim", {})
        receipt = Receipt.build(library_name="Riverside Public Library", patron_id="21000000000001", lang=lang,
                                items=items, fines_total="2.50", holds_ready=["Don Quijote"])
        start = time.perf_counter()
        print_receipt(printer, receipt)
        elapsed = (time.perf_counter() - start) * 1000
        print(f"receipt ({lang}, 10 items): {elapsed:.0f} ms to lay out and send, {len(printer.output)} bytes")
        printer.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dir", type=Path, default=None, help="where the journal files go (a real disk)")
    parser.add_argument("--entries", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        folder = Path(tmp)
        bench_journal(folder, 300)
        for latency in (0.0, 0.02):
            bench_replay(folder, args.entries, latency)
    bench_receipts()
    return 0


if __name__ == "__main__":
    sys.exit(main())

#!/usr/bin/env python3
"""The chaos test's long run (issue 11): at least 1,000 sessions against a
station process and the ``kiosk returnbin`` process, with random SIGKILLs of
both, ILS outages and restarts, dropped, lost, garbled and corrupted replies,
failed tag writes, lifted tags and books moved at the desk between an
offline return and its replay. After every run of sessions the ILS's
database, the tags' AFI and the journals are compared with where each book
is (see tests/chaos/chaos_truths.py). Prints the figures: sessions, kills,
items, disagreements (target 0), false flags (target 0), done twice,
unsettled, and how many books were rightly flagged for staff.

    .venv/bin/python benchmarks/chaos.py [--sessions 1000] [--seed 1] [--run-length 20]
                                         [--kill-rate 0.35] [--items 40] [--dir DIR] [--verbose]

Exits 1 when any disagreement, false flag, double transaction or unsettled
entry was found; the logs of every process and the harness's own log stay in
--dir (default: a temporary folder, removed on success).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests" / "chaos"))

from chaos_run import run_chaos  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--run-length", type=int, default=20, help="sessions between two checks")
    parser.add_argument("--kill-rate", type=float, default=0.35, help="chance a session has a kill armed")
    parser.add_argument("--items", type=int, default=40)
    parser.add_argument("--dir", help="keep every log here")
    parser.add_argument("--verbose", action="store_true", help="a line per run")
    args = parser.parse_args()
    folder = Path(args.dir) if args.dir else Path(tempfile.mkdtemp(prefix="kiosk-chaos-"))
    folder.mkdir(parents=True, exist_ok=True)
    report = run_chaos(folder, args.seed, args.sessions, run_length=args.run_length, kill_rate=args.kill_rate,
                       items=args.items, progress=print if args.verbose else None)
    print(report.figures())
    for finding in report.findings:
        print(f"  {finding}")
    failed = any(report.count(kind) for kind in ("disagreement", "false_flag", "done_twice", "unsettled"))
    if failed or args.dir:
        print(f"logs: {folder}")
    elif not args.dir:
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())

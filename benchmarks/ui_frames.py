"""Frame times while a stack is borrowed: a 10-item and a 40-item borrow in
the demo layout (kiosk screen + virtual hardware panel, 1720x800, SDL
offscreen with real GL), each in a fresh process, median of ``--runs``.

    .venv/bin/python benchmarks/ui_frames.py [--runs 3] [--items 10 40]

The ILS simulator runs in this (the parent) process with the demo data plus
enough extra circulating items for the longest stack; the child runs the
demo rig (simulated pad, scanner, station) and the UI. A patron signs in,
opens Borrow and the whole stack is put on the pad; from then until the
count says every item is borrowed, the time between consecutive frames of
the Kivy loop (capped at 60 fps) is recorded. Printed per run: frames,
median, p95, longest, frames over 33 and 50 ms, how long the stack took,
and the median of the runs. Target: no frame over 50 ms. Asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from ui_startup import extended_ils, spawn  # noqa: E402


def items(n: int) -> list[str]:
    """``n`` borrowable items: the demo's ten, then the extra ones of :func:`extended_ils`."""
    base = [f"310000000000{k:02d}" for k in range(1, 11)]
    return (base + [f"3200000000{k:04d}" for k in range(1, max(0, n - 10) + 1)])[:n]


def child_borrow(n: int, ils_port: int) -> int:
    from kivy.clock import Clock

    from kiosk.demo.run import run_demo

    def script(d, rig) -> int:  # type: ignore[no-untyped-def]
        frames: list[float] = []
        recording = {"on": False}

        def tick(_dt: float) -> None:
            # Runs once per frame of the Kivy loop; the gap between two ticks is
            # how long that frame took, drawing included.
            if recording["on"]:
                frames.append(time.perf_counter())
        d.call(lambda: Clock.schedule_interval(tick, 0))
        rig.scan_card("21000000000001")
        d.wait_screen("pin")
        for digit in "1234":
            d.tap_text(digit)
        d.tap_text("OK")
        d.wait_screen("home")
        d.tap_id("home", "borrow")
        d.wait_screen("items")
        d.settle(0.3)
        recording["on"] = True
        started = time.perf_counter()
        for item in items(n):
            rig.put_item(item)
        d.wait_text(f"{n} items borrowed", timeout=120)
        elapsed = time.perf_counter() - started
        d.settle(0.2)                       # the last line drawn
        recording["on"] = False
        gaps = sorted((b - a) * 1000 for a, b in zip(frames, frames[1:]))
        print("RESULT " + json.dumps({
            "frames": len(gaps), "longest_ms": gaps[-1], "over_33": sum(g > 33 for g in gaps),
            "over_50": sum(g > 50 for g in gaps), "median_ms": statistics.median(gaps), "borrow_s": elapsed,
            "p95_ms": gaps[max(0, int(len(gaps) * 0.95) - 1)],
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}), flush=True)
        return 0
    return run_demo(True, Path(tempfile.gettempdir()), script=script, panel=True, limit=180.0,
                    rig_options={"ils_port": ils_port})


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--items", type=int, nargs="*", default=[10, 40])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--ils-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child_borrow(args.child, args.ils_port)

    with extended_ils(max(args.items)) as ils:
        print("Frames while a stack is borrowed (demo layout: kiosk + virtual hardware panel, 1720x800, "
              "SDL offscreen; ILS simulator in another process)")
        for n in args.items:
            print(f"  {n} items: run  frames  median  p95    longest  >33ms  >50ms  stack in")
            runs = []
            for run in range(max(1, args.runs)):
                _, f = spawn([__file__, "--child", str(n), "--ils-port", str(ils.port)])
                runs.append(f)
                print(f"            {run + 1:<4} {f['frames']:<7} {f['median_ms']:5.1f}  {f['p95_ms']:5.1f}  "
                      f"{f['longest_ms']:6.1f}   {f['over_33']:<6} {f['over_50']:<6} {f['borrow_s']:5.2f} s")
            med = {k: statistics.median(r[k] for r in runs) for k in ("p95_ms", "longest_ms", "over_50")}
            print(f"            median of {len(runs)}: p95 {med['p95_ms']:.1f} ms, longest {med['longest_ms']:.1f} ms, "
                  f"{med['over_50']:g} frame(s) over 50 ms")
    print("  (ms; target: no frame over 50 ms)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; software GL offscreen")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

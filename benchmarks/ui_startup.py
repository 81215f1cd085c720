"""UI benchmark: start-up time, memory, and frame times while borrowing.

    .venv/bin/python benchmarks/ui_startup.py [--runs 3]

1. Start-up: a fresh process runs the kiosk (demo rig: ILS simulator on
   127.0.0.1, simulated devices, station, Kivy UI offscreen at 1280x800);
   we time from spawning the process to the first frame drawn with the
   attract screen, and read the child's peak RSS. Target: < 1.5 s, < 200 MB.
2. Frames: in the demo (kiosk screen + virtual hardware panel), a patron
   signs in and puts a stack of 10 items on the pad; we record the time
   between consecutive frames (Window.on_flip) from the moment the stack
   lands until all 10 are listed. Target: no frame over 50 ms.

Each measurement runs in its own process (Kivy apps cannot restart in one).
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHILD_TIMEOUT = 120.0
ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_LOG_MODE="PYTHON", PYTHONPATH=str(ROOT))
    return env


def _spawn(mode: str, ils_port: int = 0) -> tuple[float, dict[str, float]]:
    """Run a child; returns (spawn wall time, its JSON result with its own peak RSS)."""
    started = time.time()
    proc = subprocess.Popen([sys.executable, __file__, "--child", mode, "--ils-port", str(ils_port)], cwd=ROOT, env=_env(),
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    try:
        out, _ = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        raise SystemExit(f"benchmark child {mode!r} did not finish in {CHILD_TIMEOUT:.0f} s")
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"benchmark child {mode!r} failed (exit {proc.returncode}):\n{out[-2000:]}")
    return started, json.loads(lines[-1][7:])


# -- children -------------------------------------------------------------------------------
def child_startup(ils_port: int) -> int:
    from kiosk.demo.run import run_demo

    def script(d, rig) -> int:  # type: ignore[no-untyped-def]
        drawn = time.time()     # the script starts on the first frame after the attract screen is built
        d.wait_screen("attract")
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print("RESULT " + json.dumps({"drawn": drawn, "rss_kb": rss}), flush=True)
        return 0
    return run_demo(True, Path("/tmp"), script=script, panel=False, limit=60.0,
                    rig_options={"ils_port": ils_port or None})


def child_borrow() -> int:
    from kivy.clock import Clock

    from kiosk.demo.run import run_demo

    def script(d, rig) -> int:  # type: ignore[no-untyped-def]
        frames: list[float] = []
        recording = {"on": False}

        def tick(_dt: float) -> None:
            # Runs once per frame of the Kivy loop (capped at 60 fps); the gap
            # between two ticks is how long that frame took, drawing included.
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
        for item in ITEMS:
            rig.put_item(item)
        d.wait_text("10 items borrowed", timeout=60)
        elapsed = time.perf_counter() - started
        recording["on"] = False
        gaps = [(b - a) * 1000 for a, b in zip(frames, frames[1:])]
        print("RESULT " + json.dumps({
            "frames": len(gaps), "longest_ms": max(gaps), "over_33": sum(g > 33 for g in gaps),
            "over_50": sum(g > 50 for g in gaps), "median_ms": statistics.median(gaps), "borrow_s": elapsed,
            "p95_ms": sorted(gaps)[max(0, int(len(gaps) * 0.95) - 1)],
            "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}),
            flush=True)
        return 0
    return run_demo(True, Path("/tmp"), script=script, panel=True, limit=90.0)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="start-up and borrow runs")
    parser.add_argument("--child", choices=("startup", "borrow"), help=argparse.SUPPRESS)
    parser.add_argument("--ils-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "startup":
        return child_startup(args.ils_port)
    if args.child == "borrow":
        return child_borrow()

    times, rss = [], []
    for _ in range(max(1, args.runs)):
        spawned, result = _spawn("startup")
        times.append(result["drawn"] - spawned)
        rss.append(result["rss_kb"] / 1024)
    print("UI start-up (process spawn -> attract screen drawn; ILS simulator, station, simulated devices and"
          " UI in one process, 1280x800 offscreen)")
    print(f"  runs                 {len(times)}")
    print(f"  median               {statistics.median(times):.3f} s   (min {min(times):.3f}, max {max(times):.3f})"
          f"   target < 1.5 s")
    print(f"  peak RSS             {max(rss):.0f} MB   target < 200 MB")
    print("Frames while 10 items are borrowed (demo: kiosk + virtual hardware panel, 1720x800)")
    print("  run  frames  median  p95    longest  >33ms  >50ms  10 items in  RSS")
    for run in range(max(1, args.runs)):
        _, f = _spawn("borrow")
        print(f"  {run + 1:<4} {f['frames']:<7} {f['median_ms']:5.1f}  {f['p95_ms']:5.1f}  {f['longest_ms']:6.1f}   "
              f"{f['over_33']:<6} {f['over_50']:<6} {f['borrow_s']:5.2f} s      {f['rss_kb'] / 1024:.0f} MB")
    print("  (ms; target: no frame over 50 ms)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; software GL (llvmpipe) offscreen")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

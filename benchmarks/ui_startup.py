"""UI benchmark: time to the first frame, and peak memory through a whole
patron session, in the production layout and in the demo layout.

    .venv/bin/python benchmarks/ui_startup.py [--runs 3]

Each measurement runs in a fresh process (Kivy apps cannot restart in one),
SDL offscreen with real GL at 1280x800 (the demo adds its 440-pixel panel).

1. First frame (production layout): the process ``kiosk run`` starts
   (:func:`kiosk.demo.launch.run_kiosk`: config, station, devices from their
   config strings, the ILS in another process, the UI), timed from spawning
   the process to the first frame drawn with the attract screen. The state
   folder is kept between runs, as on a kiosk (python-escpos's capabilities
   cache lives there). Target: under 1.0 s.
2. Peak RSS through a whole session: a patron scans her card, enters her
   PIN, borrows 10 items, opens My account, finishes, has her receipt
   printed and the session ends on the goodbye screen; the child's peak
   RSS (``ru_maxrss``) at the end is the whole-session peak. Production
   layout (kiosk screen alone, the ILS simulator in another process) target
   under 200 MB; demo layout (``kiosk demo``: kiosk screen, virtual hardware
   panel and the ILS simulator in the one process) under 250 MB.

Frame times while borrowing: ``benchmarks/ui_frames.py``.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any, Iterator

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
CHILD_TIMEOUT = 240.0
ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]
PATRON, PIN = "21000000000001", "1234"


def _env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_LOG_MODE="PYTHON", PYTHONPATH=str(ROOT))
    return env


def spawn(argv: list[str]) -> tuple[float, dict[str, Any]]:
    """Run ``python argv...`` as a child; (spawn wall time, its JSON ``RESULT`` line)."""
    started = time.time()
    proc = subprocess.Popen([sys.executable, *argv], cwd=ROOT, env=_env(), stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, text=True)
    try:
        out, _ = proc.communicate(timeout=CHILD_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate(timeout=10)
        raise SystemExit(f"benchmark child {argv[1:]} did not finish in {CHILD_TIMEOUT:.0f} s")
    lines = [line for line in out.splitlines() if line.startswith("RESULT ")]
    if proc.returncode != 0 or not lines:
        raise SystemExit(f"benchmark child {argv[1:]} failed (exit {proc.returncode}):\n{out[-2000:]}")
    return started, json.loads(lines[-1][7:])


@contextlib.contextmanager
def extended_ils(n_items: int = 10) -> Iterator[Any]:
    """The ILS simulator (in this process) with the demo data plus circulating
    items 3200000000NNNN, enough for a stack of ``n_items``."""
    from kiosk.sip2.ils import DEMO_DATA, ILSSimulator

    extra = "".join(f'\n[[items]]\nid = "3200000000{k:04d}"\ntitle = "Benchmark book {k}"\n'
                    f'author = "Author {k}"\ncollection = "FIC"\n' for k in range(1, max(0, n_items - 10) + 1))
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data.toml"
        data.write_text(DEMO_DATA.read_text(encoding="utf-8") + extra, encoding="utf-8")
        with ILSSimulator(data_path=data, host="127.0.0.1", port=0) as ils:
            yield ils


def production_config(state: Path, ils_port: int) -> Any:
    """A station as ``kiosk run`` reads it: sim devices from their config strings, the ILS elsewhere."""
    from kiosk.config import load_config

    path = state / "kiosk.toml"
    path.write_text(f"""
[station]
data_dir = "{state.as_posix()}"
[sip2]
host = "127.0.0.1"
port = {ils_port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
[devices.rfid]
driver = "sim"
required = true
[devices.scanner]
driver = "sim"
[devices.nfc]
driver = "sim"
[devices.printer]
driver = "sim"
[devices.payment]
driver = "sim"
[ui]
fullscreen = false
hide_cursor = false
goodbye_seconds = 3.0
""", encoding="utf-8")
    return load_config(path, apply_override_file=False)


# -- the patron's session, the same in both layouts ---------------------------------------
def session(d: Any, scan: Any, put: Any) -> None:
    scan(PATRON)
    d.wait_screen("pin")
    for digit in PIN:
        d.tap_text(digit)
    d.tap_text("OK")
    d.wait_screen("home")
    d.tap_id("home", "borrow")
    d.wait_screen("items")
    for item in ITEMS:
        put(item)
    d.wait_text("10 items borrowed", timeout=60)
    d.tap_id("items", "back")
    d.wait_screen("home")
    d.tap_id("home", "account")
    d.wait_screen("account")
    d.wait_for(lambda: d.app.root_screen("account").ids.loans.children and
               not d.app.root_screen("account").loading, "the loans list", timeout=30)
    d.tap_id("account", "finish")
    d.wait_screen("receipt")
    d.tap_id("receipt", "print")
    d.wait_screen("goodbye", timeout=30)
    d.wait_screen("attract", timeout=30)


def peak_rss_kb() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


# -- children -------------------------------------------------------------------------------
def child_startup(state: Path, ils_port: int) -> int:
    from kiosk.demo.launch import run_kiosk

    def first_frame(d: Any) -> int:
        drawn = time.time()     # the script starts on the first frame drawn with the attract screen
        d.wait_screen("attract")
        print("RESULT " + json.dumps({"drawn": drawn, "rss_kb": peak_rss_kb()}), flush=True)
        return 0
    return run_kiosk(production_config(state, ils_port), size=(1280, 800), script=first_frame, limit=60.0)


def child_session_production(state: Path, ils_port: int) -> int:
    from kiosk.demo.launch import run_kiosk

    def script(d: Any) -> int:
        devices = d.app.station.devices
        session(d, devices.scanner.scan, devices.rfid.place_item)
        print("RESULT " + json.dumps({"rss_kb": peak_rss_kb()}), flush=True)
        return 0
    return run_kiosk(production_config(state, ils_port), size=(1280, 800), script=script, limit=180.0)


def child_session_demo() -> int:
    from kiosk.config import load_config
    from kiosk.demo.run import run_demo

    def script(d: Any, rig: Any) -> int:
        session(d, rig.scan_card, rig.put_item)
        print("RESULT " + json.dumps({"rss_kb": peak_rss_kb()}), flush=True)
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        settings = Path(tmp) / "settings.toml"
        settings.write_text("[ui]\ngoodbye_seconds = 3.0\n", encoding="utf-8")
        return run_demo(True, Path(tmp), script=script, panel=True, limit=180.0,
                        config=load_config(None, overrides=[settings]))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement (median printed)")
    parser.add_argument("--child", choices=("startup", "production", "demo"), help=argparse.SUPPRESS)
    parser.add_argument("--state", default="", help=argparse.SUPPRESS)
    parser.add_argument("--ils-port", type=int, default=0, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "startup":
        return child_startup(Path(args.state), args.ils_port)
    if args.child == "production":
        return child_session_production(Path(args.state), args.ils_port)
    if args.child == "demo":
        return child_session_demo()

    runs = max(1, args.runs)
    with extended_ils() as ils, tempfile.TemporaryDirectory() as state:
        child = [__file__, "--state", state, "--ils-port", str(ils.port), "--child"]
        spawn(child + ["startup"])              # the state folder's caches, as on a kiosk that ran before
        times, rss = [], []
        for _ in range(runs):
            spawned, result = spawn(child + ["startup"])
            times.append(result["drawn"] - spawned)
            rss.append(result["rss_kb"] / 1024)
        print("First frame (production layout: the `kiosk run` start-up with sim devices from their config "
              "strings, ILS simulator in another process, 1280x800 offscreen)")
        print(f"  process spawn -> attract screen drawn: median {statistics.median(times):.3f} s "
              f"(min {min(times):.3f}, max {max(times):.3f}) of {runs}   target < 1.0 s")
        print(f"  peak RSS at the first frame: {statistics.median(rss):.0f} MB")
        production = [spawn(child + ["production"])[1]["rss_kb"] / 1024 for _ in range(runs)]
    demo = [spawn([__file__, "--child", "demo"])[1]["rss_kb"] / 1024 for _ in range(runs)]
    print("Peak RSS through a whole session (card, PIN, 10-item borrow, My account, finish, printed receipt, "
          "goodbye, attract)")
    print(f"  production layout (kiosk screen; ILS in another process): median {statistics.median(production):.0f} MB"
          f" (max {max(production):.0f}) of {runs}   target < 200 MB")
    print(f"  demo layout (kiosk screen + hardware panel + ILS simulator): median {statistics.median(demo):.0f} MB"
          f" (max {max(demo):.0f}) of {runs}   target < 250 MB")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}; software GL offscreen")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""``kiosk demo`` and ``kiosk run``.

``kiosk demo``: the ILS simulator, simulated devices and the kiosk UI with
the virtual hardware panel. Without a display (DISPLAY and WAYLAND_DISPLAY
unset) or with ``--headless`` it runs the scripted tour offscreen and writes
a PNG per step plus the receipt into ``--out`` (default ./demo-out).

``kiosk run --config FILE``: the production kiosk, fullscreen and locked
down; exit code 0 after "exit to desktop" in staff mode.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size like 1280x800: {text!r}") from None
    if not (320 <= width <= 8192 and 320 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size out of range (320-8192): {text!r}")
    return width, height


def cmd_demo(args: argparse.Namespace) -> int:
    from kiosk.demo.run import has_display, run_demo

    headless = bool(args.headless) or not has_display()
    if headless and not args.headless:
        print("No display found (DISPLAY/WAYLAND_DISPLAY unset): running the headless tour.", flush=True)
    return run_demo(headless, Path(args.out), size=args.size, limit=float(args.limit))


def cmd_run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.demo.run import run_kiosk

    # load_config merges the staff override file (settings saved in staff mode).
    return run_kiosk(load_config(Path(args.config)))


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = subparsers.add_parser("demo", help="try the kiosk with a simulated ILS and virtual hardware",
                                 description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--headless", action="store_true", help="run the scripted tour offscreen (also without a display)")
    demo.add_argument("--out", default="demo-out", help="folder for the tour's screenshots and receipt (default ./demo-out)")
    demo.add_argument("--size", type=_size, default=(1280, 800), help="kiosk screen size, e.g. 1080x1920 (default 1280x800)")
    demo.add_argument("--limit", type=float, default=90.0, help="seconds the headless tour may take before it fails")
    demo.set_defaults(func=cmd_demo)
    run = subparsers.add_parser("run", help="run the kiosk (fullscreen, locked down)")
    run.add_argument("--config", required=True, help="station config file (TOML)")
    run.set_defaults(func=cmd_run)

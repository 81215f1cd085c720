"""``kiosk demo`` and ``kiosk run``: the kiosk's touchscreen UI.

Module level holds argparse and the standard library only, so that ``kiosk
--help`` does not import Kivy; each handler imports what it runs (Kivy's
environment is set by :mod:`kiosk.demo` before Kivy loads).
"""

from __future__ import annotations

import argparse
from pathlib import Path

DEMO_DESCRIPTION = """\
Try the kiosk without any hardware: a simulated library system (ILS), a
simulated RFID pad, barcode scanner, card reader and receipt printer, the
kiosk screen, and beside it a panel of virtual hardware to scan cards and put
books on the pad.

Without a display, or with --headless, it runs a scripted tour offscreen
instead and saves a screenshot of every step plus the printed receipt in the
--out folder. With --accessible it then runs the accessible tour: a patron
using only the keypad and speech, in every language, with what was spoken
(text and WAV) beside the screenshots in --out/accessible."""

RUN_DESCRIPTION = """\
Run the self-service kiosk on this station: the devices and the library
system named in the config file, the touchscreen UI fullscreen and locked
down. Staff leave it from staff mode ("exit to desktop", exit status 0) or
restart it from there."""


def _size(text: str) -> tuple[int, int]:
    try:
        width, height = (int(v) for v in text.lower().split("x"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a size like 1280x800: {text!r}") from None
    if not (320 <= width <= 8192 and 320 <= height <= 8192):
        raise argparse.ArgumentTypeError(f"size out of range (320-8192): {text!r}")
    return width, height


def cmd_demo(args: argparse.Namespace) -> int:
    # Per-command import: the demo brings Kivy, the ILS simulator and every simulated device.
    from kiosk.demo.launch import has_display
    from kiosk.demo.run import run_demo

    headless = bool(args.headless) or not has_display()
    if headless and not args.headless:
        print("No display found (DISPLAY/WAYLAND_DISPLAY unset): running the headless tour.", flush=True)
    limit = float(args.limit) if args.limit is not None else (300.0 if args.accessible else 90.0)
    return run_demo(headless, Path(args.out), size=args.size, limit=limit, accessible=bool(args.accessible))


def cmd_run(args: argparse.Namespace) -> int:
    # Per-command import: the kiosk brings Kivy, the station and its device drivers.
    from kiosk.config import load_config
    from kiosk.demo.launch import run_kiosk

    # load_config merges the staff override file (settings saved in staff mode).
    return run_kiosk(load_config(Path(args.config)))


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    demo = subparsers.add_parser("demo", description=DEMO_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    demo.add_argument("--headless", action="store_true", help="run the scripted tour offscreen (also without a display)")
    demo.add_argument("--out", default="demo-out", help="folder for the tour's screenshots and receipt (default ./demo-out)")
    demo.add_argument("--size", type=_size, default=(1280, 800), help="kiosk screen size, e.g. 1080x1920 (default 1280x800)")
    demo.add_argument("--accessible", action="store_true",
                      help="headless: also run the keypad-and-speech tour in every language (into OUT/accessible)")
    demo.add_argument("--limit", type=float, default=None,
                      help="seconds the headless tour may take before it fails (default 90, 300 with --accessible)")
    demo.set_defaults(func=cmd_demo)
    run = subparsers.add_parser("run", description=RUN_DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter)
    run.add_argument("--config", required=True, metavar="FILE", help="station config file (TOML)")
    run.set_defaults(func=cmd_run)

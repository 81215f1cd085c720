"""``kiosk returnbin``: the after-hours return bin service.

``kiosk returnbin --config FILE`` runs the service for systemd (readiness,
watchdog, SIGTERM). ``kiosk returnbin --demo`` runs it against the ILS
simulator with a simulated chute that drops the demo items, and prints where
each one went (:mod:`kiosk.demo.returnbin`).
"""

from __future__ import annotations

import argparse
import signal
import threading


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("returnbin", description="Run the after-hours return bin service.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", help="station config file (TOML) with mode = \"returnbin\"")
    source.add_argument("--demo", action="store_true",
                        help="run against the ILS simulator with a simulated chute and sorter")
    parser.add_argument("--items", type=int, default=None,
                        help="items the demo chute drops (default: each demo item once)")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between items in the demo")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.demo:
        # Per-command import: the ILS simulator and the simulated chute, for the demo only.
        from kiosk.demo.returnbin import run_returnbin_demo

        return run_returnbin_demo(args.items, args.interval)
    return _serve(args.config)


def _serve(path: str) -> int:
    # Per-command import: the service and its devices, not needed for --help or --demo.
    from kiosk.config import load_config
    from kiosk.monitoring.sdnotify import SystemdNotifier
    from kiosk.returnbin import ReturnBin

    config = load_config(path)
    service = ReturnBin(config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"return bin {config.station.id}: starting", flush=True)
    service.run(SystemdNotifier(), stop)
    print(f"return bin {config.station.id}: stopped after {service.processed} items", flush=True)
    return 0

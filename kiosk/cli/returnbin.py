"""``kiosk returnbin``: the after-hours return bin service.

``kiosk returnbin --config FILE`` runs the service for systemd (readiness,
watchdog, SIGTERM). ``kiosk returnbin --demo`` runs it against the ILS
simulator with a simulated chute that drops the demo items, and prints where
each one went.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
import time
from typing import Any

from kiosk.errors import KioskError

DEMO_ITEMS = ("31000000000001", "31000000000008", "31000000000011", "31000000000012", "31000000000003",
              "31000000000009", "31000000000002")


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("returnbin", help="run the after-hours return bin service")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--config", help="station config file (TOML) with mode = \"returnbin\"")
    source.add_argument("--demo", action="store_true",
                        help="run against the ILS simulator with a simulated chute and sorter")
    parser.add_argument("--items", type=int, default=len(DEMO_ITEMS), help="items the demo chute drops")
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between items in the demo")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    if args.demo:
        return _demo(args.items, args.interval)
    return _serve(args.config)


def _serve(path: str) -> int:
    from kiosk.config import load_config
    from kiosk.returnbin import ReturnBin
    from kiosk.monitoring.sdnotify import SystemdNotifier

    config = load_config(path)
    service = ReturnBin(config)
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    print(f"return bin {config.station.id}: starting", flush=True)
    service.run(SystemdNotifier(), stop)
    print(f"return bin {config.station.id}: stopped after {service.processed} items", flush=True)
    return 0


def demo_config(tmp: str, port: int) -> Any:
    from kiosk.config import load_config

    path = f"{tmp}/returnbin-demo.toml"
    with open(path, "w", encoding="utf-8") as handle:
        handle.write(f"""
[station]
id = "demo-returnbin"
mode = "returnbin"
library_name = "Riverside Public Library"
institution_id = "DEMO"
isil = "US-RPL"
country = "US"
data_dir = "{tmp}"

[sip2]
host = "127.0.0.1"
port = {port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
keepalive_interval = 0

[devices.rfid]
driver = "sim"

[devices.sorter]
driver = "sim"
bins = ["1", "2", "holds", "reject"]

[devices.display]
driver = "sim"
""")
    return load_config(path, apply_override_file=False)


def _demo(count: int, interval: float) -> int:
    import tempfile

    from kiosk.drivers.rfid.sim import SimulatedPad
    from kiosk.drivers.sorter import SimulatedSorter
    from kiosk.returnbin import ItemSorted, ReturnBin
    from kiosk.returnbin.chute import SimulatedChute
    from kiosk.sip2.ils import ILSSimulator

    with tempfile.TemporaryDirectory(prefix="kiosk-returnbin-") as tmp, ILSSimulator() as ils:
        config = demo_config(tmp, ils.port)
        service = ReturnBin(config)
        pad, sorter = service.reader, service.sorter
        assert isinstance(pad, SimulatedPad) and isinstance(sorter, SimulatedSorter)  # the demo config's "sim"
        chute = SimulatedChute(pad, service)

        def show(event: ItemSorted) -> None:
            outcome = event.outcome
            title = (outcome.title if outcome is not None else "") or event.item.item_id or "?"
            print(f"  {event.item.item_id or '(no id)':<16} {title[:34]:<34} -> bin {event.bin:<7} "
                  f"({event.reason}; {event.seconds * 1000:.0f} ms)", flush=True)

        service.on_item(show)
        service.start()
        try:
            print(f"Return bin demo: ILS simulator on 127.0.0.1:{ils.port}, sorter bins "
                  f"{', '.join(service.sorter.bins())}", flush=True)
            items = [DEMO_ITEMS[i % len(DEMO_ITEMS)] for i in range(max(0, count))]
            for item in items:
                chute.drop(item, owner_isil="US-RPL", country="US")
                time.sleep(interval)
            chute.wait_for(len(items), timeout=30 + len(items))
        except KioskError as exc:
            print(f"kiosk returnbin: {exc}", file=sys.stderr)
            return 1
        finally:
            service.stop()
        print(f"{service.processed} items sorted: " + ", ".join(
            f"bin {b}: {n}" for b, n in sorted(sorter.counts.items())), flush=True)
    return 0

"""The return bin's demo (``kiosk returnbin --demo``): the return bin service
against the ILS simulator, with a simulated chute that drops demo items onto
the simulated reader and a simulated sorter, printing where each item went.

:func:`demo_config` is the return bin's station config for such a run (the
benchmark uses it too).
"""

from __future__ import annotations

import sys
import tempfile
import time

from kiosk.config import Config, load_config
from kiosk.drivers.rfid.sim import SimulatedPad
from kiosk.drivers.sorter import SimulatedSorter
from kiosk.errors import KioskError
from kiosk.returnbin import ItemSorted, ReturnBin
from kiosk.returnbin.chute import SimulatedChute
from kiosk.sip2.ils import ILSSimulator

DEMO_ITEMS = ("31000000000001", "31000000000008", "31000000000011", "31000000000012", "31000000000003",
              "31000000000009", "31000000000002")


def demo_config(tmp: str, port: int) -> Config:
    """A return bin's config (simulated pad, sorter and display) for the ILS
    simulator on 127.0.0.1:``port``, keeping its data in ``tmp``."""
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


def run_returnbin_demo(count: int | None, interval: float) -> int:
    """Drop ``count`` demo items (default: each of :data:`DEMO_ITEMS` once),
    one every ``interval`` seconds; print one line per sorted item and the bin
    counts. Exit status: 0, or 1 on a kiosk error."""
    count = len(DEMO_ITEMS) if count is None else count
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

"""A kiosk station in its own process, for the chaos runs: the real
:class:`~kiosk.station.facade.Station` over a FEIG reader emulated in the
harness (so the tags outlive a SIGKILL of this process) and the ILS simulator
on loopback, driven like a touchscreen would be.

    python tests/chaos/chaos_station.py CONFIG.toml socket://127.0.0.1:PORT

Reads one command per line on stdin (JSON): ``{"do": "identify", "patron":
ID}``, ``{"do": "pin", "pin": "1234"}``, ``{"do": "borrow"}``, ``{"do":
"return"}``, ``{"do": "end"}``. Prints one event per line on stdout (JSON):
``started`` once start-up (connect, recovery, devices) is done, then
``state`` (session state), ``item`` (an item's result) and ``ended``.
"""

from __future__ import annotations

import faulthandler
import json
import signal
import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from kiosk.circulation.session import Timeouts  # noqa: E402
from kiosk.config import load_config  # noqa: E402
from kiosk.drivers.barcode.sim import SimulatedScanner  # noqa: E402
from kiosk.drivers.registry import open_device  # noqa: E402
from kiosk.events import ItemResult, SessionChanged, SessionEnded, StationEvent  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402
from kiosk.station.facade import Station  # noqa: E402

TIMEOUTS = Timeouts(pin=20, home=20, borrow=20, ret=20, account=20, receipt=20, warning=5, goodbye=0.05)
_out = threading.Lock()


def say(**fields: Any) -> None:
    with _out:
        sys.stdout.write(json.dumps(fields) + "\n")
        sys.stdout.flush()


def tell(event: StationEvent) -> None:
    if isinstance(event, ItemResult):
        say(ev="item", item=event.item_id, action=event.action, status=event.status.value, offline=event.offline)
    elif isinstance(event, SessionChanged):
        say(ev="state", state=event.state.value)
    elif isinstance(event, SessionEnded):
        say(ev="ended", reason=event.reason.value)


def main(config_path: str, reader_url: str) -> int:
    faulthandler.register(signal.SIGUSR1)   # the harness asks for every thread's stack when a session hangs
    config = load_config(config_path, check_devices=False, apply_override_file=False)
    reader = open_device("rfid", "feig:" + reader_url, {"timeout": 1.0})
    station = Station(config, sip2_client=SIP2Client(SIP2Settings.from_config(config)),
                      devices={"rfid": reader, "scanner": SimulatedScanner(),
                               "printer": open_device("printer", "sim", {})},
                      timeouts=TIMEOUTS, pad_timing=(0.02, 0.05))
    station.subscribe(tell)
    station.start()
    if not station.wait_started(60.0):
        say(ev="error", detail="station did not start")
        return 1
    say(ev="started", offline=station.offline)
    actions = {"identify": lambda cmd: station.identify(cmd["patron"], "scanner"),
               "pin": lambda cmd: station.enter_pin(cmd["pin"]),
               "borrow": lambda cmd: station.start_borrow(),
               "return": lambda cmd: station.start_return(),
               "end": lambda cmd: station.end_session()}
    for line in sys.stdin:
        command = json.loads(line)
        actions[command["do"]](command)
    station.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], sys.argv[2]))

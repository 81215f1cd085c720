"""What the station benchmarks share: a SIP2 client for the simulator and a
station started with the demo patron signed in (every wait bounded)."""

from __future__ import annotations

import sys
import threading
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.events import SessionChanged, SessionState  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402
from kiosk.sip2.ils import ILSSimulator  # noqa: E402

PATRON, PIN = "21000000000001", "1234"


def client_for(ils: ILSSimulator) -> SIP2Client:
    return SIP2Client(SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                                   institution_id="DEMO", encoding="utf-8", read_timeout=5.0,
                                   keepalive_interval=0.0))


class SessionWatch:
    """Subscribed to a station: the latest session state, waited on."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.state: SessionState | None = None

    def __call__(self, event: object) -> None:
        if isinstance(event, SessionChanged):
            with self.cond:
                self.state = event.state
                self.cond.notify_all()

    def wait_for(self, state: SessionState, timeout: float = 30.0) -> None:
        with self.cond:
            if not self.cond.wait_for(lambda: self.state is state, timeout):
                raise SystemExit(f"benchmark timed out waiting for {state}")


def start_signed_in(station: Any) -> SessionWatch:
    """Start ``station`` and sign the demo patron in (card, then PIN): on return she is on the home screen."""
    watch = SessionWatch()
    station.subscribe(watch)
    station.start()
    if not station.wait_started(10):
        raise SystemExit("benchmark: the station did not start")
    station.identify(PATRON)
    watch.wait_for(SessionState.PIN_ENTRY)
    station.enter_pin(PIN)
    watch.wait_for(SessionState.READY)
    return watch

"""A whole station on loopback for the core's tests and the checkout benchmark:
the ILS simulator, a real SIP2 client, the simulated pad, scanner, NFC
reader, printer and payment terminal, and an event recorder.

Nothing here mocks our own classes: the station talks SIP2 over TCP to the
simulator and writes tags through the simulated pad's ISO 15693 field.
"""

from __future__ import annotations

import queue
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable

from kiosk.config import load_config
from kiosk.drivers.barcode.sim import SimulatedScanner
from kiosk.drivers.registry import open_device
from kiosk.drivers.nfc.sim import SimulatedCardReader
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
from kiosk.events import ItemResult, SessionChanged, SessionState
from kiosk.drivers.payment import SimulatedPayment
from kiosk.circulation.session import Timeouts
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.station.facade import Station
from kiosk.tags import dsfid_for

ANA, ANA_PIN = "21000000000001", "1234"
BJORN = "21000000000002"
BLOCKED = "21000000000003"
EXPIRED = "21000000000004"
FINED = "21000000000005"
NANDU = "21000000000006"
ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]
ON_HOLD, IN_TRANSIT, NOT_FOR_LOAN, MULTIPART, OTHERS_LOAN, RENEW_LIMIT = (
    "31000000000011", "31000000000012", "31000000000013", "31000000000014", "31000000000015", "31000000000016")

# On loan to Ana in the demo data and overdue: a queued return of it is provably
# of that loan (kiosk.store.loans), so the replay discharges it.
OVERDUE = "31000000000020"

FAST = Timeouts(pin=5, home=5, borrow=5, ret=5, account=5, receipt=5, warning=1, goodbye=1)


def eventually(predicate: Callable[[], bool], timeout: float = 5.0, interval: float = 0.01) -> None:
    """Poll ``predicate`` until it holds; AssertionError after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met within %.1fs" % timeout)
        time.sleep(interval)


def write_overrides(tmp_path: Path, toml: str) -> Path:
    path = tmp_path / f"override-{abs(hash(toml))}.toml"
    path.write_text(toml, encoding="utf-8")
    return path


def make_config(tmp_path: Path, extra: str = "") -> Any:
    base = f"""
[station]
data_dir = "{tmp_path.as_posix()}/data"
[receipt]
default = "ask"
[devices.rfid]
write_retries = 2
"""
    paths = [write_overrides(tmp_path, base)]
    if extra:
        paths.append(write_overrides(tmp_path, extra))
    return load_config(None, overrides=paths, apply_override_file=False)


def client_for(ils: ILSSimulator, read_timeout: float = 1.0, **kw: Any) -> SIP2Client:
    settings = SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                            institution_id="DEMO", encoding="utf-8", connect_timeout=1.0, read_timeout=read_timeout,
                            keepalive_interval=0.0, reconnect_interval=0.2, retries=1, honour_acs_timeout=False,
                            **kw)
    return SIP2Client(settings)


@dataclass
class Kit:
    ils: ILSSimulator
    station: Station
    pad: SimulatedPad
    scanner: SimulatedScanner
    nfc: SimulatedCardReader
    payment: SimulatedPayment
    printer: Any
    events: "queue.Queue[Any]" = field(default_factory=queue.Queue)
    seen: list[Any] = field(default_factory=list)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def record(self, event: Any) -> None:
        with self._lock:
            self.seen.append(event)
        self.events.put(event)

    # -- waiting, always bounded ------------------------------------------------------
    def wait(self, predicate: Callable[[Any], bool], timeout: float = 5.0) -> Any:
        """The first new event matching ``predicate``; AssertionError after ``timeout``."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no matching event within {timeout}s; seen: {self.seen[-15:]}")
            try:
                event = self.events.get(timeout=left)
            except queue.Empty:
                continue
            if predicate(event):
                return event

    def wait_state(self, state: SessionState, timeout: float = 5.0) -> SessionChanged:
        return self.wait(lambda e: isinstance(e, SessionChanged) and e.state is state, timeout)

    def wait_type(self, kind: type, timeout: float = 5.0) -> Any:
        return self.wait(lambda e: isinstance(e, kind), timeout)

    def results(self, n: int, action: str = "borrow", timeout: float = 10.0,
                final: bool = True) -> dict[str, ItemResult]:
        """Wait for ``n`` distinct items' (final) results; item id -> latest result."""
        from kiosk.events import ItemStatus
        got: dict[str, ItemResult] = {}
        deadline = time.monotonic() + timeout
        while len(got) < n:
            left = deadline - time.monotonic()
            event = self.wait(lambda e: isinstance(e, ItemResult) and e.action == action
                              and (not final or e.status is not ItemStatus.PENDING), max(left, 0.01))
            got[event.item_id] = event
        return got

    def place(self, *item_ids: str, parts: int = 1, afi: int = 0x07, **fields: Any) -> list[bytes]:
        uids = []
        for item in item_ids:
            for part in range(1, parts + 1):
                uid, data = make_item_tag(item, parts=parts, part=part, **fields)
                self.pad.place(uid, data, afi=afi, dsfid=dsfid_for(fields.get("model", "danish")))
                uids.append(uid)
        return uids

    def afi(self, uid: bytes) -> int:
        return next(t.afi for t in self.pad.tags() if t.uid == uid)

    def login(self, patron: str = ANA, pin: str | None = ANA_PIN) -> None:
        self.station.identify(patron, "scanner")
        if pin is not None:
            self.wait_state(SessionState.PIN_ENTRY)
            self.station.enter_pin(pin)
        self.wait_state(SessionState.READY)

    def stop(self) -> None:
        self.station.stop()
        self.ils.stop()


def start_kit(tmp_path: Path, extra_config: str = "", *, latency: float = 0.0, timeouts: Timeouts = FAST,
              read_timeout: float = 1.0, items_on_pad: Iterable[str] = (), pad_timing: tuple[float, float] =
              (0.01, 0.05), payment: SimulatedPayment | None = None, airtime: bool = False) -> Kit:
    ils = ILSSimulator(encoding="utf-8", latency=latency)
    ils.start()
    config = make_config(tmp_path, extra_config)
    pad = SimulatedPad(airtime=airtime)
    scanner = SimulatedScanner()
    nfc = SimulatedCardReader()
    payment = payment or SimulatedPayment()
    printer = open_device("printer", "sim", {})
    station = Station(config, sip2_client=client_for(ils, read_timeout),
                      devices={"rfid": pad, "scanner": scanner, "nfc": nfc, "payment": payment, "printer": printer},
                      journal_path=tmp_path / "journal.sqlite3", timeouts=timeouts, pad_timing=pad_timing)
    kit = Kit(ils, station, pad, scanner, nfc, payment, printer)
    for item in items_on_pad:
        kit.place(item)
    station.subscribe(kit.record)
    station.start()
    assert station.wait_started(10.0), "station did not start"
    return kit

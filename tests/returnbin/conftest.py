"""The return bin wired to the real ILS simulator on loopback, a simulated
chute reader, a simulated sorter and display."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.display import SimulatedDisplay
from kiosk.drivers.rfid.sim import SimulatedPad
from kiosk.drivers.sorter import SimulatedSorter
from kiosk.monitoring import Monitor
from kiosk.returnbin import ReturnBin
from kiosk.returnbin.chute import SimulatedChute
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.sip2.ils.desk import Desk

from bin_kit import PATRON, make_config


@dataclass
class Rig:
    ils: ILSSimulator
    service: ReturnBin
    chute: SimulatedChute
    pad: SimulatedPad
    sorter: SimulatedSorter
    display: SimulatedDisplay
    config: object

    def lend(self, *items: str, overdue: bool = False) -> None:
        """Put items on loan on the ILS, as if borrowed earlier; ``overdue``:
        lent at the desk and due yesterday, so a return queued offline is
        provably of that loan (kiosk.store.loans)."""
        if overdue:
            for item in items:
                assert Desk(self.ils.circulation).lend(item, PATRON, due_in_days=-1).ok, item
            return
        client = SIP2Client(SIP2Settings.from_config(self.config), supervise=False)
        client.connect()
        try:
            for item in items:
                assert client.checkout(PATRON, item, pin="1234").ok, item
        finally:
            client.close()

    def charged(self, item: str) -> bool:
        client = SIP2Client(SIP2Settings.from_config(self.config), supervise=False)
        client.connect()
        try:
            return client.item_information(item).circulation_status == "04"
        finally:
            client.close()


@pytest.fixture
def rig_factory(tmp_path: Path) -> Iterator[object]:
    started: list[tuple[ILSSimulator, ReturnBin]] = []

    def build(capacity: int = 0, extra: str = "", monitor: Monitor | None = None) -> Rig:
        ils = ILSSimulator()
        ils.start()
        config = make_config(tmp_path, ils.port, extra)
        pad = SimulatedPad()
        sorter = SimulatedSorter(["1", "2", "holds", "reject"], capacity=capacity)
        display = SimulatedDisplay()
        service = ReturnBin(config, reader=pad, sorter=sorter, display=display, scanner=None,
                            monitor=monitor or Monitor("test-bin"), pad_timing=(0.01, 0.0))
        chute = SimulatedChute(pad, service)
        service.start()
        started.append((ils, service))
        return Rig(ils, service, chute, pad, sorter, display, config)

    yield build
    for ils, service in started:
        service.stop()
        ils.stop()

"""What the station's devices say, turned into the patron flows' steps: the
pad watcher's events and the barcode scanner's codes (NFC cards arrive as
:class:`~kiosk.station.actions.Identify` directly).

A patron card (RFID usage 8, or a barcode matching the patron rule) on the
idle kiosk identifies; an item while borrowing borrows (as soon as its tag
is read; what must wait for the whole stack waits for it to settle) and
otherwise returns; a staff badge on the idle kiosk opens staff mode; anything
else on the idle kiosk is a staff attempt (:meth:`Identification.staff_card`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from kiosk.drivers.barcode.rules import BarcodeRules
from kiosk.drivers.rfid.events import PadEvent, PadFault, PadRecovered, StackSettled, TagPlaced
from kiosk.events import SessionState
from kiosk.station.live import LiveSession
from kiosk.station.ports import DeviceChangedFn, StaffCardFn
from kiosk.tags import ItemTag

log = logging.getLogger(__name__)

__all__ = ["DeviceInputs", "FlowSteps"]

S = SessionState


@dataclass(frozen=True)
class FlowSteps:
    """The flows' steps a device can start."""

    identify: Callable[[str, str], None]
    borrow_from_pad: Callable[[], None]
    borrow_identified: Callable[[], None]
    return_from_pad: Callable[[], None]
    borrow_barcode: Callable[[str], None]
    return_barcode: Callable[[str], None]


class DeviceInputs:
    def __init__(self, live: LiveSession, barcodes: BarcodeRules, steps: FlowSteps, *,
                 staff_card: StaffCardFn, device_changed: DeviceChangedFn) -> None:
        self.live = live
        self.barcodes = barcodes
        self.steps = steps
        self.staff_card = staff_card
        self.device_changed = device_changed

    def pad(self, event: PadEvent) -> None:
        s = self.live.session
        if isinstance(event, PadFault):
            return self.device_changed("rfid", False, event.message)
        if isinstance(event, PadRecovered):
            return self.device_changed("rfid", True, "pad working again")
        if isinstance(event, TagPlaced):
            data = event.data
            if isinstance(data, ItemTag) and data.is_patron_card and s.state is S.IDLE:
                return self.steps.identify(data.primary_item_id, "rfid")
            if s.state in (S.BORROWING, S.RETURNING):
                s.touch()
            if s.state is S.BORROWING:
                # Checked out as soon as it is read: the ILS answers while the pad reads the rest.
                self.steps.borrow_identified()
            return
        if isinstance(event, StackSettled):
            if s.state is S.BORROWING:
                self.steps.borrow_from_pad()
            elif s.state is S.RETURNING:
                self.steps.return_from_pad()

    def scan(self, code: str) -> None:
        live = self.live
        code = self.barcodes.normalise(code)
        kind = self.barcodes.classify(code)
        state = live.session.state
        if kind == "patron":
            if state is S.IDLE:
                self.steps.identify(code, "scanner")
            return
        # On the idle kiosk a code that is no patron card may be a staff badge (patron cards
        # are checked by identification); one that is no item either can be nothing else.
        if state is S.IDLE and self.staff_card(code, "scanner", kind == "item"):
            return
        if kind != "item":
            return
        if state is S.BORROWING:
            self.steps.borrow_barcode(code)
        elif state in (S.RETURNING, S.IDLE):
            self.steps.return_barcode(code)

"""What the station's devices say, turned into the patron flows' steps: the
pad watcher's events and the barcode scanner's codes (NFC cards arrive as
:class:`~kiosk.station.actions.Identify` directly).

A patron card (RFID usage 8, or a barcode matching the patron rule) on the
idle kiosk identifies; an item while borrowing borrows (as soon as its tag
is read; what must wait for the whole stack waits for it to settle) and
otherwise returns; a staff badge on the idle kiosk opens staff mode; anything else on
the idle kiosk is an unknown card.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Callable

from kiosk.drivers.barcode.rules import BarcodeRules
from kiosk.drivers.rfid.events import PadEvent, PadFault, PadRecovered, StackSettled, TagPlaced
from kiosk.events import SessionState, StaffBadge
from kiosk.station.identification import MSG_UNKNOWN_CARD
from kiosk.station.live import LiveSession
from kiosk.station.ports import DeviceChangedFn
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
                 is_staff_badge: Callable[[str], bool], device_changed: DeviceChangedFn) -> None:
        self.live = live
        self.barcodes = barcodes
        self.steps = steps
        self.is_staff_badge = is_staff_badge
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
        if kind != "item":
            if state is S.IDLE and self.is_staff_badge(code):
                log.info("staff badge presented by scanner")
                return live.emit(StaffBadge("scanner"))
            return live.notice(live.tr(MSG_UNKNOWN_CARD), "warning") if state is S.IDLE else None
        if state is S.BORROWING:
            self.steps.borrow_barcode(code)
        elif state in (S.RETURNING, S.IDLE):
            self.steps.return_barcode(code)

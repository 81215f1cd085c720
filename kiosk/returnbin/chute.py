"""A simulated book-drop chute for the demo, tests and benchmarks: drops
tagged items onto a simulated pad (the chute reader) and takes each one off
once the return bin has sorted it, as gravity and the conveyor would."""

from __future__ import annotations

import threading
from typing import Any

from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
from kiosk.returnbin.service import ReturnBin
from kiosk.returnbin.stages import ItemSorted


class SimulatedChute:
    def __init__(self, pad: SimulatedPad, service: ReturnBin) -> None:
        self.pad = pad
        self.sorted: list[ItemSorted] = []
        self.remove_sorted = True     # False: items stay on the reader (tests inspect their tags)
        self._done = threading.Condition()
        service.on_item(self._on_sorted)

    def drop(self, item_id: str, *, parts: int = 1, part: int = 1, model: str = "danish", afi: int = 0xC2,
             **fields: Any) -> bytes:
        """An item falls onto the reader (on-loan AFI, as a borrowed item has)."""
        uid, data = make_item_tag(item_id, parts, part, model, **fields)
        from kiosk.tags import dsfid_for

        self.pad.place(uid, data, afi=afi, dsfid=dsfid_for(model))
        return uid

    def drop_raw(self, uid: bytes, data: bytes, afi: int = 0xC2) -> bytes:
        """Something with an arbitrary tag (blank, damaged, foreign)."""
        self.pad.place(uid, data, afi=afi)
        return uid

    def _on_sorted(self, event: ItemSorted) -> None:
        if event.routed and self.remove_sorted:
            for uid in event.item.uids:
                self.pad.remove(uid)
        with self._done:
            self.sorted.append(event)
            self._done.notify_all()

    def wait_for(self, count: int, timeout: float = 10.0) -> list[ItemSorted]:
        """Block until ``count`` items were sorted in all; returns them (bounded)."""
        with self._done:
            self._done.wait_for(lambda: len(self.sorted) >= count, timeout)
            return list(self.sorted)

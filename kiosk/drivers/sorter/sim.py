"""A simulated sorter: bins with a capacity and full sensors, for the demo,
tests and benchmarks. Staff "empty" a bin with :meth:`SimulatedSorter.empty`;
``jam_next`` injects a jam on the next route. ``hang_while=PATH``: while that
file exists, routing an item blocks, as a board that never answers with a
driver stuck in its read would; it wedges the return bin's sorting stage,
which the systemd watchdog must notice (tests/returnbin)."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from kiosk.drivers.sorter.base import BinFull, Sorter, SorterEvent
from kiosk.errors import DeviceError


class SimulatedSorter(Sorter):
    def __init__(self, bins: list[str], capacity: int = 0, route_time: float = 0.0,
                 hang_while: str | Path | None = None) -> None:
        super().__init__()
        if not bins:
            raise ValueError("a sorter needs at least one bin")
        self._bins = list(bins)
        self.capacity = capacity          # 0 = unlimited
        self.route_time = route_time      # seconds the flap/conveyor takes
        self.counts = {b: 0 for b in bins}
        self.routed: list[str] = []
        self.jam_next = False
        self.hang_while = hang_while
        self._closing = threading.Event()
        self._lock = threading.Lock()

    def bins(self) -> list[str]:
        return list(self._bins)

    def is_full(self, bin_name: str) -> bool:
        with self._lock:
            return bool(self.capacity) and self.counts.get(bin_name, 0) >= self.capacity

    def route(self, bin_name: str) -> None:
        if bin_name not in self.counts:
            raise DeviceError(f"sorter has no bin {bin_name!r} (bins: {', '.join(self._bins)})", "sorter")
        if self.is_full(bin_name):
            raise BinFull(bin_name)
        while self.hang_while is not None and os.path.exists(self.hang_while) and not self._closing.wait(0.05):
            pass  # the hang fault: stuck as long as the file is there
        if self.jam_next:
            self.jam_next = False
            self._emit(SorterEvent("jam", bin_name, "item stuck in the chute"))
            raise DeviceError("sorter jammed", "sorter")
        if self.route_time:
            time.sleep(self.route_time)
        with self._lock:
            self.counts[bin_name] += 1
            self.routed.append(bin_name)
            now_full = bool(self.capacity) and self.counts[bin_name] >= self.capacity
        if now_full:
            self._emit(SorterEvent("full", bin_name))

    def close(self) -> None:
        self._closing.set()

    def empty(self, bin_name: str) -> None:
        with self._lock:
            self.counts[bin_name] = 0
        self._emit(SorterEvent("emptied", bin_name))

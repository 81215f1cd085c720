"""Return-bin sorters: send each returned item to a bin; report full bins.

A sorter has one primitive, :meth:`Sorter.route`, and reports bin state
changes (full, emptied, jam) as :class:`SorterEvent` s to the callback given
to :meth:`Sorter.on_event`. ``route`` to a full bin raises :class:`BinFull`
so the return bin can stop the intake instead of overfilling.
"""

from __future__ import annotations

import threading
from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Callable

from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError


@dataclass(frozen=True)
class SorterEvent:
    kind: str        # "full", "emptied", "jam", "cleared", "error"
    bin: str = ""
    detail: str = ""


class BinFull(DeviceError):
    """The bin cannot take another item."""

    def __init__(self, bin_name: str) -> None:
        super().__init__(f"bin {bin_name} is full", "sorter")
        self.bin = bin_name


class Sorter(ABC):
    def __init__(self) -> None:
        self._listeners: list[Callable[[SorterEvent], None]] = []
        self._listeners_lock = threading.Lock()

    def on_event(self, callback: Callable[[SorterEvent], None]) -> None:
        with self._listeners_lock:
            self._listeners.append(callback)

    def _emit(self, event: SorterEvent) -> None:
        with self._listeners_lock:
            listeners = list(self._listeners)
        for listener in listeners:
            listener(event)

    @abstractmethod
    def bins(self) -> list[str]:
        """The bins this sorter can route to."""

    @abstractmethod
    def route(self, bin_name: str) -> None:
        """Send the item in the chute to ``bin_name``; raises :class:`BinFull`
        or :class:`DeviceError`."""

    @abstractmethod
    def is_full(self, bin_name: str) -> bool:
        """The bin's full sensor."""

    def full_bins(self) -> list[str]:
        return [b for b in self.bins() if self.is_full(b)]

    def self_test(self) -> SelfTestResult:
        try:
            full = self.full_bins()
        except DeviceError as exc:
            return SelfTestResult.failed(str(exc))
        detail = f"{len(self.bins())} bins: {', '.join(self.bins())}"
        return SelfTestResult.passed(detail, *(f"bin {b} full" for b in full))

    def close(self) -> None:
        pass

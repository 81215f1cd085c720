"""The station's subscribers: :class:`EventHub` hands every event to each of
them, on the thread that raised it."""

from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.events import StationEvent
from kiosk.station.api import Subscriber

log = logging.getLogger(__name__)

__all__ = ["EventHub"]


class EventHub:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._subscribers: list[Subscriber] = []

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event; returns an unsubscribe function."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)
        return unsubscribe

    def emit(self, event: StationEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not stop the kiosk
                log.exception("station subscriber failed on %s", type(event).__name__)

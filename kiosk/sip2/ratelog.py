"""Repeated warnings about one peer, rate-limited: a hostile or broken peer
can send thousands of bad frames a second, and one log line each would bury
the journal (issue 11, case 9: 26,000 lines in 2 s from one connection).

One :class:`RateLimitedLog` per connection. Each kind of warning (its
``key``) is logged at most once per ``interval`` seconds; the next one that
gets through says how many like it were held back, so nothing is hidden,
only counted.
"""

from __future__ import annotations

import logging
import time

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Callable

__all__ = ["RateLimitedLog", "WARNING_INTERVAL"]

WARNING_INTERVAL = 10.0  # seconds between two warnings of one kind about one connection


class RateLimitedLog:
    """Warnings about one connection, at most one per kind per ``interval``."""

    def __init__(self, logger: logging.Logger, interval: float = WARNING_INTERVAL,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.logger = logger
        self.interval = interval
        self.clock = clock
        self._last: dict[str, float] = {}
        self._held: dict[str, int] = {}

    def warning(self, key: str, message: str, *args: object) -> bool:
        """Log ``message % args`` unless a ``key`` warning went out less than
        ``interval`` ago; True when it was logged."""
        now = self.clock()
        last = self._last.get(key)
        if last is not None and now - last < self.interval:
            self._held[key] = self._held.get(key, 0) + 1
            return False
        self._last[key] = now
        held = self._held.pop(key, 0)
        if held:
            message += f" ({held} more like it in the last {self.interval:.0f} s not logged)"
        self.logger.warning(message, *args)
        return True

    def held(self, key: str) -> int:
        """Warnings of ``key`` counted but not logged since the last one that was."""
        return self._held.get(key, 0)

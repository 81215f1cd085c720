"""Keyboard-wedge recogniser: tells a scanner burst from a person typing.

A USB scanner in keyboard ("wedge") mode types the code into whatever has
focus. The UI feeds every key press to :class:`WedgeRecogniser` with the time
it arrived; keys that follow each other faster than any person types
(``max_gap``, default 50 ms; people manage 100-250 ms, scanners 1-20 ms) and
add up to at least ``min_length`` characters are a scan, anything else is
handed back as typing for the focused field. The only cost to a typist is a
delay of ``max_gap`` before their key shows.

Pure logic, no Kivy: the UI calls :meth:`key` / :meth:`terminator` from its
key handler and :meth:`poll` from a clock tick of about ``max_gap``. Times
are seconds from any monotonic clock. Kivy delivers keys once per frame, so
a burst may arrive in clumps a frame apart; 50 ms covers 20 fps.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol


class _WedgeKeys(Protocol):
    @property
    def wedge_max_gap(self) -> float: ...

    @property
    def wedge_min_length(self) -> int: ...


class _Devices(Protocol):
    @property
    def scanner(self) -> _WedgeKeys: ...


class HasScannerKeys(Protocol):
    """A whole config (:class:`kiosk.config.Config`): drivers are handed it, never load it."""

    @property
    def devices(self) -> _Devices: ...


@dataclass(frozen=True)
class Scanned:
    """A barcode arrived through the keyboard; do not show the keys."""
    code: str


@dataclass(frozen=True)
class Typed:
    """Keys a person typed: replay them into the focused field, in order."""
    text: str


@dataclass(frozen=True)
class KeyPassed:
    """A terminator key (``"enter"``, ``"tab"``) that belongs to the UI."""
    key: str


WedgeEvent = Scanned | Typed | KeyPassed


@dataclass
class WedgeRecogniser:
    max_gap: float = 0.05
    min_length: int = 4
    #: accept a fast burst that ends without Enter/Tab once it goes quiet
    #: (scanners configured without a suffix).
    accept_unterminated: bool = False
    _chars: list[str] = field(default_factory=list)
    _last: float = 0.0

    def __post_init__(self) -> None:
        if self.max_gap <= 0 or self.min_length < 1:
            raise ValueError("WedgeRecogniser: max_gap must be > 0 and min_length >= 1")

    @classmethod
    def from_config(cls, cfg: HasScannerKeys) -> "WedgeRecogniser":
        """Tuned by ``[devices.scanner] wedge_max_gap`` / ``wedge_min_length``."""
        scanner = cfg.devices.scanner
        return cls(max_gap=scanner.wedge_max_gap, min_length=scanner.wedge_min_length)

    @property
    def pending(self) -> bool:
        """True while keys are held back waiting for a decision."""
        return bool(self._chars)

    def key(self, char: str, t: float) -> list[WedgeEvent]:
        """A printable key arrived at time ``t``."""
        events = self._expire(t)
        self._chars.append(char)
        self._last = t
        return events

    def terminator(self, t: float, key: str = "enter") -> list[WedgeEvent]:
        """Enter or Tab arrived at time ``t``: ends a scan, or passes through."""
        events = self._expire(t)
        if self._chars and len(self._chars) >= self.min_length:
            code = "".join(self._chars)
            self._chars.clear()
            return events + [Scanned(code)]
        return events + self._release() + [KeyPassed(key)]

    def poll(self, now: float) -> list[WedgeEvent]:
        """Clock tick: release typing (or an unterminated scan) that went quiet."""
        return self._expire(now)

    def _expire(self, now: float) -> list[WedgeEvent]:
        if not self._chars or now - self._last <= self.max_gap:
            return []
        if self.accept_unterminated and len(self._chars) >= self.min_length:
            code = "".join(self._chars)
            self._chars.clear()
            return [Scanned(code)]
        return self._release()

    def _release(self) -> list[WedgeEvent]:
        if not self._chars:
            return []
        text = "".join(self._chars)
        self._chars.clear()
        return [Typed(text)]

"""Pad watcher: turns reader polling into "tag placed / tag removed / stack
settled" events, on its own bounded, stoppable thread.

Debouncing: a tag counts as placed once it has answered ``present_polls``
times in a row, and as removed once it has been missing from
``absent_polls`` consecutive inventories (one inventory that missed it in a
collision does not end a loan). Answers are the inventories that list it
and the addressed read of its user memory: with the default of 2, one
inventory and a successful read place a tag (the read is the second answer,
so a tag sliding across the antenna edge that is gone by then stays
pending), without waiting a poll interval for a second inventory. Each new
tag's user memory is read and decoded once (the first ``blocks`` blocks;
more, up to ``max_blocks``, when an ISO 28560-2 record does not fit), and
:class:`TagPlaced` goes out at once, so the station can start on a book
while the rest of the stack is still being read. When nothing has changed
for ``settle_time`` seconds (no tag arriving, leaving or waiting to be
read), :class:`StackSettled` reports the whole set, so a stack of ten books
lands as one set, not ten.

``busy()`` (optional): while it says True (the station is borrowing:
checkouts and security writes under way), inventories wait, at most
``max_defer`` seconds in a row. One inventory of a full stack takes ~90 ms
of air time; a security write must not queue behind it. Tags already seen
are read meanwhile: that is a poll's own work, not a new inventory.

Reader failures never kill the thread: it emits :class:`PadFault` once,
backs off (doubling up to ``max_backoff``), keeps the last known tags (a
flaky cable must not look like ten books walking away), and emits
:class:`PadRecovered` when inventories work again.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Union

from kiosk.drivers.rfid.base import RFIDReader, TagInfo, uid_hex
from kiosk.errors import DeviceError, TagError
from kiosk.monitoring.liveness import NO_HEART, Heart
from kiosk.tags import ItemTag, Unreadable, decode_tag

log = logging.getLogger("kiosk.drivers.rfid.watcher")


@dataclass(frozen=True)
class TagPlaced:
    tag: TagInfo
    data: ItemTag | Unreadable


@dataclass(frozen=True)
class TagRemoved:
    uid: bytes


@dataclass(frozen=True)
class StackSettled:
    """Every tag on the pad once it stopped changing (empty: the pad was cleared)."""

    tags: tuple[TagPlaced, ...]


@dataclass(frozen=True)
class PadFault:
    """The reader failed; ``message`` says what (shown to staff, not patrons)."""

    message: str


@dataclass(frozen=True)
class PadRecovered:
    pass


PadEvent = Union[TagPlaced, TagRemoved, StackSettled, PadFault, PadRecovered]


def decode(data: bytes, dsfid: int) -> ItemTag | Unreadable:
    return decode_tag(data, dsfid)


def unreadable(reason: str, raw: bytes = b"") -> Unreadable:
    return Unreadable(reason, raw)


class PadWatcher:
    def __init__(self, reader: RFIDReader, poll_interval: float = 0.1, settle_time: float = 0.3,
                 present_polls: int = 2, absent_polls: int = 3, blocks: int = 8, read_attempts: int = 3,
                 max_backoff: float = 5.0, max_blocks: int = 28, busy: Callable[[], bool] | None = None,
                 max_defer: float = 10.0) -> None:
        self.reader = reader
        self.poll_interval, self.settle_time = poll_interval, settle_time
        self.present_polls, self.absent_polls = max(1, present_polls), max(1, absent_polls)
        self.blocks, self.read_attempts, self.max_backoff = blocks, max(1, read_attempts), max_backoff
        self.max_blocks = max(blocks, max_blocks)
        self.busy = busy
        self.max_defer = max_defer
        self._deferred_since: float | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_event: Callable[[PadEvent], None] = lambda event: None
        self._seen: dict[bytes, int] = {}          # candidate uid -> consecutive sightings
        self._missing: dict[bytes, int] = {}       # placed uid -> consecutive misses
        self._failed_reads: dict[bytes, int] = {}
        self._placed: dict[bytes, TagPlaced] = {}
        self._placed_lock = threading.Lock()       # placed() is read from other threads
        self._last_change = 0.0
        self._dirty = False
        self._settled: tuple[bytes, ...] = ()
        self._fault = False
        #: Beaten once per poll; a reader command that hangs stops the service's watchdog.
        self.heart: Heart = NO_HEART

    @classmethod
    def from_options(cls, reader: RFIDReader, options: dict[str, Any],
                     busy: Callable[[], bool] | None = None) -> "PadWatcher":
        """Build from ``cfg.devices.rfid.options`` (``poll_interval``, ``settle_time``)."""
        return cls(reader, poll_interval=float(options.get("poll_interval", 0.1)),
                   settle_time=float(options.get("settle_time", 0.3)), busy=busy)

    # -- lifecycle ----------------------------------------------------------------
    def start(self, on_event: Callable[[PadEvent], None]) -> None:
        if self._thread is not None:
            raise RuntimeError("pad watcher already started")
        self._on_event = on_event
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="pad-watcher", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        if self._thread is not None and self._thread is not threading.current_thread():
            self._thread.join(timeout)
        self._thread = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def placed(self) -> tuple[TagPlaced, ...]:
        """The tags the watcher currently believes are on the pad."""
        with self._placed_lock:
            return tuple(self._placed.values())

    # -- the loop --------------------------------------------------------------------
    def _run(self) -> None:
        backoff = self.poll_interval
        while not self._stop.is_set():
            self.heart.beat()
            if self._deferring(time.monotonic()):
                self._stop.wait(min(self.poll_interval, 0.02))
                continue
            try:
                self.poll()
            except DeviceError as exc:
                if not self._fault:
                    self._fault = True
                    self._emit(PadFault(str(exc)))
                log.warning("rfid pad: %s (retrying in %.1f s)", exc, backoff)
                self._stop.wait(backoff)
                backoff = min(backoff * 2, self.max_backoff)
                continue
            except Exception:                     # a bug must not silently stop the pad
                log.exception("rfid pad watcher: unexpected error")
                self._stop.wait(self.max_backoff)
                continue
            if self._fault:
                self._fault = False
                self._emit(PadRecovered())
            backoff = self.poll_interval
            self._stop.wait(self.poll_interval)
        self.heart.rest()

    def _deferring(self, now: float) -> bool:
        """True while ``busy()`` holds inventories back (bounded by ``max_defer``)."""
        if self.busy is None or not self.busy():
            self._deferred_since = None
            return False
        if self._deferred_since is None:
            self._deferred_since = now
        if now - self._deferred_since < self.max_defer:
            return True
        self._deferred_since = now               # one inventory now, then defer again
        return False

    def poll(self, now: float | None = None) -> None:
        """One inventory and the bookkeeping after it (public for tests and tools)."""
        tags = {t.uid: t for t in self.reader.inventory()}
        now = time.monotonic() if now is None else now
        for uid, tag in tags.items():
            self._missing.pop(uid, None)
            if uid in self._placed:
                continue
            self._seen[uid] = self._seen.get(uid, 0) + 1
            self._dirty, self._last_change = True, now
            if self._seen[uid] + 1 >= self.present_polls:     # the read is one more answer
                self._try_place(tag, now)
        for uid in list(self._seen):
            if uid not in tags:
                del self._seen[uid]               # a flicker that never became a tag
                self._failed_reads.pop(uid, None)
        for uid in list(self._placed):
            if uid in tags:
                continue
            self._missing[uid] = self._missing.get(uid, 0) + 1
            self._dirty, self._last_change = True, now
            if self._missing[uid] >= self.absent_polls:
                with self._placed_lock:
                    del self._placed[uid]
                del self._missing[uid]
                self._emit(TagRemoved(uid))
        pending = self._seen or self._missing
        if self._dirty and not pending and now - self._last_change >= self.settle_time:
            self._dirty = False
            current = tuple(self._placed)
            if current != self._settled:
                self._settled = current
                self._emit(StackSettled(self.placed()))

    def _try_place(self, tag: TagInfo, now: float) -> None:
        try:
            raw = self.reader.read_user_memory(tag.uid, self.blocks)
            data = decode(raw, tag.dsfid)
            if _incomplete(data) and raw.strip(b"\x00") and raw.strip(b"\xff"):
                data = self._read_longer(tag, raw, data)
        except TagError as exc:
            failures = self._failed_reads.get(tag.uid, 0) + 1
            self._failed_reads[tag.uid] = failures
            if failures < self.read_attempts:
                return                            # try again next poll, still pending
            data = unreadable(f"could not read the tag's memory: {exc}")
        self._seen.pop(tag.uid, None)
        self._failed_reads.pop(tag.uid, None)
        event = TagPlaced(tag, data)
        with self._placed_lock:
            self._placed[tag.uid] = event
        self._last_change = now
        self._emit(event)

    def _read_longer(self, tag: TagInfo, raw: bytes, data: ItemTag | Unreadable) -> ItemTag | Unreadable:
        """ISO 28560-2 records can outgrow the first blocks: read on, four
        blocks at a time, up to ``max_blocks`` or the end of the tag's memory."""
        while len(raw) // 4 < self.max_blocks:
            first = len(raw) // 4
            try:
                raw += self.reader.read_blocks(tag.uid, first, min(4, self.max_blocks - first))
            except TagError:
                if first + 1 >= self.max_blocks:
                    break
                try:                              # the tag may end inside the chunk
                    raw += self.reader.read_blocks(tag.uid, first, 1)
                    continue
                except TagError:
                    break
            longer = decode(raw, tag.dsfid)
            if not _incomplete(longer):
                return longer
            if isinstance(longer, ItemTag):
                data = longer                     # better than before, maybe still truncated
        return data

    def _emit(self, event: PadEvent) -> None:
        log.debug("rfid pad: %s", _describe(event))
        try:
            self._on_event(event)
        except Exception:                         # the subscriber's bug, not the pad's
            log.exception("rfid pad: event handler failed on %s", _describe(event))


def _incomplete(data: ItemTag | Unreadable) -> bool:
    """Unreadable, or decoded but the codec says the record runs past what was read."""
    if not isinstance(data, ItemTag):
        return True
    return any("read more blocks" in note for note in data.notes)


def _describe(event: PadEvent) -> str:
    if isinstance(event, TagPlaced):
        return f"placed {uid_hex(event.tag.uid)}"
    if isinstance(event, TagRemoved):
        return f"removed {uid_hex(event.uid)}"
    if isinstance(event, StackSettled):
        return f"settled with {len(event.tags)} tag{'' if len(event.tags) == 1 else 's'}"
    return type(event).__name__

"""The tags in an antenna's field: the model behind every emulator and the
simulated pad.

Each :class:`FieldTag` has real memory (blocks), a DSFID, an AFI, an EAS bit
and lockable blocks. :class:`TagField` holds the tags on the pad, answers the
ISO 15693 operations a reader performs, reports how long each would take on
the air (:mod:`kiosk.drivers.rfid.airtime`) and injects faults on request:
read errors, a tag lifted in the middle of a write (the first blocks written,
the rest not, the tag gone), and collisions / missed tags in inventories.

Thread-safe: tests and the demo place and lift tags from other threads while
a reader thread polls.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass, field
from typing import Callable

from kiosk.drivers.rfid import airtime

BLOCK_SIZE = 4


class NoTag(Exception):
    """The addressed tag is not in the field (a reader reports "no transponder")."""


class TagFault(Exception):
    """The tag answered with an ISO 15693 error code."""

    def __init__(self, code: int) -> None:
        super().__init__(f"ISO 15693 error 0x{code:02X}")
        self.code = code


@dataclass
class FieldTag:
    uid: bytes
    memory: bytearray
    dsfid: int = 0
    afi: int = 0
    eas: bool = False
    supports_eas: bool = True
    ic_ref: int = 0x01
    locked: set[int] = field(default_factory=set)
    afi_locked: bool = False

    @property
    def blocks(self) -> int:
        return len(self.memory) // BLOCK_SIZE


@dataclass
class _Faults:
    failing_reads: int = 0
    read_error: int = 0x0F
    read_uid: bytes | None = None
    lift: dict[bytes, int] = field(default_factory=dict)   # uid -> blocks written before it goes
    missed: dict[bytes, int] = field(default_factory=dict)  # uid -> inventories it is missed in
    collision_polls: int = 0
    failing_writes: int = 0


class TagField:
    """Tags on one antenna. ``time_scale`` 1.0 = real air time, 0 = instant."""

    def __init__(self, time_scale: float = 0.0, sleep: Callable[[float], None] = time.sleep) -> None:
        self._lock = threading.RLock()
        self._tags: dict[bytes, FieldTag] = {}
        self._faults = _Faults()
        self.time_scale = time_scale
        self._sleep = sleep
        self.air_time = 0.0           # total modelled air time, for benchmarks

    # -- placing and lifting ---------------------------------------------
    def place(self, uid: bytes, data: bytes = b"", afi: int = 0x07, dsfid: int = 0x06,
              blocks: int = 28, eas: bool = False, supports_eas: bool = True) -> FieldTag:
        if len(uid) != 8:
            raise ValueError("a UID has 8 bytes")
        memory = bytearray(max(blocks * BLOCK_SIZE, _round_up(len(data))))
        memory[:len(data)] = data
        tag = FieldTag(bytes(uid), memory, dsfid, afi, eas, supports_eas)
        with self._lock:
            self._tags[tag.uid] = tag
        return tag

    def remove(self, uid: bytes) -> bool:
        with self._lock:
            return self._tags.pop(bytes(uid), None) is not None

    def lift(self, uid: bytes) -> FieldTag | None:
        """Take the tag out of the field as it is at this instant (its AFI and
        memory, no write half-way): a hand lifting it off the pad. None: not here."""
        with self._lock:
            tag = self._tags.pop(bytes(uid), None)
            return _copy(tag) if tag is not None else None

    def clear(self) -> None:
        with self._lock:
            self._tags.clear()

    def tags(self) -> list[FieldTag]:
        with self._lock:
            return list(self._tags.values())

    def get(self, uid: bytes) -> FieldTag | None:
        with self._lock:
            return self._tags.get(bytes(uid))

    # -- fault injection ----------------------------------------------------
    def fail_next_read(self, count: int = 1, code: int = 0x0F, uid: bytes | None = None) -> None:
        """The next ``count`` block reads (of ``uid``, or any tag) fail with ISO error ``code``."""
        with self._lock:
            self._faults.failing_reads, self._faults.read_error = count, code
            self._faults.read_uid = bytes(uid) if uid else None

    def fail_next_write(self, count: int = 1) -> None:
        """The next ``count`` writes (blocks, AFI or EAS) fail with ISO error 0x0F, changing nothing."""
        with self._lock:
            self._faults.failing_writes = count

    def lift_during_write(self, uid: bytes, after_blocks: int = 1) -> None:
        """The next write to ``uid`` stores ``after_blocks`` blocks, then the tag leaves the field."""
        with self._lock:
            self._faults.lift[bytes(uid)] = after_blocks

    def miss_tag(self, uid: bytes, polls: int = 1) -> None:
        """The next ``polls`` inventories do not see ``uid`` (a tag at the edge of the field)."""
        with self._lock:
            self._faults.missed[bytes(uid)] = polls

    def collisions(self, polls: int = 1) -> None:
        """The next ``polls`` inventories stop after the first round: tags that
        collided in it are missed, as a reader with a short anticollision budget does."""
        with self._lock:
            self._faults.collision_polls = polls

    # -- ISO 15693 operations -----------------------------------------------
    def inventory(self, afi: int | None = None) -> list[FieldTag]:
        with self._lock:
            tags = [t for t in self._tags.values() if afi in (None, 0) or t.afi == afi]
            _, order = airtime.anticollision([t.uid for t in tags])
            seen = set(order)
            if self._faults.collision_polls > 0:
                self._faults.collision_polls -= 1
                seen = {uid for uid in order if _resolved_in_first_round(uid, tags)}
            for uid, left in list(self._faults.missed.items()):
                seen.discard(uid)
                if left <= 1:
                    del self._faults.missed[uid]
                else:
                    self._faults.missed[uid] = left - 1
            found = [self._tags[uid] for uid in order if uid in seen]
            cost = airtime.inventory_time([t.uid for t in tags])
        self._spend(cost)
        return [_copy(t) for t in found]

    def read_blocks(self, uid: bytes, first: int, count: int) -> tuple[bytes, list[bool]]:
        """Block data and each block's lock status."""
        self._spend(airtime.read_blocks_time(count))
        with self._lock:
            tag = self._present(uid)
            f = self._faults
            if f.failing_reads > 0 and f.read_uid in (None, tag.uid):
                f.failing_reads -= 1
                raise TagFault(f.read_error)
            if first + count > tag.blocks:
                raise TagFault(0x10)
            data = bytes(tag.memory[first * BLOCK_SIZE:(first + count) * BLOCK_SIZE])
            return data, [b in tag.locked for b in range(first, first + count)]

    def write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        count = len(data) // BLOCK_SIZE
        with self._lock:
            tag = self._present(uid)
            self._write_fault()
            if first + count > tag.blocks:
                raise TagFault(0x10)
            for block in range(first, first + count):
                if block in tag.locked:
                    raise TagFault(0x12)
            lift_after = self._faults.lift.pop(tag.uid, None)
            written = count if lift_after is None else min(lift_after, count)
            for i in range(written):
                block = first + i
                tag.memory[block * BLOCK_SIZE:(block + 1) * BLOCK_SIZE] = data[i * BLOCK_SIZE:(i + 1) * BLOCK_SIZE]
            if lift_after is not None:
                del self._tags[tag.uid]
        self._spend(airtime.write_blocks_time(written if lift_after is not None else count))
        if lift_after is not None:
            raise NoTag(uid.hex())

    def lock_block(self, uid: bytes, block: int) -> None:
        with self._lock:
            self._present(uid).locked.add(block)

    def write_afi(self, uid: bytes, afi: int) -> None:
        self._spend(airtime.write_afi_time())
        with self._lock:
            tag = self._present(uid)
            self._write_fault()
            if tag.afi_locked:
                raise TagFault(0x12)
            tag.afi = afi

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        self._spend(airtime.write_afi_time())          # same frame size and programming time
        with self._lock:
            tag = self._present(uid)
            self._write_fault()
            tag.dsfid = dsfid

    def set_eas(self, uid: bytes, on: bool) -> None:
        self._spend(airtime.eas_time())
        with self._lock:
            tag = self._present(uid)
            self._write_fault()
            if not tag.supports_eas:
                raise TagFault(0x01)
            tag.eas = on

    def system_info(self, uid: bytes) -> FieldTag:
        self._spend(airtime.system_info_time())
        with self._lock:
            return _copy(self._present(uid))

    # -- internals -------------------------------------------------------------
    def _present(self, uid: bytes) -> FieldTag:
        tag = self._tags.get(bytes(uid))
        if tag is None:
            raise NoTag(bytes(uid).hex())
        return tag

    def _write_fault(self) -> None:
        if self._faults.failing_writes > 0:
            self._faults.failing_writes -= 1
            raise TagFault(0x0F)

    def _spend(self, seconds: float) -> None:
        with self._lock:
            self.air_time += seconds
        if self.time_scale > 0:
            self._sleep(seconds * self.time_scale)


def _resolved_in_first_round(uid: bytes, tags: list[FieldTag]) -> bool:
    slot = airtime.uid_value(uid) & 0xF
    return sum(1 for t in tags if airtime.uid_value(t.uid) & 0xF == slot) == 1


def _copy(tag: FieldTag) -> FieldTag:
    return FieldTag(tag.uid, bytearray(tag.memory), tag.dsfid, tag.afi, tag.eas, tag.supports_eas,
                    tag.ic_ref, set(tag.locked), tag.afi_locked)


def _round_up(n: int) -> int:
    return (n + BLOCK_SIZE - 1) // BLOCK_SIZE * BLOCK_SIZE

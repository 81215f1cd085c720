"""The simulated pad (device string ``sim``): a reader with no hardware, for
the demo, the core's tests and staff training.

It answers through the same :class:`~kiosk.drivers.rfid.field.TagField` the
emulators use, so tags have real memory, AFI and EAS, inventories run the
ISO 15693 anticollision, and the faults are the same: ``fail_next_read``,
``lift_during_write``, ``collisions``, ``miss_tag``. With ``airtime=True``
every command takes the time the air interface would (see
:mod:`kiosk.drivers.rfid.airtime`); off, it answers at once for fast tests.

Device string: ``sim[:airtime]`` or ``sim:tags=ID;ID...`` to start with
item tags on the pad, e.g. ``sim:airtime,tags=31000000000001;31000000000002``.

Hang fault, ``sim:hang_while=PATH``: while the file PATH exists every reader
command blocks (until the file is removed or the pad closed), as a reader
whose driver is stuck in a read would. It wedges the thread that polls the
pad, which is what the systemd watchdog must notice (``touch PATH`` to
wedge, ``rm PATH`` to let it go; README "Readiness and watchdog").

Thread-safe: the demo and tests place and lift tags from other threads.
"""

from __future__ import annotations

import hashlib
import os
import threading
from pathlib import Path
from typing import Any

from kiosk.drivers.registry import register
from kiosk.drivers.rfid.base import RFIDReader, TagFailed, TagInfo, iso_error_text, uid_hex
from kiosk.drivers.rfid.field import FieldTag, NoTag, TagFault, TagField
from kiosk.drivers.selftest import SelfTestResult, tags_on_pad
from kiosk.errors import DeviceError
from kiosk.tags import ItemTag, Usage, dsfid_for, encode_tag

_counter = threading.Lock()
_serial = [0]


class SimulatedPad(RFIDReader):
    name = "sim"

    def __init__(self, airtime: bool = False, field: TagField | None = None,
                 hang_while: str | Path | None = None) -> None:
        super().__init__()
        self.field = field if field is not None else TagField()
        self.airtime = airtime
        self.closed = False
        #: While this file exists, every command blocks (the hang fault).
        self.hang_while = hang_while
        self._closing = threading.Event()

    @property
    def airtime(self) -> bool:
        return self.field.time_scale > 0

    @airtime.setter
    def airtime(self, on: bool) -> None:
        self.field.time_scale = 1.0 if on else 0.0

    def describe(self) -> str:
        return "simulated pad"

    # -- the demo's and tests' hands -------------------------------------------
    def place(self, uid: bytes, data: bytes = b"", afi: int = 0x07, dsfid: int = 0x00,
              blocks: int = 28, eas: bool = False) -> TagInfo:
        """Put a tag on the pad (replacing one with the same UID)."""
        tag = self.field.place(bytes(uid), data, afi=afi, dsfid=dsfid, blocks=blocks, eas=eas)
        return TagInfo(tag.uid, tag.dsfid, tag.afi)

    def place_item(self, item_id: str, parts: int = 1, part: int = 1, model: str = "danish",
                   afi: int = 0x07, **fields: Any) -> TagInfo:
        uid, data = make_item_tag(item_id, parts, part, model, **fields)
        return self.place(uid, data, afi=afi, dsfid=dsfid_for(model))

    def remove(self, uid: bytes) -> bool:
        return self.field.remove(uid)

    def clear(self) -> None:
        self.field.clear()

    def tags(self) -> list[FieldTag]:
        """What is on the pad now, with memory, AFI and EAS (copies)."""
        return [FieldTag(t.uid, bytearray(t.memory), t.dsfid, t.afi, t.eas, t.supports_eas)
                for t in self.field.tags()]

    def fail_next_read(self, count: int = 1, code: int = 0x0F, uid: bytes | None = None) -> None:
        self.field.fail_next_read(count, code, uid)

    def fail_next_write(self, count: int = 1) -> None:
        self.field.fail_next_write(count)

    def lift_during_write(self, uid: bytes, after_blocks: int = 1) -> None:
        self.field.lift_during_write(uid, after_blocks)

    def collisions(self, polls: int = 1) -> None:
        self.field.collisions(polls)

    def miss_tag(self, uid: bytes, polls: int = 1) -> None:
        self.field.miss_tag(uid, polls)

    # -- RFIDReader primitives ---------------------------------------------------
    def _inventory(self) -> list[TagInfo]:
        self._check_open()
        return [TagInfo(t.uid, t.dsfid, t.afi) for t in self.field.inventory()]

    def _read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        data: bytes = self._tag_op(uid, f"read of blocks {first}-{first + count - 1}",
                                   lambda: self.field.read_blocks(uid, first, count)[0])
        return data

    def _write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        partial = len(data) > 4
        self._tag_op(uid, f"write of blocks {first}-{first + len(data) // 4 - 1}",
                     lambda: self.field.write_blocks(uid, first, data), partial)

    def _write_afi(self, uid: bytes, afi: int) -> None:
        self._tag_op(uid, f"write of AFI 0x{afi:02X}", lambda: self.field.write_afi(uid, afi))

    def _write_dsfid(self, uid: bytes, dsfid: int) -> None:
        self._tag_op(uid, f"write of DSFID 0x{dsfid:02X}", lambda: self.field.write_dsfid(uid, dsfid))

    def _set_eas(self, uid: bytes, on: bool) -> None:
        self._tag_op(uid, "set EAS" if on else "reset EAS", lambda: self.field.set_eas(uid, on))

    def _tag_op(self, uid: bytes, what: str, op: Any, partial: bool = False) -> Any:
        self._check_open()
        try:
            return op()
        except NoTag:
            raise TagFailed(f"tag {uid_hex(uid)}: {what} failed: no tag in the field", bytes(uid),
                            partial=partial) from None
        except TagFault as fault:
            raise TagFailed(f"tag {uid_hex(uid)}: {what} failed: ISO 15693 {iso_error_text(fault.code)}", bytes(uid),
                            iso_error=fault.code) from None

    def self_test(self) -> SelfTestResult:
        if self.closed:
            return SelfTestResult.failed("simulated pad is closed")
        return SelfTestResult.passed(f"simulated pad: {tags_on_pad(len(self.field.tags()))}"
                                     + (", air-time model on" if self.airtime else ""))

    def close(self) -> None:
        self.closed = True
        self._closing.set()

    def _check_open(self) -> None:
        while self.hang_while is not None and os.path.exists(self.hang_while) and not self._closing.wait(0.05):
            pass  # the hang fault: stuck as long as the file is there
        if self.closed:
            raise DeviceError("simulated pad is closed", "rfid")


def make_uid(seed: str) -> bytes:
    """A stable NXP ICODE-style UID (E0 04 01 ...) derived from ``seed``."""
    return bytes.fromhex("E00401") + hashlib.sha256(seed.encode()).digest()[:5]


def make_item_tag(item_id: str, parts: int = 1, part: int = 1, model: str = "danish",
                  **fields: Any) -> tuple[bytes, bytes]:
    """(uid, user memory) of a library item tag encoded with the tag codecs.

    ``fields`` go to :class:`kiosk.tags.ItemTag` (``owner_isil``, ``country``,
    ``usage`` ...). The UID is derived from item id and part, so the same
    item always gets the same tag.
    """
    fields.setdefault("usage", Usage.CIRCULATING)
    tag = ItemTag(model=model, primary_item_id=item_id, parts=parts, part=part, **fields)
    return make_uid(f"{model}:{item_id}:{part}/{parts}"), encode_tag(tag)


def next_uid() -> bytes:
    """A fresh UID for a blank tag (unique within the process)."""
    with _counter:
        _serial[0] += 1
        return make_uid(f"blank:{_serial[0]}")


def parse_sim(argument: str, options: dict[str, Any]) -> tuple[bool, tuple[str, ...], str]:
    """``[airtime][,tags=ID;ID...][,hang_while=PATH]`` -> (airtime, item ids, hang file or "") (pure)."""
    airtime, hang = False, ""
    items: tuple[str, ...] = ()
    for part in filter(None, (p.strip() for p in argument.split(","))):
        if part == "airtime":
            airtime = True
        elif part.startswith("tags="):
            items = tuple(i for i in part[5:].split(";") if i)
        elif part.startswith("hang_while=") and part[11:]:
            hang = part[11:]
        else:
            raise ValueError(f"unknown sim option {part!r}; use sim, sim:airtime, sim:tags=ID;ID "
                             "or sim:hang_while=PATH")
    return airtime, items, hang


@register("rfid", "sim", "sim[:airtime][,tags=ID;ID...][,hang_while=PATH]", "simulated pad (demo and tests)",
          parse_sim)
def open_sim(settings: tuple[bool, tuple[str, ...], str], options: dict[str, Any]) -> SimulatedPad:
    airtime, items, hang = settings
    pad = SimulatedPad(airtime=airtime, hang_while=hang or None)
    for item in items:
        pad.place_item(item)
    return pad

"""The staff tag-programming station behind ``kiosk tag write``.

Staff scan (or type) an item barcode and put one blank or re-usable tag on
the pad; the station encodes the configured data model (ISO 28560-3 Danish
or ISO 28560-2) with the library's ISIL and country, writes it, reads it back
to verify, and secures the tag (AFI "in library" and/or EAS, per config).
Every tag gets one report line. The station refuses to write when no tag or
more than one tag is on the pad, will not overwrite a tag that already
carries another item unless ``--force`` is given, and never lets a failed or
interrupted write pass silently: the line says the tag may be half-written
and must be programmed again or discarded.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Callable

from kiosk.drivers.rfid.base import RFIDReader, TagInfo, uid_hex
from kiosk.errors import DeviceError, KioskError, TagError
from kiosk.tags import ItemTag, Usage, decode_tag, dsfid_for, encode_tag


@dataclass(frozen=True)
class WriteReport:
    item_id: str
    ok: bool
    message: str
    uid: bytes | None = None
    half_written: bool = False

    def line(self) -> str:
        tag = uid_hex(self.uid) if self.uid else "-"
        return f"{'OK    ' if self.ok else 'FAILED'} {self.item_id} tag {tag}: {self.message}"


class TagProgrammer:
    def __init__(self, reader: RFIDReader, model: str = "danish", isil: str = "", country: str = "",
                 security: str = "afi", afi_secured: int = 0x07, wait: float = 30.0, poll: float = 0.2,
                 force: bool = False, say: Callable[[str], None] = print) -> None:
        self.reader, self.model, self.isil, self.country = reader, model, isil, country
        self.security, self.afi_secured = security, afi_secured
        self.wait, self.poll, self.force, self.say = wait, poll, force, say
        self.last_uid: bytes | None = None

    def program(self, item_id: str, parts: int = 1, part: int = 1) -> WriteReport:
        item_id = item_id.strip()
        label = item_id if parts == 1 else f"{item_id} part {part}/{parts}"
        try:
            data = encode_tag(ItemTag(model=self.model, primary_item_id=item_id, usage=Usage.CIRCULATING,
                                      parts=parts, part=part, owner_isil=self.isil, country=self.country))
        except (KioskError, ValueError) as exc:
            return WriteReport(label, False, f"cannot encode this item for the {self.model} model: {exc}")
        tag, refusal = self._one_tag()
        if tag is None:
            return WriteReport(label, False, refusal)
        uid = tag.uid
        try:
            old = decode_tag(self.reader.read_blocks(uid, 0, len(data) // 4), tag.dsfid)
        except TagError as exc:
            return WriteReport(label, False, f"cannot read the tag before writing (nothing written): {exc}", uid)
        old_id = old.primary_item_id if isinstance(old, ItemTag) else ""
        if old_id and old_id != item_id and not self.force:
            return WriteReport(label, False, f"the tag already holds item {old_id}; nothing written "
                                             f"(use --force to overwrite it)", uid)
        try:
            self.reader.write_blocks(uid, 0, data)
        except TagError as exc:
            return WriteReport(label, False, f"WRITE FAILED, the tag may be half-written: put it back and "
                                             f"program it again, or discard it ({exc})", uid, True)
        try:
            back = self.reader.read_blocks(uid, 0, len(data) // 4)
        except TagError as exc:
            return WriteReport(label, False, f"written but could not be verified ({exc}); put it back and "
                                             f"program it again", uid, True)
        decoded = decode_tag(back, tag.dsfid)
        if back != data or not isinstance(decoded, ItemTag) or decoded.primary_item_id != item_id:
            return WriteReport(label, False, "VERIFY FAILED: the tag does not read back what was written; "
                                             "program it again or discard it", uid, True)
        try:
            if self.security in ("afi", "both"):
                self.reader.write_afi(uid, self.afi_secured)
            if self.security in ("eas", "both"):
                self.reader.set_eas(uid, True)
        except (TagError, DeviceError) as exc:
            return WriteReport(label, False, f"written and verified but NOT SECURED ({exc}); "
                                             f"put it back and program it again", uid)
        note = ""
        if tag.dsfid != dsfid_for(self.model):
            try:
                self.reader.write_dsfid(uid, dsfid_for(self.model))
            except TagError as exc:
                return WriteReport(label, False, f"written, verified and secured, but the DSFID write failed "
                                                 f"({exc}); put it back and program it again", uid)
            except DeviceError:
                note = f"; DSFID left at 0x{tag.dsfid:02X} (this reader cannot write it)"
        self.last_uid = uid
        secured = {"afi": f"AFI 0x{self.afi_secured:02X}", "eas": "EAS on",
                   "both": f"AFI 0x{self.afi_secured:02X} and EAS on"}[self.security]
        return WriteReport(label, True, f"written ({self.model}, {len(data)} bytes), verified, "
                                        f"secured ({secured}){note}", uid)

    def _one_tag(self) -> tuple[TagInfo | None, str]:
        """Wait (bounded) for exactly one tag that is not the one just programmed."""
        deadline = time.monotonic() + self.wait
        said = ""
        reason = "no tag was placed on the pad"
        while True:
            try:
                tags = self.reader.inventory()
            except DeviceError as exc:
                return None, f"the pad is not working: {exc}"
            fresh = [t for t in tags if t.uid != self.last_uid]
            if len(tags) == 1 and fresh:
                return fresh[0], ""
            if len(tags) > 1:
                reason = f"refused: {len(tags)} tags on the pad; leave exactly one"
            elif tags:
                reason = "the tag just programmed is still on the pad; put the next one on"
            else:
                reason = "no tag was placed on the pad"
            if reason != said:
                self.say(reason if tags else "place one tag on the pad ...")
                said = reason
            if time.monotonic() >= deadline:
                return None, f"{reason} (waited {self.wait:g} s)"
            time.sleep(self.poll)


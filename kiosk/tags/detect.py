"""Model detection: which data model a tag carries, from its DSFID and content.

The DSFID is a hint, the content decides: ISO 28560-2 tags carry DSFID 0x06 (some
encoders write 0x3E), Danish tags usually 0x00; but tags re-programmed by another
vendor's station keep whatever DSFID was there, so both models are tried, the
hinted one first. A Danish basic block is accepted only with a valid CRC; ISO
28560-2 data without a DSFID hint only when its first element is the primary item
identifier, so random bytes never pass for a tag.
"""

from __future__ import annotations

import logging

from kiosk.tags.danish import decode_danish, encode_danish
from kiosk.tags.iso28560_2 import DSFID as DSFID_28560_2
from kiosk.tags.iso28560_2 import DSFIDS, decode_28560_2, encode_28560_2
from kiosk.tags.model import ItemTag, TagEncodeError, Unreadable

log = logging.getLogger(__name__)

DSFID_DANISH = 0x00


def dsfid_for(model: str) -> int:
    """The DSFID to write next to a tag of ``model``."""
    return DSFID_28560_2 if model == "28560-2" else DSFID_DANISH


def decode_tag(data: bytes, dsfid: int | None = None) -> ItemTag | Unreadable:
    """Decode tag user memory into an :class:`ItemTag`, or say why not. Never raises."""
    try:
        return _decode(bytes(data), dsfid)
    except Exception as exc:  # noqa: BLE001 - the contract is "never raises"; a bug here must not reach a patron
        log.exception("tag decoder failed on %s", bytes(data).hex())
        return Unreadable(f"decoder error: {type(exc).__name__}: {exc}", bytes(data))


def _decode(data: bytes, dsfid: int | None) -> ItemTag | Unreadable:
    if not data:
        return Unreadable("no data read from the tag", data)
    if all(b == 0x00 for b in data) or all(b == 0xFF for b in data):
        return Unreadable("blank tag", data)
    if dsfid in DSFIDS:
        result = decode_28560_2(data, require_first=False)
        if isinstance(result, ItemTag):
            return result
        danish = decode_danish(data)
        if isinstance(danish, ItemTag):
            return _with_note(danish, f"DSFID {dsfid:02X} but Danish (ISO 28560-3) content")
        return result
    danish = decode_danish(data)
    if isinstance(danish, ItemTag):
        return danish
    iso = decode_28560_2(data, require_first=True)
    if isinstance(iso, ItemTag):
        if dsfid is not None and dsfid != DSFID_28560_2:
            return _with_note(iso, f"ISO 28560-2 content under DSFID {dsfid:02X}")
        return iso
    hint = "" if dsfid is None else f" (DSFID {dsfid:02X})"
    assert isinstance(danish, Unreadable) and isinstance(iso, Unreadable)
    if len(data) < 32 and iso.reason.startswith("not ISO 28560-2"):
        return iso                                     # too short for Danish: say what 28560-2 found
    if (data[0] >> 4) == 1 and iso.reason.startswith("not ISO 28560-2"):
        return danish                                  # plainly Danish: the CRC reason is the useful one
    if (data[0] >> 4) == 1 or (data[0] & 0x0F) == 1:  # the first byte fits either model
        return Unreadable(f"damaged tag{hint}: as Danish model: {danish.reason}; as ISO 28560-2: {iso.reason}",
                          data)
    return Unreadable(f"unknown tag data format{hint}: neither a Danish basic block nor ISO 28560-2 data", data)


def _with_note(tag: ItemTag, note: str) -> ItemTag:
    from dataclasses import replace

    return replace(tag, notes=tag.notes + (note,))


def encode_tag(tag: ItemTag, *, align_primary: bool = False) -> bytes:
    """Encode ``tag`` in the model named by ``tag.model``, padded to 4-byte blocks.
    Raises :class:`TagEncodeError` (a ``ValueError``) for values the model cannot hold.
    ``align_primary`` (ISO 28560-2 only) ends the item identifier on a block boundary
    so its blocks can be locked; the Danish basic block has a fixed layout anyway."""
    if tag.model == "danish":
        return encode_danish(tag)
    if tag.model == "28560-2":
        return encode_28560_2(tag, align_primary=align_primary)
    raise TagEncodeError(f"unknown tag data model {tag.model!r}")

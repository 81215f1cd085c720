"""Typed results of the tag codecs: :class:`ItemTag`, :class:`Unreadable`, :class:`Usage`.

Both data models (ISO 28560-3 "Danish" fixed layout and ISO 28560-2 / ISO/IEC 15962
object encoding) decode into the same :class:`ItemTag`, so the circulation core never
needs to know which model a tag carries.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import IntEnum
from typing import Any

from kiosk.errors import LocalProtocolError
from kiosk.tags.oids import oid_name

MODELS = ("danish", "28560-2")

# Every note or reason saying the reader returned fewer blocks than the tag's data
# needs contains this text (the pad watcher re-reads with more blocks on it).
SHORT_READ_MARK = "read more blocks"


class TagEncodeError(LocalProtocolError, ValueError):
    """The values asked for cannot be written in the chosen data model
    (identifier too long, character outside the model's set, part > parts ...)."""


def has_control_chars(text: str) -> bool:
    """C0/C1 control characters: never part of a barcode, and dangerous in SIP2 fields."""
    return any(ord(c) < 0x20 or 0x7F <= ord(c) < 0xA0 for c in text)


def check_item_id(text: str) -> None:
    """The rules every model applies to the primary item identifier before writing it."""
    if not text:
        raise TagEncodeError("primary item identifier is empty")
    if text != text.strip():
        raise TagEncodeError(f"primary item identifier {text!r} has spaces around it")
    if has_control_chars(text):
        raise TagEncodeError("primary item identifier contains control characters")


class Usage(IntEnum):
    """Type of usage, ISO 28560-1 table 1 element 5 / ISO 28560-3 byte 0 low nibble.

    The values are the main categories shared by both models (the Danish model
    stores the nibble; ISO 28560-2 stores it as the high nibble of a byte whose low
    nibble is a sub-category, kept in :attr:`ItemTag.usage_sub`).
    """

    ACQUISITION = 0           # not yet in the library's inventory; cannot circulate
    CIRCULATING = 1           # regular circulation
    NOT_FOR_CIRCULATION = 2   # reference copy: check-in allowed, check-out refused
    LOCAL_USE_3 = 3           # reserved for local use
    LOCAL_USE_4 = 4           # reserved for local use
    FUTURE_USE_5 = 5          # reserved
    NO_INFORMATION = 6        # tag carries no usage information
    DISCARDED = 7             # withdrawn from stock; must not circulate
    PATRON_CARD = 8           # the tag is a library card, not an item
    LIBRARY_EQUIPMENT = 9     # e.g. a loaned reader or laptop
    RESERVED_10 = 10
    RESERVED_11 = 11
    RESERVED_12 = 12
    RESERVED_13 = 13
    RESERVED_14 = 14
    RESERVED_15 = 15

    @property
    def label(self) -> str:
        return _USAGE_LABELS.get(self, f"reserved ({int(self)})")

    @classmethod
    def parse(cls, text: str) -> "Usage":
        """Accept a name (``circulating``, ``patron-card``), a label or a number 0-15."""
        key = text.strip().lower().replace("-", "_").replace(" ", "_")
        if key.isdigit() and int(key) < 16:
            return cls(int(key))
        for member in cls:
            if key in (member.name.lower(), member.label.lower().replace(" ", "_")):
                return member
        aliases = {"circulation": cls.CIRCULATING, "patron": cls.PATRON_CARD,
                   "card": cls.PATRON_CARD, "reference": cls.NOT_FOR_CIRCULATION,
                   "acquisition": cls.ACQUISITION, "discarded": cls.DISCARDED}
        if key in aliases:
            return aliases[key]
        names = ", ".join(m.name.lower().replace("_", "-") for m in list(cls)[:10])
        raise ValueError(f"unknown type of usage {text!r} (use {names} or 0-15)")


_USAGE_LABELS = {
    Usage.ACQUISITION: "acquisition item",
    Usage.CIRCULATING: "item for circulation",
    Usage.NOT_FOR_CIRCULATION: "item not for circulation",
    Usage.LOCAL_USE_3: "for local use",
    Usage.LOCAL_USE_4: "for local use",
    Usage.FUTURE_USE_5: "for future use",
    Usage.NO_INFORMATION: "no information about usage",
    Usage.DISCARDED: "discarded item",
    Usage.PATRON_CARD: "patron card",
    Usage.LIBRARY_EQUIPMENT: "library equipment",
}


# ISO 28560-1 type of usage sub-classes (low nibble of the 28560-2 code byte), as
# listed by the open-source Finnish tag decoder helmet_rfid_tag.py (HelmetRfidTag).
USAGE_SUB_LABELS: dict[tuple[int, int], str] = {
    (0, 1): "for automated process", (0, 2): "for manual process",
    (1, 1): "for automatic sorting", (1, 2): "not for automatic sorting",
    (1, 3): "not for issue while offline", (1, 4): "not for return while offline",
    (1, 5): "not for issue or return while offline",
    (7, 1): "for sale", (7, 2): "sold", (7, 3): "for disposal",
    (8, 1): "adult borrower", (8, 2): "young adult borrower", (8, 3): "child borrower",
    (9, 1): "personal computer", (9, 2): "video projector", (9, 3): "overhead projector",
    (9, 4): "whiteboard",
}


@dataclass(frozen=True)
class ItemTag:
    """One decoded library tag (item or patron card).

    ``owner_isil`` is the full ISIL (``DK-710100``); ``country`` is the owner
    library's country (Danish model bytes 21-22, or the ISIL prefix; ISO 28560-2
    has no element of its own for it, so there it always comes from the ISIL).
    ``elements`` holds the further ISO 28560-2 data elements as
    ``(relative OID, text)`` pairs in tag order (OIDs 6-26, see
    :data:`kiosk.tags.oids.OID_NAMES`); ``extensions`` the ISO 28560-3 extension
    blocks as ``(block id, payload)``. ``notes`` says what was tolerated while
    decoding (swapped nibbles, reversed blocks, a wrong content parameter ...).
    """

    model: str
    primary_item_id: str
    usage: Usage = Usage.CIRCULATING
    parts: int = 1
    part: int = 1
    owner_isil: str = ""
    country: str = ""
    version: int = 1
    usage_sub: int = 0
    elements: tuple[tuple[int, str], ...] = ()
    extensions: tuple[tuple[int, bytes], ...] = ()
    notes: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.model not in MODELS:
            raise TagEncodeError(f"unknown tag data model {self.model!r} (use {' or '.join(MODELS)})")
        if not isinstance(self.usage, Usage):
            object.__setattr__(self, "usage", Usage(int(self.usage)))
        if not self.country:
            # an ISIL with a two-letter prefix names its country (ISO 15511)
            prefix, sep, _ = self.owner_isil.partition("-")
            if sep and len(prefix) == 2 and prefix.isalpha():
                object.__setattr__(self, "country", prefix.upper())

    @property
    def usage_text(self) -> str:
        """``item for circulation, not for issue while offline`` (sub-class when known)."""
        if not self.usage_sub:
            return self.usage.label
        sub = USAGE_SUB_LABELS.get((int(self.usage), self.usage_sub), f"sub-class {self.usage_sub}")
        return f"{self.usage.label}, {sub}"

    @property
    def is_patron_card(self) -> bool:
        return self.usage is Usage.PATRON_CARD

    @property
    def is_multipart(self) -> bool:
        return self.parts > 1

    def is_owned_by(self, isil: str) -> bool | None:
        """Whether the tag names ``isil`` as owner (case-insensitive); None when the
        tag names no owner, so the caller decides what an unowned tag means."""
        if not self.owner_isil:
            return None
        return self.owner_isil.strip().upper() == isil.strip().upper()

    def element(self, oid: int) -> str | None:
        """The text of the first data element with this relative OID, if present."""
        for key, value in self.elements:
            if key == oid:
                return value
        return None

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (usage by name, extension payloads as hex)."""
        data = asdict(self)
        data["usage"] = self.usage.name.lower()
        data["usage_label"] = self.usage_text
        data["elements"] = [{"oid": oid, "name": oid_name(oid), "value": value}
                            for oid, value in self.elements]
        data["extensions"] = [{"id": ident, "data": payload.hex()} for ident, payload in self.extensions]
        data["notes"] = list(self.notes)
        return data


@dataclass(frozen=True)
class Unreadable:
    """A tag whose data could not be decoded; ``reason`` says why in one line."""

    reason: str
    raw: bytes = field(default=b"", repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {"unreadable": True, "reason": self.reason, "raw": self.raw.hex()}

"""What a stack on the pad is, as things to borrow: the tags grouped into
items (:class:`Candidate`, a multi-part set's tags together), and the tags
that are not borrowable items (:class:`Rejected`, with the reason).

Multi-part sets are recognised by their shared primary item id and their
part numbers (ISO 28560-1 elements 3-4). A scanned barcode is a candidate
without tags.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

from kiosk.circulation.context import M
from kiosk.drivers.rfid.base import uid_hex
from kiosk.drivers.rfid.events import TagPlaced
from kiosk.events import ItemStatus
from kiosk.tags import ItemTag, Unreadable, Usage

__all__ = ["Candidate", "Rejected", "group_tags"]


@dataclass(frozen=True)
class Candidate:
    """One item to borrow: all tags of a (multi-part) set, or a scanned barcode."""

    item_id: str
    uids: tuple[bytes, ...] = ()
    afis: tuple[int, ...] = ()
    parts: int = 1
    present: tuple[int, ...] = (1,)

    @property
    def complete(self) -> bool:
        return set(range(1, self.parts + 1)) <= set(self.present)

    @property
    def uid_hex(self) -> tuple[str, ...]:
        return tuple(uid_hex(u) for u in self.uids)


@dataclass(frozen=True)
class Rejected:
    """A tag that is not a borrowable item: why, as an ItemStatus and message."""

    key: str
    status: ItemStatus
    message: str
    uids: tuple[str, ...] = ()
    patron_card: str = ""      # a patron card's id (usage 8)


def group_tags(placed: Sequence[TagPlaced], isil: str = "") -> tuple[list[Candidate], list[Rejected]]:
    """Group :class:`TagPlaced` events into items (multi-part sets by their
    shared primary item id, ISO 28560-1 elements 3-4) and reject what is not
    a borrowable item tag. Order follows the pad's order."""
    sets: dict[str, list[tuple[bytes, int, ItemTag]]] = {}
    rejected: list[Rejected] = []
    for event in placed:
        uid, afi, data = event.tag.uid, event.tag.afi, event.data
        if isinstance(data, Unreadable) or not isinstance(data, ItemTag) or not data.primary_item_id:
            rejected.append(Rejected(uid_hex(uid), ItemStatus.UNREADABLE, M.UNREADABLE, (uid_hex(uid),)))
            continue
        if data.usage is Usage.PATRON_CARD:
            rejected.append(Rejected(uid_hex(uid), ItemStatus.REFUSED, M.PATRON_CARD, (uid_hex(uid),),
                                     patron_card=data.primary_item_id))
            continue
        if isil and data.owner_isil and data.owner_isil.upper() != isil.upper():
            rejected.append(Rejected(data.primary_item_id, ItemStatus.REFUSED, M.FOREIGN, (uid_hex(uid),)))
            continue
        if data.usage in (Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED):
            rejected.append(Rejected(data.primary_item_id, ItemStatus.REFUSED, M.NOT_CIRCULATING, (uid_hex(uid),)))
            continue
        sets.setdefault(data.primary_item_id, []).append((uid, afi, data))
    candidates = []
    for item_id, tags in sets.items():
        tags.sort(key=lambda t: t[2].part)
        parts = max(max(t[2].parts for t in tags), 1)
        candidates.append(Candidate(item_id, tuple(t[0] for t in tags), tuple(t[1] for t in tags), parts,
                                    tuple(sorted({t[2].part for t in tags}))))
    return candidates, rejected

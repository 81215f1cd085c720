"""Multi-part items: several tags, one loan (ISO 28560-1 4.2.4, set information).

A double CD or a book with a disc carries one tag per part, each with the same
primary item identifier and owner, the number of parts and its own part number.
The circulation core lends or returns the item only when every part is on the pad
(or lets staff decide, by configuration); :func:`group_sets` tells it what is there.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable

from kiosk.tags.model import ItemTag


def normalise_isil(isil: str) -> str:
    """ISILs compare case-insensitively (ISO 15511 clause 4)."""
    return isil.strip().upper()


@dataclass(frozen=True)
class PartSet:
    """The tags of one item seen together, in part-number order."""

    primary_item_id: str
    owner_isil: str
    parts: int                                  # as declared by the tags (the largest, if they disagree)
    tags: tuple[tuple[bytes, ItemTag], ...]     # (uid, tag) pairs
    problems: tuple[str, ...] = ()

    @property
    def present(self) -> tuple[int, ...]:
        return tuple(sorted({tag.part for _, tag in self.tags}))

    @property
    def missing(self) -> tuple[int, ...]:
        seen = set(self.present)
        return tuple(p for p in range(1, self.parts + 1) if p not in seen)

    @property
    def complete(self) -> bool:
        return not self.missing and not self.problems

    @property
    def uids(self) -> tuple[bytes, ...]:
        return tuple(uid for uid, _ in self.tags)

    def describe(self) -> str:
        """One line for staff and logs: ``31000000000014: parts 1 of 2 present, missing 2``."""
        if self.parts == 1 and self.complete:
            return f"{self.primary_item_id}: single part"
        text = f"{self.primary_item_id}: parts {', '.join(map(str, self.present))} of {self.parts} present"
        if self.missing:
            text += f", missing {', '.join(map(str, self.missing))}"
        return "; ".join([text, *self.problems])


def group_sets(tags: Iterable[tuple[bytes, ItemTag]]) -> tuple[PartSet, ...]:
    """Group (uid, tag) pairs into items, in order of first appearance.

    Tags belong together when they share the primary item identifier and owner ISIL
    (case-insensitive; a tag without owner joins a set of the same id). A uid seen
    twice counts once. Disagreeing part counts and two tags claiming the same part
    are reported in ``problems`` so the item is not treated as complete.
    """
    groups: dict[tuple[str, str], list[tuple[bytes, ItemTag]]] = {}
    for uid, tag in tags:
        owner = normalise_isil(tag.owner_isil)
        key = (tag.primary_item_id, owner)
        if not owner:
            key = next((k for k in groups if k[0] == tag.primary_item_id), key)
        elif (tag.primary_item_id, "") in groups and key not in groups:
            groups[key] = groups.pop((tag.primary_item_id, ""))
        members = groups.setdefault(key, [])
        if all(uid != seen for seen, _ in members):
            members.append((uid, tag))
    return tuple(_make_set(item_id, owner, members) for (item_id, owner), members in groups.items())


def _make_set(item_id: str, owner: str, members: list[tuple[bytes, ItemTag]]) -> PartSet:
    problems: list[str] = []
    counts = sorted({tag.parts for _, tag in members})
    if len(counts) > 1:
        problems.append(f"tags disagree on the number of parts ({' vs '.join(map(str, counts))})")
    numbers = [tag.part for _, tag in members]
    doubles = sorted({n for n in numbers if numbers.count(n) > 1})
    if doubles:
        problems.append(f"more than one tag says it is part {', '.join(map(str, doubles))}")
    parts = max(counts)
    strays = sorted({n for n in numbers if not 1 <= n <= parts})
    if strays:
        problems.append(f"part {', '.join(map(str, strays))} is outside 1-{parts}")
    members.sort(key=lambda pair: pair[1].part)
    owner_text = next((tag.owner_isil for _, tag in members if tag.owner_isil), owner)
    return PartSet(item_id, owner_text, parts, tuple(members), tuple(problems))

"""Which bin a returned item goes to.

Order of decision (first that applies wins):

1. The item could not be taken: unreadable or foreign tag, refused by the
   ILS, tag could not be re-secured -> ``reject_bin`` (staff look at it).
2. Offline (the ILS could not be asked) -> ``default_bin``: the return is
   queued and sorting waits for staff; the ILS's sort instructions are unknown.
3. ``[[returnbin.rules]]`` in order: a rule matches when every match key it
   gives holds (``sort_bin``, ``alert_type``, ``collection``, ``location``,
   ``media_type``, ``item_pattern``); its ``bin`` is used.
4. A hold or transit alert from the ILS -> ``holds_bin``.
5. The ILS's sort bin (CL) when the sorter has a bin of that name.
6. ``default_bin``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Mapping, Sequence

from kiosk.config import Config


@dataclass(frozen=True)
class SortFacts:
    """What is known about one returned item when its bin is chosen."""

    item_id: str = ""
    accepted: bool = True           # checked in (or queued offline) and re-secured
    offline: bool = False
    reject_reason: str = ""         # why it was not accepted
    alert: bool = False             # the ILS raised an alert (hold, transit)
    alert_type: str = ""            # Koha CV: 01 hold here, 02 hold elsewhere, 04 transit ...
    sort_bin: str = ""              # SIP2 CL
    collection: str = ""
    location: str = ""              # SIP2 AQ permanent location
    media_type: str = ""            # SIP2 CK


@dataclass(frozen=True)
class BinRule:
    bin: str
    matches: Mapping[str, str] = field(default_factory=dict)

    def applies(self, facts: SortFacts) -> bool:
        for key, wanted in self.matches.items():
            if key == "item_pattern":
                if not re.fullmatch(wanted, facts.item_id):
                    return False
            elif getattr(facts, key) != wanted:
                return False
        return True


MATCH_KEYS = ("sort_bin", "alert_type", "collection", "location", "media_type", "item_pattern")


@dataclass(frozen=True)
class Decision:
    bin: str
    reason: str


class BinRules:
    def __init__(self, default_bin: str, holds_bin: str, reject_bin: str, rules: Sequence[BinRule] = (),
                 known_bins: Sequence[str] = ()) -> None:
        self.default_bin = default_bin
        self.holds_bin = holds_bin
        self.reject_bin = reject_bin
        self.rules = tuple(rules)
        self.known_bins = tuple(known_bins)

    @classmethod
    def from_config(cls, config: Config, known_bins: Sequence[str] = ()) -> "BinRules":
        """From ``[returnbin]``; ``known_bins``: the sorter's bins (checked by :meth:`problems`)."""
        section = config.returnbin
        rules = []
        for entry in section.rules:
            matches = {k: entry[k] for k in MATCH_KEYS if entry.get(k)}
            if entry.get("bin"):
                rules.append(BinRule(entry["bin"], matches))
        return cls(section.default_bin, section.holds_bin, section.reject_bin, rules, known_bins)

    def problems(self) -> list[str]:
        """Bins named in the config that the sorter does not have."""
        if not self.known_bins:
            return []
        named = {"returnbin.default_bin": self.default_bin, "returnbin.holds_bin": self.holds_bin,
                 "returnbin.reject_bin": self.reject_bin}
        named.update({f"returnbin.rules[{i + 1}].bin": r.bin for i, r in enumerate(self.rules)})
        return [f"{where}: the sorter has no bin {name!r} (bins: {', '.join(self.known_bins)})"
                for where, name in named.items() if name not in self.known_bins]

    def choose(self, facts: SortFacts) -> Decision:
        if not facts.accepted:
            return Decision(self.reject_bin, facts.reject_reason or "not accepted")
        if facts.offline:
            return Decision(self.default_bin, "offline: queued for the ILS")
        for index, rule in enumerate(self.rules):
            if rule.applies(facts):
                return Decision(rule.bin, f"rule {index + 1}")
        if facts.alert:
            return Decision(self.holds_bin, f"alert {facts.alert_type or 'from the ILS'}")
        if facts.sort_bin and facts.sort_bin in self.known_bins:
            return Decision(facts.sort_bin, "ILS sort bin")
        return Decision(self.default_bin, "default")

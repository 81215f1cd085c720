"""After a chaos run: compare the three truths about every book with where it
physically is, judge every staff flag, then let staff settle what was flagged.

The truths: the ILS's database (who has the book on loan), the tag's AFI
(on loan or secured), and the journals of both kiosks read together with the
desk's ledger (the last transaction that took effect: a loan to whom, or a
return). The building's truth is where the book is: with a patron, or in the
library. A book agrees when the ILS names its holder, its tag reads "on loan"
exactly when a patron has it, and the journals' last word is the ILS's.

* **disagreement**: a book that does not agree and is not flagged for staff;
* **false flag**: a book flagged for staff that agrees, with no desk
  operation on it since the flagged entry was made (the kiosk could have
  known) and no transaction on it since the flag was raised (a later one, say
  the book dropped in the bin, may have settled what the flag rightly said),
  and whose flag states something as fact (a flag that says the kiosk could
  not know, as SIP2 leaves it, is counted apart as *uncertain*);
* **done twice**: a loan renewed although nobody renewed it (a checkout sent
  twice);
* **unsettled**: an entry still unfinished or queued once everything is back.
"""

from __future__ import annotations

from dataclasses import dataclass

from chaos_site import Site
from kiosk.store.journal import Entry, Kind, Outcome, Replay
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED

APPLIED = (Replay.REPLAYED, Replay.ALREADY)
# Words of a flag that says the kiosk could not know (not a claim that can be false).
UNCERTAIN = ("could not be asked", "cannot tell", "may still be queued")


@dataclass(frozen=True)
class Finding:
    item: str
    kind: str        # disagreement | false_flag | done_twice | unsettled
    detail: str

    def __str__(self) -> str:
        return f"{self.kind} {self.item}: {self.detail}"


def _effect(entry: Entry) -> tuple[bool, str | None] | None:
    """What ``entry`` did to its book's loan, if it took effect: (True, holder)."""
    if entry.status is not Outcome.DONE or (entry.offline and entry.replay not in APPLIED):
        return None
    if entry.kind is Kind.CHECKOUT:
        return True, entry.patron_id
    if entry.kind is Kind.CHECKIN:
        return True, None
    return None


def _who(holder: str | None) -> str:
    return f"on loan to {holder}" if holder else "not on loan"


class Truths:
    """One reading of everything, for one check."""

    def __init__(self, site: Site) -> None:
        self.site = site
        self.entries: dict[str, list[Entry]] = {item: [] for item in site.items}
        self.open: list[Entry] = []
        for kiosk in (site.station, site.bin):
            journal = kiosk.journal
            for entry in journal.iter_all():
                if entry.item_id in self.entries:
                    self.entries[entry.item_id].append(entry)
            self.open += journal.unfinished() + journal.pending_offline()

    def flags(self, item: str) -> list[Entry]:
        return [e for e in self.entries[item] if e.needs_staff]

    def journal_says(self, item: str) -> str | None:
        """The holder by the last transaction that took effect (kiosks and desk)."""
        events: list[tuple[float, str | None]] = [(0.0, self.site.initial[item])]
        for entry in self.entries[item]:
            effect = _effect(entry)
            if effect is not None:
                events.append((entry.created.timestamp(), effect[1]))
        events += [(when, holder) for when, book, holder in self.site.ledger if book == item]
        return max(events, key=lambda e: e[0])[1]

    def problems(self, item: str) -> list[str]:
        site = self.site
        holder, physical, afi = site.ils.holder(item), site.where[item], site.tags.afi(item)
        found = []
        place = f"with {physical}" if physical else "in the library"
        if holder != physical:
            found.append(f"the ILS has it {_who(holder)} but it is {place}")
        if afi != (AFI_ON_LOAN if physical else AFI_SECURED):
            found.append(f"its tag reads AFI 0x{afi:02X} but it is {place}")
        said = self.journal_says(item)
        if said != holder:
            found.append(f"the journals say {_who(said)}, the ILS {_who(holder)}")
        return found

    def desk_since(self, item: str, when: float) -> bool:
        return any(book == item and at >= when for at, book, _ in self.site.ledger)

    def moved_on(self, item: str, flags: list[Entry]) -> bool:
        """Did the desk touch the book after a flagged entry was made, or anything
        happen to it after the flag was raised? Then the flag is not judged."""
        made = min(f.created.timestamp() for f in flags)
        raised = max(f.updated.timestamp() for f in flags)
        later = any(e.created.timestamp() > raised for e in self.entries[item])
        return later or self.desk_since(item, made)


def inspect(site: Site) -> tuple[list[Finding], int, int]:
    """Every finding, how many books were rightly flagged, and how many were
    flagged as uncertain and turned out fine."""
    truths = Truths(site)
    findings: list[Finding] = []
    flagged = uncertain = 0
    for item in site.items:
        problems, flags = truths.problems(item), truths.flags(item)
        if problems and not flags:
            findings.append(Finding(item, "disagreement", "; ".join(problems)))
        elif flags and not problems and not truths.moved_on(item, flags):
            if all(any(words in f.staff_reason for words in UNCERTAIN) for f in flags):
                uncertain += 1
                continue
            reasons = " | ".join(f"entry {f.id} {f.kind}: {f.staff_reason}" for f in flags)
            findings.append(Finding(item, "false_flag", reasons))
        elif flags:
            flagged += 1
        renewals = site.ils.renewals(item)
        if renewals > site.renewals[item]:
            findings.append(Finding(item, "done_twice", f"renewed {renewals - site.renewals[item]} time(s) "
                                                        f"though nobody renewed it"))
            site.renewals[item] = renewals
    for entry in truths.open:
        findings.append(Finding(entry.item_id, "unsettled", f"entry {entry.id} {entry.kind} {entry.status}"
                                                            f" replay {entry.replay}: {entry.detail}"))
    return findings, flagged, uncertain


def settle_by_staff(site: Site) -> None:
    """Staff put every book right (the ILS and the tag follow where it is) and
    take every flag off the list, so the next run starts clean."""
    truths = Truths(site)
    for item in site.items:
        holder, physical = site.ils.holder(item), site.where[item]
        if holder != physical or truths.problems(item):
            site.desk(item, physical)
    for kiosk in (site.station, site.bin):
        for entry in kiosk.journal.conflicts():
            kiosk.journal.resolve_conflict(entry.id, "settled after the chaos check", staff="harness")
    site.quarantine.clear()

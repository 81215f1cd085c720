"""Entries whose item a later entry carried on: settled from that entry, not
from the item's present state.

Two ways it happens:

* **A replaced checkout.** An online checkout's reply was lost and the ILS
  could not be asked, so the borrow engine took the item as an offline loan
  instead (:meth:`kiosk.store.offline.OfflineDesk.borrow` with ``supersedes``).
  The online entry stays ``unknown``: its checkout may have reached the ILS.
  It is settled when its offline successor is replayed (or cancelled), with
  the ILS asked first (:func:`settle_replaced`): a loan the ILS has is the
  offline loan when that stands (sent once, not twice), and a loan the patron
  was told they did not get (the offline loan was undone) goes to staff.
* **An item read again.** The return bin restarted while the ILS was down and
  read the same item again under a new entry, or the item was returned and
  lent anew: a later entry settled the item, so recovery must neither flag
  the old entry ("not on the pad") nor act on the item for it (completing an
  old return would discharge the newer loan). :func:`taken_over` finds it.
"""

from __future__ import annotations

from kiosk.store.entries import Entry, Kind, Outcome, Replay
from kiosk.store.reconcile import ItemTruth, LoanState

__all__ = ["LOCAL_FAILURES", "needs_truth", "settle_replaced", "taken_over"]

#: An entry that ended at the kiosk without its transaction (nothing to replay).
LOCAL_FAILURES = frozenset({Outcome.UNDONE, Outcome.FAILED, Outcome.REFUSED})


def settle_replaced(online: Entry, offline: Entry, truth: ItemTruth | None) -> tuple[Outcome, str]:
    """The outcome of ``online`` (a checkout whose reply was lost) given its
    offline successor and ``truth``, the ILS asked *before* the successor is
    sent. A successor already applied decides on its own (``truth`` may then
    be None: :func:`needs_truth`)."""
    n = offline.id
    if not needs_truth(offline):
        return Outcome.DONE, f"the loan stands as offline entry {n}"
    if truth is None:
        raise ValueError(f"settling entry {online.id} needs the ILS's truth about item {online.item_id}")
    reached = truth.state is LoanState.CHARGED_TO_PATRON
    if offline.replay is Replay.CONFLICT and not reached:
        return Outcome.FAILED, f"the checkout never reached the ILS; offline entry {n} is kept for staff"
    stands = offline.status not in LOCAL_FAILURES and not offline.unfinished and offline.replay is not Replay.CANCELLED
    if stands:
        if reached:
            return Outcome.DONE, (f"the checkout reached the ILS after all; offline entry {n} is the same loan "
                                  f"and is not sent again")
        return Outcome.FAILED, f"the checkout never reached the ILS; offline entry {n} sends the loan"
    if not reached:
        return Outcome.FAILED, f"the checkout never reached the ILS, and the offline loan (entry {n}) was undone"
    if offline.unfinished:
        return Outcome.STAFF, (f"the checkout reached the ILS after all, and the offline loan that replaced it "
                               f"(entry {n}) was never finished at the kiosk: check the item and the patron's account")
    return Outcome.STAFF, (f"the checkout reached the ILS after all, but the patron was told the item was not "
                           f"borrowed and its tag was left secured (the offline loan, entry {n}, was undone): "
                           f"check the item in if it is still in the library, else contact the patron")


def needs_truth(offline: Entry) -> bool:
    """Must the ILS be asked to settle the checkout ``offline`` replaced? Not
    once ``offline`` was replayed: the loan stands, whichever request made it."""
    return offline.replay not in (Replay.REPLAYED, Replay.ALREADY)


def taken_over(entry: Entry, later: list[Entry]) -> tuple[Outcome, str, int] | None:
    """If a later entry for the same item (``later``, oldest first) carried
    the item on, the outcome that settles ``entry`` without touching the tag
    or the ILS, with the later entry's id; else None. An offline entry becomes
    ``undone`` (its replay is cancelled: the later entry carries the
    transaction), an online one ``done`` (the item went on: returned again or
    lent anew)."""
    kinds: frozenset[Kind]
    if entry.kind is Kind.CHECKIN:
        kinds = frozenset({Kind.CHECKIN, Kind.CHECKOUT})
    elif entry.kind is Kind.CHECKOUT:
        kinds = frozenset({Kind.CHECKIN})   # a later loan of the same item is the replaced-checkout case, above
    else:
        return None
    for after in later:
        if after.kind in kinds and after.status not in LOCAL_FAILURES:
            how = {Kind.CHECKOUT: "lent anew", Kind.CHECKIN: "returned"}[after.kind]
            if after.kind is entry.kind:
                how = "read again and returned"
            outcome = Outcome.UNDONE if entry.offline else Outcome.DONE
            return outcome, f"superseded: the item was {how} under entry {after.id}, which settles it", after.id
    return None

"""Holds (SIP2 2.00 Hold, 15/16): place (``+``), cancel (``-``) and change
(``*``) item-level holds. The queue is first come, first served; a hold
trapped when its item comes back ("waiting") goes to the front.

The circulation rules call in here with themselves as :class:`HoldDesk`: the
few things a hold needs (the store, the library, item types, branches), so
this module does not depend on the rules that use it."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Mapping, Protocol

from kiosk.sip2.ils import patrons as accounts
from kiosk.sip2.ils.data import Branch, ItemType, Library
from kiosk.sip2.ils.outcomes import HoldOutcome
from kiosk.sip2.ils.store import HoldRow, ItemRow, PatronRow, Store, end_of_day

NO_HOLD = "No hold found for this item."
HOLD_DAYS = 365  # a hold without BW expiry waits a year, as Koha's default


class HoldDesk(Protocol):
    """What placing, cancelling or changing a hold reads from the ILS."""

    @property
    def store(self) -> Store: ...
    @property
    def library(self) -> Library: ...
    @property
    def item_types(self) -> Mapping[str, ItemType]: ...
    @property
    def branches(self) -> Mapping[str, Branch]: ...
    def branch_name(self, code: str) -> str: ...


def change(circ: HoldDesk, mode: str, patron: PatronRow, item: ItemRow, *, pickup: str,
           expires: datetime | None, now: datetime) -> HoldOutcome:
    """Apply ``mode`` for ``patron`` on ``item``; the caller holds the transaction."""
    store = circ.store
    queue = store.holds_on(item.id)
    mine = next((h for h in queue if h.patron == patron.id), None)
    where = pickup if pickup in circ.branches else patron.home_branch

    def answer(ok: bool, message: str, **extra: object) -> HoldOutcome:
        return HoldOutcome(ok, patron.id, item.id, item.title, messages=(message,), **extra)  # type: ignore[arg-type]

    if mode in "-*" and mine is None:
        return answer(False, NO_HOLD)
    if mode == "-":
        assert mine is not None
        store.delete_hold(mine.id)
        return answer(True, "Hold cancelled.")
    if mode == "*":
        assert mine is not None
        store.update_hold(mine.id, pickup=where if pickup else None, expires=expires)
        position = [h.id for h in queue].index(mine.id) + 1
        return answer(True, "Hold changed.", available=mine.status == "waiting", expires=expires or mine.expires,
                      queue_position=position, pickup=where if pickup else mine.pickup)
    refusal = _refusal(circ, patron, item, mine, now)
    if refusal:
        return answer(False, refusal)
    until = expires or end_of_day(now.date() + timedelta(days=HOLD_DAYS), now.tzinfo)
    store.add_hold(item.id, patron.id, where, now, until)
    on_shelf = store.loan(item.id) is None and item.state == "available" and not queue
    return answer(True, f"Hold placed; pickup at {circ.branch_name(where)}.", available=on_shelf, expires=until,
                  queue_position=len(queue) + 1, pickup=where)


def _refusal(circ: HoldDesk, patron: PatronRow, item: ItemRow, mine: HoldRow | None, now: datetime) -> str:
    store = circ.store
    stand = accounts.standing(store, patron, circ.library, now.date(), now)
    if stand.status.hold_privileges_denied:
        return stand.refusal or accounts.BLOCKED
    if item.not_for_loan or not circ.item_types[item.item_type].loanable:
        return "This item cannot be placed on hold."
    if mine is not None:
        return "You already have a hold on this item."
    loan = store.loan(item.id)
    if loan is not None and loan.patron == patron.id:
        return "You already have this item checked out."
    if len(store.holds_of(patron.id)) >= patron.hold_limit:
        return "You have reached the maximum number of holds."
    return ""

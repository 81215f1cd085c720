"""What a session's receipt lists: each item's line, from the session's
:class:`~kiosk.events.ItemResult` s (:mod:`kiosk.receipts.model` lays it out).

Borrowed, renewed and returned items are listed with title and due date;
refusals with the ILS's own words (or ours when it gave none). An item whose
loan stands but whose tag could not be switched (``see_staff`` with a due
date) is listed as borrowed: the receipt must match the patron's account.
Pending, unreadable and incomplete lines are left off: nothing happened to them.
A returned item on hold for another patron says so (staff will set it aside).
"""

from __future__ import annotations

from typing import Iterable, Protocol, Sequence

from kiosk.config import Config
from kiosk.events import HoldView, Instruction, ItemResult, ItemStatus
from kiosk.i18n import Translator, translator
from kiosk.receipts.model import HOLD_RETURNED, ItemOutcome, Receipt, ReceiptItem

__all__ = ["receipt_items", "session_receipt", "FinishedSession"]


class _PatronOnReceipt(Protocol):
    @property
    def patron_id(self) -> str: ...

    @property
    def fines_total(self) -> str: ...


class FinishedSession(Protocol):
    """What a receipt reads from :class:`kiosk.circulation.session.Session`
    (a protocol, so receipts do not depend on the circulation package)."""

    @property
    def session_id(self) -> str: ...

    @property
    def language(self) -> str: ...

    @property
    def items(self) -> Sequence[ItemResult]: ...

    @property
    def patron(self) -> _PatronOnReceipt | None: ...

_DONE = {ItemStatus.BORROWED: ItemOutcome.BORROWED, ItemStatus.ALREADY_YOURS: ItemOutcome.BORROWED,
         ItemStatus.RENEWED: ItemOutcome.RENEWED, ItemStatus.RETURNED: ItemOutcome.RETURNED}


def _outcome(r: ItemResult) -> str | None:
    if r.status in _DONE:
        return _DONE[r.status]
    if r.status is ItemStatus.SEE_STAFF and r.action == "borrow" and r.due_date:
        return ItemOutcome.BORROWED          # the loan stands; staff will switch the tag
    if r.status is ItemStatus.SEE_STAFF and r.action == "return" and r.secured is False:
        return ItemOutcome.RETURNED          # checked in; staff will secure it
    if r.status in (ItemStatus.REFUSED, ItemStatus.SEE_STAFF, ItemStatus.CONFIRM_FEE):
        return ItemOutcome.NOT_RETURNED if r.action == "return" else ItemOutcome.REFUSED
    return None


def receipt_items(results: Iterable[ItemResult], tr: Translator | None = None) -> list[ReceiptItem]:
    """The receipt's lines; ``tr`` translates the receipt's own words (the hold line)."""
    out = []
    for r in results:
        outcome = _outcome(r)
        if outcome is None:
            continue
        if outcome in (ItemOutcome.REFUSED, ItemOutcome.NOT_RETURNED):
            message = " ".join(r.ils_message) or r.message
        elif r.status is ItemStatus.SEE_STAFF:
            message = r.message
        elif outcome == ItemOutcome.RETURNED and r.instruction is Instruction.HOLD_SHELF:
            message = tr(HOLD_RETURNED) if tr is not None else HOLD_RETURNED
        else:
            message = r.warning
        out.append(ReceiptItem(r.item_id, r.title, outcome, r.due_date or None, message, r.offline))
    return out


def session_receipt(config: Config, session: FinishedSession, holds_ready: Iterable[HoldView] = ()) -> Receipt:
    """The receipt of ``session`` (a :class:`kiosk.circulation.session.Session`), in its
    language, with ``holds_ready`` (HoldViews) as the holds ready for pickup."""
    patron = session.patron
    holds = [h.title or h.item_id for h in holds_ready]
    return Receipt.from_config(config, patron_id=patron.patron_id if patron else "", lang=session.language,
                               items=receipt_items(session.items, translator(session.language)), fines_total=patron.fines_total if patron else None,
                               holds_ready=holds, session_id=session.session_id)

"""Ask the ILS what is true about one item: the shared question behind
start-up recovery (:mod:`kiosk.store.recovery`) and offline replay
(:mod:`kiosk.store.offline`), which must never double-charge or double-discharge.

SIP2 2.00's item information response (18) gives the circulation status but
not *who* has the item; some ILSs add the patron as a vendor ``AA`` field.
When it is absent we ask the patron's record instead (patron information 63
with the charged-items summary) whether the item is among their loans.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from kiosk.errors import RemoteProtocolError, TransportError
from kiosk.sip2.api import ILSClient
from kiosk.sip2.codes import CirculationStatus

__all__ = ["LoanState", "ItemTruth", "item_truth", "patron_has_item", "checked_in_after_all", "CHARGED_STATUSES"]

# Statuses in which the item is attached to a patron's record. Claimed-returned
# and lost items usually still are, and a checkin of them is meaningful.
CHARGED_STATUSES = frozenset({
    CirculationStatus.CHARGED, CirculationStatus.CHARGED_NOT_TO_BE_RECALLED, CirculationStatus.RECALLED,
    CirculationStatus.CLAIMED_RETURNED, CirculationStatus.LOST,
})
_PAGE = 50
_MAX_LOANS = 1000  # bounded paging through a patron's loans


class LoanState(StrEnum):
    UNKNOWN_ITEM = "unknown_item"          # the ILS does not know the barcode
    NOT_CHARGED = "not_charged"            # on the shelf, on the hold shelf, in transit ...
    CHARGED_TO_PATRON = "charged_to_patron"
    CHARGED_TO_OTHER = "charged_to_other"
    CHARGED = "charged"                    # charged; to whom could not be asked (no patron given)


@dataclass(frozen=True)
class ItemTruth:
    state: LoanState
    circulation_status: str
    title: str = ""
    due_date: str = ""
    hold_queue_length: int = 0
    screen_message: tuple[str, ...] = ()

    @property
    def charged(self) -> bool:
        return self.state in (LoanState.CHARGED_TO_PATRON, LoanState.CHARGED_TO_OTHER, LoanState.CHARGED)

    @property
    def held_for_someone(self) -> bool:
        """Someone is waiting for this item (hold queue or hold shelf)."""
        return self.hold_queue_length > 0 or self.circulation_status == CirculationStatus.WAITING_ON_HOLD_SHELF


def _matches(entry: str, item_id: str) -> bool:
    # Most ILSs list barcodes; some list "barcode title".
    entry = entry.strip()
    return entry == item_id or entry.startswith(item_id + " ")


def patron_has_item(client: ILSClient, patron_id: str, item_id: str) -> bool:
    """Is ``item_id`` among ``patron_id``'s charged items (63, summary "charged")?"""
    start = 1
    while start <= _MAX_LOANS:
        info = client.patron_information(patron_id, summary="charged", start=start, end=start + _PAGE - 1)
        items = tuple(info.charged_items or ())
        if any(_matches(entry, item_id) for entry in items):
            return True
        if len(items) < _PAGE:
            return False
        start += _PAGE
    return False


def item_truth(client: ILSClient, item_id: str, patron_id: str = "") -> ItemTruth:
    """What the ILS says about ``item_id`` now, and whether ``patron_id`` has it.

    Raises what the SIP2 client raises (TransportError when the ILS is down).
    """
    info = client.item_information(item_id)
    status = str(info.circulation_status)
    title = info.title_identifier or ""
    messages = tuple(info.screen_message or ())
    holds = int(info.hold_queue_length or 0)

    def truth(state: LoanState) -> ItemTruth:
        return ItemTruth(state, circulation_status=status, title=title, due_date=info.due_date or "",
                         hold_queue_length=holds, screen_message=messages)

    if not title and status == CirculationStatus.OTHER:
        return truth(LoanState.UNKNOWN_ITEM)
    if status not in CHARGED_STATUSES:
        return truth(LoanState.NOT_CHARGED)
    if not patron_id:
        return truth(LoanState.CHARGED)
    holder = info.get("AA")  # a vendor field some ILSs add: who has the item
    if holder:
        mine = holder == patron_id
    else:
        mine = patron_has_item(client, patron_id, item_id)
    return truth(LoanState.CHARGED_TO_PATRON if mine else LoanState.CHARGED_TO_OTHER)


def checked_in_after_all(client: ILSClient, item_id: str, attempts: int = 3) -> bool | None:
    """A checkin's reply was lost: did it take effect? True when the item is no
    longer on loan, False when it still is, None when the ILS cannot be asked
    (``attempts`` times: one lost answer must not leave the question open)."""
    for _ in range(attempts):
        try:
            return not item_truth(client, item_id).charged
        except (TransportError, RemoteProtocolError):
            continue
    return None

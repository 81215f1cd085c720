"""Which session lines reach the receipt, and under which heading."""

from __future__ import annotations

import pytest

from kiosk.events import ItemResult, ItemStatus
from kiosk.receipts.model import ItemOutcome
from kiosk.receipts.session import receipt_items

DUE = "20261214    235900"


@pytest.mark.parametrize("result, outcome, message", [
    (ItemResult("1", "borrow", ItemStatus.BORROWED, "Borrowed.", due_date=DUE), ItemOutcome.BORROWED, ""),
    (ItemResult("1", "borrow", ItemStatus.BORROWED, "Borrowed.", due_date=DUE, warning="1 of 2 parts"),
     ItemOutcome.BORROWED, "1 of 2 parts"),
    (ItemResult("1", "borrow", ItemStatus.ALREADY_YOURS, "yours", due_date=DUE), ItemOutcome.BORROWED, ""),
    (ItemResult("1", "borrow", ItemStatus.RENEWED, "renewed", due_date=DUE), ItemOutcome.RENEWED, ""),
    (ItemResult("1", "renew", ItemStatus.RENEWED, "renewed", due_date=DUE), ItemOutcome.RENEWED, ""),
    (ItemResult("1", "return", ItemStatus.RETURNED, "Returned."), ItemOutcome.RETURNED, ""),
    (ItemResult("1", "borrow", ItemStatus.REFUSED, "Not borrowed.", ils_message=("Item is not for loan",)),
     ItemOutcome.REFUSED, "Item is not for loan"),
    (ItemResult("1", "borrow", ItemStatus.REFUSED, "Not borrowed: reserved."), ItemOutcome.REFUSED,
     "Not borrowed: reserved."),
    (ItemResult("1", "return", ItemStatus.REFUSED, "Not returned.", ils_message=("Item not found",)),
     ItemOutcome.NOT_RETURNED, "Item not found"),
    # the loan stands although the tag could not be switched: the receipt must show it as borrowed
    (ItemResult("1", "borrow", ItemStatus.SEE_STAFF, "show it at the desk", due_date=DUE), ItemOutcome.BORROWED,
     "show it at the desk"),
    (ItemResult("1", "borrow", ItemStatus.SEE_STAFF, "could not confirm"), ItemOutcome.REFUSED, "could not confirm"),
    (ItemResult("1", "return", ItemStatus.SEE_STAFF, "not secured", secured=False), ItemOutcome.RETURNED,
     "not secured"),
    (ItemResult("1", "borrow", ItemStatus.CONFIRM_FEE, "rental charge"), ItemOutcome.REFUSED, "rental charge"),
])
def test_lines(result: ItemResult, outcome: str, message: str) -> None:
    (line,) = receipt_items([result])
    assert (line.outcome, line.message) == (outcome, message)
    assert line.item_id == "1"


@pytest.mark.parametrize("status", [ItemStatus.PENDING, ItemStatus.UNREADABLE, ItemStatus.INCOMPLETE])
def test_lines_where_nothing_happened_are_left_off(status: ItemStatus) -> None:
    assert receipt_items([ItemResult("1", "borrow", status)]) == []

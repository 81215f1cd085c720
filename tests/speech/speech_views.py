"""Session views of every patron screen, as the station would send them (test data)."""

from __future__ import annotations

from kiosk.events import (AccountView, FineView, HoldView, ItemResult, ItemStatus, LoanView, PatronView,
                          SessionState, SessionView)
from kiosk.speech.focus import Screen

PATRON = PatronView("Ana Lopez", "****0001", holds_ready=1, fines_total="2.50")
ITEMS = (
    ItemResult("31000000000001", "borrow", ItemStatus.BORROWED, message="Borrowed. Due Dec 7, 2026.",
               title="The Hobbit", due_display="Dec 7, 2026"),
    ItemResult("31000000000002", "borrow", ItemStatus.REFUSED, title="Dune",
               message="Not borrowed: another patron has reserved this item. Please leave it at the desk."),
    ItemResult("31000000000003", "borrow", ItemStatus.CONFIRM_FEE, title="Blu-ray: Arrival", fee="$1.00",
               message="This item has a rental charge of $1.00."),
    ItemResult("31000000000004", "borrow", ItemStatus.PENDING),
)
RETURNS = (ItemResult("31000000000005", "return", ItemStatus.RETURNED, title="Emma"),)
ACCOUNT = AccountView(
    "Ana Lopez",
    loans=(LoanView("31000000000001", "The Hobbit", "20261207", "Dec 7, 2026"),
           LoanView("31000000000009", "Middlemarch", "20261101", "Nov 1, 2026", overdue=True)),
    holds_ready=(HoldView("31000000000010", "Beloved", ready=True),),
    fines=(FineView("f1", "2.50", "Overdue fine", "$2.50"),), fines_total="2.50", fines_total_display="$2.50")

#: screen -> the view the patron sees it with
VIEWS: dict[Screen, SessionView] = {
    Screen.ATTRACT: SessionView(SessionState.IDLE),
    Screen.IDENTIFYING: SessionView(SessionState.IDENTIFYING),
    Screen.PIN_ENTRY: SessionView(SessionState.PIN_ENTRY, PATRON, pin_tries_left=3),
    Screen.HOME: SessionView(SessionState.READY, PATRON),
    Screen.BORROWING: SessionView(SessionState.BORROWING, PATRON, items=ITEMS),
    Screen.RETURNING: SessionView(SessionState.RETURNING, None, items=RETURNS),
    Screen.ACCOUNT: SessionView(SessionState.ACCOUNT, PATRON),
    Screen.RECEIPT: SessionView(SessionState.RECEIPT, PATRON, receipt_options=("print", "email", "none")),
    Screen.GOODBYE: SessionView(SessionState.ENDING, PATRON),
    Screen.OUT_OF_SERVICE: SessionView(SessionState.IDLE),
    Screen.INACTIVITY_WARNING: SessionView(SessionState.BORROWING, PATRON, items=ITEMS),
}

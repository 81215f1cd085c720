"""The printed receipt lists the holds ready for pickup: those the patron saw
in My account, or else those the ILS counted at login, asked for at receipt time."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.printer.render import escpos_to_text
from kiosk.events import AccountChanged, ReceiptResult
from kiosk.circulation.session import SessionState

from station_kit import Kit, start_kit

NANDU = "21000000000006"          # two holds on the shelf: items 17 and 18
HOLD_TITLES = ("Ang Alamat ng Ampalaya", "Rayuela")


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kit]:
    k = start_kit(tmp_path)
    yield k
    k.stop()


def borrow_one_and_print(kit: Kit) -> int:
    """Borrow an item, finish, print; the ILS's 63 requests the receipt step cost."""
    kit.station.start_borrow()
    kit.place("31000000000003")
    kit.results(1)
    before = kit.ils.requests["63"]
    kit.station.finish()
    kit.wait_state(SessionState.RECEIPT)
    kit.station.choose_receipt("print")
    assert kit.wait_type(ReceiptResult).ok
    return kit.ils.requests["63"] - before


def test_holds_ready_seen_in_my_account_are_on_the_receipt(kit: Kit) -> None:
    kit.login(NANDU, "1234")
    kit.station.open_account()
    account = kit.wait_type(AccountChanged).account
    assert tuple(sorted(h.title for h in account.holds_ready)) == HOLD_TITLES
    kit.station.go_home()
    assert borrow_one_and_print(kit) == 0, "the account already had them"
    text = escpos_to_text(kit.printer.output)
    assert "ready for pickup" in text.lower() and all(title in text for title in HOLD_TITLES), text


def test_holds_ready_on_the_receipt_without_opening_my_account(kit: Kit) -> None:
    """The 64 reply at login counts holds waiting; the receipt asks the ILS for
    them (titles included) even though the patron never opened My account."""
    kit.login(NANDU, "1234")
    assert borrow_one_and_print(kit) > 0, "the receipt did not ask for the holds"
    text = escpos_to_text(kit.printer.output)
    assert "ready for pickup" in text.lower() and all(title in text for title in HOLD_TITLES), text


def test_a_patron_without_holds_costs_no_extra_ils_call_for_the_receipt(kit: Kit) -> None:
    kit.login()
    assert borrow_one_and_print(kit) == 0
    assert "ready for pickup" not in escpos_to_text(kit.printer.output).lower()

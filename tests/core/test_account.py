"""My account through the station: loans with due dates and overdue marks,
holds ready and pending, fines with their total; renew one / renew all with
the ILS's reasons; paying fines through the payment adapter."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.circulation.account import parse_fine
from kiosk.events import AccountChanged, ItemStatus, Notice, PaymentResult, RenewResult, SessionState
from kiosk.store.journal import Kind, Outcome
from kiosk.drivers.payment import SimulatedPayment

from station_kit import ANA, FINED, NANDU, Kit, start_kit

ANA_LOANS = {"31000000000019", "31000000000020", "31000000000021"}
OVERDUE = "31000000000020"
AT_LIMIT = "31000000000021"


@pytest.fixture()
def kit(tmp_path: Path) -> Iterator[Kit]:
    k = start_kit(tmp_path)
    yield k
    k.stop()


def open_account(kit: Kit, patron: str = ANA) -> AccountChanged:
    kit.login(patron)
    kit.station.open_account()
    kit.wait_state(SessionState.ACCOUNT)
    return kit.wait_type(AccountChanged)


@pytest.mark.parametrize("text, fee_id, amount, description", [
    ("17 2.50 Overdue: Dune", "17", "2.50", "Overdue: Dune"),
    ("F1 $3 Lost card", "F1", "3.00", "Lost card"),
    ("Overdue fine for a book", "", "", "Overdue fine for a book"),
])
def test_fine_lines(text: str, fee_id: str, amount: str, description: str) -> None:
    fine = parse_fine(text)
    assert (fine.fee_id, fine.amount, fine.description) == (fee_id, amount, description)


def test_loans_with_due_dates_and_overdue_marks(kit: Kit) -> None:
    account = open_account(kit).account
    assert {loan.item_id for loan in account.loans} == ANA_LOANS
    overdue = [loan for loan in account.loans if loan.overdue]
    assert [loan.item_id for loan in overdue] == [OVERDUE]
    assert account.loans[0].item_id == OVERDUE  # overdue first
    assert all(loan.title and loan.due_display for loan in account.loans)
    assert account.display_name == "Ana García" and account.overdue_count == 1
    assert kit.station.account() == account


def test_a_long_account_shows_at_once_and_fills_in(kit: Kit) -> None:
    """13 loans cost 13 item information requests: the screen gets the account
    after the lists (loans listed by id, marked pending) and again every
    PROGRESS_EVERY loans, then the complete view, which is what stays."""
    from kiosk.circulation.account import PROGRESS_EVERY
    from station_kit import ITEMS

    kit.login()
    kit.station.start_borrow()
    kit.place(*ITEMS)
    assert all(r.status is ItemStatus.BORROWED for r in kit.results(len(ITEMS)).values())
    kit.station.go_home()
    kit.wait_state(SessionState.READY)
    kit.station.open_account()
    views = [kit.wait_type(AccountChanged).account]
    while views[-1].loans_pending:
        views.append(kit.wait_type(AccountChanged).account)
    loans = len(ANA_LOANS) + len(ITEMS)
    assert [v.loans_pending for v in views] == [loans - n for n in range(0, loans, PROGRESS_EVERY)] + [0]
    first = views[0]
    assert len(first.loans) == loans and {loan.item_id for loan in first.loans} == ANA_LOANS | set(ITEMS)
    assert not any(loan.title or loan.due_date for loan in first.loans), "nothing detailed yet"
    assert first.fines_total == views[-1].fines_total                  # the rest of the account is there at once
    final = views[-1]
    assert len(final.loans) == loans and all(loan.title and loan.due_display for loan in final.loans)
    assert final.loans[0].item_id == OVERDUE
    assert kit.station.account() == final


def test_holds_ready_and_pending(kit: Kit) -> None:
    account = open_account(kit, NANDU).account
    assert account.holds_ready and all(h.ready and h.title for h in account.holds_ready)


def test_fines_with_their_total(kit: Kit) -> None:
    account = open_account(kit, FINED).account
    assert account.fines_total == "12.50"
    assert sum(Decimal(f.amount) for f in account.fines) == Decimal("12.50")
    assert account.fines_total_display == "$12.50"
    assert account.can_pay


def test_renew_one_and_the_ils_reason_for_a_refusal(kit: Kit) -> None:
    open_account(kit)
    kit.station.renew("31000000000019")
    ok = kit.wait_type(RenewResult).results[0]
    assert ok.status is ItemStatus.RENEWED and ok.due_date
    kit.station.renew(AT_LIMIT)
    refused = kit.wait_type(RenewResult).results[0]
    assert refused.status is ItemStatus.REFUSED
    assert any("limit" in line.lower() for line in refused.ils_message)
    kinds = [(e.item_id, e.status) for e in kit.station.journal.iter_all() if e.kind is Kind.RENEW]
    assert kinds == [("31000000000019", Outcome.DONE), (AT_LIMIT, Outcome.REFUSED)]
    kit.wait_type(AccountChanged)  # the account is reloaded after a renewal


def test_renew_all(kit: Kit) -> None:
    open_account(kit)
    kit.station.renew_all()
    outcome = kit.wait_type(RenewResult)
    statuses = {r.item_id: r.status for r in outcome.results}
    assert statuses[AT_LIMIT] is ItemStatus.REFUSED
    assert ItemStatus.RENEWED in statuses.values()
    assert "renewed" in outcome.message


def test_pay_a_fine_through_the_payment_terminal(kit: Kit) -> None:
    account = open_account(kit, FINED).account
    fine = account.fines[0]
    kit.station.pay(fine.fee_id, fine.amount)
    paid = kit.wait_type(PaymentResult)
    assert paid.ok and paid.transaction_id and "recorded" in paid.message
    assert [c.amount for c in kit.payment.charges] == [Decimal(fine.amount)]
    after = kit.wait_type(AccountChanged).account
    assert Decimal(after.fines_total) == Decimal("12.50") - Decimal(fine.amount)
    (entry,) = [e for e in kit.station.journal.iter_all() if e.kind is Kind.FEE_PAID]
    assert entry.status is Outcome.DONE and entry.payload["transaction_id"] == paid.transaction_id


def test_declined_card_takes_no_money(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, payment=SimulatedPayment(decline=True))
    try:
        open_account(kit, FINED)
        kit.station.pay(None, "12.50")
        result = kit.wait_type(PaymentResult)
        assert not result.ok and "No money was taken" in result.message
        assert not [e for e in kit.station.journal.iter_all() if e.kind is Kind.FEE_PAID]
    finally:
        kit.stop()


def test_ils_refusing_a_payment_refunds_it(kit: Kit) -> None:
    open_account(kit)  # Ana owes nothing: the ILS refuses a payment
    kit.station.pay(None, "5.00")
    result = kit.wait_type(PaymentResult)
    assert not result.ok and "refunded" in result.message
    assert len(kit.payment.refunds) == 1
    (entry,) = [e for e in kit.station.journal.iter_all() if e.kind is Kind.FEE_PAID]
    assert entry.status is Outcome.REFUSED


def test_lost_fee_paid_reply_sends_the_patron_to_staff_without_charging_twice(kit: Kit) -> None:
    open_account(kit, FINED)
    kit.ils.faults.fail_next("lost_reply", count=1, command="37")
    kit.station.pay(None, "1.00")
    result = kit.wait_type(PaymentResult, timeout=10)
    assert not result.ok and result.transaction_id in result.message
    assert len(kit.payment.charges) == 1
    (entry,) = [e for e in kit.station.journal.iter_all() if e.kind is Kind.FEE_PAID]
    assert entry.status is Outcome.STAFF and entry.needs_staff


@pytest.mark.parametrize("action", ["open_account", "renew_all", "pay"])
def test_no_account_renewals_or_payments_offline(tmp_path: Path, action: str) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.ils.set_down(True)
        kit.station.client.close()
        kit.station.identify(ANA)
        kit.wait_state(SessionState.READY)
        if action == "pay":
            kit.station.pay(None, "1.00")
        else:
            getattr(kit.station, action)()
        notice = kit.wait_type(Notice)
        assert "offline" in notice.message
        assert kit.payment.charges == []
    finally:
        kit.stop()

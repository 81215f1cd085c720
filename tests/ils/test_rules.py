"""Circulation rules, directly (no wire): what a Koha-like ILS decides."""

from __future__ import annotations

from datetime import timedelta
from concurrent.futures import ThreadPoolExecutor

import pytest

from kiosk.sip2.ils.outcomes import (
    ALREADY_CHECKED_OUT_TO_YOU, CHECKED_OUT_TO_ANOTHER, FEE_REQUIRED, INVALID_ITEM, INVALID_PATRON, INVALID_PIN,
    NOT_CHECKED_OUT, NOT_FOR_LOAN, NOT_YOUR_LOAN, ON_HOLD_FOR_ANOTHER, RENEWAL_LIMIT,
)
from kiosk.sip2.ils.patrons import BLOCKED, CARD_LOST, EXPIRED
from kiosk.sip2.ils.rules import Circulation

from ils_helpers import NOW, Clock

ANA, BJORN, BLOCKED_P, EXPIRED_P, FINES_P, NANDU, CHIDI, OVER_LIMIT, LOST_CARD = (
    "21000000000001", "21000000000002", "21000000000003", "21000000000004", "21000000000005",
    "21000000000006", "21000000000007", "21000000000008", "21000000000010")


def item(n: int) -> str:
    return f"310000000000{n:02d}"


# ------------------------------------------------------------------ patrons
@pytest.mark.parametrize("patron, pin, valid_pin", [
    (ANA, "1234", True), (ANA, "9999", False), (ANA, "", False), (ANA, None, None),
    (BJORN, "", True), (BJORN, "anything", True),
])
def test_pin_checks(circ: Circulation, patron: str, pin: str | None, valid_pin: bool | None) -> None:
    view = circ.patron(patron, pin)
    assert view.found and view.valid_pin is valid_pin
    assert ("Invalid PIN" in view.messages) == (valid_pin is False and bool(pin))


@pytest.mark.parametrize("patron, flags, message", [
    (ANA, (), ""),
    (BLOCKED_P, ("charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
                 "hold_privileges_denied"), BLOCKED),
    (EXPIRED_P, ("charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
                 "hold_privileges_denied"), EXPIRED),
    (FINES_P, (), "You have outstanding fines of 12.50 USD."),
    (OVER_LIMIT, ("charge_privileges_denied", "excessive_outstanding_fines"), "You owe 35.00 USD"),
    (LOST_CARD, ("charge_privileges_denied", "renewal_privileges_denied", "recall_privileges_denied",
                 "hold_privileges_denied", "card_reported_lost"), CARD_LOST),
])
def test_patron_status_summary(circ: Circulation, patron: str, flags: tuple[str, ...], message: str) -> None:
    view = circ.patron(patron, "1234")
    assert view.status.active() == flags
    if message:
        assert any(line.startswith(message) for line in view.messages), view.messages


def test_unknown_patron(circ: Circulation) -> None:
    view = circ.patron("29999999999999", "1234")
    assert not view.found and view.status.charge_privileges_denied and view.messages == (INVALID_PATRON,)


def test_patron_lists(circ: Circulation) -> None:
    ana = circ.patron(ANA, "1234")
    assert set(ana.charged) == {item(19), item(20), item(21)}
    assert ana.overdue == (item(20),)
    assert ana.charged[0] == item(20)  # oldest due first
    nandu = circ.patron(NANDU, "1234")
    assert nandu.holds_available == (item(17), item(18)) and nandu.holds_unavailable == (item(11),)
    assert "You have 2 holds ready for pickup." in nandu.messages
    fines = circ.patron(FINES_P, "1234")
    assert fines.balance_cents == 1250 and fines.fee_limit_cents == 2000
    assert fines.fines == ("F0001 10.00 Overdue: Kristin Lavransdatter", "F0002 2.50 Replacement library card")
    assert ana.language == "008" and circ.patron(BJORN, "").language == "006"


# ------------------------------------------------------------------ checkout
def test_checkout_charges_with_loan_period(circ: Circulation) -> None:
    out = circ.checkout(ANA, item(1), pin="1234")
    assert out.ok and out.desensitize and not out.renewal and out.title == "Cien años de soledad"
    assert out.due is not None and out.due.date() == (NOW + timedelta(days=21)).date()
    assert (out.due.hour, out.due.minute) == (23, 59)
    assert item(1) in circ.patron(ANA, None).charged
    dvd = circ.checkout(ANA, item(8))
    assert dvd.ok and dvd.due is not None and dvd.due.date() == (NOW + timedelta(days=7)).date()
    assert dvd.media_type == "006" and dvd.magnetic is False  # optical: safe to desensitise


@pytest.mark.parametrize("patron, barcode, pin, message", [
    ("29999999999999", item(1), "", INVALID_PATRON),
    (ANA, item(1), "0000", INVALID_PIN),
    (ANA, "39999999999999", "1234", INVALID_ITEM),
    (ANA, item(13), "1234", NOT_FOR_LOAN),
    (ANA, item(15), "1234", CHECKED_OUT_TO_ANOTHER),
    (ANA, item(11), "1234", ON_HOLD_FOR_ANOTHER),
    (ANA, item(17), "1234", ON_HOLD_FOR_ANOTHER),        # waiting on the shelf for Ñandú
    (ANA, item(12), "1234", "Item is in transit to Riverside East Branch"),
    (ANA, item(28), "1234", "Item is marked lost"),
    (BLOCKED_P, item(1), "1234", BLOCKED),
    (EXPIRED_P, item(1), "1234", EXPIRED),
    (OVER_LIMIT, item(1), "1234", "You owe 35.00 USD"),
    (LOST_CARD, item(1), "1234", CARD_LOST),
    (ANA, item(29), "1234", FEE_REQUIRED),
])
def test_checkout_refusals(circ: Circulation, patron: str, barcode: str, pin: str, message: str) -> None:
    out = circ.checkout(patron, barcode, pin=pin)
    assert not out.ok and out.messages[0].startswith(message), out.messages
    assert out.desensitize is None  # security is left on


def test_patron_without_pin_and_empty_pin(circ: Circulation) -> None:
    assert circ.checkout(BJORN, item(2), pin="").ok
    assert circ.checkout(BJORN, item(3), pin="whatever").ok
    assert circ.checkout(ANA, item(4), pin="").ok  # the station vouches (no AD)


def test_checkout_fills_the_patrons_own_hold(circ: Circulation) -> None:
    assert circ.checkout(NANDU, item(17), pin="1234").ok
    assert item(17) not in circ.patron(NANDU, None).holds_available
    assert circ.item_information(item(17)).hold_queue_length == 0


def test_rental_fee_with_acknowledgement(circ: Circulation) -> None:
    refused = circ.checkout(ANA, item(29))
    assert not refused.ok and refused.fee_cents == 150 and refused.fee_type == "06"
    out = circ.checkout(ANA, item(29), fee_acknowledged=True)
    assert out.ok and out.fee_cents == 150
    assert circ.patron(ANA, None).balance_cents == 150


def test_checkout_of_own_loan_is_distinct_or_renews(circ: Circulation) -> None:
    first = circ.checkout(ANA, item(1))
    again = circ.checkout(ANA, item(1))
    assert not again.ok and again.messages == (ALREADY_CHECKED_OUT_TO_YOU,) and again.due == first.due
    renewed = circ.checkout(ANA, item(1), renewal_ok=True)
    assert renewed.ok and renewed.renewal and renewed.desensitize


def test_no_block_replay_moves_a_loan_and_uses_the_given_due_date(circ: Circulation) -> None:
    due = NOW + timedelta(days=3)
    out = circ.checkout(BLOCKED_P, item(15), no_block=True, nb_due=due)
    assert out.ok and out.due == due
    assert item(15) not in circ.patron(CHIDI, None).charged


# ------------------------------------------------------------------ renew
def test_renew_extends_and_counts(circ: Circulation, clock: Clock) -> None:
    circ.checkout(ANA, item(1))
    clock.now = NOW + timedelta(days=10)
    out = circ.renew(ANA, item(1))
    assert out.ok and out.renewal and out.due is not None
    assert out.due.date() == (NOW + timedelta(days=31)).date()
    assert out.messages == ("Renewed. 1 renewal left.",)
    assert circ.renew(ANA, item(1)).ok
    limit = circ.renew(ANA, item(1))
    assert not limit.ok and limit.messages == (RENEWAL_LIMIT,)


@pytest.mark.parametrize("patron, barcode, message", [
    (ANA, item(21), RENEWAL_LIMIT),       # seeded at the BOOK limit
    (ANA, item(15), NOT_YOUR_LOAN),
    (ANA, item(2), NOT_YOUR_LOAN),
    (ANA, "39999999999999", INVALID_ITEM),
])
def test_renew_refusals(circ: Circulation, patron: str, barcode: str, message: str) -> None:
    out = circ.renew(patron, barcode)
    assert not out.ok and out.messages[0] == message


def test_item_16_is_at_its_renewal_limit_when_on_loan(circ: Circulation) -> None:
    assert circ.checkout(BJORN, item(16)).ok
    out = circ.renew(BJORN, item(16))
    assert not out.ok and out.messages == (RENEWAL_LIMIT,)


def test_renewal_refused_when_another_patron_holds_it(circ: Circulation) -> None:
    assert circ.checkout(ANA, item(1)).ok
    assert circ.hold("+", BJORN, item_id=item(1)).ok
    out = circ.renew(ANA, item(1))
    assert not out.ok and "on hold for another patron" in out.messages[0]


def test_renew_all(circ: Circulation) -> None:
    out = circ.renew_all(ANA, pin="1234")
    assert out.ok and set(out.renewed) == {item(19), item(20)} and out.unrenewed == (item(21),)
    assert out.messages[0] == "2 renewed, 1 not renewed."
    blocked = circ.renew_all(BLOCKED_P)
    assert not blocked.ok
    assert not circ.renew_all(ANA, pin="0000").ok


# ------------------------------------------------------------------ checkin
def test_checkin_clears_the_loan(circ: Circulation) -> None:
    circ.checkout(ANA, item(1))
    out = circ.checkin(item(1), branch="MAIN")
    assert out.ok and not out.alert and out.patron_id == ANA and out.sort_bin == "1"
    assert out.permanent_location == "MAIN" and out.resensitize
    assert item(1) not in circ.patron(ANA, None).charged


def test_checkin_not_on_loan_is_ok_without_alert(circ: Circulation) -> None:
    out = circ.checkin(item(2), branch="MAIN")
    assert out.ok and not out.alert and out.messages == (NOT_CHECKED_OUT,) and out.patron_id == ""
    assert circ.checkin(item(2), branch="MAIN") == out  # replay gives the same answer


def test_checkin_of_item_on_hold_alerts_with_holds_bin(circ: Circulation) -> None:
    out = circ.checkin(item(11), branch="MAIN")
    assert out.ok and out.alert and out.alert_type == "01" and out.sort_bin == "HOLDS"
    assert out.hold_patron_id == NANDU and out.hold_patron_name == "Ñandú Peña"
    assert item(11) in circ.patron(NANDU, None).holds_available  # trapped: now waiting
    assert circ.item_information(item(11)).circulation_status == "08"


def test_checkin_of_hold_for_another_branch_goes_in_transit(circ: Circulation) -> None:
    assert circ.hold("+", CHIDI, item_id=item(2), pickup="EAST").ok
    out = circ.checkin(item(2), branch="MAIN")
    assert out.alert and out.alert_type == "02" and out.destination == "EAST" and out.sort_bin == "TRANSIT"


@pytest.mark.parametrize("barcode, branch, alert_type, destination", [
    (item(12), "MAIN", "04", "EAST"),     # already in transit to EAST
    (item(22), "MAIN", "04", "EAST"),     # belongs to EAST
    (item(12), "EAST", "", ""),           # arrives home
    (item(2), "EAST", "04", "MAIN"),
])
def test_checkin_transit(circ: Circulation, barcode: str, branch: str, alert_type: str, destination: str) -> None:
    out = circ.checkin(barcode, branch=branch)
    assert out.ok and out.alert == bool(alert_type) and out.alert_type == alert_type
    assert out.destination == destination
    status = circ.item_information(barcode).circulation_status
    assert status == ("10" if alert_type else "03")


def test_checkin_of_unknown_item(circ: Circulation) -> None:
    out = circ.checkin("39999999999999")
    assert not out.ok and out.alert and out.messages == (INVALID_ITEM,)


def test_overdue_checkin_charges_a_fine_from_the_return_date(circ: Circulation) -> None:
    # Item 20 was due three days ago: 3 x 0.25.
    out = circ.checkin(item(20), branch="MAIN")
    assert out.fine_cents == 75 and circ.patron(ANA, None).balance_cents == 75


def test_offline_return_date_avoids_the_fine(circ: Circulation) -> None:
    out = circ.checkin(item(20), branch="MAIN", return_date=NOW - timedelta(days=5))
    assert out.fine_cents == 0 and circ.patron(ANA, None).balance_cents == 0


def test_lost_item_found(circ: Circulation) -> None:
    out = circ.checkin(item(28), branch="MAIN")
    assert out.ok and "now found" in out.messages[-1]
    assert circ.item_information(item(28)).circulation_status == "03"


# ------------------------------------------------------------------ items
@pytest.mark.parametrize("barcode, status", [
    (item(1), "03"), (item(15), "04"), (item(12), "10"), (item(17), "08"), (item(28), "12"), (item(13), "03"),
])
def test_item_information_status(circ: Circulation, barcode: str, status: str) -> None:
    view = circ.item_information(barcode)
    assert view.found and view.circulation_status == status and view.title


def test_item_information_details(circ: Circulation) -> None:
    view = circ.item_information(item(14))
    assert view.media_type == "009" and view.properties.startswith("2 parts")
    loaned = circ.item_information(item(15))
    assert loaned.due is not None and loaned.permanent_location == "MAIN"
    assert circ.item_information(item(11)).hold_queue_length == 1
    assert not circ.item_information("nope").found


def test_item_status_update(circ: Circulation) -> None:
    assert circ.update_item_properties(item(1), "spine damaged").ok
    assert circ.item_information(item(1)).properties == "spine damaged"
    assert not circ.update_item_properties("nope", "x").ok


# ------------------------------------------------------------------ fees
def test_fee_paid_reduces_the_balance_exactly(circ: Circulation) -> None:
    out = circ.fee_paid(FINES_P, "2.50", currency="USD")
    assert out.accepted and out.balance_cents == 1000
    assert circ.patron(FINES_P, None).fines[0] == "F0001 7.50 Overdue: Kristin Lavransdatter"
    # Oldest first: 2.50 went to F0001 (10.00 -> 7.50), F0002 untouched.
    assert circ.store.fine("F0001").balance_cents == 750  # type: ignore[union-attr]
    assert circ.fee_paid(FINES_P, "0.10", fee_id="F0002").accepted
    assert circ.store.fine("F0002").balance_cents == 240  # type: ignore[union-attr]
    # Float-unfriendly amounts add up exactly.
    for _ in range(3):
        assert circ.fee_paid(FINES_P, "0.10", fee_id="F0002").accepted
    assert circ.store.fine("F0002").balance_cents == 210  # type: ignore[union-attr]


@pytest.mark.parametrize("kwargs, message", [
    (dict(amount="50.00"), "Amount 50.00 exceeds the balance of 12.50"),
    (dict(amount="1.00", currency="EUR"), "Currency EUR is not accepted"),
    (dict(amount="abc"), "Invalid amount"),
    (dict(amount="0"), "Invalid amount"),
    (dict(amount="1.005"), "Invalid amount"),
    (dict(amount="1.00", fee_id="F0003"), "No outstanding fee F0003"),
    (dict(amount="1.00", pin="0000"), INVALID_PIN),
])
def test_fee_paid_refusals(circ: Circulation, kwargs: dict, message: str) -> None:
    amount = kwargs.pop("amount")
    out = circ.fee_paid(FINES_P, amount, **kwargs)
    assert not out.accepted and out.messages[0].startswith(message), out.messages
    assert circ.patron(FINES_P, None).balance_cents == 1250


def test_fee_paid_is_idempotent_by_transaction_id(circ: Circulation) -> None:
    assert circ.fee_paid(FINES_P, "2.50", transaction_id="T1").accepted
    again = circ.fee_paid(FINES_P, "2.50", transaction_id="T1")
    assert again.accepted and again.messages == ("Payment already recorded.",)
    assert circ.patron(FINES_P, None).balance_cents == 1000
    assert not circ.fee_paid(FINES_P, "1.00", transaction_id="T1").accepted


def test_paying_unblocks_borrowing(circ: Circulation) -> None:
    assert not circ.checkout(OVER_LIMIT, item(1)).ok
    assert circ.fee_paid(OVER_LIMIT, "15.00").accepted
    assert circ.checkout(OVER_LIMIT, item(1)).ok


# ------------------------------------------------------------------ holds
def test_hold_place_change_cancel(circ: Circulation) -> None:
    placed = circ.hold("+", ANA, item_id=item(15), pickup="MAIN")
    assert placed.ok and not placed.available and placed.queue_position == 1 and placed.pickup == "MAIN"
    assert item(15) in circ.patron(ANA, None).holds_unavailable
    second = circ.hold("+", BJORN, item_id=item(15))
    assert second.queue_position == 2
    changed = circ.hold("*", ANA, item_id=item(15), pickup="EAST")
    assert changed.ok and changed.pickup == "EAST"
    assert not circ.hold("+", ANA, item_id=item(15)).ok  # already held
    assert circ.hold("-", ANA, item_id=item(15)).ok
    assert not circ.hold("-", ANA, item_id=item(15)).ok
    assert circ.hold("+", ANA, title="Dune").item_id == item(16)


@pytest.mark.parametrize("patron, barcode, message", [
    (BLOCKED_P, item(1), BLOCKED),
    (ANA, item(13), "This item cannot be placed on hold."),
    (ANA, item(19), "You already have this item checked out."),
    (ANA, "nope", INVALID_ITEM),
])
def test_hold_refusals(circ: Circulation, patron: str, barcode: str, message: str) -> None:
    out = circ.hold("+", patron, item_id=barcode)
    assert not out.ok and out.messages[0] == message


# ------------------------------------------------------------------ blocks, login
def test_block_and_enable(circ: Circulation) -> None:
    blocked = circ.block_patron(ANA, True, "Card retained: see staff")
    assert blocked.status.charge_privileges_denied and blocked.messages[0] == "Card retained: see staff"
    assert not circ.checkout(ANA, item(1)).ok
    enabled = circ.enable_patron(ANA, "1234")
    assert not enabled.status.charge_privileges_denied
    # A block from the data file is not lifted by patron enable.
    assert circ.enable_patron(BLOCKED_P, "1234").status.charge_privileges_denied


def test_login_and_branches(circ: Circulation) -> None:
    assert circ.login("kiosk", "kiosk-pass", "KIOSK1").branch == "MAIN"
    assert circ.login("kiosk", "kiosk-pass", "EAST-KIOSK").branch == "EAST"
    assert circ.login("kiosk", "kiosk-pass", "").branch == "MAIN"
    assert not circ.login("kiosk", "wrong", "").ok


def test_concurrent_checkouts_of_one_item_charge_it_once(circ: Circulation) -> None:
    patrons = [ANA, BJORN, CHIDI, FINES_P, NANDU] * 4
    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(lambda p: circ.checkout(p, item(7)), patrons))
    assert sum(r.ok for r in results) == 1


def test_holds_expire(circ: Circulation, clock: Clock) -> None:
    # Ñandú's waiting holds expire after 5 and 6 days; the pending one after 7.
    clock.now = NOW + timedelta(days=6)
    assert circ.patron(NANDU, None).holds_available == (item(18),)
    clock.now = NOW + timedelta(days=8)
    view = circ.patron(NANDU, None)
    assert view.holds_available == () and view.holds_unavailable == ()
    assert circ.item_information(item(17)).circulation_status == "03"
    assert circ.checkout(ANA, item(11)).ok  # no one is waiting for it any more


def test_cancelled_checkout_is_not_fined(circ: Circulation, clock: Clock) -> None:
    circ.checkout(ANA, item(1))
    clock.now = NOW + timedelta(days=40)  # even far past the due date
    out = circ.checkin(item(1), branch="MAIN", cancel=True)
    assert out.ok and out.fine_cents == 0

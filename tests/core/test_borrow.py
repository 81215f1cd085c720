"""Borrowing a stack through the whole station: ILS simulator on loopback,
real SIP2 client, simulated pad. Security must never be out of step with the
loan."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.events import ItemResult, ItemStatus, Notice, SessionState
from kiosk.store.journal import Kind, Outcome
from kiosk.sip2.codes import CirculationStatus
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED, Usage

from station_kit import (ANA, BJORN, BLOCKED, IN_TRANSIT, ITEMS, MULTIPART, NOT_FOR_LOAN, ON_HOLD, OTHERS_LOAN, Kit,
                         eventually, start_kit)


@pytest.fixture()
def kit(tmp_path: Path) -> Iterator[Kit]:
    k = start_kit(tmp_path)
    yield k
    k.stop()


def charged_to(kit: Kit, item: str) -> bool:
    info = kit.station.client.item_information(item)
    return info.circulation_status in (CirculationStatus.CHARGED, CirculationStatus.CHARGED_NOT_TO_BE_RECALLED)


def checkouts(kit: Kit) -> dict[str, list[Outcome]]:
    out: dict[str, list[Outcome]] = {}
    for entry in kit.station.journal.iter_all():
        if entry.kind is Kind.CHECKOUT:
            out.setdefault(entry.item_id, []).append(entry.status)
    return out


def test_ten_item_stack_borrowed_and_unsecured_results_only_after_the_journal(kit: Kit) -> None:
    journaled_at_event: dict[str, Outcome] = {}

    def check(event: object) -> None:
        if isinstance(event, ItemResult) and event.entry_id is not None and event.status is ItemStatus.BORROWED:
            journaled_at_event[event.item_id] = kit.station.journal.get(event.entry_id).status

    kit.station.subscribe(check)
    kit.login()
    uids = kit.place(*ITEMS)
    kit.station.start_borrow()
    results = kit.results(10)
    assert {r.status for r in results.values()} == {ItemStatus.BORROWED}
    assert all(r.secured is False and r.due_date and r.title for r in results.values())
    assert all(kit.afi(uid) == AFI_ON_LOAN for uid in uids)
    eventually(lambda: len(journaled_at_event) == 10)
    assert journaled_at_event == {item: Outcome.DONE for item in ITEMS}
    assert all(charged_to(kit, item) for item in ITEMS)
    view = kit.station.session_view()
    assert view.state is SessionState.BORROWING and len(view.items) == 10
    for item in ITEMS:  # every line shows as pending first, then its result
        statuses = [e.status for e in kit.seen if isinstance(e, ItemResult) and e.item_id == item]
        assert statuses == [ItemStatus.PENDING, ItemStatus.BORROWED]


def test_items_added_later_are_borrowed_when_the_stack_settles_again(kit: Kit) -> None:
    kit.login()
    kit.place(ITEMS[0])
    kit.station.start_borrow()
    assert kit.results(1)[ITEMS[0]].status is ItemStatus.BORROWED
    kit.place(ITEMS[1], ITEMS[2])
    got = kit.results(2)
    assert set(got) == {ITEMS[1], ITEMS[2]}
    assert len(checkouts(kit)[ITEMS[0]]) == 1  # the first item was not sent twice


@pytest.mark.parametrize("item, words, quoted", [
    (ON_HOLD, "reserved", False),                              # the ILS's "on hold" line is not said twice
    (OTHERS_LOAN, "on loan to someone else", False),
    (NOT_FOR_LOAN, "Please take this item to the desk", True),  # general words: the ILS's reason is the news
])
def test_refusals_in_plain_words_and_the_tag_stays_secured(kit: Kit, item: str, words: str, quoted: bool) -> None:
    kit.login()
    (uid,) = kit.place(item)
    kit.station.start_borrow()
    result = kit.results(1)[item]
    assert result.status is ItemStatus.REFUSED
    assert words in result.message
    if quoted:
        assert result.ils_message and all(line.startswith("Message from the library: \u201c")
                                          for line in result.ils_message), result.ils_message
    else:
        assert result.ils_message == (), result.ils_message
    assert kit.afi(uid) == AFI_SECURED
    assert checkouts(kit)[item] == [Outcome.REFUSED]


def test_item_in_transit_is_refused_with_a_transit_instruction(kit: Kit) -> None:
    kit.login()
    kit.place(IN_TRANSIT)
    kit.station.start_borrow()
    result = kit.results(1)[IN_TRANSIT]
    assert result.status is ItemStatus.REFUSED and "on its way to another branch" in result.message
    assert result.ils_message == ()     # "Item is in transit to ..." says it again: not repeated


def test_own_item_is_renewed_when_configured(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[0])
    kit.login()
    (uid,) = kit.place(ITEMS[0])
    kit.station.start_borrow()
    result = kit.results(1)[ITEMS[0]]
    assert result.status is ItemStatus.RENEWED
    assert "renewed" in result.message
    assert kit.afi(uid) == AFI_ON_LOAN


def test_own_item_is_already_yours_when_renewal_is_off(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, "[circulation]\nrenew_own_items = false\n")
    try:
        kit.station.client.checkout(ANA, ITEMS[0])
        kit.login()
        (uid,) = kit.place(ITEMS[0])
        kit.station.start_borrow()
        result = kit.results(1)[ITEMS[0]]
        assert result.status is ItemStatus.ALREADY_YOURS
        assert "already on loan to you" in result.message
        assert kit.afi(uid) == AFI_ON_LOAN  # the loan stands, so the tag reads "on loan"
    finally:
        kit.stop()


def test_blocked_patron_cannot_borrow_but_may_return(kit: Kit) -> None:
    kit.station.identify(BLOCKED)
    kit.wait_state(SessionState.PIN_ENTRY)
    kit.station.enter_pin("1234")
    ready = kit.wait_state(SessionState.READY)
    assert ready.patron is not None and not ready.patron.can_borrow
    assert ready.patron.blocked_reason  # the kiosk's words (the ILS's reason is a quoted message)
    kit.station.start_borrow()
    notice = kit.wait_type(Notice)
    assert notice.message == ready.patron.blocked_reason
    assert kit.station.session_view().state is SessionState.READY
    kit.station.start_return()
    kit.wait_state(SessionState.RETURNING)


def test_unreadable_foreign_and_reference_tags(kit: Kit) -> None:
    kit.login()
    kit.pad.place(bytes.fromhex("E004010099999999"), b"\xff" * 32)
    kit.place("31000000000009", owner_isil="DK-710100")
    kit.place("31000000000008", usage=Usage.NOT_FOR_CIRCULATION)
    kit.station.start_borrow()
    got = kit.results(3)
    assert got["E004010099999999"].status is ItemStatus.UNREADABLE
    assert "another library" in got["31000000000009"].message
    assert got["31000000000008"].status is ItemStatus.REFUSED
    assert checkouts(kit) == {}  # none of them reached the ILS


def test_barcode_only_item_borrows_by_scan_and_sends_the_patron_to_unlock_it(kit: Kit) -> None:
    kit.login()
    kit.station.start_borrow()
    kit.wait_state(SessionState.BORROWING)
    kit.scanner.scan(ITEMS[4])
    result = kit.results(1)[ITEMS[4]]
    assert result.status is ItemStatus.BORROWED
    assert "ask at the desk to unlock" in result.message  # the ILS said desensitize
    assert result.secured is None
    assert checkouts(kit)[ITEMS[4]] == [Outcome.DONE]


def test_no_pin_patron_borrows_with_pin_policy_none(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, "[circulation]\npin_policy = \"none\"\n")
    try:
        kit.login(BJORN, pin=None)
        kit.place(ITEMS[0])
        kit.station.start_borrow()
        assert kit.results(1)[ITEMS[0]].status is ItemStatus.BORROWED
    finally:
        kit.stop()


# -- multi-part sets ----------------------------------------------------------------------

def test_incomplete_set_is_refused_until_every_part_is_on_the_pad(kit: Kit) -> None:
    from kiosk.drivers.rfid.sim import make_item_tag
    from kiosk.tags import dsfid_for
    kit.login()
    uid1, data1 = make_item_tag(MULTIPART, parts=2, part=1)
    kit.pad.place(uid1, data1, dsfid=dsfid_for("danish"))
    kit.station.start_borrow()
    first = kit.results(1)[MULTIPART]
    assert first.status is ItemStatus.INCOMPLETE and "2 parts" in first.message
    assert MULTIPART not in checkouts(kit)
    uid2, data2 = make_item_tag(MULTIPART, parts=2, part=2)
    kit.pad.place(uid2, data2, dsfid=dsfid_for("danish"))
    done = kit.results(1)[MULTIPART]
    assert done.status is ItemStatus.BORROWED and len(done.uids) == 2
    assert kit.afi(uid1) == kit.afi(uid2) == AFI_ON_LOAN


@pytest.mark.parametrize("policy, status", [("warn", ItemStatus.BORROWED), ("desk", ItemStatus.REFUSED)])
def test_incomplete_set_policies(tmp_path: Path, policy: str, status: ItemStatus) -> None:
    from kiosk.drivers.rfid.sim import make_item_tag
    from kiosk.tags import dsfid_for
    kit = start_kit(tmp_path, f"[circulation]\nmultipart = \"{policy}\"\n")
    try:
        kit.login()
        uid, data = make_item_tag(MULTIPART, parts=2, part=1)
        kit.pad.place(uid, data, dsfid=dsfid_for("danish"))
        kit.station.start_borrow()
        result = kit.results(1)[MULTIPART]
        assert result.status is status
        if policy == "warn":
            assert "1 of 2 parts" in result.warning and kit.afi(uid) == AFI_ON_LOAN
        else:
            assert "desk" in result.message and kit.afi(uid) == AFI_SECURED
    finally:
        kit.stop()


def test_rental_charge_is_confirmed_by_the_patron_before_borrowing(kit: Kit) -> None:
    rental = "31000000000029"
    kit.login()
    (uid,) = kit.place(rental)
    kit.station.start_borrow()
    asked = kit.results(1)[rental]
    assert asked.status is ItemStatus.CONFIRM_FEE and asked.fee == "$1.50" and "$1.50" in asked.message
    assert kit.afi(uid) == AFI_SECURED and checkouts(kit)[rental] == [Outcome.REFUSED]
    kit.station.accept_fee(rental)
    done = kit.results(1)[rental]
    assert done.status is ItemStatus.BORROWED and kit.afi(uid) == AFI_ON_LOAN
    assert checkouts(kit)[rental] == [Outcome.REFUSED, Outcome.DONE]


def test_accepting_a_fee_nobody_was_asked_for_does_nothing(kit: Kit) -> None:
    kit.login()
    kit.station.start_borrow()
    kit.wait_state(SessionState.BORROWING)
    kit.station.accept_fee(ITEMS[0])
    kit.station.set_language("es")  # actions run in order: once this one shows, accept_fee has run
    kit.wait(lambda e: getattr(getattr(e, "view", None), "language", "") == "es")
    assert checkouts(kit) == {}


@pytest.mark.parametrize("mode", ["eas", "both"])
def test_eas_security_is_reset_on_loan_and_set_on_return(tmp_path: Path, mode: str) -> None:
    kit = start_kit(tmp_path, f'[devices.rfid]\nsecurity = "{mode}"\n')
    try:
        kit.login()
        (uid,) = kit.place(ITEMS[0])
        kit.pad.field.set_eas(uid, True)  # secured in the library
        kit.station.start_borrow()
        assert kit.results(1)[ITEMS[0]].status is ItemStatus.BORROWED
        tag = next(t for t in kit.pad.tags() if t.uid == uid)
        assert tag.eas is False
        assert tag.afi == (AFI_ON_LOAN if mode == "both" else AFI_SECURED)
        kit.station.end_session()  # (items borrowed in a session are not returned from the pad in it)
        kit.wait_state(SessionState.IDLE)
        kit.station.start_return()
        assert kit.results(1, action="return")[ITEMS[0]].status is ItemStatus.RETURNED
        tag = next(t for t in kit.pad.tags() if t.uid == uid)
        assert tag.eas is True and tag.afi == AFI_SECURED
    finally:
        kit.stop()

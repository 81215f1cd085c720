"""Words on the screen (issue 12), decided by the core and checked on the
station against the ILS simulator: the patron's name once, the ILS's messages
said once (quoted when the kiosk does not say the same), a hold return the
patron can follow and staff can see, renewals that name the book, a receipt
question with its own subtitle and email, plain staff words."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.events import Instruction, ItemStatus, ReceiptResult, RenewResult, SessionState
from kiosk.drivers.printer.render import escpos_to_text
from kiosk.i18n import translator
from kiosk.station.library_words import Topic, item_says, library_lines, topics, unsaid

from station_kit import ANA, BLOCKED, EXPIRED, FINED, ITEMS, NANDU, ON_HOLD, Kit, eventually, start_kit

QUOTED = "Message from the library: \u201c"


@pytest.fixture
def kit(tmp_path: Path) -> Iterator[Kit]:
    kit = start_kit(tmp_path)
    yield kit
    kit.stop()


def ils_says(kit: Kit, patron: str, message: str) -> None:
    """The ILS's own free-text message for a patron (the simulator's patron record)."""
    kit.ils.store._exec("UPDATE patrons SET message=? WHERE id=?", message, patron)


# -- the home screen: the name once, the library's messages once ----------------------------------------
def test_the_patrons_name_appears_once(kit: Kit) -> None:
    ils_says(kit, ANA, "Welcome, Ana García.")              # an ILS that greets by name, as Koha's can
    kit.login()
    view = kit.station.session_view()
    assert view.patron is not None and view.patron.display_name == "Ana García"   # home says "Hello, Ana García"
    shown = [view.message, view.patron.blocked_reason, *view.patron.ils_message]
    assert not any("Ana García" in line for line in shown), shown


def test_what_the_kiosk_says_itself_is_not_repeated_and_the_rest_is_quoted(kit: Kit) -> None:
    kit.login()                                            # Ana: 1 overdue item (home does not say that)
    patron = kit.station.session_view().patron
    assert patron is not None
    assert patron.ils_message == (QUOTED + "You have 1 overdue item.\u201d",)
    kit.station.end_session()
    kit.wait_state(SessionState.IDLE)
    kit.login(NANDU)                                       # holds ready: home says so in the patron's language
    patron = kit.station.session_view().patron
    assert patron is not None and patron.holds_ready
    assert not any("hold" in line.lower() for line in patron.ils_message), patron.ils_message
    kit.station.end_session()
    kit.wait_state(SessionState.IDLE)
    kit.login(FINED)                                       # fines: home shows the total
    patron = kit.station.session_view().patron
    assert patron is not None and patron.fines_total == "12.50"
    assert not any("fines" in line.lower() for line in patron.ils_message), patron.ils_message


def test_a_block_is_said_once_in_the_kiosks_words(kit: Kit) -> None:
    kit.login(BLOCKED)
    view = kit.station.session_view()
    assert view.patron is not None and not view.patron.can_borrow
    assert "still return" in view.patron.blocked_reason
    assert not any("blocked" in line for line in (view.message, *view.patron.ils_message)), view


def test_a_reason_the_kiosk_cannot_give_is_quoted_from_the_library(kit: Kit) -> None:
    kit.login(EXPIRED)
    patron = kit.station.session_view().patron
    assert patron is not None
    assert any(line.startswith(QUOTED) and "expired" in line for line in patron.ils_message), patron.ils_message


def test_the_quote_is_framed_in_the_patrons_language() -> None:
    tr = translator("es")
    from kiosk.station.library_words import library_lines
    (line,) = library_lines(["Your library card has expired."], set(), tr)
    assert line.startswith("Mensaje de la biblioteca") and "Your library card has expired." in line


@pytest.mark.parametrize("line, name, expected", [
    ("Welcome, Ana García.", "Ana García", {Topic.GREETING}),
    ("Greetings from Koha.", "", {Topic.GREETING}),
    ("Tiene 2 reservas listas para recoger.", "", {Topic.HOLDS}),
    ("You have 2 holds ready for pickup.", "", {Topic.HOLDS}),
    ("You have outstanding fines of 12.50 USD.", "", {Topic.FINES}),
    ("Your account is blocked. Please see a staff member.", "", {Topic.BLOCK}),
    ("Invalid PIN", "", {Topic.PIN}),
    ("Your library card has expired.", "", set()),
    ("The library closes at 6 pm today.", "", set()),
])
def test_topics_of_ils_lines(line: str, name: str, expected: set[Topic]) -> None:
    assert topics(line, name) == expected


def test_a_line_is_dropped_only_when_everything_it_is_about_is_said() -> None:
    said = {Topic.HOLDS}
    assert unsaid(["You have 2 holds ready.", "Fines and holds: see the desk.", "Closed Monday."], said) == (
        "Fines and holds: see the desk.", "Closed Monday.")


def test_an_items_ils_line_is_not_repeated_under_the_kiosks_own_and_is_quoted_otherwise() -> None:
    es = translator("es")
    held = es("Not borrowed: another patron has reserved this item. Please leave it at the desk.")
    says = item_says(ItemStatus.REFUSED, held, es)
    assert library_lines(["Item is on hold for another patron", "Ejemplar reservado"], says, es, item=True) == ()
    general = item_says(ItemStatus.REFUSED, es("Not borrowed. Please take this item to the desk if you need help."),
                        es)
    assert general == frozenset()
    assert library_lines(["Item is damaged"], general, es, item=True) == \
        (es("Message from the library: \u201c{message}\u201d").format(message="Item is damaged"),)
    borrowed = item_says(ItemStatus.BORROWED, "Borrowed. Due Dec 24, 2026.", es)
    assert library_lines(["Checked out. Due 12/24/2026", "You have 2 holds ready"], borrowed, es, item=True) == \
        (es("Message from the library: \u201c{message}\u201d").format(message="You have 2 holds ready"),)
    # A patron screen's line keeps the old topics: "renew online" is news there.
    assert topics("You can renew online") == set() and Topic.OUTCOME in topics("You can renew online", item=True)


# -- returning an item on hold for someone else ---------------------------------------------------------
@pytest.mark.parametrize("place, words", [("pad", "leave it on the pad"), ("slot", "put it in the return slot"),
                                          ("desk", "leave it at the desk")])
def test_a_hold_return_tells_the_patron_where_to_leave_it_and_tells_staff(tmp_path: Path, place: str,
                                                                          words: str) -> None:
    kit = start_kit(tmp_path, f'[circulation]\nreturn_place = "{place}"\n')
    try:
        kit.login()
        kit.place(ON_HOLD)
        kit.station.start_return()
        result = kit.results(1, action="return")[ON_HOLD]
        assert result.status is ItemStatus.RETURNED and result.instruction is Instruction.HOLD_SHELF
        assert words in result.message and "hold shelf" not in result.message
        # Staff: the journal entry says the item waits to be set aside (without the other patron's name) ...
        (entry,) = [e for e in kit.station.recent_transactions(5) if e.item_id == ON_HOLD]
        assert "on hold for another patron" in entry.detail and "set it aside" in entry.detail
        assert "Ñandú" not in entry.detail
        # ... and so does the receipt, which staff can reprint.
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        kit.wait_type(ReceiptResult)
        receipt = " ".join(escpos_to_text(kit.printer.output).split())     # as printed, unwrapped
        assert "The Night Circus 31000000000011 Returned On hold for another patron: staff will set it aside." \
            in receipt, receipt
    finally:
        kit.stop()


# -- renewing --------------------------------------------------------------------------------------------
def test_a_renewal_names_the_book(kit: Kit) -> None:
    kit.login()
    kit.station.open_account()
    kit.wait_state(SessionState.ACCOUNT)
    eventually(lambda: kit.station.account() is not None and bool(kit.station.account().loans), timeout=10)
    account = kit.station.account()
    assert account is not None
    loan = next(loan for loan in account.loans if loan.title and loan.item_id == "31000000000019")
    kit.station.renew(loan.item_id)
    event = kit.wait_type(RenewResult, timeout=10)
    (result,) = event.results
    assert result.ok, result
    assert event.message == f"Renewed: {loan.title}. Due {result.due_display}.", event.message
    assert all(line.startswith(QUOTED) for line in event.ils_message), event.ils_message


# -- the receipt question -----------------------------------------------------------------------------------
EMAIL = ('[receipt]\nemail = true\nsmtp_host = "127.0.0.1"\nsmtp_security = "none"\n'
         'from_address = "kiosk@riverside.example.org"\n')


def test_the_receipt_question_has_its_own_subtitle_and_offers_email(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, EMAIL)
    try:
        kit.login()
        kit.station.start_borrow()
        kit.place(ITEMS[0], ITEMS[1])
        kit.results(2)
        kit.station.finish()
        view = kit.wait_state(SessionState.RECEIPT).view
        assert view is not None and "email" in view.receipt_options
        assert view.message != "Would you like a receipt?"          # the screen's heading
        assert "2 items" in view.message and "a***@example.org" in view.message, view.message
        assert "ana.garcia@example.org" not in view.message           # masked: others may be looking
    finally:
        kit.stop()


# -- staff words ----------------------------------------------------------------------------------------------
def test_device_details_are_plain_staff_words(kit: Kit) -> None:
    details = {d.name: d.detail for d in kit.station.device_status()}
    for family, detail in details.items():
        for developer in ("(s)", "()", "come from"):
            assert developer not in detail, (family, detail)
    assert details["rfid"] == "simulated pad: no tags on the pad"
    kit.place(ITEMS[0])
    eventually(lambda: "1 tag on the pad" in kit.station.device_test("rfid").detail)

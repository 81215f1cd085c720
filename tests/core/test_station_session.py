"""A patron's visit through the Station facade: identification by every
source and PIN policy, wrong PINs, blocked patrons, inactivity, receipts,
languages; and every trace of the patron gone at the end."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.printer.render import escpos_to_text
from kiosk.drivers.rfid.sim import make_item_tag
from kiosk.events import (EndReason, InactivityWarning, ItemStatus, ReceiptResult, SessionChanged, SessionEnded,
                          SessionState)
from kiosk.circulation.session import Timeouts
from kiosk.tags import Usage

from station_kit import (ANA, ANA_PIN, BJORN, EXPIRED, FINED, ITEMS, Kit, eventually, start_kit)

QUICK = Timeouts(pin=0.4, home=0.4, borrow=0.4, ret=0.4, account=0.4, receipt=0.4, warning=0.5, goodbye=0.1)


@pytest.fixture()
def kit(tmp_path: Path) -> Iterator[Kit]:
    k = start_kit(tmp_path)
    yield k
    k.stop()


def ended(kit: Kit) -> SessionEnded:
    event = kit.wait_type(SessionEnded)
    idle = kit.wait_state(SessionState.IDLE)
    assert idle.patron is None and idle.view is not None and idle.view.items == ()
    return event


# -- identification -------------------------------------------------------------------------

def test_barcode_then_pin_then_ready_with_the_patrons_name(kit: Kit) -> None:
    kit.station.identify(ANA, "scanner")
    pin = kit.wait_state(SessionState.PIN_ENTRY)
    assert pin.view is not None and pin.view.pin_tries_left == 3
    kit.station.enter_pin(ANA_PIN)
    ready = kit.wait_state(SessionState.READY)
    assert ready.patron is not None and ready.patron.display_name == "Ana García"
    assert ready.patron.masked_id.endswith("0001") and ANA not in repr(ready)
    # Home greets the patron by name; the core adds no second "Welcome, Ana García." (issue 12).
    assert "Ana García" not in ready.message and not any("Ana García" in m for m in ready.patron.ils_message)


def test_wrong_pins_show_the_ils_answer_then_stop_politely(kit: Kit) -> None:
    kit.station.identify(ANA)
    kit.wait_state(SessionState.PIN_ENTRY)
    for left in (2, 1):
        kit.station.enter_pin("0000")
        again = kit.wait(lambda e: isinstance(e, SessionChanged) and e.state is SessionState.PIN_ENTRY
                         and "not right" in e.message)
        assert f"{left} tries left" in again.message
        # The kiosk says the PIN was wrong in the patron's language; the ILS's "Invalid PIN" is not repeated.
        assert again.patron is not None and not any("Invalid PIN" in m for m in again.patron.ils_message)
    kit.station.enter_pin("9999")
    event = ended(kit)
    assert event.reason is EndReason.PIN_ATTEMPTS and "desk" in event.message


def test_unknown_card_is_turned_away(kit: Kit) -> None:
    kit.station.identify("29999999999999")
    event = ended(kit)
    assert event.reason is EndReason.UNKNOWN_CARD and "do not recognise" in event.message


def test_optional_pin_asks_only_accounts_that_have_one(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, '[circulation]\npin_policy = "optional"\n')
    try:
        kit.station.identify(BJORN)
        kit.wait_state(SessionState.READY)
        kit.station.end_session()
        ended(kit)
        kit.station.identify(ANA)
        kit.wait_state(SessionState.PIN_ENTRY)
    finally:
        kit.stop()


def test_nfc_card_and_rfid_patron_card_identify(kit: Kit) -> None:
    kit.nfc.present(ANA)
    changed = kit.wait_state(SessionState.PIN_ENTRY)
    assert changed.patron is not None
    kit.station.end_session()
    ended(kit)
    uid, data = make_item_tag(ANA, usage=Usage.PATRON_CARD)
    kit.pad.place(uid, data)
    kit.wait_state(SessionState.PIN_ENTRY)


def test_scanned_patron_barcode_identifies_and_a_second_card_is_ignored(kit: Kit) -> None:
    kit.scanner.scan(ANA)
    kit.wait_state(SessionState.PIN_ENTRY)
    kit.station.identify(BJORN)
    kit.station.set_language("es")  # runs after the second card: once it shows, that card was handled
    changed = kit.wait(lambda e: isinstance(e, SessionChanged) and e.view is not None and e.view.language == "es")
    assert changed.state is SessionState.PIN_ENTRY
    assert changed.patron is not None and changed.patron.masked_id.endswith("0001")


@pytest.mark.parametrize("patron, words", [(EXPIRED, "expired")])
def test_expired_card_gets_the_ils_message_and_what_is_still_possible(kit: Kit, patron: str, words: str) -> None:
    kit.login(patron)
    view = kit.station.session_view()
    assert view.patron is not None and not view.patron.can_borrow
    assert "still return" in view.patron.blocked_reason          # the kiosk's own words
    assert any(words in m and m.startswith("Message from the library: ") for m in view.patron.ils_message)


def test_fines_are_shown(kit: Kit) -> None:
    kit.login(FINED)
    patron = kit.station.session_view().patron
    assert patron is not None and patron.fines_total == "12.50"


def test_offline_identification_needs_no_pin(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.ils.set_down(True)
        kit.station.client.close()
        kit.station.identify(ANA)
        ready = kit.wait_state(SessionState.READY)
        assert ready.patron is not None and ready.patron.offline and ready.patron.can_borrow
        assert kit.station.offline and kit.station.offline_status().offline
    finally:
        kit.stop()


# -- inactivity -----------------------------------------------------------------------------------

def test_inactivity_warns_with_a_countdown_then_ends_and_clears(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, timeouts=QUICK)
    try:
        kit.login()
        kit.place(ITEMS[0])
        kit.station.start_borrow()
        kit.results(1)
        warning = kit.wait_type(InactivityWarning, timeout=3)
        assert warning.seconds_left >= 1
        event = ended(kit)
        assert event.reason is EndReason.TIMEOUT
        view = kit.station.session_view()
        assert view.state is SessionState.IDLE and view.patron is None and view.items == ()
        assert kit.ils.requests["35"] >= 1  # end patron session sent
    finally:
        kit.stop()


def test_touch_keeps_the_session_alive(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, timeouts=Timeouts(home=0.6, warning=0.6, pin=5))
    try:
        kit.login()
        import time
        for _ in range(10):  # 1.5 s: without the touches the warning comes at 0.6 s and the end at 1.2 s
            kit.station.touch()
            time.sleep(0.15)
        assert kit.station.session_view().state is SessionState.READY
        assert not [e for e in kit.seen if isinstance(e, (InactivityWarning, SessionEnded))]
    finally:
        kit.stop()


# -- receipts and language --------------------------------------------------------------------------

def test_printed_receipt_lists_the_loans_then_the_session_ends(kit: Kit) -> None:
    kit.login()
    kit.place(ITEMS[0], ITEMS[1])
    kit.station.start_borrow()
    results = kit.results(2)
    kit.station.finish()
    choice = kit.wait_state(SessionState.RECEIPT)
    assert choice.view is not None and "print" in choice.view.receipt_options
    kit.station.choose_receipt("print")
    receipt = kit.wait_type(ReceiptResult)
    assert receipt.ok
    text = escpos_to_text(kit.printer.output)
    for result in results.values():
        assert result.title in text
    assert ANA not in text and ANA_PIN not in text
    assert ended(kit).reason is EndReason.FINISHED
    assert kit.station.reprint().ok


def test_receipt_choice_times_out_to_no_receipt(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, timeouts=Timeouts(home=30, borrow=30, receipt=0.3, warning=1))
    try:
        kit.login()
        kit.place(ITEMS[2])
        kit.station.start_borrow()
        kit.results(1)
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        receipt = kit.wait_type(ReceiptResult, timeout=3)
        assert receipt.choice == "none"
        assert ended(kit).reason is EndReason.FINISHED
    finally:
        kit.stop()


def test_finish_with_nothing_done_skips_the_receipt(kit: Kit) -> None:
    kit.login()
    kit.station.finish()
    assert ended(kit).reason is EndReason.FINISHED


def test_language_switch_and_right_to_left(kit: Kit) -> None:
    kit.login()
    kit.station.set_language("ar")
    changed = kit.wait(lambda e: isinstance(e, SessionChanged) and e.view is not None and e.view.language == "ar")
    assert changed.view is not None and changed.view.rtl
    kit.station.set_language("xx")  # not offered: ignored
    kit.station.set_language("es")
    kit.wait(lambda e: isinstance(e, SessionChanged) and e.view is not None and e.view.language == "es")
    kit.station.end_session()
    ended(kit)
    assert kit.station.session_view().language == "en"  # the next patron starts in the default


def test_a_failing_subscriber_does_not_stop_the_station(kit: Kit) -> None:
    def broken(event: object) -> None:
        raise RuntimeError("UI bug")

    kit.station.subscribe(broken)
    kit.login()
    kit.place(ITEMS[3])
    kit.station.start_borrow()
    assert kit.results(1)[ITEMS[3]].status is ItemStatus.BORROWED


def test_items_returned_in_the_session_are_not_borrowed_again_from_the_pad(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[4])
    kit.login()
    kit.place(ITEMS[4], afi=0xC2)
    kit.station.start_return()
    assert kit.results(1, action="return")[ITEMS[4]].status is ItemStatus.RETURNED
    kit.place(ITEMS[5])
    kit.station.start_borrow()
    got = kit.results(1)
    assert set(got) == {ITEMS[5]}
    eventually(lambda: kit.station.session_view().state is SessionState.BORROWING)
    assert [e.item_id for e in kit.station.journal.iter_all() if e.kind.value == "checkout"] == [ITEMS[5]]


def test_a_stale_tap_is_refused_by_the_table_and_logged(kit: Kit, caplog: pytest.LogCaptureFixture) -> None:
    import logging
    caplog.set_level(logging.WARNING, logger="kiosk.station.worker")
    kit.station.enter_pin("1234")        # no session: the PIN pad is not even showing
    kit.station.renew_all()
    kit.station.set_language("es")       # a later action still runs: the worker survived
    kit.wait(lambda e: isinstance(e, SessionChanged) and e.view is not None and e.view.language == "es")
    assert "'submit_pin' is illegal in state 'idle'" in caplog.text
    assert "1234" not in caplog.text
    assert kit.station.session_view().state is SessionState.IDLE


def test_garbage_from_the_ils_while_identifying_ends_the_session_politely(tmp_path: Path) -> None:
    """An ILS that answers patron information (63) with noise, even after the
    resend (97): the patron is not left on a spinner; the session ends politely."""
    import sys
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "sip2"))
    from sip2_servers import ScriptedServer, good_ils  # type: ignore[import-not-found]

    from kiosk.sip2.client import SIP2Client, SIP2Settings
    from kiosk.station.facade import Station
    from station_kit import make_config

    def noisy(frame: bytes, conn: object) -> bytes | None:
        if frame.startswith((b"63", b"97")):
            return b"\x00\x01not sip2 at all\r"
        return good_ils(frame, conn)  # type: ignore[arg-type]

    with ScriptedServer(noisy) as server:
        client = SIP2Client(SIP2Settings(port=server.port, username="kiosk", password="kiosk-pass",
                                         read_timeout=1.0, keepalive_interval=0.0, retries=1))
        station = Station(make_config(tmp_path), sip2_client=client, devices={},
                          journal_path=tmp_path / "j.sqlite3")
        seen: list[object] = []
        station.subscribe(seen.append)
        try:
            station.start()
            assert station.wait_started(10)
            station.identify(ANA)
            eventually(lambda: any(isinstance(e, SessionEnded) for e in seen), timeout=10)
            end = next(e for e in seen if isinstance(e, SessionEnded))
            assert end.reason is EndReason.OUT_OF_SERVICE and "try again" in end.message
            eventually(lambda: station.session_view().state is SessionState.IDLE)
        finally:
            station.stop()


def test_a_touch_during_the_countdown_cancels_it(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, timeouts=Timeouts(home=0.3, warning=3, pin=5))
    try:
        kit.login()
        kit.wait_type(InactivityWarning, timeout=3)
        kit.station.touch()
        changed = kit.wait_type(SessionChanged, timeout=3)
        assert changed.state is SessionState.READY
    finally:
        kit.stop()


FOLLOW = "[station]\nfollow_patron_language = true\n"


def test_the_patrons_preferred_language_from_the_ils_is_used_from_the_pin_screen_on(tmp_path: Path) -> None:
    """Ana's ILS record says Spanish (SIP2 language 008): with the station
    following it, the PIN prompt is already in Spanish; the next patron
    starts in the station's default again."""
    kit = start_kit(tmp_path, FOLLOW)
    try:
        kit.station.identify(ANA, "scanner")
        pin = kit.wait_state(SessionState.PIN_ENTRY)
        assert pin.view is not None and pin.view.language == "es"
        kit.station.enter_pin(ANA_PIN)
        ready = kit.wait_state(SessionState.READY)
        assert ready.view is not None and ready.view.language == "es"
        assert ready.view.patron is not None and ready.view.patron.ils_message
        assert all(m.startswith("Mensaje de la biblioteca") for m in ready.view.patron.ils_message), \
            ready.view.patron.ils_message
        kit.station.end_session()
        ended(kit)
        assert kit.station.session_view().language == "en"
    finally:
        kit.stop()


def test_a_language_the_patron_picked_wins_over_the_ils_and_unoffered_ones_are_ignored(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, FOLLOW)
    try:
        kit.station.set_language("ar")          # pressed on the attract screen, before the card
        kit.login(ANA)
        assert kit.station.session_view().language == "ar"
        kit.station.end_session()
        ended(kit)
        kit.login(BJORN, "")                    # Swedish (006): not offered at this station
        assert kit.station.session_view().language == "en"
    finally:
        kit.stop()


def test_the_ils_language_is_ignored_unless_the_station_follows_it(kit: Kit) -> None:
    kit.login(ANA)
    assert kit.station.session_view().language == "en"


def test_timeouts_changed_by_staff_apply_without_a_restart(kit: Kit) -> None:
    """FAST gives the home screen 5 s; staff shorten it to 0.3 s and the warning comes at once."""
    from dataclasses import replace

    kit.station.set_timeouts(replace(kit.station.timeouts, home=0.3, warning=0.5))
    kit.login()
    warning = kit.wait_type(InactivityWarning, timeout=2.0)
    assert warning is not None
    assert ended(kit).reason is EndReason.TIMEOUT

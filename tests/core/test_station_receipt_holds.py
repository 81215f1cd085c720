"""The printed receipt lists the holds ready for pickup the patron saw in My account."""

from __future__ import annotations

from pathlib import Path

from kiosk.drivers.printer.render import escpos_to_text
from kiosk.events import AccountChanged, ReceiptResult
from kiosk.session import SessionState

from station_kit import start_kit


def test_holds_ready_on_the_receipt(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.login("21000000000006", "1234")  # Ñandú Peña has holds ready
        kit.station.open_account()
        account = kit.wait_type(AccountChanged).account
        titles = [h.title for h in account.holds_ready]
        assert titles
        kit.station.go_home()
        kit.station.start_borrow()
        kit.place("31000000000003")
        kit.results(1)
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        assert kit.wait_type(ReceiptResult).ok
    finally:
        kit.stop()
    text = escpos_to_text(kit.printer.output)
    assert "Ready for pickup" in text or "ready" in text.lower()
    for title in titles:
        assert title[:20] in text


def test_holds_ready_on_the_receipt_without_opening_my_account(tmp_path: Path) -> None:
    """The 64 reply at login counts holds waiting; the receipt asks the ILS for
    them (titles included) even though the patron never opened My account."""
    kit = start_kit(tmp_path)
    try:
        kit.login("21000000000006", "1234")
        before = kit.ils.requests["63"]
        kit.station.start_borrow()
        kit.place("31000000000003")
        kit.results(1)
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        assert kit.wait_type(ReceiptResult).ok
        assert kit.ils.requests["63"] > before, "the receipt did not ask for the holds"
    finally:
        kit.stop()
    text = escpos_to_text(kit.printer.output)
    assert "ready for pickup" in text.lower(), text
    assert "Ang Alamat ng Ampalaya" in text and "Rayuela" in text, text   # items 17 and 18, on the shelf for her


def test_a_patron_without_holds_costs_no_extra_ils_call_for_the_receipt(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.login()
        kit.station.start_borrow()
        kit.place("31000000000003")
        kit.results(1)
        before = kit.ils.requests["63"]
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        assert kit.wait_type(ReceiptResult).ok
        assert kit.ils.requests["63"] == before
    finally:
        kit.stop()
    assert "ready for pickup" not in escpos_to_text(kit.printer.output).lower()

"""Receipts through the whole station: a patron who typed a PIN borrows and
prints a receipt in Spanish; the PIN is nowhere (paper, journal, logs), the
card number is masked, and staff can reprint it."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from kiosk.drivers.printer.render import escpos_to_text
from kiosk.events import SessionState

from station_kit import BJORN, eventually, start_kit  # type: ignore[import-not-found]

PIN = "975319"   # Björn has no PIN set, so the ILS accepts any: a distinctive one to search for


@pytest.mark.timeout(60)
def test_printed_receipt_has_no_pin_and_can_be_reprinted(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    kit = start_kit(tmp_path)
    try:
        kit.station.set_language("es")
        kit.login(BJORN, PIN)
        kit.station.start_borrow()
        kit.wait_state(SessionState.BORROWING)
        kit.place("31000000000001", "31000000000002")
        kit.results(2, "borrow", timeout=15)
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        eventually(lambda: b"\x1dV" in kit.printer.output, timeout=10)   # the cut ends the receipt
        first = escpos_to_text(kit.printer.output)
        assert "Prestados (2)" in first and "Cien a" in first and "**********0002" in first
        assert PIN not in first and BJORN not in first
        kit.printer.escpos.clear()
        result = kit.station.reprint()
        assert result.ok
        again = escpos_to_text(kit.printer.output)
        assert "Reimpresión" in again and "Prestados (2)" in again and PIN not in again
    finally:
        kit.stop()
    journal_bytes = b"".join(p.read_bytes() for p in tmp_path.glob("journal.sqlite3*"))
    assert PIN.encode() not in journal_bytes
    assert PIN not in caplog.text

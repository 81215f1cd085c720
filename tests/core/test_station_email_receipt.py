"""An emailed receipt goes to the address the library has on file (SIP2 BE),
through a real SMTP conversation with a loopback sink."""

from __future__ import annotations

import email
from pathlib import Path

from kiosk.events import ReceiptResult
from kiosk.circulation.session import SessionState

from station_kit import start_kit
from test_receipts_email import SMTPSink


def test_email_receipt_defaults_to_the_patrons_address_from_the_ils(tmp_path: Path) -> None:
    with SMTPSink() as sink:
        kit = start_kit(tmp_path, f"""
[receipt]
email = true
smtp_host = "127.0.0.1"
smtp_port = {sink.port}
smtp_security = "none"
from_address = "kiosk@riverside.example.org"
""")
        try:
            kit.login()
            kit.station.start_borrow()
            kit.place("31000000000001")
            kit.results(1)
            kit.station.finish()
            kit.wait_state(SessionState.RECEIPT)
            assert "email" in kit.station.receipt_options()
            kit.station.choose_receipt("email")
            result = kit.wait_type(ReceiptResult)
            assert result.ok, result.message
        finally:
            kit.stop()
    [(sender, recipients, raw)] = sink.messages
    assert recipients == ["ana.garcia@example.org"]  # Ana's address in the ILS
    body = email.message_from_bytes(raw)
    assert "1234" not in raw.decode("utf-8", "replace")  # never the PIN
    assert body["To"] == "ana.garcia@example.org"


def test_no_email_choice_for_a_patron_without_an_address(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, """
[receipt]
email = true
smtp_host = "127.0.0.1"
smtp_security = "none"
from_address = "kiosk@riverside.example.org"
""")
    try:
        kit.login("21000000000007", "1234")  # Chidi Okafor: no email in the demo data
        kit.station.start_borrow()
        kit.place("31000000000003")
        kit.results(1)
        kit.station.finish()
        view = kit.wait_state(SessionState.RECEIPT).view
        assert "email" not in view.receipt_options and "none" in view.receipt_options
    finally:
        kit.stop()

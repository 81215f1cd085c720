"""The receipt desk: keep every receipt, then print it, email it or skip it.

:meth:`ReceiptDesk.deliver` stores the receipt in the journal *first* (so a
jammed printer or a failed email never loses it: staff reprint it from the
staff screen), then delivers it as the patron chose. The result carries a
message in the patron's language for the goodbye screen; failures are told in
plain words, never as a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.config import Config
from kiosk.errors import DeviceError, KioskError
from kiosk.i18n import N_, translator
from kiosk.store.journal import Journal
from kiosk.receipts.mail import BadAddress, EmailSettings, ReceiptEmailError, compose, mask_address, send
from kiosk.receipts.printing import PrinterUnavailable, print_receipt
from kiosk.receipts.model import Receipt

if TYPE_CHECKING:  # the driver (and python-escpos) load with the devices, not with receipts
    from kiosk.drivers.printer import ReceiptPrinter

log = logging.getLogger(__name__)

__all__ = ["ReceiptDesk", "Delivery", "CHOICES"]

CHOICES = ("print", "email", "none")

MSG_PRINTING = N_("Your receipt is printing. Please take it from the slot.")
MSG_EMAILED = N_("Your receipt has been sent to {address}.")
MSG_NONE = N_("No receipt. Your account shows everything you borrowed.")
MSG_PAPER_OUT = N_("The printer is out of paper. Staff can print your receipt at the desk.")
MSG_PRINTER_DOWN = N_("The printer is not working right now. Staff can print your receipt at the desk.")
MSG_BAD_ADDRESS = N_("That email address does not look right. Please check it and try again.")
MSG_EMAIL_DOWN = N_("We could not send the email right now. Staff can print your receipt at the desk.")
MSG_NOTHING = N_("There is nothing to put on a receipt.")


@dataclass(frozen=True)
class Delivery:
    """What happened to one receipt. ``message`` is for the patron, already
    translated; ``detail`` is for logs and staff. ``retry`` means the patron
    can fix it (a mistyped address)."""

    choice: str
    ok: bool
    message: str
    receipt_id: int | None = None
    detail: str = ""
    retry: bool = False


class ReceiptDesk:
    """Receipts for one station: ``printer`` is a ReceiptPrinter or None."""

    def __init__(self, config: Config, journal: Journal, printer: ReceiptPrinter | None = None,
                 email: EmailSettings | None = None) -> None:
        self.config = config
        self.journal = journal
        self.printer = printer
        self.email_settings = email if email is not None else EmailSettings.from_config(config)

    def options(self) -> tuple[str, ...]:
        """Choices to offer now: ``print`` only with a printer that is ready,
        ``email`` only when enabled and set up; ``none`` always."""
        choices = []
        if self.printer is not None:
            try:
                status = self.printer.status()
                if not status.known or status.ready:
                    choices.append("print")
            except KioskError as exc:
                log.warning("printer status unavailable: %s", exc)
        if self.config.receipt.email and self.email_settings.configured:
            choices.append("email")
        choices.append("none")
        return tuple(choices)

    def deliver(self, receipt: Receipt, choice: str, email: str | None = None) -> Delivery:
        """Store ``receipt``, then ``print``, ``email`` (to ``email``) or ``none``."""
        if choice not in CHOICES:
            raise ValueError(f"receipt choice must be one of {CHOICES}, not {choice!r}")
        _ = translator(receipt.lang).gettext
        if choice == "email":
            email = (email or "").strip()
            try:
                message = compose(receipt, email, self.email_settings)
            except BadAddress as exc:
                return Delivery(choice, False, _(MSG_BAD_ADDRESS), None, str(exc), retry=True)
        receipt_id = self.journal.store_receipt(receipt.to_dict(), session_id=receipt.session_id)
        if choice == "none":
            return Delivery(choice, True, _(MSG_NONE), receipt_id)
        if receipt.empty and not receipt.print_lines:
            return Delivery(choice, True, _(MSG_NOTHING), receipt_id)
        if choice == "print":
            return self._print(receipt, receipt_id)
        try:
            send(message, self.email_settings)
        except BadAddress as exc:
            return Delivery(choice, False, _(MSG_BAD_ADDRESS), receipt_id, str(exc), retry=True)
        except ReceiptEmailError as exc:
            log.warning("receipt email to %s failed (%s): %s", mask_address(email or ""), exc.reason, exc)
            return Delivery(choice, False, _(MSG_EMAIL_DOWN), receipt_id, str(exc))
        log.info("receipt %s emailed to %s", receipt_id, mask_address(email or ""))
        return Delivery(choice, True, _(MSG_EMAILED).format(address=email), receipt_id)

    def _print(self, receipt: Receipt, receipt_id: int | None) -> Delivery:
        _ = translator(receipt.lang).gettext
        if self.printer is None:
            return Delivery("print", False, _(MSG_PRINTER_DOWN), receipt_id, "no printer fitted")
        try:
            print_receipt(self.printer, receipt)
        except PrinterUnavailable as exc:
            paper_out = exc.status is not None and exc.status.paper_out
            log.warning("receipt %s not printed: %s", receipt_id, exc)
            return Delivery("print", False, _(MSG_PAPER_OUT if paper_out else MSG_PRINTER_DOWN),
                            receipt_id, str(exc))
        except DeviceError as exc:
            log.warning("receipt %s print failed: %s", receipt_id, exc)
            return Delivery("print", False, _(MSG_PRINTER_DOWN), receipt_id, str(exc))
        return Delivery("print", True, _(MSG_PRINTING), receipt_id)

    def reprint(self, receipt_id: int | None = None) -> Delivery:
        """Staff: print a stored receipt again (the last one by default),
        marked as a reprint, in the language it was first given in."""
        stored = self.journal.receipt(receipt_id) if receipt_id is not None else self.journal.last_receipt()
        if stored is None:
            return Delivery("print", False, translator(None).gettext("There is no receipt to reprint."),
                            receipt_id, "no stored receipt")
        receipt = Receipt.from_dict(stored.body).as_reprint()
        return self._print(receipt, stored.id)

"""Print a :class:`~kiosk.receipts.model.Receipt` on the ESC/POS receipt printer.

Uses the driver's helpers (:class:`kiosk.drivers.printer.ReceiptPrinter`):
text goes out in a printer code page where one fits and as a shaped,
right-to-left image otherwise (Arabic); the whole receipt is one printer job,
so the status poller never splits it. A printer that reports paper out, cover
open or offline refuses the job *before* anything is printed, so the patron
can be told at once and staff can reprint it from the journal later.
"""

from __future__ import annotations

import logging
from itertools import groupby
from typing import TYPE_CHECKING

from kiosk.errors import DeviceError
from kiosk.i18n import is_rtl, translator
from kiosk.receipts.model import Line, Receipt, layout

if TYPE_CHECKING:  # the driver (and python-escpos) load with the devices, not with receipts
    from kiosk.drivers.printer import PrinterStatus, ReceiptPrinter

log = logging.getLogger(__name__)

__all__ = ["PrinterUnavailable", "print_receipt"]


class PrinterUnavailable(DeviceError):
    """The printer said it cannot print now (paper out, cover open, offline);
    nothing was printed. ``status`` is the driver's PrinterStatus."""

    def __init__(self, message: str, status: PrinterStatus | None = None) -> None:
        super().__init__(message, "printer")
        self.status = status


def _check_ready(printer: ReceiptPrinter) -> None:
    status = printer.status()
    if status.known and not status.ready:
        raise PrinterUnavailable(f"printer not ready: {status.describe()}", status)


def print_receipt(printer: ReceiptPrinter, receipt: Receipt, *, check_status: bool = True) -> list[Line]:
    """Print ``receipt`` on a ReceiptPrinter; returns the lines printed.

    Raises :class:`PrinterUnavailable` (nothing printed) or
    :class:`~kiosk.errors.DeviceError` (the transport failed mid-way).
    """
    if check_status:
        _check_ready(printer)
    width = printer.width
    lines = layout(receipt, width, translator(receipt.lang))
    rtl = is_rtl(receipt.lang)
    # Right-to-left receipts are drawn as images; the driver shapes and
    # right-aligns them when told the language.
    language = receipt.lang if rtl else None
    with printer.job():
        if printer.logo_path:
            try:
                printer.logo()
            except DeviceError as exc:
                log.warning("receipt logo skipped: %s", exc)  # a missing logo must not cost the receipt
        for (style, align), group in groupby(lines, key=lambda line: (line.style, line.align)):
            chunk = [line.text for line in group]
            if style == "qr":
                for url in chunk:
                    printer.qr(url, size=5)
                continue
            # Babel puts no-break spaces in dates and amounts; code pages lack U+202F.
            text = "\n".join(chunk).replace("\u202f", " ").replace("\xa0", " ")
            if style == "title":
                printer.text(text, align="center", bold=True, double=True, language=language)
            elif style == "heading":
                printer.text(text, align=align, bold=True, language=language)
            elif style == "rule":
                printer.text(text)  # plain dashes fit every code page
            else:
                printer.text(text, align=align, language=language)
        if printer.cut_after:
            printer.cut()
        else:
            printer.feed(4)
    return lines

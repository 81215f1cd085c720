"""Receipt printers (device family ``printer``) through python-escpos.

Device strings: see :mod:`kiosk.drivers.printer.target`. Every one opens
a :class:`ReceiptPrinter`; ``render.escpos_to_text`` shows printed bytes as
plain text (the demo's receipt view).

Registering the drivers imports nothing of python-escpos: it loads when the
first printer opens (:mod:`~kiosk.drivers.printer.escpos_import`), after the
station has named the folder for its capabilities cache.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from kiosk.drivers.printer.target import PARSERS, PrinterTarget, parse_long_form
from kiosk.drivers.registry import register

if TYPE_CHECKING:
    from kiosk.drivers.printer.device import ReceiptPrinter
    from kiosk.drivers.printer.status import PrinterStatus

__all__ = ["PrinterStatus", "ReceiptPrinter"]


def __getattr__(name: str) -> Any:
    # ``from kiosk.drivers.printer import ReceiptPrinter`` keeps working, loading python-escpos then.
    if name == "ReceiptPrinter":
        from kiosk.drivers.printer.device import ReceiptPrinter
        return ReceiptPrinter
    if name == "PrinterStatus":
        from kiosk.drivers.printer.status import PrinterStatus
        return PrinterStatus
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def open_printer(target: PrinterTarget, options: dict[str, Any]) -> ReceiptPrinter:
    from kiosk.drivers.printer.backends import make_backend
    from kiosk.drivers.printer.device import ReceiptPrinter

    escpos = make_backend(target, options)
    name = {"sim": "simulated", "dummy": "recording"}.get(target.kind, target.kind) + " printer" \
        + (f" {target.argument}" if target.argument else "")
    return ReceiptPrinter(escpos, name, options)


for _kind, _grammar, _doc in (
    ("usb", "escpos-usb:VID:PID", "USB ESC/POS printer via pyusb, hex ids (e.g. escpos-usb:04b8:0202)"),
    ("serial", "escpos-serial:PORT[,baud=N]", "serial ESC/POS printer; PORT may be a pyserial URL"),
    ("network", "escpos-network:HOST[:PORT]", "network ESC/POS printer, raw TCP port 9100 by default"),
    ("file", "escpos-file:PATH", "ESC/POS printer device file such as /dev/usb/lp0 (usblp is bidirectional)"),
    ("cups", "escpos-cups:PRINTER", "CUPS queue via pycups (no status)"),
):
    register("printer", f"escpos-{_kind}", _grammar, _doc, PARSERS[_kind])(open_printer)

register("printer", "sim", "sim", "simulated recording printer (output bytes, injectable status)",
         PARSERS["sim"])(open_printer)
register("printer", "dummy", "dummy", "recording printer (same as sim)", PARSERS["dummy"])(open_printer)
register("printer", "escpos", "escpos:usb|serial|network|file|cups:ARG",
         "long form of the escpos-* strings, e.g. escpos:network:192.0.2.10", parse_long_form)(open_printer)

"""Barcode scanners (device family ``scanner``) and barcode rules.

Device strings: ``sim``, ``serial:PORT[,baud=N][,terminator=...]``,
``hid:/dev/input/eventN`` or ``hid:name=TEXT``. The keyboard-wedge
recogniser for the UI is :mod:`kiosk.drivers.barcode.wedge`; validation
and patron/item classification is :mod:`kiosk.drivers.barcode.rules`.
"""

from kiosk.drivers.barcode import hid, serialscanner, sim  # noqa: F401  (they register)
from kiosk.drivers.barcode.base import Scanner
from kiosk.drivers.barcode.rules import BarcodeRules

__all__ = ["BarcodeRules", "Scanner"]

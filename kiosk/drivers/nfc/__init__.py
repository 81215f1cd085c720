"""Patron card readers (device family ``nfc``): ``sim`` and nfcpy readers
(``nfc:usb``, ``nfc:usb:VID:PID``, ``nfc:tty:PORT[:DRIVER]``, ``nfc:udp:HOST:PORT``).
RFID patron cards on the item pad (ISO 28560 usage 8) come through the RFID
family instead."""

from kiosk.drivers.nfc import nfcpy_reader, sim  # noqa: F401  (they register)
from kiosk.drivers.nfc.base import CardReader, format_uid, patron_id_from_ndef

__all__ = ["CardReader", "format_uid", "patron_id_from_ndef"]

"""Hardware adapters. Each family (rfid, scanner, nfc, printer, sorter,
display) has a base class, real drivers over their real transport and a
simulator; all are opened through :mod:`kiosk.drivers.registry`."""

"""Devices failing around a working kiosk, through the real drivers: a dead
required pad keeps the kiosk from starting (with the reason), a dead optional
printer disables itself visibly while patrons still borrow, and a printer
that runs out of paper mid-day is not offered and not printed to.
"""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.drivers.printer.status import PrinterStatus
from kiosk.errors import DeviceError
from kiosk.events import DeviceChanged, ItemStatus, ReceiptResult, SessionState
from kiosk.station.facade import Station
from system_rig import AFI_ON_LOAN, ITEMS, Rig, afi_of, dead_port, eventually, put_item
from test_system_kiosk import KioskRig, kiosk_devices


def test_a_dead_required_pad_keeps_the_kiosk_from_opening(rig: Rig) -> None:
    rig.start_ils()
    scanner, printer = rig.scanner(), rig.printer()
    dead = dead_port()
    path = rig.write_config(kiosk_devices(f"feig:socket://127.0.0.1:{dead}", scanner.path, printer.port))
    with pytest.raises(DeviceError) as caught:
        Station(load_config(path, apply_override_file=False))
    assert caught.value.device == "rfid"
    assert str(dead) in str(caught.value) and "refused" in str(caught.value).lower()


def test_a_dead_optional_printer_is_reported_and_patrons_still_borrow(rig: Rig) -> None:
    rig.start_ils()
    reader, port = rig.feig()
    scanner = rig.scanner()
    path = rig.write_config(kiosk_devices(f"feig:{port}", scanner.path, dead_port()))
    station = Station(load_config(path, apply_override_file=False))
    events: list[object] = []
    station.subscribe(events.append)
    station.start()
    rig.closers.append(station.stop)
    assert station.wait_started(10)
    eventually(lambda: any(isinstance(e, DeviceChanged) and e.device == "printer" and not e.ok for e in events),
               10, what="the printer reported down")
    printer_status = {s.name: s for s in station.device_status()}["printer"]
    assert not printer_status.ok and "refused" in printer_status.detail.lower(), printer_status
    assert "print" not in station.receipt_options()

    scanner.scan("21000000000001")
    eventually(lambda: station.session_view().state is SessionState.PIN_ENTRY, 10, what="PIN entry")
    station.enter_pin("1234")
    eventually(lambda: station.session_view().state is SessionState.READY, 10, what="ready")
    station.start_borrow()
    eventually(lambda: station.session_view().state is SessionState.BORROWING, 10, what="borrowing")
    put_item(reader.field, ITEMS[9])
    eventually(lambda: any(i.item_id == ITEMS[9] and i.status is ItemStatus.BORROWED
                           for i in station.session_view().items), 10, what="borrowed")
    assert afi_of(reader.field, ITEMS[9]) == AFI_ON_LOAN


def test_paper_out_is_not_offered_and_nothing_is_lost(rig: Rig) -> None:
    kiosk = KioskRig(rig, "feig")
    kiosk.log_in()
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    put_item(kiosk.field, ITEMS[0])
    assert kiosk.results(1)[ITEMS[0]].status is ItemStatus.BORROWED
    kiosk.printer.emulator.state = PrinterStatus(paper_out=True)
    eventually(lambda: "print" not in kiosk.station.receipt_options(), 10, what="print withdrawn")
    kiosk.station.finish()
    kiosk.state_reached(SessionState.RECEIPT)
    printed_before = len(kiosk.printer.emulator.received)
    kiosk.station.choose_receipt("print")         # a stale screen still showed the button
    result = kiosk.events.wait_for(lambda e: isinstance(e, ReceiptResult), 10, what="receipt result")
    assert not result.ok and result.message, result
    receipt_text = bytes(kiosk.printer.emulator.received[printed_before:])
    assert b"Due" not in receipt_text                    # nothing half-printed on an empty roll
    kiosk.printer.emulator.state = PrinterStatus()       # staff load paper: the receipt can be reprinted
    eventually(lambda: "print" in kiosk.station.receipt_options(), 10, what="print offered again")

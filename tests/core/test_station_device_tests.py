"""Staff's per-device tests: pad inventory, a printed test slip, a scan or card
tap that goes to the test instead of starting a patron session."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from kiosk.drivers.printer.render import escpos_to_text

from station_kit import start_kit


def test_inventory_test_print_and_scan_prompt(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.place("31000000000001", "31000000000002")
        result = kit.station.device_test("rfid")
        assert result.ok and "2 tags on the pad" in result.detail and "31000000000001" in result.detail
        result = kit.station.device_test("printer")
        assert result.ok and "test slip printed" in result.detail
        assert "Kiosk printer test" in escpos_to_text(kit.printer.output)

        def scan_later() -> None:
            time.sleep(0.2)
            kit.scanner.scan("21000000000001")
        threading.Thread(target=scan_later, daemon=True).start()
        result = kit.station.device_test("scanner")
        assert result.ok and result.detail == "read **********0001"
        time.sleep(0.2)
        assert kit.station.session_view().patron is None  # the scan was the test's, not a login
        assert not kit.station.device_test("payment").detail == ""
    finally:
        kit.stop()


def test_a_device_that_is_not_fitted_says_so(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        result = kit.station.device_test("sorter")
        assert not result.ok and "not fitted" in result.detail
    finally:
        kit.stop()

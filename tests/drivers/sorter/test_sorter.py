"""Sorters: the serial board driver against its emulator over socket://, and
the simulated sorter; display drivers over a pty."""

from __future__ import annotations

import os
import threading
import tty

import pytest

from kiosk.drivers.display import SerialDisplay
from kiosk.drivers.registry import open_device
from kiosk.drivers.sorter import BinFull, SerialSorterBoard, SorterEvent
from kiosk.drivers.sorter.emulator import SorterBoardEmulator
from kiosk.errors import DeviceError, TransportTimeout


@pytest.fixture
def board():  # type: ignore[no-untyped-def]
    with SorterBoardEmulator(["1", "2", "holds", "reject"], capacity=2) as emulator:
        driver = open_device("sorter", f"serial:{emulator.url}")
        yield emulator, driver
        driver.close()


def test_routes_and_reports_full_bins(board) -> None:  # type: ignore[no-untyped-def]
    emulator, driver = board
    events: list[SorterEvent] = []
    driver.on_event(events.append)
    assert driver.bins() == ["1", "2", "holds", "reject"]
    driver.route("holds")
    driver.route("holds")
    assert emulator.routed == ["holds", "holds"]
    assert events == [SorterEvent("full", "holds")]
    with pytest.raises(BinFull) as info:
        driver.route("holds")
    assert info.value.bin == "holds"
    assert driver.full_bins() == ["holds"]
    assert driver.self_test().warnings == ("bin holds full",)


def test_emptied_bin_is_reported_unprompted(board) -> None:  # type: ignore[no-untyped-def]
    emulator, driver = board
    events: list[SorterEvent] = []
    driver.on_event(events.append)
    driver.route("1")
    driver.route("1")
    emulator.empty("1")
    driver.poll_events(0.5)
    assert events[-1] == SorterEvent("emptied", "1")
    driver.route("1")


def test_jam_unknown_bin_and_garbage(board) -> None:  # type: ignore[no-untyped-def]
    emulator, driver = board
    events: list[SorterEvent] = []
    driver.on_event(events.append)
    emulator.jam_next = True
    with pytest.raises(DeviceError, match="JAM"):
        driver.route("2")
    assert events[0].kind == "jam"
    with pytest.raises(DeviceError, match="BIN nowhere"):
        driver.route("nowhere")
    emulator.garbage_next = True
    driver.route("2")  # the garbage line is skipped, the reply still read
    assert emulator.routed == ["2"]


def test_silent_board_times_out() -> None:
    driver = SerialSorterBoard("loop://", timeout=0.2)  # loop:// echoes: never an OK
    with pytest.raises(TransportTimeout, match="no reply to PING"):
        driver.ping()


def test_simulated_sorter_from_registry() -> None:
    sorter = open_device("sorter", "sim", {"bins": ["a", "b"], "capacity": 1})
    events: list[SorterEvent] = []
    sorter.on_event(events.append)
    sorter.route("a")
    assert sorter.is_full("a") and events == [SorterEvent("full", "a")]
    with pytest.raises(BinFull):
        sorter.route("a")
    sorter.empty("a")
    sorter.route("a")
    with pytest.raises(DeviceError, match="no bin 'c'"):
        sorter.route("c")


def test_unknown_sorter_string_lists_valid_forms() -> None:
    with pytest.raises(DeviceError) as info:
        open_device("sorter", "conveyor:/dev/ttyS3")
    assert "serial:PORT[,baud=N]" in str(info.value) and "sim" in str(info.value)


def test_serial_display_over_a_pty() -> None:
    controller, device = os.openpty()
    tty.setraw(device)
    received: list[bytes] = []

    def board() -> None:  # answers OK to each line, as the LED board does
        buffer = b""
        while buffer.count(b"\n") < 2:
            buffer += os.read(controller, 256)
            while b"\n" in buffer and len(received) < buffer.count(b"\n"):
                received.append(buffer.split(b"\n")[len(received)])
                os.write(controller, b"OK\n")

    thread = threading.Thread(target=board, daemon=True)
    thread.start()
    display = SerialDisplay(os.ttyname(device), timeout=2)
    try:
        display.show("full", "Bin full - please use the desk")
        display.show("full", "Bin full - please use the desk")  # unchanged: not resent
        display.show("ready", "Insert items one at a time")
    finally:
        display.close()
        thread.join(2)
        os.close(controller)
        os.close(device)
    assert received == [b"SHOW full Bin full - please use the desk", b"SHOW ready Insert items one at a time"]


def test_display_rejects_unknown_states() -> None:
    display = open_device("display", "sim")
    with pytest.raises(ValueError):
        display.show("purple")
    display.show("offline", "ILS offline: returns still accepted")
    assert display.history == [("offline", "ILS offline: returns still accepted")]

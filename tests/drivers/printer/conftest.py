"""Fixtures: the ESC/POS printer emulator on a loopback TCP port and on a pty."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from kiosk.drivers.printer.emulator import PtyPrinter, TcpPrinter


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    printer = TcpPrinter()
    yield printer
    printer.close()


@pytest.fixture
def pty_printer() -> Iterator[PtyPrinter]:
    printer = PtyPrinter()
    yield printer
    printer.close()

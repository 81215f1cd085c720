"""Fixtures: a tag field, FEIG and 3M emulators on a pty or loopback socket,
and the real drivers connected to them. Everything is stopped and closed."""

from __future__ import annotations

from typing import Iterator

import pytest

from kiosk.drivers.rfid.feig import FeigReader
from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.m3_810 import M3Reader
from kiosk.drivers.rfid.m3_810_emulator import M3Emulator


@pytest.fixture
def field() -> TagField:
    return TagField()


@pytest.fixture(params=["pty", "socket"])
def feig_pair(request: pytest.FixtureRequest, field: TagField) -> Iterator[tuple[FeigEmulator, FeigReader]]:
    emu = FeigEmulator(field, address=0x00)
    port = emu.start_pty() if request.param == "pty" else emu.start_socket()
    reader = FeigReader(port, timeout=0.5)
    try:
        yield emu, reader
    finally:
        reader.close()
        emu.stop()


@pytest.fixture
def feig_emu(field: TagField) -> Iterator[FeigEmulator]:
    emu = FeigEmulator(field, address=0x00)
    try:
        yield emu
    finally:
        emu.stop()


@pytest.fixture(params=["pty", "socket"])
def m3_pair(request: pytest.FixtureRequest, field: TagField) -> Iterator[tuple[M3Emulator, M3Reader]]:
    emu = M3Emulator(field)
    port = emu.start_pty() if request.param == "pty" else emu.start_socket()
    reader = M3Reader(port, timeout=0.5)
    try:
        yield emu, reader
    finally:
        reader.close()
        emu.stop()

"""The after-hours return bin as systemd runs it: ``kiosk returnbin --config
FILE`` in its own process, reaching a FEIG (or 3M 810) reader emulator and a sorter board
emulator that live in this test process on 127.0.0.1 sockets, and the ILS
simulator. Items are laid in the antenna's field one at a time, as they fall
down the chute; the test watches which bin the board was told to open, the
tags' AFI and the ILS's books, then stops the service with SIGTERM.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.m3_810_emulator import M3Emulator
from kiosk.drivers.rfid.sim import make_item_tag, make_uid
from kiosk.drivers.sorter.emulator import SorterBoardEmulator
from kiosk.sip2.ils.desk import Desk
from system_rig import (AFI_ON_LOAN, AFI_SECURED, ANA, ANA_PIN, IN_TRANSIT, ITEMS, KIOSK_CMD, ON_HOLD, Rig, afi_of,
                        eventually, put_item)

BINS = ("1", "2", "holds", "reject")
Service = tuple[Rig, FeigEmulator | M3Emulator, SorterBoardEmulator, "subprocess.Popen[str]"]


def returnbin_devices(reader_port: str, sorter_url: str, reader_kind: str = "feig", printer_port: int = 0) -> str:
    slip = (f'\n[devices.printer]\ndriver = "escpos-network:127.0.0.1:{printer_port}"\nstatus_interval = 0\n'
            if printer_port else "")
    return slip + f"""
[devices.rfid]
driver = "{reader_kind}:{reader_port}"
required = true
poll_interval = 0.05
timeout = 1.0

[devices.sorter]
driver = "serial:{sorter_url}"
required = true
timeout = 2.0

[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
print_slip = {str(bool(printer_port)).lower()}
"""


@pytest.fixture
def service(rig: Rig, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Service]:
    """The return bin process; a test parametrized with ``reader_kind`` picks the reader (FEIG by default)."""
    reader_kind = getattr(request, "param", "feig")      # or "slips": FEIG plus a slip printer
    reader_kind = "feig" if reader_kind == "slips" else reader_kind
    rig.start_ils()
    reader, port = rig.feig(transport="socket") if reader_kind == "feig" else rig.m3(transport="socket")
    board = rig.sorter(BINS)
    slips = rig.printer() if getattr(request, "param", "") == "slips" else None
    path = rig.write_config(returnbin_devices(port, board.url, "feig" if slips else reader_kind,
                                              slips.port if slips else 0),
                            name="returnbin.toml", mode="returnbin")
    rig.slip_printer = slips
    log = open(tmp_path / "returnbin.log", "w+", encoding="utf-8")
    proc = subprocess.Popen([*KIOSK_CMD, "returnbin", "--config", str(path)], stdout=log,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, "NOTIFY_SOCKET": ""})

    def finish() -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    rig.closers.append(finish)
    yield rig, reader, board, proc


def output(tmp_path: Path) -> str:
    return (tmp_path / "returnbin.log").read_text(encoding="utf-8")


def drop(reader: FeigEmulator | M3Emulator, board: SorterBoardEmulator, uid: bytes, bin_name: str, tmp_path: Path, proc: subprocess.Popen[str],
         timeout: float = 20.0) -> None:
    """The item lies in the field until the sorter routes it, then falls on into the bin."""
    before = len(board.routed)

    def routed() -> bool:
        assert proc.poll() is None, "the return bin died:\n" + output(tmp_path)
        return len(board.routed) > before
    eventually(routed, timeout, what=f"item {uid.hex()} routed")
    assert board.routed[before:] == [bin_name], (board.routed, output(tmp_path))
    reader.field.remove(uid)


@pytest.mark.parametrize("service", ["feig", "3m810"], indirect=True)
def test_return_bin_service_sorts_items_and_stops_cleanly_on_sigterm(
        service: Service, tmp_path: Path) -> None:
    rig, reader, board, proc = service
    books = rig.client()
    for item in ITEMS[5:7]:
        assert books.checkout(ANA, item, pin=ANA_PIN).ok
    field = reader.field

    chute = [(ITEMS[5], "1"), (ON_HOLD, "holds"), (IN_TRANSIT, "holds"), (ITEMS[6], "1")]
    for item, bin_name in chute:
        tag = put_item(field, item, afi=AFI_ON_LOAN)
        drop(reader, board, tag.uid, bin_name, tmp_path, proc, timeout=30.0 if item == ITEMS[5] else 15.0)
        assert tag.afi == AFI_SECURED, f"{item} left the chute unsecured"
        assert books.item_information(item).circulation_status != "04"

    # A tag that is not a library item tag at all, and another library's book.
    junk = field.place(make_uid("junk"), b"\xff" * 32, afi=AFI_ON_LOAN, dsfid=0x00)
    drop(reader, board, junk.uid, "reject", tmp_path, proc)
    uid, data = make_item_tag("39999999999999", owner_isil="DK-710100", country="DK")
    foreign = field.place(uid, data, afi=AFI_ON_LOAN, dsfid=0x00)
    drop(reader, board, foreign.uid, "reject", tmp_path, proc)
    assert foreign.afi == AFI_ON_LOAN, "a foreign library's tag must not be rewritten"

    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, output(tmp_path)
    text = output(tmp_path)
    print(text)
    assert "stopped after" in text and "Traceback" not in text, text
    assert "kiosk-pass" not in text
    assert afi_of(field, ITEMS[5]) is None      # fell into its bin


def test_return_bin_keeps_taking_items_while_the_ils_is_down_and_replays_them(
        service: Service, tmp_path: Path) -> None:
    rig, reader, board, proc = service
    assert rig.ils is not None
    for item in ITEMS[7:9]:   # overdue loans: a queued return is provably of them (kiosk.store.loans)
        assert Desk(rig.ils.circulation).lend(item, ANA, due_in_days=-1).ok
    rig.ils.set_down(True)                               # the ILS goes away for the night
    field = reader.field
    for item in ITEMS[7:9]:
        tag = put_item(field, item, afi=AFI_ON_LOAN)
        drop(reader, board, tag.uid, "1", tmp_path, proc, timeout=30.0)   # default bin: sorted by staff later
        assert tag.afi == AFI_SECURED
    rig.ils.set_down(False)
    books = rig.client()
    eventually(lambda: all(books.item_information(i).circulation_status != "04" for i in ITEMS[7:9]), 30,
               interval=0.25, what="the queued returns replayed to the ILS")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, output(tmp_path)
    assert "Traceback" not in output(tmp_path)


def test_a_burst_of_items_in_the_field_at_once_each_go_to_their_bin_once(
        service: Service, tmp_path: Path) -> None:
    """Several books slide down together and lie in the antenna field at the
    same moment: each is checked in, secured and routed exactly once."""
    rig, reader, board, proc = service
    books = rig.client()
    for item in ITEMS[:3]:
        assert books.checkout(ANA, item, pin=ANA_PIN).ok
    field = reader.field
    burst = [put_item(field, item, afi=AFI_ON_LOAN) for item in (*ITEMS[:3], ON_HOLD)]
    eventually(lambda: len(board.routed) >= 4, 30, what="four items routed")
    for tag in burst:
        field.remove(tag.uid)
    assert sorted(board.routed) == ["1", "1", "1", "holds"], board.routed
    assert all(tag.afi == AFI_SECURED for tag in burst)
    assert all(books.item_information(item).circulation_status != "04" for item in ITEMS[:3])
    assert rig.ils is not None and rig.ils.requests["09"] == 4, "an item was checked in twice"
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, output(tmp_path)
    assert len(board.routed) == 4


def test_sigterm_while_the_ils_is_answering_loses_no_return(service: Service, tmp_path: Path) -> None:
    """systemd stops the bin while a check-in is on the wire: the process
    still exits cleanly, and the book ends up checked in and secured, now or
    after the next start (the journal's recovery)."""
    rig, reader, board, proc = service
    ils = rig.ils
    assert ils is not None
    books = rig.client()
    assert books.checkout(ANA, ITEMS[9], pin=ANA_PIN).ok
    warm = put_item(reader.field, ITEMS[8], afi=AFI_ON_LOAN)     # the bin is up and running
    drop(reader, board, warm.uid, "2", tmp_path, proc, timeout=30.0)   # its ILS sort bin
    ils.faults.set(delay=0.6)
    tag = put_item(reader.field, ITEMS[9], afi=AFI_ON_LOAN)
    eventually(lambda: ils.requests["09"] >= 2, 10, what="the check-in on the wire")
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, output(tmp_path)
    ils.faults.set(delay=0.0)
    if tag.afi != AFI_SECURED:   # the next start must finish the job from the journal
        log = open(tmp_path / "again.log", "w+", encoding="utf-8")
        again = subprocess.Popen([*KIOSK_CMD, "returnbin", "--config", str(tmp_path / "returnbin.toml")],
                                 stdout=log, stderr=subprocess.STDOUT, text=True)
        try:
            eventually(lambda: tag.afi == AFI_SECURED, 20, what="recovery securing the tag")
        finally:
            again.send_signal(signal.SIGTERM)
            again.wait(15)
            log.close()
        assert "Traceback" not in (tmp_path / "again.log").read_text(encoding="utf-8")
    assert books.item_information(ITEMS[9]).circulation_status != "04"
    assert tag.afi == AFI_SECURED, "checked in at the ILS but left unsecured"


@pytest.mark.parametrize("service", ["slips"], indirect=True)
def test_return_slips_name_the_book_never_the_patron(service: Service, tmp_path: Path) -> None:
    from kiosk.drivers.printer.render import escpos_to_text

    rig, reader, board, proc = service
    books = rig.client()
    assert books.checkout(ANA, ITEMS[0], pin=ANA_PIN).ok
    tag = put_item(reader.field, ITEMS[0], afi=AFI_ON_LOAN)
    drop(reader, board, tag.uid, "1", tmp_path, proc, timeout=30.0)
    printer = rig.slip_printer
    eventually(lambda: b"\x1dV" in bytes(printer.emulator.received), 10, what="the slip cut")
    text = escpos_to_text(bytes(printer.emulator.received))
    assert "Cien años de soledad" in text and "Riverside Public Library" in text, text
    assert ANA not in text and ANA[-4:] not in text
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(timeout=15) == 0, output(tmp_path)

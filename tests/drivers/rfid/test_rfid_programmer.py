"""``kiosk tag write``: the tag programming station on the simulated pad."""

from __future__ import annotations

import argparse
import threading
import time

import pytest

from kiosk.cli import tag as tag_cli
from kiosk.drivers.rfid.programmer import TagProgrammer
from kiosk.drivers.rfid.sim import SimulatedPad, make_uid
from kiosk.tags import ItemTag, decode_tag

BLANK = make_uid("blank-1")
BLANK2 = make_uid("blank-2")


def station(pad: SimulatedPad, **kw) -> tuple[TagProgrammer, list[str]]:
    said: list[str] = []
    kw.setdefault("wait", 0.3)
    kw.setdefault("poll", 0.02)
    return TagProgrammer(pad, isil="US-RPL", country="US", say=said.append, **kw), said


@pytest.mark.parametrize("model", ["danish", "28560-2"])
def test_programs_verifies_and_secures_a_blank_tag(model: str) -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"", afi=0xC2)
    prog, _ = station(pad, model=model)
    report = prog.program("31000000000001")
    assert report.ok, report.line()
    assert report.uid == BLANK and "verified" in report.message and "AFI 0x07" in report.message
    tag = pad.tags()[0]
    decoded = decode_tag(bytes(tag.memory), 0x06 if model == "28560-2" else 0x00)
    assert isinstance(decoded, ItemTag)
    assert (decoded.primary_item_id, decoded.owner_isil, decoded.model) == ("31000000000001", "US-RPL", model)
    assert tag.afi == 0x07 and not tag.eas
    assert tag.dsfid == (0x06 if model == "28560-2" else 0x00)      # ISO 28560-2 tags carry DSFID 0x06


def test_refuses_when_no_tag_or_several_tags() -> None:
    pad = SimulatedPad()
    prog, said = station(pad)
    report = prog.program("31000000000001")
    assert not report.ok and "no tag was placed" in report.message
    pad.place(BLANK, b"")
    pad.place(BLANK2, b"")
    report = prog.program("31000000000001")
    assert not report.ok and "refused: 2 tags on the pad" in report.message
    assert all(not any(t.memory) for t in pad.tags())            # nothing was written
    assert any("place one tag" in s for s in said)


def test_tag_lifted_mid_write_is_reported_half_written() -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"")
    pad.lift_during_write(BLANK, after_blocks=2)
    prog, _ = station(pad)
    report = prog.program("31000000000001")
    assert not report.ok and report.half_written
    assert "half-written" in report.message and report.uid == BLANK


def test_will_not_overwrite_another_item_without_force() -> None:
    pad = SimulatedPad()
    info = pad.place_item("31000000000002")
    prog, _ = station(pad)
    report = prog.program("31000000000001")
    assert not report.ok and "already holds item 31000000000002" in report.message
    assert decode_tag(pad.read_user_memory(info.uid)).primary_item_id == "31000000000002"
    forced, _ = station(pad, force=True)
    assert forced.program("31000000000001").ok
    assert decode_tag(pad.read_user_memory(info.uid)).primary_item_id == "31000000000001"


def test_waits_for_the_next_tag_and_never_reprograms_the_last_one() -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"")
    prog, said = station(pad, wait=3.0)
    assert prog.program("31000000000001").ok
    first = pad.field.get(BLANK)

    def swap() -> None:
        time.sleep(0.15)
        pad.remove(BLANK)
        pad.place(BLANK2, b"")

    hand = threading.Thread(target=swap)
    hand.start()
    report = prog.program("31000000000003")
    hand.join(5)
    assert report.ok and report.uid == BLANK2
    assert any("still on the pad" in s for s in said)
    assert decode_tag(bytes(first.memory)).primary_item_id == "31000000000001"


@pytest.mark.parametrize("security,afi,eas", [("eas", 0x00, True), ("both", 0x07, True)])
def test_security_modes(security: str, afi: int, eas: bool) -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"", afi=0x00)
    prog, _ = station(pad, security=security)
    assert prog.program("31000000000001").ok
    assert (pad.tags()[0].afi, pad.tags()[0].eas) == (afi, eas)


def test_security_write_failure_is_reported() -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"", afi=0xC2)
    prog, _ = station(pad)
    pad.field.get(BLANK).afi_locked = True          # a tag whose AFI was locked by a vendor
    report = prog.program("31000000000001")
    assert not report.ok and "NOT SECURED" in report.message


def test_item_that_does_not_fit_the_model_is_refused_before_writing() -> None:
    pad = SimulatedPad()
    pad.place(BLANK, b"")
    prog, _ = station(pad)
    report = prog.program("3" * 40)                 # the Danish model holds 16 characters
    assert not report.ok and "cannot encode" in report.message
    assert not any(pad.tags()[0].memory)


class LosesLastBlock(SimulatedPad):
    """A reader that acknowledges a write but stores one block less (a weak tag)."""

    def _write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        super()._write_blocks(uid, first, data[:-4])


def test_verify_failure_is_reported() -> None:
    pad = LosesLastBlock()
    pad.place(BLANK, bytes(32) + b"\xEE" * 4)
    pad.field.get(BLANK).memory[28:32] = b"\xEE" * 4
    prog, _ = station(pad)
    report = prog.program("31000000000001")
    assert not report.ok and report.half_written and "VERIFY FAILED" in report.message


def cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk tag")
    sub = parser.add_subparsers(dest="sub")
    tag_cli.register_write(sub)
    args = parser.parse_args(argv)
    return args.func(args)


def test_cli_programs_items_given_as_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(["write", "--device", "sim:tags=31000000000001", "--wait", "0.2", "31000000000001"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "OK     31000000000001 tag" in out and "1 of 1 tag programmed" in out


def test_cli_reports_failures_with_exit_code(capsys: pytest.CaptureFixture[str]) -> None:
    code = cli(["write", "--device", "sim", "--wait", "0.1", "--model", "28560-2", "31000000000001", "31000000000002"])
    out = capsys.readouterr().out
    assert code == 1
    assert out.count("FAILED") == 2 and "0 of 2 tags programmed" in out


def test_cli_reads_barcodes_from_stdin(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    monkeypatch.setattr("sys.stdin", io.StringIO("31000000000001\n\n"))
    code = cli(["write", "--device", "sim:tags=31000000000001", "--wait", "0.1"])
    assert code == 0 and "1 of 1" in capsys.readouterr().out


def test_feig_station_writes_dsfid_and_3m_station_says_it_cannot() -> None:
    from kiosk.drivers.rfid.feig import FeigReader
    from kiosk.drivers.rfid.feig_emulator import FeigEmulator
    from kiosk.drivers.rfid.m3_810 import M3Reader
    from kiosk.drivers.rfid.m3_810_emulator import M3Emulator
    from kiosk.drivers.rfid.field import TagField

    for emulator_cls, reader_cls, expect in ((FeigEmulator, FeigReader, 0x06), (M3Emulator, M3Reader, 0x00)):
        field = TagField()
        field.place(BLANK, b"", dsfid=0x00)
        emu = emulator_cls(field)
        reader = reader_cls(emu.start_socket(), timeout=0.5)
        try:
            prog, _ = station(reader, model="28560-2")
            report = prog.program("31000000000001")
        finally:
            reader.close()
            emu.stop()
        assert report.ok, report.line()
        assert field.get(BLANK).dsfid == expect
        assert ("cannot write it" in report.message) is (expect == 0x00)

"""escpos_to_text: a table of ESC/POS byte sequences and the text they print,
plus robustness against arbitrary bytes."""

from __future__ import annotations

import pytest
from hypothesis import given, settings, strategies as st

from kiosk.drivers.printer.render import escpos_to_text

CASES = [
    ("plain lines", b"Hello\nWorld\n", "Hello\nWorld\n"),
    ("init and bold are dropped", b"\x1b@\x1bE\x01Bold\x1bE\x00\n", "Bold\n"),
    ("centre", b"\x1ba\x01Title\n\x1ba\x00left\n", "Title".center(20).rstrip() + "\nleft\n"),
    ("right", b"\x1ba\x02R\n", "R".rjust(20) + "\n"),
    ("code page CP850 then CP1252", b"\x1bt\x02\xa5and\xa3\n\x1bt\x10\x80 5\n", "Ñandú\n€ 5\n"),
    ("feed lines capped", b"a\x1bd\x09b\n", "a\n\n\n\nb\n"),
    ("partial cut GS V 1", b"x\n\x1dV\x01", "x\n" + " partial cut ".center(20, "-") + "\n"),
    ("full cut with feed GS V A n", b"\x1dVA\x10", " cut ".center(20, "-") + "\n"),
    ("raster image GS v 0", b"\x1dv0\x00\x02\x00\x03\x00" + b"\x0a" * 6 + b"after\n", "[image 16x3]\nafter\n"),
    ("bit image ESC * 33", b"\x1b*\x21\x02\x00" + b"\x0a" * 6 + b"z\n", "[image 2x24]\nz\n"),
    ("barcode GS k 73 CODE128", b"\x1dkI\x10{B31000000000001", "[barcode CODE128: 31000000000001]\n"),
    ("barcode GS k 4 NUL-terminated", b"\x1dk\x04ABC\x00x\n", "[barcode CODE39: ABC]\nx\n"),
    ("native QR store + print",
     b"\x1d(k\x04\x001A2\x00" + b"\x1d(k\x0b\x001P0https:/x" + b"\x1d(k\x03\x001Q0",
     "[QR: https:/x]\n"),
    ("status queries and pulses print nothing", b"\x10\x04\x01\x10\x14\x01\x00\x05ok\n", "ok\n"),
    ("tabs", b"a\tb\n", "a       b\n"),
    ("barcode settings", b"\x1dh\x40\x1dw\x02\x1dH\x02\x1df\x00t\n", "t\n"),
    ("truncated command at the end", b"text\n\x1dv0\x00\x05", "text\n[image 40x0]\n"),
    ("size and font", b"\x1d!\x11\x1bM\x01big\n", "big\n"),
    ("double width centres in half the columns", b"\x1ba\x01\x1d!\x10Hi\n\x1d!\x00Hi\n",
     "Hi".center(10).rstrip() + "\n" + "Hi".center(20).rstrip() + "\n"),
]


@pytest.mark.parametrize("name, data, text", CASES, ids=[c[0] for c in CASES])
def test_render(name: str, data: bytes, text: str) -> None:
    assert escpos_to_text(data, width=20) == text


def test_empty() -> None:
    assert escpos_to_text(b"") == ""


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=400))
def test_never_raises(data: bytes) -> None:
    assert isinstance(escpos_to_text(data), str)

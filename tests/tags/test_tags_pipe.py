"""``kiosk tag encode ... | kiosk tag decode -`` pipes (plain and JSON), and
a reader that stops early does not make the writer print a traceback. Run as
processes, as staff run them."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

KIOSK = [sys.executable, "-m", "kiosk.cli"]
ITEM = ["--item", "31000000000001", "--isil", "DK-710100"]


def pipe(first: list[str], second: list[str]) -> tuple[subprocess.CompletedProcess[str], int]:
    writer = subprocess.Popen([*KIOSK, *first], stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        reader = subprocess.run([*KIOSK, *second], stdin=writer.stdout, capture_output=True, text=True, timeout=60)
    finally:
        assert writer.stdout is not None
        writer.stdout.close()
        writer.wait(timeout=60)
    return reader, writer.returncode


@pytest.mark.parametrize("model", ["danish", "28560-2"])
@pytest.mark.parametrize("encode_json", [False, True])
def test_encode_pipes_into_decode(model: str, encode_json: bool) -> None:
    encode = ["tag", "encode", "--model", model, *ITEM] + (["--json"] if encode_json else [])
    decoded, encode_code = pipe(encode, ["tag", "decode", "-", "--json"])
    assert encode_code == 0
    assert decoded.returncode == 0, decoded.stderr
    tag = json.loads(decoded.stdout)
    assert tag["model"] == model and tag["primary_item_id"] == "31000000000001" and tag["owner_isil"] == "DK-710100"
    assert tag["dsfid"] == ("06" if model == "28560-2" else "00")     # encode's DSFID went along


def test_decode_json_pipes_into_decode_again() -> None:
    decoded, _ = pipe(["tag", "decode", "--json", "11 01 01 33 31 30 30 30 30 30 30 30 30 30 30 30 31 00 00 6A "
                       "E0 44 4B 37 31 30 31 30 30 00 00 00"], ["tag", "decode", "-"])
    assert decoded.returncode == 0, decoded.stderr
    assert "primary item id  31000000000001" in decoded.stdout


def test_hex_over_several_lines_still_reads_as_hex() -> None:
    done = subprocess.run([*KIOSK, "tag", "decode", "-"], input="11 01 01 33\n31 30 30 30 30 30 30 30\n"
                          "30 30 30 30 31 00 00 6A\nE0 44 4B 37 31 30 31 30 30 00 00 00\n",
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0 and "31000000000001" in done.stdout


def test_bad_json_says_so_in_one_line() -> None:
    done = subprocess.run([*KIOSK, "tag", "decode", "-"], input='{"model": "danish"}', capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 2
    assert done.stderr.strip() == 'kiosk tag: JSON input needs a "hex" field (as kiosk tag encode --json prints)'


def test_a_reader_that_stops_early_gets_no_traceback() -> None:
    # `kiosk tag encode --json | head -c1`, made deterministic: the reader has
    # gone before the writer writes anything.
    writer = subprocess.Popen([*KIOSK, "tag", "encode", "--json", *ITEM], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE)
    assert writer.stdout is not None and writer.stderr is not None
    writer.stdout.close()
    try:
        err = writer.stderr.read().decode()
        writer.wait(timeout=60)
    finally:
        writer.stderr.close()
    assert "Traceback" not in err and "BrokenPipeError" not in err, err
    assert writer.returncode == 141

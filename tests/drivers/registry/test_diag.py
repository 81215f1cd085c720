"""One registry, one grammar: unknown strings list the valid forms, and
``kiosk diag`` opens every configured device through the registry, runs its
safe self-test and says PASS / FAIL / WARN / SKIP per device."""

from __future__ import annotations

import argparse
import json
import os
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.cli import diag as diag_cli
from kiosk.drivers import registry
from kiosk.drivers.diag import check_device
from kiosk.drivers.printer.emulator import TcpPrinter
from kiosk.drivers.printer.render import escpos_to_text
from kiosk.drivers.printer.status import PrinterStatus
from kiosk.errors import DeviceError


@pytest.mark.parametrize("family, spec, forms", [
    ("scanner", "wand:/dev/ttyS0", ["serial:PORT", "hid:/dev/input/eventN", "sim"]),
    ("nfc", "pcsc:0", ["nfc:usb", "nfc:tty:PORT[:DRIVER]", "nfc:udp", "sim"]),
    ("printer", "escpos-bluetooth:AA", ["escpos-usb:VID:PID", "escpos-serial:PORT[,baud=N]",
                                         "escpos-network:HOST[:PORT]", "escpos-file:PATH",
                                         "escpos-cups:PRINTER", "sim"]),
])
def test_unknown_device_string_lists_valid_forms(family: str, spec: str, forms: list[str]) -> None:
    with pytest.raises(DeviceError) as info:
        registry.open_device(family, spec, {})
    message = str(info.value)
    assert f"unknown device string {spec!r}" in message and "valid forms:" in message
    for form in forms:
        assert form in message
    assert info.value.device == family


def test_every_driver_declares_grammar_and_doc() -> None:
    for family in ("scanner", "nfc", "printer"):
        entries = registry.drivers(family)
        assert {e.scheme for e in entries} >= {"sim"}
        assert all(e.grammar and e.doc for e in entries)


# ---------------------------------------------------------------- kiosk diag
def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    parser = argparse.ArgumentParser()
    diag_cli.register(parser.add_subparsers())
    args = parser.parse_args(["diag", *argv])
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out, err


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture
def tcp_printer() -> Iterator[TcpPrinter]:
    printer = TcpPrinter()
    yield printer
    printer.close()


def test_diag_all_pass_prints_a_test_slip(tmp_path: Path, tcp_printer: TcpPrinter,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, f"""
[devices.scanner]
driver = "sim"
required = true
[devices.nfc]
driver = "sim"
[devices.printer]
driver = "escpos-network:127.0.0.1:{tcp_printer.port}"
required = true
timeout = 1.0
""")
    code, out, _ = run(["--config", str(config), "--prompt-wait", "0"], capsys)
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("SKIP  rfid") or lines[0].startswith("PASS  rfid")
    assert any(line.startswith("PASS  scanner  sim") and "required" in line for line in lines)
    assert any(line.startswith("PASS  nfc") for line in lines)
    printer_line = next(line for line in lines if " printer " in line)
    assert printer_line.startswith("PASS") and "test slip printed; ready" in printer_line
    assert lines[-1].startswith("ready for patrons")
    deadline = time.monotonic() + 3
    while b"\x1dV" not in tcp_printer.emulator.received and time.monotonic() < deadline:
        time.sleep(0.01)
    assert "Kiosk printer test" in escpos_to_text(bytes(tcp_printer.emulator.received))


def test_required_failure_is_out_of_service_and_optional_is_a_warning(
        tmp_path: Path, tcp_printer: TcpPrinter, capsys: pytest.CaptureFixture[str]) -> None:
    tcp_printer.emulator.state = PrinterStatus(online=False, paper_out=True)
    config = write(tmp_path, f"""
[devices.scanner]
driver = "wand:/dev/ttyS0"
[devices.nfc]
driver = "nfc:usb:ffff:fffe"
[devices.printer]
driver = "escpos-network:127.0.0.1:{tcp_printer.port}"
required = true
timeout = 1.0
""")
    code, out, _ = run(["--config", str(config), "--no-print"], capsys)
    assert code == 1
    by_family = {line.split()[1]: line for line in out.splitlines() if line[:4] in ("PASS", "FAIL", "WARN", "SKIP")}
    assert by_family["printer"].startswith("FAIL") and "paper out, offline" in by_family["printer"]
    assert by_family["scanner"].startswith("WARN") and "valid forms:" in by_family["scanner"]
    assert by_family["nfc"].startswith("WARN") and "no reader on 'usb:ffff:fffe'" in by_family["nfc"]
    assert out.splitlines()[-1] == "OUT OF SERVICE: printer failed"
    assert b"Kiosk printer test" not in tcp_printer.emulator.received      # --no-print


def test_diag_json(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    config = write(tmp_path, """
[devices.rfid]
driver = ""
required = true
[devices.printer]
driver = "sim"
""")
    code, out, _ = run(["--config", str(config), "--json"], capsys)
    report = json.loads(out)
    assert code == 1 and report["ok"] is False
    devices = {d["family"]: d for d in report["devices"]}
    assert devices["rfid"]["status"] == "fail" and "no driver configured" in devices["rfid"]["detail"]
    assert devices["printer"]["status"] == "pass" and devices["printer"]["required"] is False
    assert devices["scanner"]["status"] == "skip"


def test_scan_prompt_reads_a_barcode_from_a_serial_scanner(tmp_path: Path,
                                                          capsys: pytest.CaptureFixture[str]) -> None:
    master, slave = os.openpty()
    try:
        config = write(tmp_path, f'[devices.scanner]\ndriver = "serial:{os.ttyname(slave)}"\nrequired = true\n')
        timer = threading.Timer(0.3, os.write, (master, b"31000000000001\r"))
        timer.start()
        code, out, err = run(["--config", str(config), "--prompt-wait", "5"], capsys)
        timer.join()
        assert code == 0
        assert "scan any barcode within 5 s" in err
        assert "read '**********0001'" in out      # masked: it could have been a patron card
        code, out, _ = run(["--config", str(config), "--prompt-wait", "0.2"], capsys)
        assert code == 0 and "[warning: no barcode read within 0.2 s]" in out
    finally:
        os.close(master)
        os.close(slave)


def test_hung_device_is_bounded(monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()

    def hanging_driver(argument: str, options: dict[str, Any]) -> object:
        release.wait(5)       # a device that never answers its open
        raise DeviceError("late", "display")

    registry._load_family("display")
    monkeypatch.setitem(registry._REGISTRY, ("display", "hang"),
                        registry.DriverEntry("display", "hang", "hang", "test: never answers", hanging_driver))
    started = time.monotonic()
    result = check_device("display", "hang", {}, timeout=0.3)
    release.set()
    assert not result.ok and "no answer within 0.3 s" in result.detail
    assert time.monotonic() - started < 2


def test_broken_config_is_a_config_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.errors import ConfigError

    config = write(tmp_path, "[devices.printer]\ndriver = \"sim\"\nwidht = 42\n")
    with pytest.raises(ConfigError, match="devices.printer.widht: unknown key; did you mean 'width'"):
        run(["--config", str(config)], capsys)


def test_list_drivers(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["--list-drivers"], capsys)
    assert code == 0
    assert "escpos-network:HOST[:PORT]" in out and "hid:/dev/input/eventN" in out and "nfc:usb" in out


def test_card_prompt_reads_a_card_through_nfcpy(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import socket
    import subprocess
    import sys

    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    emulator = Path(__file__).resolve().parents[1] / "nfc" / "card_emulator.py"
    card = subprocess.Popen([sys.executable, str(emulator), "--port", str(port), "--seconds", "6",
                             "--text", "21000000000006"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    try:
        assert card.stdout is not None and card.stdout.readline().strip() == b"listening"
        config = write(tmp_path, f'[devices.nfc]\ndriver = "nfc:udp:127.0.0.1:{port}"\nmode = "ndef"\n'
                                 'targets = "212F"\nrequired = true\n')
        code, out, err = run(["--config", str(config), "--prompt-wait", "8"], capsys)
        assert code == 0
        assert "tap a patron card within 8 s" in err
        line = next(line for line in out.splitlines() if " nfc " in line)
        assert line.startswith("PASS") and "read card '**********0006'" in line
    finally:
        card.kill()
        card.wait(timeout=5)
        if card.stdout:
            card.stdout.close()

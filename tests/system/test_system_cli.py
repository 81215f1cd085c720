"""The operator's commands, as subprocesses, on the system configs:
``kiosk diag --config FILE`` against the emulators (a PASS line per device;
a dead required device fails with its reason) and ``kiosk check-config``.
"""

from __future__ import annotations

import subprocess
from typing import Iterator

from system_rig import KIOSK_CMD, Rig, dead_port, put_item

import pytest


def run(*args: str, timeout: float = 60.0) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KIOSK_CMD, *args], capture_output=True, text=True, timeout=timeout)


def devices(reader: str, scanner: str, printer_port: int, sorter_url: str, printer_required: bool = False) -> str:
    return f"""
[devices.rfid]
driver = "{reader}"
required = true
timeout = 1.0

[devices.scanner]
driver = "serial:{scanner}"

[devices.printer]
driver = "escpos-network:127.0.0.1:{printer_port}"
required = {str(printer_required).lower()}
status_interval = 0
timeout = 1.0

[devices.sorter]
driver = "serial:{sorter_url}"
timeout = 1.0
"""


@pytest.fixture
def in_process_cli() -> Iterator[None]:
    """``kiosk.cli.main`` installs a root log handler on the (captured) stdout:
    put the root logger back afterwards so later tests do not log to a closed stream."""
    import logging

    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)


def lines_by_family(stdout: str) -> dict[str, str]:
    out = {}
    for line in stdout.splitlines():
        words = line.split()
        if len(words) >= 2 and words[0] in ("PASS", "FAIL", "WARN", "SKIP"):
            out[words[1]] = line
    return out


@pytest.fixture
def emulated(rig: Rig) -> tuple[Rig, str, str, int, str]:
    reader, port = rig.feig()
    put_item(reader.field, "31000000000001")
    scanner = rig.scanner()
    printer = rig.printer()
    board = rig.sorter()
    return rig, f"feig:{port}", scanner.path, printer.port, board.url


def test_diag_passes_every_emulated_device(emulated: tuple[Rig, str, str, int, str]) -> None:
    rig, reader, scanner, printer_port, sorter = emulated
    path = rig.write_config(devices(reader, scanner, printer_port, sorter), name="diag.toml")
    result = run("diag", "--config", str(path), "--no-print", "--timeout", "5")
    assert result.returncode == 0, result.stdout + result.stderr
    found = lines_by_family(result.stdout)
    for family in ("rfid", "scanner", "printer", "sorter"):
        assert family in found and found[family].startswith("PASS"), result.stdout
    assert "1 tag on the pad" in found["rfid"]
    assert "Traceback" not in result.stderr

    check = run("check-config", str(path))
    assert check.returncode == 0, check.stdout + check.stderr


def test_diag_names_a_dead_required_device_and_fails(emulated: tuple[Rig, str, str, int, str]) -> None:
    rig, reader, scanner, _printer_port, sorter = emulated
    dead = dead_port()
    path = rig.write_config(devices(reader, scanner, dead, sorter, printer_required=True), name="dead.toml")
    result = run("diag", "--config", str(path), "--no-print", "--timeout", "5")
    assert result.returncode != 0, result.stdout
    found = lines_by_family(result.stdout)
    assert found["printer"].startswith("FAIL"), result.stdout
    assert str(dead) in found["printer"] or "refused" in found["printer"].lower(), result.stdout
    assert found["rfid"].startswith("PASS"), result.stdout
    assert "Traceback" not in result.stdout + result.stderr


def test_check_config_names_the_broken_key(rig: Rig, capsys: pytest.CaptureFixture[str],
                                           in_process_cli: None) -> None:
    from kiosk.cli import main

    path = rig.write_config('[devices.rfid]\ndriver = "feig:/dev/ttyUSB0"\npoll_interval = "fast"\n',
                            name="broken.toml", port=6001)
    assert main(["check-config", str(path)]) != 0
    shown = capsys.readouterr()
    assert "devices.rfid.poll_interval" in shown.out + shown.err
    assert "Traceback" not in shown.out + shown.err


def test_every_system_config_validates_with_check_config(rig: Rig, capsys: pytest.CaptureFixture[str],
                                                        in_process_cli: None) -> None:
    """The configs the system tests run on are ones an operator could deploy:
    kiosk (FEIG, 3M), return bin, TLS, tag programmer."""
    from kiosk.cli import main
    from test_system_kiosk import kiosk_devices
    from test_system_returnbin import returnbin_devices

    configs = {
        "feig.toml": rig.write_config(kiosk_devices("feig:/dev/ttyUSB0", "/dev/ttyACM0", 9100), name="feig.toml"),
        "m3.toml": rig.write_config(kiosk_devices("3m810:/dev/ttyS0", "/dev/ttyACM0", 9100), name="m3.toml"),
        "bin.toml": rig.write_config(returnbin_devices("socket://127.0.0.1:7000", "socket://127.0.0.1:7001"),
                                     name="bin.toml", mode="returnbin"),
        "tls.toml": rig.write_config(kiosk_devices("feig:/dev/ttyUSB0", "/dev/ttyACM0", 9100), name="tls.toml",
                                     sip2_extra='tls = true\ntls_verify = true\ncafile = "/etc/kiosk/ils-ca.pem"'),
        "tags.toml": rig.write_config('[devices.rfid]\ndriver = "feig:/dev/ttyUSB0"\ntag_model = "28560-2"\n',
                                      name="tags.toml"),
    }
    for name, path in configs.items():
        assert main(["check-config", str(path)]) == 0, (name, capsys.readouterr())
    shown = capsys.readouterr()
    assert "kiosk-pass" not in shown.out + shown.err


def test_diag_says_so_when_the_driver_does_not_match_the_reader(rig: Rig) -> None:
    """feig: configured, a 3M pad on the cable: a FAIL line that names the
    reader once and says what to check, never a traceback."""
    pad, port = rig.m3()
    path = rig.write_config(f'[devices.rfid]\ndriver = "feig:{port}"\nrequired = true\ntimeout = 0.5\n',
                            name="wrong.toml")
    result = run("diag", "--config", str(path), "--no-print")
    assert result.returncode == 1, result.stdout
    line = lines_by_family(result.stdout)["rfid"]
    assert line.startswith("FAIL") and "no reply" in line and "baud rate" in line, line
    assert line.count(f"FEIG reader on {port}") == 1, line
    assert "Traceback" not in result.stdout + result.stderr


def test_diag_while_the_kiosk_holds_the_reader_does_not_disturb_it(rig: Rig) -> None:
    """Staff run ``kiosk diag`` on a station whose kiosk is running: diag must
    not talk on the pad's serial line under the kiosk (two hosts on one line
    corrupt each other's frames); it says the port is busy, and the kiosk
    goes on lending."""
    from kiosk.events import ItemStatus, SessionState
    from system_rig import ITEMS, afi_of
    from test_system_kiosk import KioskRig

    kiosk = KioskRig(rig, "feig", reader_options=",parity=none")   # a pty takes no parity settings twice
    result = run("diag", "--config", str(kiosk.path), "--no-print", "--timeout", "5")
    lines = lines_by_family(result.stdout)
    for family in ("rfid", "scanner"):        # the scanner's serial port is the kiosk's too
        assert lines[family].startswith(("FAIL", "WARN")) and "busy" in lines[family].lower(), lines[family]
    assert kiosk.reader.garbage == 0, "frames from two hosts collided on the reader's line"
    kiosk.log_in()
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    put_item(kiosk.field, ITEMS[6])
    assert kiosk.results(1)[ITEMS[6]].status is ItemStatus.BORROWED
    assert afi_of(kiosk.field, ITEMS[6]) == 0xC2

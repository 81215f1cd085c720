"""Device strings are checked at check-config time by the driver's own parser:
what ``kiosk check-config`` passes, opening accepts, and every mistake of a
file is reported at once. Nothing is opened by the check."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.drivers import registry
from kiosk.drivers.arguments import no_argument
from kiosk.errors import DeviceError

# (family, device string, table options, what the message must say). One row
# per mistake the issue names, and at least one per registered driver.
BAD: list[tuple[str, str, dict[str, object], str]] = [
    ("printer", "escpos-usb:04b8", {}, "expected VID:PID"),
    ("printer", "escpos-usb:zzzz:0202", {}, "vendor id 'zzzz' is not a hex id"),
    ("printer", "escpos-usb:04b8:12345", {}, "product id '12345' is not a hex id"),
    ("printer", "escpos-network:", {}, "expected a host"),
    ("printer", "escpos-network:printer.local:99999", {}, "TCP port 99999 is outside 1..65535"),
    ("printer", "escpos-serial:/dev/ttyS1,baud=fast", {}, "option baud: 'fast' is not a whole number"),
    ("printer", "escpos-serial:/dev/ttyS1,terminator=tab", {}, "unknown option 'terminator=tab'; allowed: baud="),
    ("printer", "escpos-serial:", {}, "no port given"),
    ("printer", "escpos-file:", {}, "expected a path"),
    ("printer", "escpos-cups:", {}, "expected a CUPS queue name"),
    ("printer", "escpos:laser:lp0", {}, "unknown escpos backend 'laser'"),
    ("printer", "escpos:usb:04b8", {}, "expected VID:PID"),
    ("printer", "sim:fast", {}, "takes no argument"),
    ("printer", "dummy", {"profile": "TM-T1000"}, "profile 'TM-T1000' is not a python-escpos printer profile"),
    ("printer", "sim", {"profile": "TM-T88IV", "codepage": "CP857"}, "codepage 'CP857' is not in the TM-T88IV profile"),
    ("scanner", "serial:", {}, "no port given"),
    ("scanner", "serial:/dev/ttyACM0,baud=abc", {}, "option baud: 'abc' is not a whole number"),
    ("scanner", "serial:/dev/ttyACM0,baud=12", {}, "12 is not a standard baud rate"),
    ("scanner", "serial:/dev/ttyACM0,terminator=semicolon", {}, "option terminator: 'semicolon' is not one of"),
    ("scanner", "serial:/dev/ttyACM0,parity=even", {}, "unknown option 'parity=even'"),
    ("scanner", "hid:", {}, "needs a device"),
    ("scanner", "hid:event3", {}, "needs a device"),
    ("scanner", "hid:name=", {}, "hid:name= needs part of the device's name"),
    ("scanner", "sim:loud", {}, "takes no argument"),
    ("rfid", "feig:", {}, "no port given"),
    ("rfid", "feig:/dev/ttyUSB0,parity=maybe", {}, "option parity: 'maybe' is not one of even, none, odd"),
    ("rfid", "feig:/dev/ttyUSB0,baud=12", {}, "12 is not a standard baud rate"),
    ("rfid", "feig:/dev/ttyUSB0,bus=300", {}, "option bus: 300 is outside 0..255"),
    ("rfid", "feig:/dev/ttyUSB0,frame=huge", {}, "option frame: 'huge' is not one of standard, advanced"),
    ("rfid", "3m810:", {}, "no port given"),
    ("rfid", "3m810:/dev/ttyS0,bus=1", {}, "unknown option 'bus=1'; allowed: baud="),
    ("rfid", "sim:fast", {}, "unknown sim option 'fast'"),
    ("nfc", "nfc:", {}, "expected nfc:usb"),
    ("nfc", "nfc:usb:xyz", {}, "hex ids"),
    ("nfc", "nfc:tty:", {}, "expected nfc:tty:PORT"),
    ("nfc", "nfc:udp:127.0.0.1:port", {}, "'port' is not a whole number"),
    ("nfc", "nfc:usb", {"targets": "106A,999Z"}, "targets 999Z not known"),
    ("nfc", "sim:x", {}, "takes no argument"),
    ("sorter", "serial:", {}, "no port given"),
    ("sorter", "serial:/dev/ttyUSB1,baud=12", {}, "12 is not a standard baud rate"),
    ("sorter", "serial:/dev/ttyUSB1", {"baud": 1234}, "baud = 1234: 1234 is not a standard baud rate"),
    ("sorter", "sim:4", {}, "takes no argument"),
    ("display", "serial:", {}, "no port given"),
    ("display", "serial:/dev/ttyUSB2,speed=9600", {}, "unknown option 'speed=9600'"),
    ("display", "sim:on", {}, "takes no argument"),
    ("payment", "sim:explode", {}, "unknown option 'explode'"),
    ("keypad", "serial:", {}, "no port given"),
    ("keypad", "serial:/dev/ttyUSB3,baud=12", {}, "12 is not a standard baud rate"),
    ("keypad", "serial:/dev/ttyUSB3,framing=word", {}, "option framing: 'word' is not one of byte, line"),
    ("keypad", "serial:/dev/ttyUSB3", {"keymap": ["xy=HELP"]}, "'xy=HELP': 'xy' is not one character"),
    ("keypad", "evdev:", {}, "evdev needs a device path or name=TEXT"),
    ("keypad", "evdev:/dev/input/event4", {"keymap": ["KEY_NOPE=HELP"]}, "no evdev key name"),
    ("keypad", "sim:x", {}, "takes no argument"),
    ("payment", "sim:decline_over=lots", {}, "lots"),
]

GOOD: list[tuple[str, str, dict[str, object]]] = [
    ("printer", "escpos-usb:04b8:0202", {}), ("printer", "escpos-network:192.0.2.10", {}),
    ("printer", "escpos-network:printer.local:9101", {}), ("printer", "escpos-serial:/dev/ttyS1,baud=19200", {}),
    ("printer", "escpos-file:/dev/usb/lp0", {}), ("printer", "escpos-cups:receipt", {}),
    ("printer", "escpos:network:192.0.2.10", {}), ("printer", "sim", {"profile": "TM-T88IV", "codepage": "CP858"}),
    ("printer", "dummy", {}),
    ("scanner", "serial:/dev/ttyACM0,baud=9600,terminator=tab", {}), ("scanner", "hid:/dev/input/event3", {}),
    ("scanner", "hid:name=Honeywell", {}), ("scanner", "sim", {}),
    ("rfid", "feig:socket://127.0.0.1:7000,baud=38400,bus=0x00,parity=none,frame=advanced", {}),
    ("rfid", "3m810:/dev/ttyS0,baud=19200", {}), ("rfid", "sim:airtime,tags=1;2", {}),
    ("nfc", "nfc:usb", {}), ("nfc", "nfc:usb:054c:06c1", {}), ("nfc", "nfc:tty:ttyUSB0:pn532", {}),
    ("nfc", "nfc:udp:127.0.0.1:54321", {}), ("nfc", "sim", {}),
    ("sorter", "serial:/dev/ttyUSB1,baud=115200", {}), ("sorter", "sim", {}),
    ("display", "serial:/dev/ttyUSB2", {"baud": 9600}), ("display", "sim", {}),
    ("payment", "sim:decline_over=10.00,refund_fail", {}),
    ("keypad", "serial:/dev/ttyUSB3,baud=19200,framing=line", {}), ("keypad", "evdev:name=AudioNav", {}),
    ("keypad", "evdev:/dev/input/event4", {"keymap": ["KEY_F5=REPEAT"]}), ("keypad", "sim", {}),
]


@pytest.mark.parametrize("family, spec, options, fragment", BAD)
def test_check_and_open_reject_with_the_same_message(family: str, spec: str, options: dict[str, object],
                                                     fragment: str) -> None:
    problem = registry.check_device_string(family, spec, dict(options))
    assert problem is not None and fragment in problem, problem
    with pytest.raises(DeviceError) as info:
        registry.open_device(family, spec, dict(options))
    assert str(info.value) == f"{family}: {problem}"     # one parser: the same words


@pytest.mark.parametrize("family, spec, options", GOOD)
def test_good_strings_pass_the_check(family: str, spec: str, options: dict[str, object]) -> None:
    assert registry.check_device_string(family, spec, dict(options)) is None


def test_every_registered_driver_has_a_bad_and_a_good_example() -> None:
    families = tuple(registry.FAMILY_MODULES)
    registered = {(e.family, e.scheme) for f in families for e in registry.drivers(f)}
    tested_bad = {(f, registry.split_spec(s)[0]) for f, s, _, _ in BAD}
    tested_good = {(f, registry.split_spec(s)[0]) for f, s, _ in GOOD}
    assert registered - tested_bad == set(), "drivers without a rejected example"
    assert registered - tested_good == set(), "drivers without an accepted example"
    # Only drivers that take no argument may go without a parser of their own.
    assert all(e.parse is not no_argument or e.scheme in ("sim", "dummy")
               for f in families for e in registry.drivers(f))


def test_unknown_string_without_suggestion_reads_well() -> None:
    problem = registry.check_device_string("printer", "lpr:/dev/usb/lp0")
    assert problem is not None
    assert problem.startswith("unknown device string 'lpr:/dev/usb/lp0'; valid forms: dummy (")
    assert "escpos-usb:VID:PID (USB ESC/POS printer" in problem
    assert "did you mean" not in problem


MISTAKES = """
[station]
currency = "dollars"

[sip2]
port = 0

[devices.rfid]
driver = "feig:/dev/ttyUSB0,parity=maybe"

[devices.scanner]
driver = "serial:/dev/ttyACM0,baud=abc"

[devices.nfc]
driver = "nfc:"

[devices.printer]
driver = "escpos-usb:04b8"

[devices.sorter]
driver = "serial:/dev/ttyUSB1,baud=12"

[devices.display]
driver = "serial:"

[devices.payment]
driver = "sim:explode"
"""
EXPECTED = [
    "station.currency: 'dollars' is not an ISO 4217 code",
    "sip2.port: must be at least 1 (got 0)",
    "devices.rfid.driver: 'feig:/dev/ttyUSB0,parity=maybe': option parity: 'maybe' is not one of even, none, odd",
    "devices.scanner.driver: 'serial:/dev/ttyACM0,baud=abc': option baud: 'abc' is not a whole number",
    "devices.nfc.driver: 'nfc:': expected nfc:usb",
    "devices.printer.driver: 'escpos-usb:04b8': expected VID:PID in hex",
    "devices.sorter.driver: 'serial:/dev/ttyUSB1,baud=12': option baud: 12 is not a standard baud rate",
    "devices.display.driver: 'serial:': no port given",
    "devices.payment.driver: 'sim:explode': unknown option 'explode'",
]


def test_check_config_reports_every_mistake_of_a_file(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text(MISTAKES, encoding="utf-8")
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", "check-config", str(path)], capture_output=True,
                          text=True, timeout=60, cwd=tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [line.strip() for line in done.stderr.splitlines()[1:]]
    assert done.stderr.splitlines()[0] == f"{path}: {len(EXPECTED)} errors"
    assert len(lines) == len(EXPECTED), done.stderr
    for expected in EXPECTED:
        assert any(line.startswith(expected) for line in lines), f"{expected!r} not in\n{done.stderr}"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["station.toml"]     # nothing opened or created

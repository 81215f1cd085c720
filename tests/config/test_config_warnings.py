"""check-config warns about settings that are valid but cannot be meant for a
station in service (the example password, no staff access, TLS off to a real
ILS, demo data folder ...), without failing unless ``--strict``."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.config.production import is_loopback, production_warnings
from kiosk.staff import hash_secret

ROOT = Path(__file__).resolve().parents[2]
PIN_HASH = hash_secret("2468", n=2**10)


def check_config(*argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "kiosk.cli", "check-config", *argv], capture_output=True,
                          text=True, timeout=60, cwd=cwd)


def test_the_example_file_passes_with_its_warnings(tmp_path: Path) -> None:
    done = check_config(str(ROOT / "config" / "station.example.toml"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().endswith("station.example.toml: OK (3 warnings)")
    warnings = [line.strip() for line in done.stderr.splitlines()]
    assert warnings == [
        "warning: sip2.host: 'sip.ils.example.org' is a placeholder from the example; set the ILS's SIP2 server",
        "warning: sip2.password: still the example value; set the SIP2 login password the ILS gave this station",
        "warning: staff.pin_hash: empty and no staff.badge_hashes: staff mode cannot be opened on this station; "
        "make a hash with `kiosk hash-pin`",
    ]
    strict = check_config("--strict", str(ROOT / "config" / "station.example.toml"), cwd=tmp_path)
    assert strict.returncode == 1 and "not ready for service (3 warnings)" in strict.stderr


PRODUCTION = f"""
[station]
data_dir = "/var/lib/kiosk"
[sip2]
host = "sip.ils.riverside.test"
tls = true
username = "kiosk1"
password = "s3cret-Riverside-7"
[devices.rfid]
driver = "feig:/dev/ttyUSB0"
[devices.printer]
driver = "escpos-usb:04b8:0202"
[staff]
pin_hash = "{PIN_HASH}"
"""


def load(tmp_path: Path, text: str) -> object:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, apply_override_file=False)


def test_a_station_ready_for_service_has_no_warnings(tmp_path: Path) -> None:
    assert production_warnings(load(tmp_path, PRODUCTION)) == []


@pytest.mark.parametrize("change, expected", [
    (('password = "s3cret-Riverside-7"', 'password = ""'), "sip2.password: empty"),
    (('password = "s3cret-Riverside-7"', 'password = "change-me"'), "sip2.password: still the example value"),
    (("tls = true", "tls = false"), "sip2.tls: off for sip.ils.riverside.test"),
    (("tls = true", "tls = true\ntls_verify = false"), "sip2.tls_verify: off"),
    ((f'pin_hash = "{PIN_HASH}"', 'pin_hash = ""'), "staff.pin_hash: empty and no staff.badge_hashes"),
    (('data_dir = "/var/lib/kiosk"', 'data_dir = "var/demo"'), "station.data_dir: "),
    (('driver = "feig:/dev/ttyUSB0"', 'driver = "sim"'),
     "devices.rfid.driver: 'sim' is simulated hardware on a station talking to sip.ils.riverside.test"),
    (("[staff]", '[receipt]\nemail = true\nsmtp_host = "mail.riverside.test"\nsmtp_user = "kiosk"\n'
                 'smtp_security = "none"\n[staff]'), "receipt.smtp_security: none with a login"),
])
def test_each_warning(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    text = PRODUCTION.replace(*change)
    assert text != PRODUCTION
    warnings = production_warnings(load(tmp_path, text))
    assert len(warnings) == 1 and warnings[0].startswith(expected), warnings


def test_badges_alone_open_staff_mode_and_loopback_needs_no_tls(tmp_path: Path) -> None:
    text = PRODUCTION.replace(f'pin_hash = "{PIN_HASH}"', f'badge_hashes = ["{PIN_HASH}"]')
    text = text.replace('host = "sip.ils.riverside.test"\ntls = true', 'host = "127.0.0.1"\ntls = false')
    assert production_warnings(load(tmp_path, text)) == []
    assert is_loopback("::1") and is_loopback("localhost") and not is_loopback("10.0.0.5")

"""The shipped systemd units: notify + watchdog, explicit config, network-online,
and `systemd-analyze verify` where the tool exists."""

from __future__ import annotations

import configparser
import shutil
import subprocess
from pathlib import Path

import pytest

UNITS = Path(__file__).resolve().parents[2] / "systemd"


def read_unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(UNITS / name)
    return parser


@pytest.mark.parametrize("name,config", [("kiosk.service", "/etc/kiosk/kiosk.toml"),
                                         ("kiosk-returnbin.service", "/etc/kiosk/returnbin.toml")])
def test_unit_contract(name: str, config: str) -> None:
    unit = read_unit(name)
    assert "network-online.target" in unit["Unit"]["After"]
    assert "network-online.target" in unit["Unit"]["Wants"]
    service = unit["Service"]
    assert service["Type"] == "notify"
    assert int(service["WatchdogSec"]) > 0
    assert service["Restart"] == "on-failure"
    assert service["User"] == "kiosk"
    assert f"--config {config}" in service["ExecStart"]


def test_kiosk_runs_alone_in_a_kiosk_compositor() -> None:
    service = read_unit("kiosk.service")["Service"]
    assert service["ExecStart"].startswith("/usr/bin/cage ")
    assert service["NotifyAccess"] == "all"  # the app, not cage, reports readiness


def verify(text: str, name: str, tmp_path: Path) -> str:
    """Run `systemd-analyze verify` on ``text``; return what it complained about."""
    # Executables named in the unit must exist for verify; point them at stand-ins.
    stand_in = tmp_path / "bin"
    stand_in.mkdir(exist_ok=True)
    for exe in ("cage", "kiosk"):
        (stand_in / exe).write_text("#!/bin/sh\n")
        (stand_in / exe).chmod(0o755)
    text = text.replace("/usr/bin/cage", str(stand_in / "cage")).replace("/opt/kiosk/.venv/bin/kiosk",
                                                                          str(stand_in / "kiosk"))
    unit = tmp_path / name
    unit.write_text(text)
    result = subprocess.run(["systemd-analyze", "verify", "--man=no", str(unit)], capture_output=True, text=True,
                            timeout=60)
    return "\n".join(line for line in (result.stdout + result.stderr).splitlines() if str(unit) in line
                     or result.returncode != 0)


needs_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None, reason="systemd-analyze not installed")


@needs_analyze
@pytest.mark.parametrize("name", ["kiosk.service", "kiosk-returnbin.service"])
def test_systemd_analyze_verify(name: str, tmp_path: Path) -> None:
    assert verify((UNITS / name).read_text(), name, tmp_path) == ""


@needs_analyze
def test_verify_catches_a_broken_unit(tmp_path: Path) -> None:
    broken = (UNITS / "kiosk-returnbin.service").read_text().replace("Type=notify", "Type=notfy")
    assert "notfy" in verify(broken, "broken.service", tmp_path)

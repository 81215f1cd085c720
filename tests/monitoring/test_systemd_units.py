"""The shipped systemd units: notify + watchdog, explicit config, network-online,
hardening that leaves the devices reachable, `systemd-analyze verify`, and an
exposure of 4.0 or lower from `systemd-analyze security --offline=true`."""

from __future__ import annotations

import configparser
import re
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


def unit_values(name: str, key: str) -> list[str]:
    """Every value of a repeatable ``key`` (configparser keeps only the last)."""
    return [line.split("=", 1)[1].strip() for line in (UNITS / name).read_text().splitlines()
            if line.startswith(f"{key}=")]


def resolvable(text: str, name: str, tmp_path: Path) -> Path:
    """A copy of the unit whose executables exist here: verify checks them."""
    stand_in = tmp_path / "bin"
    stand_in.mkdir(exist_ok=True)
    for exe in ("cage", "kiosk"):
        (stand_in / exe).write_text("#!/bin/sh\n")
        (stand_in / exe).chmod(0o755)
    text = text.replace("/usr/bin/cage", str(stand_in / "cage")).replace("/opt/kiosk/.venv/bin/kiosk",
                                                                          str(stand_in / "kiosk"))
    unit = tmp_path / name
    unit.write_text(text)
    return unit


def verify(text: str, name: str, tmp_path: Path) -> str:
    """Run `systemd-analyze verify` on ``text``; return what it complained about."""
    unit = resolvable(text, name, tmp_path)
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


UNIT_NAMES = ["kiosk.service", "kiosk-returnbin.service"]
MAX_EXPOSURE = 4.0


@pytest.mark.parametrize("name", UNIT_NAMES)
def test_hardening_contract(name: str) -> None:
    service = read_unit(name)["Service"]
    for key, value in {"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes",
                       "PrivateTmp": "yes", "StateDirectory": "kiosk", "CapabilityBoundingSet": "",
                       "DevicePolicy": "closed", "LockPersonality": "yes", "UMask": "0077",
                       "ProtectKernelTunables": "yes", "ProtectKernelModules": "yes", "ProtectKernelLogs": "yes",
                       "ProtectControlGroups": "yes", "RestrictNamespaces": "yes", "SystemCallArchitectures": "native",
                       "RestrictAddressFamilies": "AF_UNIX AF_INET AF_INET6 AF_NETLINK"}.items():
        assert service[key] == value, f"{name}: {key}={service.get(key)}"
    assert "@system-service" in unit_values(name, "SystemCallFilter")


def test_the_touchscreen_keeps_notify_watchdog_and_writable_jit() -> None:
    service = read_unit("kiosk.service")["Service"]
    assert service["Type"] == "notify" and service["NotifyAccess"] == "all" and int(service["WatchdogSec"]) > 0
    # Mesa's shader JIT (llvmpipe) needs writable+executable memory; the headless bin does not.
    assert "MemoryDenyWriteExecute" not in service
    assert read_unit("kiosk-returnbin.service")["Service"]["MemoryDenyWriteExecute"] == "yes"


@pytest.mark.parametrize("name,groups", [
    ("kiosk.service", {"char-drm", "char-input", "char-alsa", "/dev/tty1", "char-ttyUSB", "char-ttyACM",
                       "char-usb_device"}),
    ("kiosk-returnbin.service", {"char-input", "char-ttyUSB", "char-ttyACM", "char-usb_device"})])
def test_devices_stay_reachable(name: str, groups: set[str]) -> None:
    allowed = {entry.split()[0]: entry.split()[1] for entry in unit_values(name, "DeviceAllow")}
    assert groups <= set(allowed) and all(mode == "rw" for mode in allowed.values())
    # Every subsystem the udev rules hand to the kiosk group is allowed in the unit...
    rules = (UNITS / "60-kiosk-devices.rules").read_text()
    subsystems = set(re.findall(r'^SUBSYSTEM=="(\w+)"', rules, re.MULTILINE))
    needs = {"tty": {"char-ttyUSB", "char-ttyACM"}, "input": {"char-input"}, "usb": {"char-usb_device"}}
    assert subsystems <= set(needs)
    for subsystem in subsystems:
        assert needs[subsystem] <= set(allowed), f"{name}: udev gives {subsystem} devices the unit cannot open"
    # ...and owned by the unit's group (the rules) or, for devices the rules miss, the distribution's groups.
    assert set(re.findall(r'GROUP="(\w+)"', rules)) == {read_unit(name)["Service"]["Group"]}
    assert {"dialout", "plugdev", "lp", "input"} <= set(read_unit(name)["Service"]["SupplementaryGroups"].split())
    # The serial drivers load at boot, so char-ttyUSB resolves when the unit starts.
    modules = (UNITS / "kiosk-modules.conf").read_text().split()
    assert {"usbserial", "ftdi_sio", "cdc_acm"} <= set(modules)


def exposure(text: str, name: str, tmp_path: Path) -> tuple[float, int, str]:
    """The overall exposure `systemd-analyze security --offline=true` gives ``text``,
    and its exit status with --threshold=40 (non-zero above 4.0)."""
    unit = resolvable(text, name, tmp_path)
    result = subprocess.run(["systemd-analyze", "security", "--offline=true", f"--threshold={int(MAX_EXPOSURE * 10)}",
                             "--no-pager", str(unit)], capture_output=True, text=True, timeout=60)
    found = re.search(r"Overall exposure level for \S+: (\d+\.\d+)", result.stdout + result.stderr)
    assert found, result.stdout + result.stderr
    return float(found.group(1)), result.returncode, result.stdout


@needs_analyze
@pytest.mark.parametrize("name", UNIT_NAMES)
def test_systemd_analyze_security_exposure(name: str, tmp_path: Path) -> None:
    level, code, report = exposure((UNITS / name).read_text(), name, tmp_path)
    assert level <= MAX_EXPOSURE and code == 0, f"{name} exposure {level} > {MAX_EXPOSURE}\n{report}"


@needs_analyze
def test_the_exposure_check_catches_a_softened_unit(tmp_path: Path) -> None:
    soft = "\n".join(line for line in (UNITS / "kiosk-returnbin.service").read_text().splitlines()
                     if not line.startswith(("Protect", "Private", "SystemCall", "Restrict", "Capability",
                                             "NoNewPrivileges", "DevicePolicy")))
    level, code, _ = exposure(soft, "soft.service", tmp_path)
    assert level > MAX_EXPOSURE and code != 0

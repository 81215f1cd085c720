"""The `kiosk` console script: every command group of a full checkout, and
quick start-up (only the chosen command's modules are imported)."""

from __future__ import annotations

import argparse
import importlib
import json
import subprocess
import sys

import pytest

from kiosk.cli import COMMAND_MODULES, COMMANDS, build_parser, command_in
from kiosk.sip2.ils import ILSSimulator

KIOSK = [sys.executable, "-m", "kiosk.cli"]

# What a quick command must not pay for: the UI toolkit, the ILS simulator,
# the device drivers, and the modules of the other commands.
HEAVY = ("kivy", "kiosk.sip2.ils", "kiosk.drivers", "kiosk.demo", "kiosk.station", "escpos", "nfc")

# Run in a child: the command, then the kiosk and third-party modules it left loaded.
PROBE = """
import contextlib, io, json, sys
from kiosk.cli import main
out = io.StringIO()
with contextlib.redirect_stdout(out):
    try:
        code = main(json.loads(sys.argv[1]))
    except SystemExit as exc:
        code = exc.code
print(json.dumps({"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}))
"""


def kiosk(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=timeout)


def probe(argv: list[str]) -> dict[str, object]:
    result = subprocess.run([sys.executable, "-c", PROBE, json.dumps(argv)], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.splitlines()[-1])  # type: ignore[no-any-return]


def heavy_in(modules: object) -> list[str]:
    assert isinstance(modules, list)
    return [m for m in modules if any(m == h or m.startswith(h + ".") for h in HEAVY)]


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_every_command_module_imports_and_registers(module: str) -> None:
    assert callable(importlib.import_module(module).register)


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_each_module_registers_the_commands_the_table_gives_it(module: str) -> None:
    sub = argparse.ArgumentParser().add_subparsers()
    importlib.import_module(module).register(sub)
    assert sorted(sub.choices) == sorted(name for name, (owner, _) in COMMANDS.items() if owner == module)


def test_help_lists_the_commands() -> None:
    text = build_parser().format_help()
    for command in ("check-config", "hash-pin", "sip2", "ils-sim", "tag", "diag", "demo", "run", "returnbin", "journal"):
        assert command in text


def test_console_script_runs() -> None:
    result = kiosk("--version")
    assert result.returncode == 0 and result.stdout.startswith("kiosk ")


def test_help_as_a_process_lists_every_command_with_its_line() -> None:
    result = kiosk("--help")
    assert result.returncode == 0, result.stderr
    for name, (_, help_line) in COMMANDS.items():
        assert f"    {name}" in result.stdout
        assert help_line.split()[0] in result.stdout


def test_the_command_is_the_first_word_that_is_not_an_option() -> None:
    assert command_in(["-v", "-v", "sip2", "--server", "x"]) == "sip2"
    assert command_in(["--verbose", "run", "--config", "f"]) == "run"
    assert command_in(["--help", "sip2"]) is None      # top-level help: every command as a stub
    assert command_in(["-v"]) is None and command_in([]) is None


def test_importing_the_cli_loads_no_command() -> None:
    code = "import sys, kiosk.cli; print('\\n'.join(sorted(sys.modules)))"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    modules = result.stdout.split()
    assert "kiosk.cli" in modules
    assert heavy_in(modules) == []
    assert [m for m in modules if m in COMMAND_MODULES] == []   # kiosk.cli.parser is the command line's own


def test_help_imports_no_command_module() -> None:
    seen = probe(["--help"])
    assert seen["code"] == 0 and "journal" in str(seen["out"])
    assert heavy_in(seen["modules"]) == []
    assert [m for m in seen["modules"] if m in COMMAND_MODULES] == []  # type: ignore[union-attr]


def test_sip2_status_imports_its_client_only() -> None:
    with ILSSimulator() as ils:
        seen = probe(["sip2", "--server", f"127.0.0.1:{ils.port}", "--user", "kiosk", "--password", "kiosk-pass",
                      "--json", "status"])
    assert seen["code"] == 0, seen["out"]
    assert json.loads(str(seen["out"]))["message"] == "98"
    modules = seen["modules"]
    assert "kiosk.sip2.client" in modules  # type: ignore[operator]
    assert heavy_in(modules) == []
    assert [m for m in modules if m in COMMAND_MODULES] == ["kiosk.cli.sip2"]  # type: ignore[union-attr]


def test_run_and_demo_help_describe_the_command_for_a_user() -> None:
    run = kiosk("run", "--help")
    assert run.returncode == 0 and "Run the self-service kiosk on this station" in run.stdout
    demo = kiosk("demo", "--help")
    assert demo.returncode == 0 and "Try the kiosk without any hardware" in demo.stdout
    for text in (run.stdout, demo.stdout):
        assert "``" not in text and ":mod:" not in text
    assert "--headless" in demo.stdout and "--config" in run.stdout


def test_returnbin_demo_sorts_the_demo_items() -> None:
    result = kiosk("returnbin", "--demo", "--items", "2", "--interval", "0.05", timeout=90)
    assert result.returncode == 0, result.stderr
    assert "2 items sorted" in result.stdout

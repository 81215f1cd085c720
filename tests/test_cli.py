"""The `kiosk` console script has every command group of a full checkout."""

from __future__ import annotations

import importlib
import subprocess
import sys

import pytest

from kiosk.cli import COMMAND_MODULES, build_parser


@pytest.mark.parametrize("module", COMMAND_MODULES)
def test_every_command_module_imports_and_registers(module: str) -> None:
    assert callable(importlib.import_module(module).register)


def test_help_lists_the_commands() -> None:
    text = build_parser().format_help()
    for command in ("check-config", "hash-pin", "sip2", "ils-sim", "tag", "diag", "demo", "run", "returnbin", "journal"):
        assert command in text


def test_console_script_runs() -> None:
    result = subprocess.run([sys.executable, "-m", "kiosk.cli", "--version"], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0 and result.stdout.startswith("kiosk ")

"""Every command's ``--help`` tells a user what it does, in words, not in a
docstring's markup (``kiosk diag --help`` printed its module docstring)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from kiosk.cli import COMMANDS


@pytest.mark.parametrize("command", sorted(COMMANDS))
def test_help_has_a_description_for_users(command: str) -> None:
    done = subprocess.run([sys.executable, "-m", "kiosk.cli", command, "--help"], capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    head = done.stdout.split("\n\n")
    description = next((block for block in head[1:] if not block.startswith(("usage", "options", "positional"))),
                       "")
    assert len(description.split()) >= 5, f"kiosk {command} --help has no description:\n{done.stdout}"
    for markup in ("``", ":mod:", ":class:", ":func:"):
        assert markup not in done.stdout, f"kiosk {command} --help shows {markup!r}:\n{done.stdout}"

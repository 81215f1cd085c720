"""The README makes no promise a user cannot follow: no placeholder URLs, the licence stated."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")


def test_no_placeholder_addresses() -> None:
    assert not re.search(r"https?://(www\.)?example\.(org|com|net)", README)


def test_licence_is_stated_and_shipped() -> None:
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["license"]["text"]
    assert declared == "GPL-3.0-or-later"
    assert "## Licence" in README and declared in README
    assert "GNU GENERAL PUBLIC LICENSE" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]
    assert "Version 3" in (ROOT / "LICENSE").read_text(encoding="utf-8")[:200]


def test_every_command_is_in_the_command_table() -> None:
    from kiosk.cli import COMMANDS

    table = README.split("## Commands", 1)[1].split("\n## ", 1)[0]
    rows = [line for line in table.splitlines() if line.startswith("| `kiosk ")]
    missing = [name for name in COMMANDS if not any(row.startswith(f"| `kiosk {name}") for row in rows)]
    assert missing == [], f"commands missing from the README's command table: {missing}"


def test_the_tag_pipe_is_documented() -> None:
    assert "kiosk tag encode --item ID \\| kiosk tag decode -" in README

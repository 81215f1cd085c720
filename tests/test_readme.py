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

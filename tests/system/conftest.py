"""Fixtures of the whole-system tests: one :class:`Rig` per test, released by a finalizer."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from system_rig import Rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    built = Rig(tmp_path)
    try:
        yield built
    finally:
        built.close()

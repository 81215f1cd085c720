"""UI tests run the real Kivy app offscreen in child processes (see uihelpers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from uihelpers import ROOT, run_child


@pytest.fixture
def scenario(tmp_path: Path):
    def run(name: str, size: str = "1280x800") -> tuple[str, Path]:
        out = tmp_path / f"{name}-{size}"
        result = run_child([str(ROOT / "tests" / "ui" / "scenarios.py"), name, str(out), size])
        tail = "\n".join(line for line in result.stdout.splitlines()
                         if "ALSA" not in line and "mtdev" not in line.lower())[-4000:]
        assert result.returncode == 0, f"scenario {name} at {size} failed (screenshots in {out}):\n{tail}"
        assert f"scenario {name} passed" in result.stdout
        return result.stdout, out
    return run

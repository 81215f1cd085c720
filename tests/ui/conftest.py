"""UI tests run the real Kivy app offscreen in child processes (see uihelpers)."""

from __future__ import annotations

from pathlib import Path

import pytest
from uihelpers import ROOT, left_behind, run_child


@pytest.fixture
def scenario(tmp_path: Path):
    def run(name: str, size: str = "1280x800") -> tuple[str, Path]:
        out = tmp_path / f"{name}-{size}"
        tmpdir = tmp_path / f"tmp-{name}-{size}"
        result = run_child([str(ROOT / "tests" / "ui" / "scenarios.py"), name, str(out), size], tmpdir=tmpdir)
        tail = "\n".join(line for line in result.stdout.splitlines()
                         if "ALSA" not in line and "mtdev" not in line.lower())[-4000:]
        assert result.returncode == 0, f"scenario {name} at {size} failed (screenshots in {out}):\n{tail}"
        assert f"scenario {name} passed" in result.stdout
        assert left_behind(tmpdir) == [], "the scenario left folders in the temp dir"
        return result.stdout, out
    return run

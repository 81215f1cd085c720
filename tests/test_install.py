"""The kiosk as a user installs it: a fresh venv, ``pip install .`` without
extras (so no pytest, no hypothesis), then the headless demo from that venv.
Nothing the product runs may need a test-only package. pip resolves from the
machine's configured index and cache, so this takes seconds, bounded."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SOURCES = ("kiosk", "pyproject.toml", "README.md", "LICENSE")


def run(args: list[str], timeout: float, **kwargs: object) -> subprocess.CompletedProcess[str]:
    try:
        return subprocess.run(args, capture_output=True, text=True, timeout=timeout, **kwargs)  # type: ignore[call-overload]
    except subprocess.TimeoutExpired as exc:
        pytest.fail(f"{args[:3]} did not finish within {timeout:.0f} s:\n{exc.stdout or ''}{exc.stderr or ''}")


def test_installed_without_extras_the_headless_demo_runs(tmp_path: Path) -> None:
    # A copy of the sources: building in the checkout would leave build/ behind.
    source = tmp_path / "src"
    source.mkdir()
    for name in SOURCES:
        origin = ROOT / name
        if origin.is_dir():
            shutil.copytree(origin, source / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
        else:
            shutil.copy2(origin, source / name)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True, symlinks=True)
    python = env_dir / "bin" / "python"
    install = run([str(python), "-m", "pip", "install", "--quiet", str(source)], timeout=600, cwd=tmp_path)
    assert install.returncode == 0, install.stdout[-3000:] + install.stderr[-3000:]
    assert run([str(python), "-c", "import pytest"], timeout=60).returncode != 0, "pytest came with the install"

    env = {k: v for k, v in os.environ.items()
           if k not in ("DISPLAY", "WAYLAND_DISPLAY", "PYTHONPATH", "SDL_VIDEODRIVER", "KIVY_GL_BACKEND")}
    env["TMPDIR"] = str(tmp_path / "tmp")
    (tmp_path / "tmp").mkdir()
    out = tmp_path / "demo-out"
    demo = run([str(env_dir / "bin" / "kiosk"), "demo", "--headless", "--out", str(out)], timeout=240,
               cwd=tmp_path, env=env)
    assert demo.returncode == 0, demo.stdout[-3000:] + demo.stderr[-3000:]
    assert "tour finished" in demo.stdout
    shots = sorted(out.glob("*.png"))
    assert len(shots) == 11 and all(p.read_bytes().startswith(b"\x89PNG") for p in shots)
    assert (out / "receipt.txt").is_file()
    # Quiet: nothing on stderr that reads like a failure.
    noise = [line for line in demo.stderr.splitlines()
             if any(mark in line for mark in ("Traceback", "ALSA", "CRITICAL", "Error"))]
    assert noise == [], demo.stderr[-3000:]
    assert not list((tmp_path / "tmp").glob("kiosk-*"))
    assert sys.prefix != str(env_dir)

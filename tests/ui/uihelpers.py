"""Helpers of the UI tests: they run the real Kivy app offscreen in child processes (one app per
process; Kivy cannot restart an app in one interpreter). Each child is
bounded by a timeout and killed if it overruns."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
CHILD_TIMEOUT = 100.0


def headless_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "SDL_VIDEODRIVER",
                                                           "KIVY_GL_BACKEND")}
    # PYTHONFAULTHANDLER: a child that overruns is sent SIGABRT first and prints every thread's stack.
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_LOG_MODE="PYTHON", PYTHONPATH=str(ROOT),
               PYTHONFAULTHANDLER="1")
    return env


def run_child(args: list[str], timeout: float = CHILD_TIMEOUT,
              tmpdir: Path | None = None) -> subprocess.CompletedProcess[str]:
    """Run a child offscreen; ``tmpdir`` becomes its TMPDIR, so a test can see what it left there."""
    env = headless_env()
    if tmpdir is not None:
        tmpdir.mkdir(parents=True, exist_ok=True)
        env["TMPDIR"] = str(tmpdir)
    proc = subprocess.Popen([sys.executable, *args], cwd=ROOT, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
    try:
        out, _ = proc.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.send_signal(signal.SIGABRT)          # the stacks of a hang, for the report
        try:
            out, _ = proc.communicate(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            out, _ = proc.communicate(timeout=10)
        pytest.fail(f"{args} did not finish in {timeout:.0f} s:\n{out[-8000:]}")
    return subprocess.CompletedProcess(args, proc.returncode, out, "")


def left_behind(tmpdir: Path) -> list[str]:
    """Our folders a child left in its temp dir (it must remove what it made)."""
    return sorted(p.name for p in tmpdir.glob("kiosk-*"))


def console_noise(output: str) -> list[str]:
    """Lines a newcomer would take for a failure: tracebacks, ALSA, errors."""
    return [line for line in output.splitlines()
            if any(mark in line for mark in ("Traceback", "ALSA", "CRITICAL", " ERROR ", "--- Logging error ---"))]



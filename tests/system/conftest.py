"""Fixtures of the whole-system tests: one :class:`Rig` per test, released by a finalizer."""

from __future__ import annotations

import gc
import os
import threading
import time
from pathlib import Path
from typing import Iterator

import pytest

from system_rig import Rig


@pytest.fixture
def rig(tmp_path: Path) -> Iterator[Rig]:
    before = set(threading.enumerate())
    fds = set(os.listdir("/proc/self/fd"))
    built = Rig(tmp_path)
    try:
        yield built
    finally:
        built.close()
    # Everything the test started must be gone (bounded wait for threads that are ending).
    deadline = time.monotonic() + 5.0
    while True:
        left = [t for t in threading.enumerate() if t not in before and t.is_alive()]
        if not left or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not left, f"threads left running: {[t.name for t in left]}"
    gc.collect()        # objects dropped by a failed constructor close their files when collected
    leaked = {fd: _target(fd) for fd in set(os.listdir("/proc/self/fd")) - fds}
    assert not {fd: t for fd, t in leaked.items() if t}, f"file descriptors left open: {leaked}"


def _target(fd: str) -> str:
    try:
        return os.readlink(f"/proc/self/fd/{fd}")
    except OSError:
        return ""          # the listing's own descriptor, already closed

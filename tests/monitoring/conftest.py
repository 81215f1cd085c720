"""Fixtures: a real webhook receiver on 127.0.0.1, a dead port, a hanging one."""

from __future__ import annotations

import socket
from typing import Iterator

import pytest

from webhook_receiver import Receiver


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    server = Receiver().up()
    yield server
    server.down()


@pytest.fixture
def dead_url() -> str:
    """A loopback port nobody listens on (connections refused)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{probe.getsockname()[1]}/hook"


@pytest.fixture
def hanging_url() -> Iterator[str]:
    """A receiver that accepts connections (the kernel's backlog) but never answers."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(64)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"

"""Opening serial ports: nothing leaks when an open fails half-way; exclusive opens say "busy"."""

from __future__ import annotations

import gc
import os
import socket
import tty

import pytest
import serial
from serial.urlhandler import protocol_socket

from kiosk.drivers.serial_port import PortBusy, open_port


def _sockets_open() -> set[str]:
    found = set()
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if target.startswith("socket:"):
            found.add(target)
    return found


@pytest.fixture
def listener():
    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    yield server
    server.close()


def test_a_reader_that_resets_the_connection_during_open_leaves_no_socket_behind(listener, monkeypatch) -> None:
    """pyserial connects, then flushes its input and meets the reset: the
    connected socket must be closed even while the error (and its traceback)
    is still held, as drivers do for their diagnostics."""
    def reset(self: protocol_socket.Serial) -> None:
        raise serial.SerialException("read failed: [Errno 104] Connection reset by peer")

    monkeypatch.setattr(protocol_socket.Serial, "reset_input_buffer", reset)
    before = _sockets_open()
    kept = []
    for _ in range(3):
        with pytest.raises(serial.SerialException) as caught:
            open_port(f"socket://127.0.0.1:{listener.getsockname()[1]}", timeout=0.05)
        kept.append(caught.value)          # the error lives on, like a driver's last_error
    gc.collect()
    assert _sockets_open() - before == set()


def test_an_open_that_succeeds_returns_an_open_port(listener) -> None:
    port = open_port(f"socket://127.0.0.1:{listener.getsockname()[1]}", timeout=0.05)
    try:
        assert port.is_open
        peer, _ = listener.accept()
        port.write(b"ping")
        assert peer.recv(4) == b"ping"
        peer.close()
    finally:
        port.close()


def test_a_second_exclusive_open_of_a_tty_is_refused_as_busy() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    path = os.ttyname(slave)
    first = open_port(path, timeout=0.05, exclusive=True)
    try:
        with pytest.raises(PortBusy, match="busy: another program has it open"):
            open_port(path, timeout=0.05, exclusive=True)
    finally:
        first.close()
        os.close(master)
        os.close(slave)
    # once released, it opens again
    master, slave = os.openpty()
    again = open_port(os.ttyname(slave), timeout=0.05, exclusive=True)
    again.close()
    os.close(master)
    os.close(slave)


def test_an_unknown_url_scheme_is_a_value_error() -> None:
    with pytest.raises(ValueError):
        open_port("nosuch://x")

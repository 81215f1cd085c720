"""Scanner drivers through their transports: a pty and a loopback TCP socket
for serial scanners, a pipe carrying kernel ``input_event`` records for HID
scanners, and the simulator."""

from __future__ import annotations

import os
import queue
import socket
import struct
import threading
import time
from collections.abc import Iterator

import pytest
from evdev import ecodes as e
from hypothesis import given, settings, strategies as st

from kiosk.drivers.barcode.hid import EVENT, HidScanner, KeyDecoder
from kiosk.drivers.barcode.serialscanner import LineFramer
from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError

WAIT = 3.0


class Collector:
    def __init__(self) -> None:
        self.q: queue.Queue[str] = queue.Queue()

    def __call__(self, code: str) -> None:
        self.q.put(code)

    def next(self, timeout: float = WAIT) -> str:
        return self.q.get(timeout=timeout)

    def none_within(self, timeout: float = 0.2) -> bool:
        try:
            self.q.get(timeout=timeout)
        except queue.Empty:
            return True
        return False


# ---------------------------------------------------------------- framer table
FRAMES = [
    # bytes in, terminator, lines out, rejected count
    (b"31000000000001\r", b"\r", ["31000000000001"], 0),
    (b"31000000000001\r\n21000000000001\r\n", b"\r", ["31000000000001", "21000000000001"], 0),
    (b"31000000000001\n", b"\r", ["31000000000001"], 0),
    (b"ABC\tDEF\t", b"\t", ["ABC", "DEF"], 0),
    (b"\x00\xff\xfe\r31000000000002\r", b"\r", ["31000000000002"], 1),   # hot-plug noise, then a code
    (b"\x1b[2J\r", b"\r", [], 1),
    (b"X" * 100 + b"\rOK\r", b"\r", ["OK"], 1),                        # runaway line, then recovers
    (b"\r\r\n\n", b"\r", [], 0),
    (b"\x0231000000000003\x03", b"\x03", ["31000000000003"], 0),         # STX ... ETX framing
    (b"]C031000000000004\r", b"\r", ["]C031000000000004"], 0),           # AIM id kept for prefix stripping
]


@pytest.mark.parametrize("data, term, lines, rejected", FRAMES)
def test_framer_whole_and_bytewise(data: bytes, term: bytes, lines: list[str], rejected: int) -> None:
    framer = LineFramer(term, max_length=64)
    assert framer.feed(data, 0.0) == lines
    assert len(framer.rejected) == rejected
    bytewise = LineFramer(term, max_length=64)
    out: list[str] = []
    for byte in data:
        out += bytewise.feed(bytes([byte]), 0.0)
    assert out == lines and len(bytewise.rejected) == rejected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(st.binary(max_size=40), st.sampled_from([b"31000000000001\r", b"\r\n"])), max_size=20),
       st.integers(1, 7))
def test_framer_never_raises_and_good_lines_survive_noise(chunks: list[bytes], split: int) -> None:
    framer = LineFramer(b"\r", max_length=64)
    stream = b"\r".join(chunks) + b"\r31000000000009\r"
    out: list[str] = []
    for i in range(0, len(stream), split):
        out += framer.feed(stream[i:i + split], 0.0)
    assert out and out[-1] == "31000000000009"
    assert all(ch.isprintable() or ch in "\t\x1d" for line in out for ch in line)


def test_framer_partial_line_goes_stale() -> None:
    framer = LineFramer(b"\r", idle_timeout=0.5)
    assert framer.feed(b"3100", 0.0) == []
    assert framer.flush_idle(0.2) == [] and framer.buffer
    assert framer.flush_idle(0.6) == [] and not framer.buffer
    assert framer.rejected and "partial line" in framer.rejected[0]
    assert framer.feed(b"31000000000001\r", 1.0) == ["31000000000001"]


def test_framer_without_terminator_ends_on_idle() -> None:
    framer = LineFramer(b"", idle_timeout=0.1)
    assert framer.feed(b"31000000000001", 0.0) == []
    assert framer.feed(b"", 0.05) == []
    assert framer.flush_idle(0.2) == ["31000000000001"]


# ---------------------------------------------------------------- serial on a pty
@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    path = os.ttyname(slave)
    yield master, path
    os.close(master)
    os.close(slave)


def test_serial_scanner_on_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = open_device("scanner", f"serial:{path},baud=9600", {"prefix": "]C0", "suffix": "#"})
    got = Collector()
    scanner.start(got)
    try:
        os.write(master, b"]C031000000000001#\r\n")
        assert got.next() == "31000000000001"
        os.write(master, b"\x00\xfe\xff garbage\r")
        os.write(master, b"2100")
        time.sleep(0.05)
        os.write(master, b"0000000001\r")     # a code split across two reads
        assert got.next() == "21000000000001"
        assert scanner.rejected == 1
        assert scanner.self_test().ok
    finally:
        scanner.close()
    assert not scanner.running


def test_serial_repeat_window_drops_double_reads(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = open_device("scanner", f"serial:{path}", {"repeat_window": 5})
    got = Collector()
    scanner.start(got)
    try:
        os.write(master, b"31000000000005\r31000000000005\r31000000000006\r")
        assert got.next() == "31000000000005"
        assert got.next() == "31000000000006"
        assert got.none_within(0.1)
    finally:
        scanner.close()


def test_handler_exception_does_not_kill_the_reader(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = open_device("scanner", f"serial:{path}", {})
    got = Collector()

    def handler(code: str) -> None:
        got(code)
        if code == "BAD1":
            raise RuntimeError("handler bug")

    scanner.start(handler)
    try:
        os.write(master, b"BAD1\r")
        assert got.next() == "BAD1"
        os.write(master, b"GOOD2\r")
        assert got.next() == "GOOD2"
    finally:
        scanner.close()


def test_serial_scanner_over_loopback_socket() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    accepted: list[socket.socket] = []
    acceptor = threading.Thread(target=lambda: accepted.append(server.accept()[0]), daemon=True)
    acceptor.start()
    scanner = open_device("scanner", f"serial:socket://127.0.0.1:{port},terminator=lf", {})
    try:
        acceptor.join(WAIT)
        got = Collector()
        scanner.start(got)
        accepted[0].sendall(b"31000000000007\n")
        assert got.next() == "31000000000007"
    finally:
        scanner.close()
        for conn in accepted:
            conn.close()
        server.close()


def test_serial_scanner_reconnects_after_the_link_drops() -> None:
    server = socket.create_server(("127.0.0.1", 0))
    server.settimeout(WAIT)
    port = server.getsockname()[1]
    accepted: queue.Queue[socket.socket] = queue.Queue()

    def accept_forever() -> None:
        for _ in range(2):
            try:
                accepted.put(server.accept()[0])
            except OSError:
                return

    acceptor = threading.Thread(target=accept_forever, daemon=True)
    acceptor.start()
    scanner = open_device("scanner", f"serial:socket://127.0.0.1:{port}", {})
    scanner.RECONNECT_INTERVAL = 0.05
    got = Collector()
    states: list[bool] = []
    scanner.on_status(lambda result: states.append(result.ok))
    try:
        scanner.start(got)
        first = accepted.get(timeout=WAIT)
        first.sendall(b"31000000000011\r")
        assert got.next() == "31000000000011"
        first.close()                               # cable pulled
        second = accepted.get(timeout=WAIT)         # ... and plugged back in
        deadline = time.monotonic() + WAIT          # (pyserial drains input while it opens)
        while scanner.reconnects == 0 and time.monotonic() < deadline:
            time.sleep(0.01)
        second.sendall(b"31000000000012\r")
        assert got.next() == "31000000000012"
        assert scanner.reconnects == 1 and scanner.self_test().ok
        assert states == [False, True]          # unplugged, then back: device events
        second.close()
    finally:
        scanner.close()
        server.close()
        acceptor.join(WAIT)


def test_wait_for_scan_is_bounded(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = open_device("scanner", f"serial:{path}", {})
    try:
        started = time.monotonic()
        assert scanner.wait_for_scan(0.2) is None
        assert time.monotonic() - started < 2
        threading.Timer(0.1, os.write, (master, b"31000000000008\r")).start()
        assert scanner.wait_for_scan(WAIT) == "31000000000008"
        assert not scanner.running   # the prompt stops what it started
    finally:
        scanner.close()


@pytest.mark.parametrize("spec, message", [
    ("serial:/dev/does-not-exist", "cannot open serial port"),
    ("serial:", "no port given"),
    ("serial:/dev/null,baud", "not key=value"),
    ("serial:loop://,baud=fast", "not a whole number"),
    ("serial:loop://,terminator=semicolon", "option terminator: 'semicolon' is not one of cr, lf"),
])
def test_serial_open_errors_are_typed(spec: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        open_device("scanner", spec, {})


# ---------------------------------------------------------------- HID over a pipe
def key_events(codes: list[tuple[int, int]]) -> bytes:
    out = b""
    for code, value in codes:
        out += EVENT.pack(0, 0, e.EV_KEY, code, value)
        out += EVENT.pack(0, 0, e.EV_SYN, e.SYN_REPORT, 0)
    return out


def typed(text: str) -> list[tuple[int, int]]:
    """Key presses a US-layout scanner sends for ``text`` plus Enter."""
    codes: list[tuple[int, int]] = []
    shifted = {"!": "1", "@": "2", "#": "3", "$": "4", "%": "5", "_": "MINUS", "+": "EQUAL", "?": "SLASH"}
    named = {"-": "MINUS", ".": "DOT", "/": "SLASH", " ": "SPACE"}
    for ch in text:
        shift = ch.isupper() or ch in shifted
        name = shifted.get(ch) or named.get(ch) or ch.upper()
        key = getattr(e, f"KEY_{name}")
        if shift:
            codes.append((e.KEY_LEFTSHIFT, 1))
        codes += [(key, 1), (key, 0)]
        if shift:
            codes.append((e.KEY_LEFTSHIFT, 0))
    return codes + [(e.KEY_ENTER, 1), (e.KEY_ENTER, 0)]


@pytest.mark.parametrize("text", ["31000000000001", "AbC-12.x/Y", "P@ss#1?", "a b"])
def test_key_decoder(text: str) -> None:
    decoder = KeyDecoder()
    out = [r for code, value in typed(text) if (r := decoder.feed(code, value))]
    assert out == [text]


@pytest.mark.parametrize("layout, presses, text", [
    # An AZERTY scanner types digits with Shift held; "a" is the key US calls Q.
    ("fr", [(e.KEY_LEFTSHIFT, 1), (e.KEY_3, 1), (e.KEY_1, 1), (e.KEY_0, 1), (e.KEY_LEFTSHIFT, 0), (e.KEY_Q, 1)],
     "310a"),
    ("de", [(e.KEY_Z, 1), (e.KEY_Y, 1), (e.KEY_SLASH, 1), (e.KEY_1, 1)], "yz-1"),
    ("uk", [(e.KEY_LEFTSHIFT, 1), (e.KEY_3, 1), (e.KEY_LEFTSHIFT, 0), (e.KEY_5, 1)], "£5"),
    ("us", [(e.KEY_LEFTSHIFT, 1), (e.KEY_3, 1), (e.KEY_LEFTSHIFT, 0), (e.KEY_Q, 1)], "#q"),
])
def test_key_decoder_layouts(layout: str, presses: list[tuple[int, int]], text: str) -> None:
    decoder = KeyDecoder(layout=layout)
    for code, value in presses:
        decoder.feed(code, value)
        if value == 1 and code not in (e.KEY_LEFTSHIFT,):
            decoder.feed(code, 0)
    assert decoder.feed(e.KEY_ENTER, 1) == text


def test_unknown_layout_is_a_device_error() -> None:
    with pytest.raises(DeviceError, match="keyboard_layout 'dvorak'"):
        HidScanner.from_fd(0, "x", {"keyboard_layout": "dvorak"})


def test_key_decoder_caps_lock_and_unknown_keys() -> None:
    decoder = KeyDecoder()
    for code, value in [(e.KEY_CAPSLOCK, 1), (e.KEY_CAPSLOCK, 0), (e.KEY_A, 1), (e.KEY_LEFTSHIFT, 1),
                        (e.KEY_B, 1), (e.KEY_LEFTSHIFT, 0), (e.KEY_1, 1), (e.KEY_F5, 1), (e.KEY_A, 2)]:
        decoder.feed(code, value)
    assert decoder.feed(e.KEY_KPENTER, 1) == "Ab1"
    assert decoder.unknown_keys == 1


def test_hid_scanner_reads_kernel_events_from_fd() -> None:
    read_fd, write_fd = os.pipe()
    scanner = HidScanner.from_fd(read_fd, "pipe")
    got = Collector()
    scanner.start(got)
    try:
        data = key_events(typed("31000000000009"))
        os.write(write_fd, data[:37])      # records split mid-struct across reads
        time.sleep(0.05)
        os.write(write_fd, data[37:])
        assert got.next() == "31000000000009"
        os.write(write_fd, key_events(typed("Kiosk-1")))
        assert got.next() == "Kiosk-1"
        assert scanner.self_test().ok
    finally:
        scanner.close()
        os.close(write_fd)
        os.close(read_fd)
    assert not scanner.running


def test_hid_scanner_reports_device_gone() -> None:
    read_fd, write_fd = os.pipe()
    scanner = HidScanner.from_fd(read_fd, "pipe")
    scanner.start(Collector())
    os.close(write_fd)     # unplugged: EOF
    deadline = time.monotonic() + WAIT
    while scanner.running and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        result = scanner.self_test()
        assert not result.ok and "went away" in result.detail
    finally:
        scanner.close()
        os.close(read_fd)


class PipeInputDevice:
    """Stands in for evdev.InputDevice after a replug: the fd is a real pipe."""

    def __init__(self) -> None:
        self.fd, self.writer = os.pipe()
        self.closed = False

    def ungrab(self) -> None:
        pass

    def close(self) -> None:
        if not self.closed:
            os.close(self.fd)
            self.closed = True


def test_hid_scanner_comes_back_after_a_replug() -> None:
    read_fd, write_fd = os.pipe()
    replugged = PipeInputDevice()
    attempts: list[int] = []

    def reopen() -> PipeInputDevice:
        attempts.append(1)
        if len(attempts) < 2:
            raise DeviceError("not back yet", "scanner")
        return replugged

    scanner = HidScanner(read_fd, "pipe", reopen=reopen)
    scanner.RECONNECT_INTERVAL = 0.02
    states: list[str] = []
    scanner.on_status(lambda result: states.append(str(result)))
    got = Collector()
    scanner.start(got)
    try:
        os.write(write_fd, key_events(typed("31000000000013")))
        assert got.next() == "31000000000013"
        os.close(write_fd)                    # unplugged
        os.write(replugged.writer, key_events(typed("31000000000014")))
        assert got.next() == "31000000000014"
        assert scanner.reconnects == 1 and len(attempts) == 2
        assert states == ["FAIL: HID scanner pipe: device went away", "PASS: HID scanner pipe: reconnected"]
    finally:
        scanner.close()
        os.close(read_fd)
        os.close(replugged.writer)
    assert replugged.closed


@pytest.mark.parametrize("spec, message", [
    ("hid:/dev/input/event-none", "cannot open input device"),
    ("hid:name=No Such Scanner 123", "no input device named like"),
    ("hid:", "needs a device"),
])
def test_hid_open_errors_are_typed(spec: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        open_device("scanner", spec, {})


# ---------------------------------------------------------------- simulator
def test_simulated_scanner() -> None:
    scanner = open_device("scanner", "sim", {"prefix": "X"})
    got = Collector()
    scanner.scan("ignored while stopped")
    scanner.start(got)
    scanner.scan("31000000000010")
    scanner.scan("31000000000010")      # the sim has no repeat window by default
    assert [got.next(), got.next()] == ["31000000000010", "31000000000010"]
    scanner.scan_raw("X21000000000001\r")
    assert got.next() == "21000000000001"
    scanner.fail_self_test = "lens dirty"
    assert not scanner.self_test().ok and "lens dirty" in scanner.self_test().detail
    scanner.stop()
    scanner.scan("after stop")
    assert got.none_within(0.05)


@pytest.mark.parametrize("noise", [b"\xd7\xb5", b"\xc2\x85", b"\xe2\x80\x8b31000000000001"])
def test_framer_rejects_utf8_that_is_not_printable_text(noise: bytes) -> None:
    """Line noise can be valid UTF-8 (an unassigned letter, a C1 control, a
    zero-width space): it is rejected, never passed on as a barcode."""
    framer = LineFramer(b"\r", max_length=64)
    assert framer.feed(noise + b"\r31000000000009\r", 0.0) == ["31000000000009"]
    assert len(framer.rejected) == 1 and "not text" in framer.rejected[0]

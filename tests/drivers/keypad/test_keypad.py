"""Keypad drivers through their transports: kernel ``input_event`` records
through a pipe for evdev keypads, a pty for serial keypads, and the
simulator; device strings and the keymap option through the registry and
the config loader."""

from __future__ import annotations

import logging
import os
import queue
from collections.abc import Iterator
from pathlib import Path

import pytest
from evdev import ecodes as e

from kiosk.config import load_config
from kiosk.drivers.keypad import Key, KeyPress
from kiosk.drivers.keypad.evdevpad import EVENT, EvdevKeypad, KeypadDecoder
from kiosk.drivers.keypad.serialpad import KeyFramer, SerialKeypadSpec, parse_serial_argument
from kiosk.drivers.keypad.sim import SimulatedKeypad
from kiosk.drivers.registry import drivers, open_device
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import ConfigError, DeviceError

WAIT = 5.0


class Collector:
    def __init__(self) -> None:
        self.q: queue.Queue[KeyPress] = queue.Queue()

    def __call__(self, press: KeyPress) -> None:
        self.q.put(press)

    def keys(self, count: int) -> list[Key]:
        return [self.q.get(timeout=WAIT).key for _ in range(count)]


def events(*presses: tuple[int, int]) -> bytes:
    """What a USB keyboard sends per key: MSC_SCAN, EV_KEY, SYN_REPORT."""
    out = b""
    for code, value in presses:
        out += EVENT.pack(0, 0, e.EV_MSC, e.MSC_SCAN, 0x70000 + code)
        out += EVENT.pack(0, 0, e.EV_KEY, code, value)
        out += EVENT.pack(0, 0, e.EV_SYN, e.SYN_REPORT, 0)
    return out


def tap(*codes: int) -> list[tuple[int, int]]:
    return [pair for code in codes for pair in ((code, 1), (code, 0))]


# ---------------------------------------------------------------- keys
def test_a_digit_press_never_shows_its_digit() -> None:
    press = KeyPress(Key.DIGIT_7)
    assert press.digit == "7"
    assert "7" not in repr(press) and "7" not in str(press) and "7" not in f"{press}"
    assert repr(KeyPress(Key.UP, repeat=True)) == "KeyPress(UP, repeat)"
    assert KeyPress(Key.SELECT).digit is None


# ---------------------------------------------------------------- evdev decoding
DECODES = [
    # (events), keys out
    (tap(e.KEY_KP1, e.KEY_KP9, e.KEY_KPENTER), [Key.DIGIT_1, Key.DIGIT_9, Key.ENTER]),
    (tap(e.KEY_UP, e.KEY_DOWN, e.KEY_LEFT, e.KEY_RIGHT, e.KEY_SELECT), [Key.UP, Key.DOWN, Key.LEFT, Key.RIGHT, Key.SELECT]),
    (tap(e.KEY_HELP, e.KEY_BACK, e.KEY_AGAIN, e.KEY_VOLUMEUP, e.KEY_VOLUMEDOWN),
     [Key.HELP, Key.BACK, Key.REPEAT, Key.VOLUME_UP, Key.VOLUME_DOWN]),
    (tap(e.KEY_KPASTERISK, e.KEY_KPSLASH, e.KEY_KPPLUS, e.KEY_KPMINUS, e.KEY_KPDOT, e.KEY_NUMLOCK),
     [Key.HELP, Key.REPEAT, Key.VOLUME_UP, Key.VOLUME_DOWN, Key.CLEAR, Key.SPEECH]),
    ([(e.KEY_UP, 1), (e.KEY_UP, 2), (e.KEY_UP, 2), (e.KEY_UP, 0)], [Key.UP, Key.UP, Key.UP]),   # held arrow repeats
    ([(e.KEY_KP5, 1), (e.KEY_KP5, 2), (e.KEY_KP5, 0)], [Key.DIGIT_5]),     # a held digit types once
    ([(e.KEY_ENTER, 1), (e.KEY_ENTER, 2), (e.KEY_ENTER, 0)], [Key.ENTER]),  # ... and Enter acts once
    (tap(e.KEY_F7, e.KEY_A, e.KEY_KP0), [Key.DIGIT_0]),                   # unknown keys are dropped
]


@pytest.mark.parametrize("presses, keys", DECODES)
def test_evdev_decoder_whole_and_bytewise(presses: list[tuple[int, int]], keys: list[Key]) -> None:
    data = events(*presses)
    assert [p.key for p in KeypadDecoder().decode(data)] == keys
    bytewise = KeypadDecoder()
    out = [p.key for i in range(len(data)) for p in bytewise.decode(data[i:i + 1])]
    assert out == keys


def test_evdev_decoder_marks_repeats_and_counts_unknown_keys() -> None:
    decoder = KeypadDecoder()
    presses = decoder.decode(events((e.KEY_VOLUMEUP, 1), (e.KEY_VOLUMEUP, 2), (e.KEY_F7, 1), (e.KEY_F8, 1)))
    assert presses == [KeyPress(Key.VOLUME_UP), KeyPress(Key.VOLUME_UP, repeat=True)]
    assert decoder.unknown == 2


def test_evdev_keypad_reads_kernel_events_from_fd() -> None:
    read_fd, write_fd = os.pipe()
    keypad = EvdevKeypad.from_fd(read_fd, "pipe", {"keymap": ["KEY_F7=REPEAT", "65=HELP"]})   # the later entry wins
    got = Collector()
    keypad.start(got)
    try:
        data = events(*tap(e.KEY_KP4, e.KEY_KP2, e.KEY_KPENTER, e.KEY_F7, e.KEY_F10))
        os.write(write_fd, data[:37])            # records split mid-struct across reads
        os.write(write_fd, data[37:])
        assert got.keys(4) == [Key.DIGIT_4, Key.DIGIT_2, Key.ENTER, Key.HELP]
        assert keypad.self_test().ok and keypad.presses == 4 and keypad.rejected == 1
    finally:
        keypad.close()
        os.close(write_fd)
        os.close(read_fd)
    assert not keypad.running


def test_evdev_keypad_reports_the_device_gone() -> None:
    read_fd, write_fd = os.pipe()
    keypad = EvdevKeypad.from_fd(read_fd, "pipe")
    statuses: queue.Queue[SelfTestResult] = queue.Queue()
    keypad.on_status(statuses.put)
    keypad.start(Collector())
    try:
        os.close(write_fd)                        # unplugged: the fd reads end-of-file
        status = statuses.get(timeout=WAIT)
        assert not status.ok and "device went away" in status.detail
        assert not keypad.self_test().ok
    finally:
        keypad.close()
        os.close(read_fd)


def test_a_handler_that_raises_does_not_stop_the_keypad(caplog: pytest.LogCaptureFixture) -> None:
    read_fd, write_fd = os.pipe()
    keypad = EvdevKeypad.from_fd(read_fd, "pipe")
    got = Collector()
    calls = []

    def handler(press: KeyPress) -> None:
        calls.append(press)
        if len(calls) == 1:
            raise RuntimeError("bug in the handler")
        got(press)

    keypad.start(handler)
    try:
        with caplog.at_level(logging.ERROR):
            os.write(write_fd, events(*tap(e.KEY_UP, e.KEY_DOWN)))
            assert got.keys(1) == [Key.DOWN]
    finally:
        keypad.close()
        os.close(write_fd)
        os.close(read_fd)
    assert "on_key handler failed" in caplog.text


@pytest.mark.parametrize("keymap, why", [
    (["KEY_NOPE=HELP"], "no evdev key name"),
    (["KEY_F5=FLY"], "'FLY' is not a key"),
    (["KEY_F5"], "is not CODE=KEY"),
])
def test_bad_evdev_keymap_says_why(keymap: list[str], why: str) -> None:
    with pytest.raises(DeviceError, match=why):
        EvdevKeypad.from_fd(0, "x", {"keymap": keymap})


# ---------------------------------------------------------------- serial framing
FRAMES = [
    ("byte", b"1234\r", [Key.DIGIT_1, Key.DIGIT_2, Key.DIGIT_3, Key.DIGIT_4, Key.ENTER], 0),
    ("byte", b"udlrsbhp", [Key.UP, Key.DOWN, Key.LEFT, Key.RIGHT, Key.SELECT, Key.BACK, Key.HELP, Key.REPEAT], 0),
    ("byte", b"UDS", [Key.UP, Key.DOWN, Key.SELECT], 0),
    ("byte", b"+-><*c\x08", [Key.VOLUME_UP, Key.VOLUME_DOWN, Key.RATE_UP, Key.RATE_DOWN, Key.SPEECH,
                             Key.CLEAR, Key.CLEAR], 0),
    ("byte", b"5\r\n", [Key.DIGIT_5, Key.ENTER], 0),                      # the LF of CRLF is no key
    ("byte", b"\x00\xffz9", [Key.DIGIT_9], 3),                            # noise is counted, not guessed
    ("line", b"UP\r\nselect\n5\nDIGIT_7\r\nvolume_up\r\n", [Key.UP, Key.SELECT, Key.DIGIT_5, Key.DIGIT_7,
                                                               Key.VOLUME_UP], 0),
    ("line", b"h\r\nFLY\r\n" + b"X" * 80 + b"\r\nback\r\n", [Key.HELP, Key.BACK], 2),
    ("line", b"\r\n\r\n", [], 0),
]


@pytest.mark.parametrize("framing, data, keys, rejected", FRAMES)
def test_serial_framer_whole_and_bytewise(framing: str, data: bytes, keys: list[Key], rejected: int) -> None:
    framer = KeyFramer(framing) if framing == "byte" else KeyFramer(framing, {"h": Key.HELP})
    assert [p.key for p in framer.feed(data)] == keys and framer.rejected == rejected
    bytewise = KeyFramer(framing) if framing == "byte" else KeyFramer(framing, {"h": Key.HELP})
    assert [p.key for i in range(len(data)) for p in bytewise.feed(data[i:i + 1])] == keys


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    master, slave = os.openpty()
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


def test_serial_keypad_on_a_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    keypad = open_device("keypad", f"serial:{path},baud=19200", {"keymap": ["x=SPEECH"], "baud": 9600})
    got = Collector()
    keypad.start(got)
    try:
        os.write(master, b"d")
        os.write(master, b"s98\rx?")
        assert got.keys(5) == [Key.DOWN, Key.SELECT, Key.DIGIT_9, Key.DIGIT_8, Key.ENTER]
        assert got.keys(1) == [Key.SPEECH]
        assert keypad.self_test().ok and "19200 baud, byte framing" in keypad.self_test().detail
        assert keypad.wait_for_key(0.01) is None
    finally:
        keypad.close()
    assert not keypad.running and keypad.rejected == 1


def test_serial_keypad_line_framing_on_a_pty(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    keypad = open_device("keypad", f"serial:{path}", {"framing": "line", "keymap": ["menu=HELP"]})
    got = Collector()
    keypad.start(got)
    try:
        os.write(master, b"UP\r\nMENU\r\n4\r\n")
        assert got.keys(3) == [Key.UP, Key.HELP, Key.DIGIT_4]
    finally:
        keypad.close()


def test_key_test_takes_the_key_from_the_session(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    keypad = open_device("keypad", f"serial:{path}", {})
    got = Collector()
    keypad.start(got)
    try:
        os.write(master, b"h")
        assert keypad.wait_for_key(WAIT) == KeyPress(Key.HELP)
        assert got.q.empty()
    finally:
        keypad.close()


@pytest.mark.parametrize("argument, spec", [
    ("/dev/ttyUSB3", SerialKeypadSpec("/dev/ttyUSB3", 9600, "byte")),
    ("/dev/ttyUSB3,baud=19200", SerialKeypadSpec("/dev/ttyUSB3", 19200, "byte")),
    ("socket://127.0.0.1:7000,framing=line", SerialKeypadSpec("socket://127.0.0.1:7000", 9600, "line")),
])
def test_serial_device_strings(argument: str, spec: SerialKeypadSpec) -> None:
    assert parse_serial_argument(argument) == spec


@pytest.mark.parametrize("spec, why", [
    ("serial:", "no port given"),
    ("serial:/dev/ttyUSB3,baud=fast", "option baud: 'fast' is not a whole number"),
    ("serial:/dev/ttyUSB3,parity=E", "unknown option 'parity=E'"),
    ("serial:/dev/ttyUSB3,framing=word", "option framing: 'word' is not one of byte, line"),
    ("serial:/dev/ttyUSB3,9600", "is not key=value"),
    ("serial:/nonexistent/ttyKEYPAD", "cannot open serial port"),
    ("evdev:", "evdev needs a device path or name=TEXT"),
    ("evdev:name=", "needs part of the device name"),
    ("evdev:/nonexistent/event9", "cannot open input device"),
    ("braille:/dev/ttyS0", "valid forms: evdev:/dev/input/by-id/PATH | evdev:name=TEXT"),
])
def test_bad_device_strings_say_why(spec: str, why: str) -> None:
    with pytest.raises(DeviceError, match=why.replace("(", r"\(").replace("|", r"\|")) as info:
        open_device("keypad", spec, {})
    assert info.value.device == "keypad"


def test_every_keypad_driver_declares_grammar_and_doc() -> None:
    entries = drivers("keypad")
    assert {e.scheme for e in entries} == {"evdev", "serial", "sim"}
    assert all(e.grammar and e.doc for e in entries)


# ---------------------------------------------------------------- the simulator
def test_simulated_keypad_presses_and_faults() -> None:
    keypad = open_device("keypad", "sim", {})
    assert isinstance(keypad, SimulatedKeypad)
    got = Collector()
    keypad.press(Key.UP)                         # not started: nobody listens
    keypad.start(got)
    keypad.press("select")
    keypad.type_digits("42")
    assert got.keys(3) == [Key.SELECT, Key.DIGIT_4, Key.DIGIT_2]
    statuses: list[SelfTestResult] = []
    keypad.on_status(statuses.append)
    keypad.unplug()
    keypad.press(Key.HELP)                       # unplugged: lost
    assert not keypad.self_test().ok
    keypad.replug()
    keypad.press(Key.HELP, repeat=True)
    assert got.q.get(timeout=WAIT) == KeyPress(Key.HELP, repeat=True) and got.q.empty()
    assert [s.ok for s in statuses] == [False, True]
    keypad.fail_self_test = "keypad cable cut"
    assert keypad.self_test() == SelfTestResult.failed("simulated keypad: keypad cable cut")
    with pytest.raises(ValueError, match="'jump' is not a key"):
        keypad.press("jump")
    keypad.close()


# ---------------------------------------------------------------- config
def test_keypad_is_configured_like_every_device(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text('[devices.keypad]\ndriver = "serial:/dev/ttyUSB3"\nframing = "line"\nkeymap = ["menu=HELP"]\n',
                    encoding="utf-8")
    cfg = load_config(path, apply_override_file=False)
    assert cfg.devices.keypad.driver == "serial:/dev/ttyUSB3"
    assert cfg.devices.keypad.options == {"keymap": ("menu=HELP",), "baud": 9600, "framing": "line"}


def test_keypad_config_errors_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "station.toml"
    path.write_text('[devices.keypad]\ndriver = "serail:/dev/ttyUSB3"\nframing = "word"\nkeymap = ["HELP"]\n',
                    encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_config(path, apply_override_file=False)
    text = "\n".join(info.value.errors)
    assert "devices.keypad.driver: unknown device string 'serail:/dev/ttyUSB3'; did you mean 'serial'?" in text
    assert "devices.keypad.framing: must be one of byte, line" in text
    assert "devices.keypad.keymap: entry 1: 'HELP' is not CODE=KEY" in text

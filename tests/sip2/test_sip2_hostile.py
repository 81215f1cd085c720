"""Hostile SIP2 servers against the client and against ``kiosk sip2`` as a
process (issue 11, cases 6 and 9): control characters, floods of stale
replies and of garbage, oversize frames. Each run must end within a bounded
wait, in bounded memory, with a bounded number of log lines, and must never
let a control character reach the operator's terminal or the log."""

from __future__ import annotations

import json
import logging
import os
import random
import subprocess
import sys
import threading
import tracemalloc
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kiosk.errors import KioskError, RemoteProtocolError, UnknownOutcome
from kiosk.sip2 import codec
from kiosk.sip2 import messages as m
from kiosk.sip2.client import SIP2Client, SIP2Settings

from sip2_servers import HANG_UP, Conn, ScriptedServer, good_ils, reply

ROOT = Path(__file__).resolve().parents[2]
ESC_TITLE = "Evil\x1b]0;pwned\x07\x1b[2J\x1b[31mRED\x0b\x0c\x00\x7f\x85\x9b31m\u202egnp.exe"
CONTROL = [chr(c) for c in (*range(0x20), *range(0x7F, 0xA0))]


Flood = Callable[[bytes], Iterator[bytes]]


def flood_then(blob: Flood, on: bytes = b"17") -> Callable[[bytes, Conn], bytes | None]:
    """A well-behaved ILS until the ``on`` request, which it answers with the
    chunks of ``blob(frame)`` (made as they are sent: in-process memory
    figures are the client's, not the flood's)."""
    def handler(frame: bytes, conn: Conn) -> bytes | None:
        if not frame.startswith(on):
            return good_ils(frame, conn)
        assert conn.sock is not None
        try:
            for chunk in blob(frame):
                conn.sock.sendall(chunk)
        except OSError:
            pass  # the client cut us off mid-flood: as it should
        return HANG_UP
    return handler


def stale_flood(frame: bytes) -> Iterator[bytes]:
    """20,000 well-formed, correctly checksummed replies with the wrong AY."""
    seq = codec.decode_frame(frame, verify=False).sequence or 0
    one = codec.encode(m.ItemInformationResponse(circulation_status="03", item_identifier="x",
                                                 title_identifier="stale"), seq=(seq + 1) % 10)
    for _ in range(200):
        yield one * 100


def garbage_flood(frame: bytes) -> Iterator[bytes]:
    rng = random.Random(11)
    for _ in range(100):
        yield rng.randbytes(4000) + b"\r"


def oversize(frame: bytes) -> Iterator[bytes]:
    yield b"18"
    for _ in range(128):
        yield b"A" * 65536  # 8 MB, no terminator, ever


def control_reply(frame: bytes) -> Iterator[bytes]:
    msg = m.ItemInformationResponse(circulation_status="03", item_identifier="31000000000001",
                                    title_identifier=ESC_TITLE, screen_message=(ESC_TITLE,),
                                    extensions=(("\x1b[", ESC_TITLE),))
    yield reply(msg, frame, encoding="utf-8")


def control_garbage(frame: bytes) -> Iterator[bytes]:
    yield ("18" + ESC_TITLE + "AZ0000\r").encode("utf-8") * 3


HOSTILE: dict[str, Flood] = {"stale-flood": stale_flood, "garbage-flood": garbage_flood, "oversize": oversize,
           "control-garbage": control_garbage}


def settings(port: int, **overrides: object) -> SIP2Settings:
    base: dict[str, object] = dict(host="127.0.0.1", port=port, username="kiosk", password="kiosk-pass",
                                   institution_id="DEMO", read_timeout=1.0, connect_timeout=1.0,
                                   keepalive_interval=0, retries=2)
    base.update(overrides)
    return SIP2Settings(**base)  # type: ignore[arg-type]


@pytest.fixture
def log_records() -> Iterator[list[logging.LogRecord]]:
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    handler, root = Keep(logging.DEBUG), logging.getLogger("kiosk.sip2")
    old = root.level
    root.setLevel(logging.DEBUG)
    root.addHandler(handler)
    yield records
    root.removeHandler(handler)
    root.setLevel(old)


def no_control(text: str) -> bool:
    return not any(c in text for c in CONTROL if c != "\n")


@pytest.mark.parametrize("name", list(HOSTILE))
@pytest.mark.parametrize("call", ["item", "checkout"])
def test_client_survives_a_hostile_server(name: str, call: str, log_records: list[logging.LogRecord]) -> None:
    on = b"17" if call == "item" else b"11"
    with ScriptedServer(flood_then(HOSTILE[name], on)) as server:
        client = SIP2Client(settings(server.port), supervise=False)
        outcome: list[BaseException] = []

        def run() -> None:
            try:
                if call == "item":
                    client.item_information("31000000000001")
                else:
                    client.checkout("2100", "3100")
            except KioskError as exc:
                outcome.append(exc)

        tracemalloc.start()
        try:
            client.connect()
            worker = threading.Thread(target=run, daemon=True)
            worker.start()
            worker.join(30)  # bounded: the reply wait and the resend and stray-frame limits end it
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
            client.close()
    assert not worker.is_alive(), f"{name}: the client is still busy with the flood"
    expected = UnknownOutcome if call == "checkout" else (RemoteProtocolError, KioskError)
    assert outcome and isinstance(outcome[0], expected), outcome
    assert peak < 8 * 1024 * 1024, f"{name}: {peak} bytes held while reading the flood"
    warnings = [r for r in log_records if r.levelno >= logging.WARNING]
    assert len(warnings) <= 5, [r.getMessage()[:100] for r in warnings]
    assert len(log_records) <= 60, f"{name}: {len(log_records)} log records"
    for record in log_records:
        assert no_control(record.getMessage()), record.getMessage()[:200]
    assert no_control(str(outcome[0])), str(outcome[0])[:200]


def test_control_characters_in_a_good_reply_are_kept_as_data(log_records: list[logging.LogRecord]) -> None:
    """The codec keeps the ILS's text as it came (it is data); only what is
    shown is escaped (see the process tests below)."""
    with ScriptedServer(flood_then(control_reply)) as server:
        client = SIP2Client(settings(server.port, encoding="utf-8"), supervise=False)
        try:
            client.connect()
            assert client.item_information("31000000000001").title_identifier == ESC_TITLE
        finally:
            client.close()
    assert all(no_control(r.getMessage()) for r in log_records)


@pytest.mark.parametrize("char", CONTROL + ["\u2028", "\u2029", "\u202e", "\u2066", "\u200f"])
def test_show_bytes_escapes_every_control_character(char: str) -> None:
    encoding = "utf-8" if ord(char) > 0xFF else "latin-1"
    for shown in (codec.show_bytes(f"AF{char}x|".encode(encoding), encoding=encoding),
                  codec.printable(f"AF{char}x|")):
        assert char not in shown and no_control(shown) and shown.isprintable(), repr(shown)
        assert "\\" in shown


# ------------------------------------------------------------ kiosk sip2 as a process
MAXRSS = r'''
import resource, subprocess, sys
done = subprocess.run(sys.argv[1:], capture_output=True, timeout=60)
sys.stdout.buffer.write(done.stdout)
sys.stderr.buffer.write(done.stderr)
sys.stderr.write(f"\nMAXRSS_KB={resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}\n")
sys.exit(done.returncode)
'''


def run_cli(port: int, *args: str, verbose: str = "-v") -> tuple[int, bytes, bytes, int]:
    """``kiosk [-v] sip2 ... ARGS`` as its own process; exit code, stdout,
    stderr and its peak resident memory in kB."""
    argv = [sys.executable, "-c", MAXRSS, sys.executable, "-m", "kiosk.cli", verbose, "sip2", "--server",
            f"127.0.0.1:{port}", "--user", "kiosk", "--password", "kiosk-pass", "--timeout", "1",
            "--encoding", "utf-8", *args]
    done = subprocess.run(argv, capture_output=True, timeout=90, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(ROOT)})
    err, _, rss = done.stderr.rpartition(b"\nMAXRSS_KB=")
    return done.returncode, done.stdout, err, int(rss)


def shown_safely(data: bytes) -> bool:
    text = data.decode("utf-8", "replace")
    return no_control(text.replace("\r\n", "\n")) and "\u202e" not in text


@pytest.mark.parametrize("name", list(HOSTILE))
def test_kiosk_sip2_process_survives_a_hostile_server(name: str) -> None:
    with ScriptedServer(flood_then(HOSTILE[name])) as server:
        code, out, err, rss_kb = run_cli(server.port, "item", "31000000000001")
    assert code in (1, 4), (code, err[-500:])
    assert shown_safely(out) and shown_safely(err), (out[-300:], err[-300:])
    lines = out.count(b"\n") + err.count(b"\n")
    assert lines <= 12, (out + err)[-2000:]
    assert rss_kb < 150_000, f"{name}: {rss_kb} kB resident"


@pytest.mark.parametrize("as_json", [False, True], ids=["table", "json"])
def test_kiosk_sip2_process_escapes_control_characters_in_a_reply(as_json: bool) -> None:
    with ScriptedServer(flood_then(control_reply)) as server:
        code, out, err, _ = run_cli(server.port, *(["--json"] if as_json else []), "item", "31000000000001",
                                    verbose="-vv")
    assert code == 0, err[-500:]
    assert shown_safely(out) and shown_safely(err), (out[-400:], err[-400:])
    assert b"\x1b" not in out + err and b"\xc2\x85" not in out + err and b"\xc2\x9b" not in out + err
    if as_json:
        fields = json.loads(out.splitlines()[-1])["fields"]  # the logs (-vv) share stdout
        assert fields["AJ"] == ESC_TITLE  # the data itself, escaped only in its JSON form
    else:
        assert b"\\x1b]0;pwned\\x07" in out and b"\\u202e" in out


def test_rate_limited_log_counts_what_it_holds_back() -> None:
    from kiosk.sip2.ratelog import RateLimitedLog

    records: list[str] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record.getMessage())

    logger = logging.getLogger("kiosk.sip2.test_ratelog")
    logger.addHandler(Keep())
    logger.propagate = False
    now = [100.0]
    limited = RateLimitedLog(logger, interval=10.0, clock=lambda: now[0])
    try:
        assert limited.warning("stale", "stale %s", 1)
        assert not any(limited.warning("stale", "stale %s", n) for n in range(2, 1000))
        assert limited.warning("other", "another kind goes through")
        assert limited.held("stale") == 998
        now[0] += 10.0
        assert limited.warning("stale", "stale %s", 1000)
        assert records == ["stale 1", "another kind goes through",
                           "stale 1000 (998 more like it in the last 10 s not logged)"]
    finally:
        logger.handlers.clear()
        logger.propagate = True

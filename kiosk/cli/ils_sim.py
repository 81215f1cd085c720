"""``kiosk ils-sim``: run the simulated ILS as a standalone SIP2 server.

    kiosk ils-sim [--host 127.0.0.1] [--port 6001] [--data FILE] [--db FILE] [--reset]
                  [--latency S] [--fault SPEC ...] [--terminator cr|crlf]
                  [--encoding utf-8|cp850|latin-1] [--duration S] [--check] [--dump]
                  [--max-connections N] [--max-bad-frames N]

Runs until Ctrl-C or SIGTERM (or ``--duration`` seconds). ``--check`` only
validates the data file; ``--dump`` prints the state of ``--db`` as JSON.
Fault specs: see :mod:`kiosk.sip2.ils.faults`. Beyond ``--max-connections``
stations (default 256) a connection is refused politely: its first request
is answered (a login with ``940``, a status with a 98 saying offline, both
with the screen message "ILS busy: ..."; anything else with 96) and then closed.
"""

from __future__ import annotations

import argparse
import json
import signal
import sys
import threading
from typing import Any

from kiosk.logs import MASK
from kiosk.sip2.ils.data import DEMO_DATA, load_data
from kiosk.sip2.ils.faults import Faults
from kiosk.sip2.ils.rules import local_now
from kiosk.sip2.ils.server import MAX_BAD_FRAMES, MAX_CONNECTIONS, ILSSimulator
from kiosk.sip2.ils.store import Store

ENCODINGS = ("utf-8", "cp850", "latin-1")


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "ils-sim", description="A SIP2 server with Koha-like circulation rules, SQLite state and fault injection. "
                    "Log in as kiosk / kiosk-pass, institution DEMO.",
        epilog="Fault specs: delay=S, jitter=S, MODE[=PROBABILITY], MODE@COMMAND[xCOUNT], terminator=cr|crlf, "
               "seed=N, flap=DOWN:UP; modes: drop, no_reply, lost_reply, garbage, bad_checksum. "
               "Example: --fault lost_reply@11 --fault jitter=0.2")
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=6001, help="TCP port (default 6001; 0 = any free port)")
    parser.add_argument("--data", metavar="FILE", default=None, help=f"seed data TOML (default {DEMO_DATA.name})")
    parser.add_argument("--db", metavar="FILE", default=":memory:",
                        help="SQLite state file; kept across restarts (default: in memory)")
    parser.add_argument("--reset", action="store_true", help="reseed the --db file from the data file")
    parser.add_argument("--latency", type=float, default=0.0, metavar="S", help="fixed delay before each reply")
    parser.add_argument("--fault", action="append", default=[], metavar="SPEC", help="inject a fault (repeatable)")
    parser.add_argument("--terminator", choices=("cr", "crlf"), default=None, help="reply terminator (default cr)")
    parser.add_argument("--encoding", choices=ENCODINGS, default="utf-8", help="character set (default utf-8)")
    parser.add_argument("--duration", type=float, default=0.0, metavar="S",
                        help="stop after S seconds (default: run until interrupted)")
    parser.add_argument("--tls-cert", metavar="PEM", default=None, help="serve TLS with this certificate")
    parser.add_argument("--tls-key", metavar="PEM", default=None, help="private key of --tls-cert (if not in it)")
    parser.add_argument("--max-connections", type=_at_least_one, default=MAX_CONNECTIONS, metavar="N",
                        help=f"stations served at once (default {MAX_CONNECTIONS}); more are refused with "
                             "a SIP2 answer saying the ILS is busy, then closed")
    parser.add_argument("--max-bad-frames", type=_at_least_one, default=MAX_BAD_FRAMES, metavar="N",
                        help=f"unparseable requests in a row before a connection is cut (default {MAX_BAD_FRAMES})")
    parser.add_argument("--check", action="store_true", help="only check the data file and exit")
    parser.add_argument("--dump", action="store_true",
                        help="print the state (of --db, seeded if new) as JSON and exit; PINs are masked")
    parser.set_defaults(func=run)


def _at_least_one(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 1 <= value <= 100_000:
        raise argparse.ArgumentTypeError("must be 1-100000")
    return value


def run(args: argparse.Namespace) -> int:
    data = load_data(args.data)  # ConfigError lists every problem; kiosk.cli prints it
    if args.check:
        print(f"{args.data or DEMO_DATA}: ok ({len(data.patrons)} patrons, {len(data.items)} items, "
              f"{len(data.loans)} loans, {len(data.holds)} holds, {len(data.fines)} fines)")
        return 0
    if args.dump:
        return _dump(data, args.db, args.reset)
    faults = Faults.parse(args.fault)
    if args.terminator:
        faults.set(terminator=args.terminator)
    sim = ILSSimulator(data=data, host=args.host, port=args.port, latency=args.latency, faults=faults,
                       db_path=args.db, encoding=args.encoding, reset=args.reset,
                       tls_certfile=args.tls_cert, tls_keyfile=args.tls_key,
                       max_connections=args.max_connections, max_bad_frames=args.max_bad_frames)
    done = threading.Event()
    # SIGTERM (systemd, docker stop) stops cleanly; handlers only work in the main thread.
    in_main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, lambda *_: done.set()) if in_main else None
    try:
        sim.start()
        print(f"ILS simulator on {sim.host}:{sim.port}{' (TLS)' if sim.tls else ''} (institution {data.library.institution}, "
              f"login {data.logins[0].user if data.logins else '-'}, {len(data.items)} items, "
              f"state {args.db}); Ctrl-C to stop", flush=True)
        active = {k: v for k, v in faults.snapshot().items() if v and k != "terminator"}
        if active:
            print(f"faults: {active}", flush=True)
        limit = args.duration if args.duration > 0 else None
        waited = 0.0
        while not done.wait(0.5):
            waited += 0.5
            if limit is not None and waited >= limit:
                break
    except KeyboardInterrupt:
        pass
    finally:
        if in_main:
            signal.signal(signal.SIGTERM, previous)
        sim.close()
        print(f"ILS simulator stopped ({sim.connections_total} connections, {sim.connections_refused} refused, "
              f"{sum(sim.requests.values())} requests)", file=sys.stderr)
    return 0


def _dump(data: object, db: str, reset: bool) -> int:
    store = Store(db)
    try:
        store.seed(data, local_now(), force=reset)  # type: ignore[arg-type]
        state = store.dump()
    finally:
        store.close()
    for patron in state["patrons"]:
        patron["pin"] = MASK if patron["pin"] else ""
    print(json.dumps(state, ensure_ascii=False, indent=1))
    return 0

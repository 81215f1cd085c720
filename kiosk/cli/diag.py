"""``kiosk diag``: open every configured device and run a safe self-test.

    kiosk diag --config /etc/kiosk/kiosk.toml [--json] [--no-print]
               [--prompt-wait SECONDS] [--timeout SECONDS] [--list-drivers]

One line per ``[devices.<family>]`` table: PASS, FAIL (a required device:
the kiosk would be out of service), WARN (an optional device that would
disable itself) or SKIP (not fitted). The self-tests are safe: the RFID pad
takes an inventory (nothing is written), the printer reports its status and
prints a short test slip (``--no-print`` skips it), and with a prompt wait
the scanner and card reader ask staff to scan a barcode / tap a card within
that many seconds. Every device is bounded by ``--timeout``; the exit code is
1 when a required device fails, else 0.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import asdict

from kiosk.config import load_config
from kiosk.drivers.diag import list_drivers, run_diag

DESCRIPTION = """\
Check every device the station's config names: open it, run a safe
self-test, close it, and print one line per device:

  PASS  the device works
  FAIL  a required device does not: the kiosk would be out of service
  WARN  an optional device does not: it would switch itself off
  SKIP  not fitted

Nothing is written to a tag. The RFID pad counts the tags on it, the printer
reports its status and prints a short test slip (--no-print skips it), and
with a prompt wait the scanner and card reader ask you to scan a barcode or
tap a card. Exit status 1 when a required device fails, else 0."""


def diag_command(args: argparse.Namespace) -> int:
    if args.list_drivers:
        print(list_drivers())
        return 0
    if not args.config:
        print("kiosk diag: --config FILE is required", file=sys.stderr)
        return 2
    # Device strings are checked here, one line per device, not as a config error.
    cfg = load_config(args.config, check_devices=False)
    prompt_wait = args.prompt_wait if args.prompt_wait is not None else (10.0 if sys.stdin.isatty() else 0.0)

    def prompt(text: str) -> None:
        print(text, file=sys.stderr, flush=True)

    results = run_diag(cfg, print_page=not args.no_print, prompt_wait=prompt_wait, timeout=args.timeout,
                       prompt=prompt)
    failed = [r for r in results if r.status == "fail"]
    if args.json:
        print(json.dumps({"ok": not failed, "devices": [asdict(r) for r in results]}, indent=2,
                         ensure_ascii=False))
    else:
        for result in results:
            print(result.line())
        verdict = (f"OUT OF SERVICE: {', '.join(r.family for r in failed)} failed" if failed
                   else "ready for patrons" + (" (with warnings)" if any(r.status == "warn" or r.warnings
                                                                        for r in results) else ""))
        print(verdict)
    return 1 if failed else 0


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser("diag", description=DESCRIPTION, formatter_class=argparse.RawDescriptionHelpFormatter,
                            epilog="example: kiosk diag --config /etc/kiosk/kiosk.toml --no-print")
    parser.add_argument("--config", metavar="FILE", help="station config file (TOML)")
    parser.add_argument("--json", action="store_true", help="machine-readable output")
    parser.add_argument("--no-print", action="store_true", help="do not print a printer test slip")
    parser.add_argument("--prompt-wait", type=float, default=None, metavar="SECONDS",
                        help="ask staff to scan a barcode / tap a card, waiting this long "
                             "(default 10 on a terminal, 0 otherwise)")
    parser.add_argument("--timeout", type=float, default=30.0, metavar="SECONDS",
                        help="longest wait for one device to open and test (default 30)")
    parser.add_argument("--list-drivers", action="store_true", help="list every device string form and exit")
    parser.set_defaults(func=diag_command)

"""The ``kiosk`` command: one console script, one module per subcommand group.

Each module in :data:`COMMAND_MODULES` exposes ``register(subparsers)``, which
adds its parser(s) and sets ``func`` (called with the parsed namespace; it
returns the process exit code).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from typing import Sequence

from kiosk import __version__
from kiosk.errors import KioskError

COMMAND_MODULES = (
    "kiosk.cli.config",       # check-config, hash-pin
    "kiosk.cli.sip2",         # sip2, ils-sim
    "kiosk.cli.tag",          # tag decode|encode|write
    "kiosk.cli.diag",         # diag
    "kiosk.cli.run",          # demo, run
    "kiosk.cli.returnbin",    # returnbin
    "kiosk.cli.journal",      # journal status|list|resolve|replay|recover|reprint|purge
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kiosk",
        description="Library self-service kiosk and RFID station.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging (-v info, -vv debug; secrets stay masked)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        try:
            module = importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # A command group whose module is not installed (a trimmed build)
            # is left out rather than breaking every other command;
            # tests/test_cli.py checks that a full checkout has all of them.
            if exc.name != name:
                raise
            continue
        module.register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from kiosk.logs import setup_logging

    setup_logging(args.verbose)
    try:
        return int(args.func(args) or 0)
    except KioskError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

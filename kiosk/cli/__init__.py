"""The ``kiosk`` command: one console script, one module per command family.

:data:`COMMANDS` names every command, the module that implements it and the
line ``kiosk --help`` shows for it. Only the module of the command being run
is imported: ``kiosk --help`` loads no command module at all, and ``kiosk
sip2 status`` does not load the ILS simulator, the drivers or Kivy. The
other commands are listed by name and help line only.

Each module exposes ``register(subparsers)``, which adds the parser of each
of its commands and sets ``func`` (called with the parsed namespace; it
returns the process exit code).
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys

from kiosk import __version__
from kiosk.cli.parser import Parser
from kiosk.errors import KioskError

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Sequence

#: command -> (module that registers it, its line in ``kiosk --help``), in help order.
COMMANDS: dict[str, tuple[str, str]] = {
    "check-config": ("kiosk.cli.config", "validate a station config file and report every error"),
    "hash-pin": ("kiosk.cli.config", "make a salted scrypt hash of a staff PIN or badge id for [staff]"),
    "sip2": ("kiosk.cli.sip2", "talk to an ILS over SIP2 (connection test, diagnostics)"),
    "ils-sim": ("kiosk.cli.ils_sim", "run the simulated ILS (SIP2 server with demo data)"),
    "tag": ("kiosk.cli.tag", "decode, encode and write ISO 28560 library tags"),
    "diag": ("kiosk.cli.diag", "open every configured device and run a safe self-test"),
    "demo": ("kiosk.cli.run", "try the kiosk with a simulated ILS and virtual hardware"),
    "run": ("kiosk.cli.run", "run the kiosk (fullscreen, locked down)"),
    "returnbin": ("kiosk.cli.returnbin", "run the after-hours return bin service"),
    "journal": ("kiosk.cli.journal", "the transaction journal: status, staff list, replay, recovery"),
}

#: The command modules, each once (a build may leave some out: see :func:`build_parser`).
COMMAND_MODULES: tuple[str, ...] = tuple(dict.fromkeys(module for module, _ in COMMANDS.values()))


def command_in(argv: Sequence[str]) -> str | None:
    """The command ``argv`` asks for: its first word that is not an option,
    unless help or the version is asked for first (the options before a
    command take no value)."""
    for word in argv:
        if word in ("-h", "--help", "--version"):
            return None
        if not word.startswith("-"):
            return word
    return None


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``kiosk`` parser. ``command``'s module registers its full parser(s)
    and, when it names a known command, the other commands are left out (the
    command line is parsed for that one only). Without one (``kiosk --help``,
    an unknown word) every command is a stub with its help line, enough for
    ``--help`` and for argparse to name the valid choices. Commands whose
    module is not in :data:`COMMAND_MODULES` are left out."""
    parser = Parser(
        prog="kiosk",
        description="Library self-service kiosk and RFID station.",
    )
    parser.add_argument("--version", action="version", version=f"kiosk {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more logging (-v info, -vv debug; secrets stay masked)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    chosen = COMMANDS[command][0] if command in COMMANDS else None
    for name, (module, help_line) in COMMANDS.items():
        if module not in COMMAND_MODULES:
            continue
        if chosen is None:
            sub.add_parser(name, help=help_line)
        elif module == chosen and name not in sub.choices:
            importlib.import_module(module).register(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser(command_in(argv))
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from kiosk.logs import setup_logging  # logging is set up once a command runs, not for --help

    setup_logging(args.verbose)
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()          # a reader that went away shows here, not at interpreter exit
        return code
    except BrokenPipeError:
        # `kiosk tag encode --json | head -c1`: stop quietly, as cat does, with
        # what a shell reports for a writer killed by SIGPIPE.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    except KioskError as exc:
        print(f"kiosk {args.command}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())

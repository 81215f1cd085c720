"""``kiosk check-config FILE`` and ``kiosk hash-pin``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from kiosk.config.loader import load_config
from kiosk.config.production import production_warnings
from kiosk.errors import ConfigError
from kiosk.staff import hash_secret


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check-config", description=(
        "Validate a station config file and report every error, including device strings (checked by the "
        "drivers' own parsers; nothing is opened). Also warns about settings a station in service should "
        "not run with, such as an example password or no way into staff mode."))
    check.add_argument("file", help="TOML config file")
    check.add_argument("--show", action="store_true", help="print the effective settings (secrets masked)")
    check.add_argument("--strict", action="store_true", help="warnings count as errors (exit status 1)")
    check.set_defaults(func=check_config)

    hash_pin = sub.add_parser("hash-pin", description="Make a salted scrypt hash of a staff PIN or badge id for [staff].")
    hash_pin.add_argument("--stdin", action="store_true", help="read the secret from standard input (for scripts)")
    hash_pin.set_defaults(func=hash_pin_command)


def check_config(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.file, apply_override_file=False)
    except ConfigError as exc:
        print(f"{args.file}: {len(exc.errors)} error{'s' if len(exc.errors) != 1 else ''}", file=sys.stderr)
        for line in exc.errors:
            print(f"  {line}", file=sys.stderr)
        return 1
    if args.show:
        print(json.dumps(config.as_dict(mask_secrets=True), indent=2, ensure_ascii=False, default=list))
    warnings = production_warnings(config)
    for line in warnings:
        print(f"  warning: {line}", file=sys.stderr)
    count = f" ({len(warnings)} warning{'s' if len(warnings) != 1 else ''})" if warnings else ""
    if warnings and args.strict:
        print(f"{args.file}: not ready for service{count}", file=sys.stderr)
        return 1
    print(f"{args.file}: OK{count}")
    return 0


def hash_pin_command(args: argparse.Namespace) -> int:
    if args.stdin:
        secret = sys.stdin.readline().rstrip("\r\n")
    else:
        secret = getpass.getpass("Staff PIN or badge id: ")
        if getpass.getpass("Again: ") != secret:
            print("kiosk hash-pin: the two entries differ", file=sys.stderr)
            return 1
    if not secret:
        print("kiosk hash-pin: empty secret", file=sys.stderr)
        return 1
    print(hash_secret(secret))
    return 0

"""``kiosk check-config FILE`` and ``kiosk hash-pin``."""

from __future__ import annotations

import argparse
import getpass
import json
import sys

from kiosk.config.loader import load_config
from kiosk.errors import ConfigError
from kiosk.staff import hash_secret


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    check = sub.add_parser("check-config", description="Validate a station config file and report every error.")
    check.add_argument("file", help="TOML config file")
    check.add_argument("--show", action="store_true", help="print the effective settings (secrets masked)")
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
    print(f"{args.file}: OK")
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

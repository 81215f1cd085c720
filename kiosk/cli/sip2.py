"""``kiosk sip2``: the staff diagnostic SIP2 client (like Koha's
``sip_cli_emulator.pl``).

    kiosk sip2 --server HOST:PORT --user U --password P [--institution AO] [--location CP]
               [--tls] [--cafile F] [--encoding cp850|utf-8|latin-1] [--terminator cr|crlf]
               [--no-checksum] [--timeout S] [--json] COMMAND ...

Every command connects, logs in (93), reads the ACS status (99/98), sends one
request and prints its reply: a readable table, or with ``--json`` one object
``{"message", "ok", "fixed", "fields"}``. Exit codes: 0 the exchange
completed (whatever ``ok`` says), 1 connection failure or timeout, 2 bad
arguments, 3 login refused, 4 the ILS sent a malformed reply, 5 a state-changing request's
outcome is unknown. Deployment scripts depend on this interface; keep it.
"""

from __future__ import annotations

import argparse
import os
import sys
from datetime import datetime

from kiosk.cli.parser import Parser, raw_description_formatter
from kiosk.errors import KioskError, LocalProtocolError, RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.sip2 import messages as m
from kiosk.sip2.client import LoginRefused, SIP2Client, SIP2Settings
from kiosk.sip2.codec import printable
from kiosk.sip2.fields import encode_var

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any, TextIO

EXIT_OK, EXIT_TRANSPORT, EXIT_USAGE, EXIT_LOGIN, EXIT_PROTOCOL, EXIT_UNKNOWN = 0, 1, 2, 3, 4, 5
PASSWORD_ENV = "KIOSK_SIP2_PASSWORD"

COMMANDS: dict[str, tuple[str, str]] = {
    "status": ("SC status (99): is the ILS online, what does it support", "99"),
    "login": ("login (93) only", "93"),
    "patron": ("patron information (63)", "63"),
    "checkout": ("check out an item (11)", "11"),
    "checkin": ("check in an item (09)", "09"),
    "renew": ("renew one loan (29)", "29"),
    "renew-all": ("renew all loans of a patron (65)", "65"),
    "item": ("item information (17)", "17"),
    "pay": ("fee paid (37)", "37"),
    "hold": ("place or cancel a hold (15)", "15"),
    "end": ("end patron session (35)", "35"),
}


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "sip2", description="Connect to a SIP2 server, log in, send one request and print the reply.",
        usage="kiosk sip2 [-h] --server HOST:PORT --user U --password P [options] COMMAND [ARGS ...]",
        epilog="Exit codes: 0 exchange completed (whatever 'ok' says), 1 cannot connect or no reply, "
               "2 bad arguments, 3 login refused, 4 malformed reply, 5 outcome of a state-changing request unknown. "
               f"The password may come from ${PASSWORD_ENV} instead of --password.")
    # Required, but checked in run(): 'kiosk sip2 checkout --help' must work without them.
    parser.add_argument("--server", metavar="HOST:PORT", help="SIP2 server address (required)")
    parser.add_argument("--user", metavar="U", help="SIP2 login user id (CN) (required)")
    parser.add_argument("--password", default=os.environ.get(PASSWORD_ENV), metavar="P",
                        help=f"SIP2 login password (CO), or ${PASSWORD_ENV}; never printed")
    parser.add_argument("--institution", default="", metavar="AO", help="institution id (AO)")
    parser.add_argument("--location", default="", metavar="CP", help="location code (CP, and AP on checkin)")
    parser.add_argument("--tls", action="store_true", help="connect with TLS (certificate verified)")
    parser.add_argument("--cafile", default="", metavar="F", help="CA bundle to verify the server with")
    parser.add_argument("--encoding", default="cp850", choices=("cp850", "utf-8", "latin-1"))
    parser.add_argument("--terminator", default="cr", choices=("cr", "crlf"))
    parser.add_argument("--no-checksum", action="store_true", help="send no AY/AZ error detection")
    parser.add_argument("--timeout", type=_positive, default=10.0, metavar="S",
                        help="seconds to wait to connect and for each reply (default 10)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    listing = "\n".join(f"  {name:<10} {help_text}" for name, (help_text, _) in COMMANDS.items())
    parser.add_argument("sip2_command", metavar="COMMAND", choices=tuple(COMMANDS),
                        help="one of: " + ", ".join(COMMANDS) + "; 'kiosk sip2 ... COMMAND --help' for its arguments")
    # Each command's own arguments are parsed in run(), by a parser built for
    # that command only: building all eleven costs more than the exchange.
    parser.add_argument("sip2_args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)
    parser.epilog = f"Commands:\n{listing}\n\n{parser.epilog}"
    parser.formatter_class = raw_description_formatter
    parser.set_defaults(func=run)


def command_parser(name: str) -> argparse.ArgumentParser:
    """The arguments of one ``kiosk sip2`` command (after its name)."""
    help_text = COMMANDS[name][0]
    cmd = Parser(prog=f"kiosk sip2 ... {name}", description=help_text)
    if name in ("patron", "checkout", "renew", "renew-all", "pay", "hold", "end"):
        cmd.add_argument("patron", metavar="PATRON")
    if name in ("checkout", "checkin", "renew", "item", "hold"):
        cmd.add_argument("item", metavar="ITEM")
    if name in ("patron", "checkout"):
        cmd.add_argument("--pin", default=None, metavar="PIN", help="patron PIN (AD); never printed")
    if name == "patron":
        from kiosk.sip2.fields import SUMMARY_POSITIONS

        cmd.add_argument("--summary", default="", choices=("",) + tuple(SUMMARY_POSITIONS),
                         help="which item list to ask for in detail")
    if name == "pay":
        cmd.add_argument("amount", metavar="AMOUNT")
        cmd.add_argument("--fee-id", default=None, metavar="ID", help="fee identifier (CG)")
        cmd.add_argument("--currency", default="USD", metavar="CUR", help="currency (default USD)")
    if name == "hold":
        cmd.add_argument("--cancel", action="store_true", help="cancel the hold instead of placing it")
    return cmd


def _positive(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not 0 < value <= 600:
        raise argparse.ArgumentTypeError("must be between 0 and 600 seconds")
    return value


def parse_server(text: str) -> tuple[str, int]:
    host, sep, port = text.rpartition(":")
    host = host.strip("[]")
    if not sep or not host or not port.isdigit() or not 0 < int(port) < 65536:
        raise LocalProtocolError(f"--server {text!r}: expected HOST:PORT, e.g. 127.0.0.1:6001")
    return host, int(port)


def settings_from_args(args: argparse.Namespace) -> SIP2Settings:
    host, port = parse_server(args.server)
    return SIP2Settings(
        host=host, port=port, tls=args.tls, tls_verify=True, cafile=args.cafile, username=args.user,
        password=args.password or "", institution_id=args.institution, location_code=args.location,
        encoding=args.encoding, terminator=args.terminator, checksums=not args.no_checksum,
        connect_timeout=args.timeout, read_timeout=args.timeout, keepalive_interval=0,
        honour_acs_timeout=False)  # a person typed --timeout: that is the wait they get


def exchange(client: SIP2Client, args: argparse.Namespace) -> m.Message:
    """Run the chosen command on a connected client and return the reply."""
    cmd = args.sip2_command
    if cmd == "status":
        assert client.acs_status is not None
        return client.acs_status
    if cmd == "login":
        assert client.last_login is not None
        return client.last_login
    if cmd == "patron":
        return client.patron_information(args.patron, pin=args.pin, summary=args.summary)
    if cmd == "checkout":
        return client.checkout(args.patron, args.item, pin=args.pin)
    if cmd == "checkin":
        return client.checkin(args.item)
    if cmd == "renew":
        return client.renew(args.patron, args.item)
    if cmd == "renew-all":
        return client.renew_all(args.patron)
    if cmd == "item":
        return client.item_information(args.item)
    if cmd == "pay":
        return client.fee_paid(args.patron, args.amount, fee_id=args.fee_id, currency=args.currency.upper())
    if cmd == "hold":
        return client.hold(args.patron, args.item, mode="-" if args.cancel else "+")
    if cmd == "end":
        return client.end_session(args.patron)
    raise LocalProtocolError(f"unknown sip2 command {cmd!r}")


def run(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out, err = out or sys.stdout, err or sys.stderr
    command_parser(args.sip2_command).parse_args(args.sip2_args, namespace=args)  # exits 2 on bad arguments
    missing = [option for option, value in (("--server", args.server), ("--user", args.user),
                                            ("--password", args.password)) if value is None]
    if missing:
        print(f"kiosk sip2: the following arguments are required: {', '.join(missing)}", file=err)
        return EXIT_USAGE
    try:
        settings = settings_from_args(args)
        if args.sip2_command == "login" and not settings.username:
            raise LocalProtocolError("login needs --user")
        client = SIP2Client(settings, supervise=False)
    except KioskError as exc:
        print(f"kiosk sip2: {printable(str(exc))}", file=err)
        return EXIT_USAGE
    try:
        client.connect()
        reply = exchange(client, args)
    except LoginRefused as exc:
        print(f"kiosk sip2: login refused: {printable(str(exc))}", file=err)
        return EXIT_LOGIN
    except UnknownOutcome as exc:
        print(f"kiosk sip2: outcome unknown (check the item with 'item'): {printable(str(exc))}", file=err)
        return EXIT_UNKNOWN
    except TransportError as exc:
        print(f"kiosk sip2: {printable(str(exc))}", file=err)
        return EXIT_TRANSPORT
    except RemoteProtocolError as exc:
        print(f"kiosk sip2: {printable(str(exc))}", file=err)
        return EXIT_PROTOCOL
    except LocalProtocolError as exc:  # e.g. an amount that is not a number
        print(f"kiosk sip2: {printable(str(exc))}", file=err)
        return EXIT_USAGE
    finally:
        client.close()
    if args.json:
        print(json_text(to_json(reply)), file=out)
    else:
        print(to_table(reply), file=out)
    return EXIT_OK


# ------------------------------------------------------------------ output
def _is_patron_status(value: Any) -> bool:
    # A PatronStatus exists only once kiosk.sip2.codes is loaded: asking for
    # the class would load the code tables for a reply that holds none.
    codes = sys.modules.get("kiosk.sip2.codes")
    return codes is not None and isinstance(value, codes.PatronStatus)


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if _is_patron_status(value):
        return {name: getattr(value, name) for name in type(value).__dataclass_fields__}
    return value


def present_fields(msg: m.Message) -> list[tuple[str, str, Any]]:
    """``(code, name, wire text or list)`` of every field the message carries."""
    rows: list[tuple[str, str, Any]] = []
    for var in msg.FIELDS:
        value = getattr(msg, var.name)
        if var.kind == "list":
            if value:
                rows.append((var.code, var.name, list(value)))
        elif var.required or value not in (None, ""):
            rows.append((var.code, var.name, "" if value is None else encode_var(var, value)))
    for code, value in msg.extensions:
        rows.append((code, "", value))
    return rows


def to_json(msg: m.Message) -> dict[str, Any]:
    fields: dict[str, Any] = {}
    for code, _name, value in present_fields(msg):
        if code in fields:  # a repeated code: always a list
            old = fields[code]
            fields[code] = (old if isinstance(old, list) else [old]) + (value if isinstance(value, list) else [value])
        else:
            fields[code] = value
    return {"message": msg.COMMAND, "ok": msg.outcome,
            "fixed": {name: _plain(value) for name, value in msg.fixed_values.items()}, "fields": fields}


# JSON escapes C0 itself; DEL, C1 (NEL, CSI ...) and the bidirectional
# controls it passes through raw with ensure_ascii=False: escape them too.
_JSON_ESCAPES = {code: f"\\u{code:04x}" for code in (*range(0x7F, 0xA0), 0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
                                                      *range(0x202A, 0x202F), *range(0x2066, 0x206A))}


def json_text(value: Any) -> str:
    """One line of JSON with no raw control character a terminal would obey."""
    import json  # only --json needs it

    return json.dumps(value, ensure_ascii=False).translate(_JSON_ESCAPES)


def to_table(msg: m.Message) -> str:
    ok = {True: "yes", False: "NO", None: "-"}[msg.outcome]
    lines = [f"{msg.COMMAND} {type(msg).__name__}    ok: {ok}"]
    rows: list[tuple[str, str]] = []
    for name, value in msg.fixed_values.items():
        if _is_patron_status(value):
            text = ", ".join(value.active()) or "(no flags set)"
        elif isinstance(value, bool) or value is None:
            text = {True: "Y", False: "N", None: "U"}[value] if name in ("magnetic_media", "desensitize") \
                else {True: "Y", False: "N", None: "-"}[value]
        else:
            text = _plain(value)
        rows.append((name, str(text)))
    for code, name, value in present_fields(msg):
        label = printable(f"{code} {name or '(extension)'}")
        for item in (value if isinstance(value, list) else [value]):
            rows.append((label, str(item)))
    width = max((len(label) for label, _ in rows), default=0)
    lines += [f"  {label:<{width}}  {printable(text)}" for label, text in rows]
    return "\n".join(lines)

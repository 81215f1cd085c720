"""``kiosk journal``: the station's transaction journal for library IT and staff.

    kiosk journal status   [--config FILE]            counts: unfinished, queued offline, for staff
    kiosk journal list     [-n 20] [--unfinished|--staff|--queued] [--full-ids] [--json]
    kiosk journal resolve  ID NOTE [--staff NAME]     take an entry off the staff list, keeping the note
    kiosk journal replay   [--config FILE]            send the offline queue to the ILS now
    kiosk journal recover  [--min-age S]              settle unfinished entries (ILS + pad), as at start-up
    kiosk journal reprint  [ID]                       print the last (or a given) receipt again
    kiosk journal purge    --days N                   delete settled entries older than N days (privacy)

The config is ``--config FILE``, else the installed station's
(``$KIOSK_CONFIG`` or ``/etc/kiosk/kiosk.toml``); a missing one is an error,
never a silent fall-back to the demo settings. The journal lives at
``DATA_DIR/journal.sqlite3`` (``station.data_dir``) unless ``--journal`` says
otherwise, and every action says which file it read. The read-only actions
(status, list) never create a journal. Patron ids are masked unless
``--full-ids``; PINs are never stored.

Every action reads the config and the journal; what only one action needs (the
SIP2 client, the receipt desk, recovery with the RFID pad) is imported by that
action's function.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from kiosk.config import Config, load_config
from kiosk.config.installed import RETURNBIN_CONFIG, installed_config
from kiosk.logs import mask_patron_id
from kiosk.store.journal import Entry, Journal, default_journal_path


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = sub.add_parser(
        "journal", description="The transaction journal: status, staff list, replay, recovery.")
    parser.add_argument("--config", metavar="FILE",
                        help="station config file (default: $KIOSK_CONFIG or /etc/kiosk/kiosk.toml, "
                             "the installed station's)")
    parser.add_argument("--journal", metavar="FILE", help="journal file (default: DATA_DIR/journal.sqlite3)")
    commands = parser.add_subparsers(dest="journal_command", metavar="ACTION", required=True)
    commands.add_parser("status", help="counts of unfinished, queued and flagged entries")
    listing = commands.add_parser("list", help="recent entries, newest first")
    listing.add_argument("-n", type=int, default=20, help="how many (default 20)")
    which = listing.add_mutually_exclusive_group()
    which.add_argument("--unfinished", action="store_true", help="only entries not yet settled")
    which.add_argument("--staff", action="store_true", help="only entries waiting for staff")
    which.add_argument("--queued", action="store_true", help="only offline entries waiting to be replayed")
    listing.add_argument("--full-ids", action="store_true", help="show patron ids unmasked (to act on them)")
    listing.add_argument("--json", action="store_true", help="machine-readable output")
    resolve = commands.add_parser("resolve", help="mark a staff entry as dealt with")
    resolve.add_argument("id", type=int)
    resolve.add_argument("note", help="what was done")
    resolve.add_argument("--staff", default="", help="who did it")
    commands.add_parser("replay", help="replay the offline queue to the ILS now")
    recover = commands.add_parser("recover", help="settle unfinished entries with the ILS and the pad")
    recover.add_argument("--min-age", type=float, default=120.0,
                         help="only entries older than this many seconds (a running kiosk's own are younger)")
    reprint = commands.add_parser("reprint", help="print a stored receipt again")
    reprint.add_argument("id", type=int, nargs="?", help="receipt id (default: the last one)")
    purge = commands.add_parser("purge", help="delete settled entries older than N days")
    purge.add_argument("--days", type=float, required=True)
    parser.set_defaults(func=run)


READ_ONLY = ("status", "list")


class JournalNotFound(Exception):
    """What to tell staff when there is no config or no journal to read."""


def _config(args: argparse.Namespace) -> Config | None:
    """The station's config: ``--config``, else the installed one. None when
    only ``--journal`` is needed (a read-only action on a given file)."""
    if args.config:
        return load_config(args.config)
    path = installed_config()
    if path.is_file():
        return load_config(path)
    if args.journal and args.journal_command in READ_ONLY:
        return None
    raise JournalNotFound(f"no --config given and the installed station's config {path} does not exist; "
                          f"pass --config FILE (a return bin: --config {RETURNBIN_CONFIG}) or --journal FILE")


def _journal_path(args: argparse.Namespace, config: Config | None) -> Path:
    if args.journal:
        path = Path(args.journal)
    elif config is not None:
        path = default_journal_path(config.data_dir)
    else:
        raise JournalNotFound("no --config and no --journal given")
    if args.journal_command in READ_ONLY and not path.is_file():
        source = f" (station.data_dir of {config.source})" if config is not None and not args.journal else ""
        raise JournalNotFound(f"no journal at {path}{source}: this station has recorded nothing there yet; "
                              "check the path")
    return path


def _row(entry: Entry, full: bool) -> dict[str, Any]:
    return {
        "id": entry.id, "when": entry.created.astimezone().strftime("%Y-%m-%d %H:%M:%S"), "kind": str(entry.kind),
        "patron": entry.patron_id if full else (mask_patron_id(entry.patron_id) if entry.patron_id else ""),
        "item": entry.item_id, "status": str(entry.status), "offline": entry.offline,
        "replay": str(entry.replay) if entry.replay else "", "detail": entry.detail,
        "staff": entry.staff_reason if entry.needs_staff else "", "resolution": entry.resolution,
    }


def _print_rows(rows: list[dict[str, Any]]) -> None:
    if not rows:
        print("(none)")
        return
    for row in rows:
        flags = " offline" + (f"/{row['replay']}" if row["replay"] else "") if row["offline"] else ""
        print(f"#{row['id']:<6} {row['when']}  {row['kind']:<9} {row['item']:<16} {row['patron']:<16} "
              f"{row['status']}{flags}")
        for label in ("detail", "staff", "resolution"):
            if row[label]:
                print(f"        {label}: {row[label]}")


def run(args: argparse.Namespace) -> int:
    try:
        config = _config(args)
        path = _journal_path(args, config)
    except JournalNotFound as exc:
        print(f"kiosk journal: {exc}", file=sys.stderr)
        return 2
    action = args.journal_command
    # Say which file was read; JSON output stays pure on stdout.
    print(f"journal {path}" + (f" (config {config.source})" if config is not None and config.source else ""),
          file=sys.stderr if getattr(args, "json", False) else sys.stdout)
    with Journal(path) as journal:
        if action == "status":
            counts = journal.counts()
            print(f"unfinished: {counts['unfinished']}  queued offline: {counts['pending']}  "
                  f"waiting for staff: {counts['conflicts']}")
            return 0
        if action == "list":
            if args.unfinished:
                entries = journal.unfinished()
            elif args.staff:
                entries = journal.conflicts()
            elif args.queued:
                entries = journal.pending_offline()
            else:
                entries = journal.recent(args.n)
            rows = [_row(e, args.full_ids) for e in entries[: args.n] if e]
            if args.json:
                print(json.dumps(rows, ensure_ascii=False, indent=1))
            else:
                _print_rows(rows)
            return 0
        if action == "resolve":
            journal.get(args.id)  # a clear error for an unknown id
            journal.resolve_conflict(args.id, args.note, args.staff)
            print(f"#{args.id} resolved")
            return 0
        if action == "purge":
            print(f"{journal.purge(args.days)} settled entries deleted")
            return 0
        if config is None:      # only the read-only actions go without the station's config
            print(f"kiosk journal: {action} needs the station's config (--config FILE)", file=sys.stderr)
            return 2
        if action == "reprint":
            return _reprint(config, journal, args.id)
        return _with_ils(config, journal, action, getattr(args, "min_age", 120.0))


def _reprint(config: Config, journal: Journal, receipt_id: int | None) -> int:
    # Per-action import: the receipt desk and the printer drivers, for `reprint` only.
    from kiosk.drivers.registry import open_device
    from kiosk.receipts.desk import ReceiptDesk

    spec = config.devices.printer.driver
    if not spec:
        print("kiosk journal reprint: no printer configured ([devices.printer] driver)", file=sys.stderr)
        return 1
    printer = open_device("printer", spec, config.devices.printer.options)
    try:
        result = ReceiptDesk(config, journal, printer).reprint(receipt_id)
    finally:
        printer.close()
    print(result.message if result.ok else f"not printed: {result.detail or result.message}")
    return 0 if result.ok else 1


def _with_ils(config: Config, journal: Journal, action: str, min_age: float = 120.0) -> int:
    # Per-action imports: the SIP2 client here, then the replayer or recovery.
    from kiosk.sip2.client import SIP2Client, SIP2Settings

    client = SIP2Client(SIP2Settings.from_config(config))
    client.connect()
    try:
        if action == "replay":
            from kiosk.store.replay import Replayer

            report = Replayer(journal, client).replay()
            print(report.summary())
            for line in report.details:
                print(f"  {line}")
            return 0 if report.complete else 1
        from kiosk.drivers.registry import open_device
        from kiosk.store.recovery import Recovery
        from kiosk.tags.security import SecurityPolicy

        reader = None
        if config.devices.rfid.driver:
            reader = open_device("rfid", config.devices.rfid.driver, config.devices.rfid.options)
        try:
            recovery = Recovery(journal, client, reader, SecurityPolicy.from_config(config), min_age=min_age).run()
        finally:
            if reader is not None:
                reader.close()
        print(recovery.summary())
        for s in recovery.settlements:
            print(f"  #{s.entry_id} {s.kind} {s.item_id}: {s.action}: {s.detail}")
        return 0 if not recovery.waiting else 1
    finally:
        client.close()

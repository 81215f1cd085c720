"""The simulator's state: patrons, items, loans, holds and fines in SQLite.

One connection shared by every server thread, guarded by one re-entrant lock:
:meth:`Store.transaction` takes the lock and wraps a block in BEGIN/COMMIT
(ROLLBACK on any exception), so each SIP2 request is atomic and requests from
many connections are serialised, as in a real ILS's database. ``:memory:`` or
a file; a file that was seeded before keeps its state across restarts (the
seed data only fills an empty database).

Money is kept in integer cents (exact); times as ISO 8601 text with offset.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass, fields
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, Iterator, TypeVar

from kiosk.sip2.ils.data import SeedData

SCHEMA_VERSION = "1"

SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS patrons (
    id TEXT PRIMARY KEY, name TEXT NOT NULL, pin TEXT NOT NULL, category TEXT NOT NULL,
    language TEXT NOT NULL, email TEXT NOT NULL, phone TEXT NOT NULL, address TEXT NOT NULL,
    home_branch TEXT NOT NULL, expires TEXT NOT NULL, blocked INTEGER NOT NULL,
    block_reason TEXT NOT NULL, card_lost INTEGER NOT NULL, fee_limit_cents INTEGER,
    charged_limit INTEGER NOT NULL, overdue_limit INTEGER NOT NULL, hold_limit INTEGER NOT NULL,
    message TEXT NOT NULL, sip_block INTEGER NOT NULL DEFAULT 0, sip_block_msg TEXT NOT NULL DEFAULT '');
CREATE TABLE IF NOT EXISTS items (
    id TEXT PRIMARY KEY, title TEXT NOT NULL, author TEXT NOT NULL, item_type TEXT NOT NULL,
    media_type TEXT NOT NULL, branch TEXT NOT NULL, location TEXT NOT NULL, collection TEXT NOT NULL,
    call_number TEXT NOT NULL, sort_bin TEXT NOT NULL, parts INTEGER NOT NULL,
    not_for_loan INTEGER NOT NULL, max_renewals INTEGER, state TEXT NOT NULL,
    transit_to TEXT NOT NULL, properties TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS loans (
    item TEXT PRIMARY KEY REFERENCES items(id), patron TEXT NOT NULL REFERENCES patrons(id),
    checked_out TEXT NOT NULL, due TEXT NOT NULL, renewals INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS loans_by_patron ON loans(patron);
CREATE TABLE IF NOT EXISTS holds (
    id INTEGER PRIMARY KEY AUTOINCREMENT, item TEXT NOT NULL REFERENCES items(id),
    patron TEXT NOT NULL REFERENCES patrons(id), pickup TEXT NOT NULL, status TEXT NOT NULL,
    placed TEXT NOT NULL, expires TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS holds_by_item ON holds(item);
CREATE TABLE IF NOT EXISTS fines (
    id TEXT PRIMARY KEY, patron TEXT NOT NULL REFERENCES patrons(id), amount_cents INTEGER NOT NULL,
    balance_cents INTEGER NOT NULL, fee_type TEXT NOT NULL, description TEXT NOT NULL,
    item TEXT NOT NULL, created TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS payments (
    transaction_id TEXT PRIMARY KEY, patron TEXT NOT NULL, amount_cents INTEGER NOT NULL,
    paid TEXT NOT NULL);
"""


@dataclass(frozen=True)
class PatronRow:
    id: str
    name: str
    pin: str
    category: str
    language: str
    email: str
    phone: str
    address: str
    home_branch: str
    expires: str  # ISO date: the card is valid through this day
    blocked: bool
    block_reason: str
    card_lost: bool
    fee_limit_cents: int | None
    charged_limit: int
    overdue_limit: int
    hold_limit: int
    message: str
    sip_block: bool = False   # set by a 01 Block Patron message, cleared by 25 Patron Enable
    sip_block_msg: str = ""


@dataclass(frozen=True)
class ItemRow:
    id: str
    title: str
    author: str
    item_type: str
    media_type: str
    branch: str      # owning branch (permanent location)
    location: str    # branch where it is now
    collection: str
    call_number: str
    sort_bin: str
    parts: int
    not_for_loan: bool
    max_renewals: int | None
    state: str       # available | in_transit | lost | missing | in_process
    transit_to: str
    properties: str


@dataclass(frozen=True)
class LoanRow:
    item: str
    patron: str
    checked_out: datetime
    due: datetime
    renewals: int


@dataclass(frozen=True)
class HoldRow:
    id: int
    item: str
    patron: str
    pickup: str
    status: str      # pending | waiting (trapped, on the hold shelf)
    placed: datetime
    expires: datetime


@dataclass(frozen=True)
class FineRow:
    id: str
    patron: str
    amount_cents: int
    balance_cents: int
    fee_type: str
    description: str
    item: str
    created: datetime


Row = TypeVar("Row")
_BOOLS = {"blocked", "card_lost", "not_for_loan", "sip_block"}
_TIMES = {"checked_out", "due", "placed", "created"}


def _convert(cls: type[Row], row: sqlite3.Row | None) -> Row | None:
    if row is None:
        return None
    values: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        value = row[f.name]
        if f.name in _BOOLS:
            value = bool(value)
        elif f.name in _TIMES or (cls is HoldRow and f.name == "expires"):
            value = datetime.fromisoformat(value)
        values[f.name] = value
    return cls(**values)


def end_of_day(day: date, tz: Any) -> datetime:
    """Loans fall due at 23:59 local time, as in Koha."""
    return datetime.combine(day, time(23, 59), tzinfo=tz)


class Store:
    """Thread-safe SQLite state. Use :meth:`transaction` around each request."""

    def __init__(self, path: str | Path = ":memory:") -> None:
        self.path = str(path)
        self._lock = threading.RLock()
        self._depth = 0
        self._db = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None, timeout=5.0)
        self._db.row_factory = sqlite3.Row
        if self.path != ":memory:":
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=NORMAL")
        self._db.execute("PRAGMA foreign_keys=ON")
        self._db.executescript(SCHEMA)

    # ------------------------------------------------------------ plumbing
    @contextmanager
    def transaction(self) -> Iterator["Store"]:
        """Hold the lock and run the block atomically (nested blocks join)."""
        with self._lock:
            outer = self._depth == 0
            if outer:
                self._db.execute("BEGIN IMMEDIATE")
            self._depth += 1
            try:
                yield self
            except BaseException:
                self._depth -= 1
                if outer:
                    self._db.execute("ROLLBACK")
                raise
            self._depth -= 1
            if outer:
                self._db.execute("COMMIT")

    def _one(self, cls: type[Row], sql: str, *args: Any) -> Row | None:
        with self._lock:
            return _convert(cls, self._db.execute(sql, args).fetchone())

    def _all(self, cls: type[Row], sql: str, *args: Any) -> list[Row]:
        with self._lock:
            return [r for r in (_convert(cls, row) for row in self._db.execute(sql, args).fetchall())
                    if r is not None]

    def _exec(self, sql: str, *args: Any) -> int:
        with self._lock:
            return self._db.execute(sql, args).rowcount

    def close(self) -> None:
        with self._lock:
            self._db.close()

    # ------------------------------------------------------------ seeding
    @property
    def seeded(self) -> bool:
        with self._lock:
            row = self._db.execute("SELECT value FROM meta WHERE key='seeded'").fetchone()
            return row is not None

    def seed(self, data: SeedData, now: datetime, *, force: bool = False) -> bool:
        """Fill the database from ``data`` (relative dates from ``now``).

        Does nothing and returns False if it was seeded before, unless
        ``force``, which wipes all state first."""
        with self.transaction():
            if self.seeded and not force:
                return False
            for table in ("payments", "fines", "holds", "loans", "items", "patrons", "meta"):
                self._db.execute(f"DELETE FROM {table}")
            if self._has_sequence():
                self._db.execute("DELETE FROM sqlite_sequence WHERE name='holds'")
            today, tz = now.date(), now.tzinfo
            for p in data.patrons:
                self._db.execute(
                    "INSERT INTO patrons VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,0,'')",
                    (p.id, p.name, p.pin, p.category, p.language, p.email, p.phone, p.address, p.home_branch,
                     (today + timedelta(days=p.expires_in_days)).isoformat(), int(p.blocked), p.block_reason,
                     int(p.card_lost), p.fee_limit_cents, p.charged_limit, p.overdue_limit, p.hold_limit,
                     p.message))
            for i in data.items:
                location = i.branch if i.state != "in_transit" else data.library.default_branch
                self._db.execute(
                    "INSERT INTO items VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                    (i.id, i.title, i.author, i.item_type, i.media_type, i.branch, location, i.collection,
                     i.call_number, i.sort_bin, i.parts, int(i.not_for_loan), i.max_renewals, i.state,
                     i.transit_to, i.properties))
            for loan in data.loans:
                self._db.execute(
                    "INSERT INTO loans VALUES (?,?,?,?,?)",
                    (loan.item, loan.patron, (now - timedelta(days=loan.checked_out_days_ago)).isoformat(),
                     end_of_day(today + timedelta(days=loan.due_in_days), tz).isoformat(), loan.renewals))
            for n, hold in enumerate(data.holds):
                self._db.execute(
                    "INSERT INTO holds (item, patron, pickup, status, placed, expires) VALUES (?,?,?,?,?,?)",
                    (hold.item, hold.patron, hold.pickup, hold.status,
                     (now - timedelta(days=len(data.holds) - n)).isoformat(),
                     end_of_day(today + timedelta(days=hold.expires_in_days), tz).isoformat()))
            for fine in data.fines:
                self._db.execute(
                    "INSERT INTO fines VALUES (?,?,?,?,?,?,?,?)",
                    (fine.id, fine.patron, fine.amount_cents, fine.amount_cents, fine.fee_type, fine.description,
                     fine.item, now.isoformat()))
            self._db.execute("INSERT INTO meta VALUES ('seeded', ?)", (now.isoformat(),))
            self._db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
            return True

    def _has_sequence(self) -> bool:
        return self._db.execute(
            "SELECT 1 FROM sqlite_master WHERE name='sqlite_sequence'").fetchone() is not None

    # ------------------------------------------------------------ patrons
    def patron(self, patron_id: str) -> PatronRow | None:
        return self._one(PatronRow, "SELECT * FROM patrons WHERE id=?", patron_id)

    def set_sip_block(self, patron_id: str, blocked: bool, message: str = "") -> None:
        """The block of a 01 Block Patron message (card retained or not); a 25
        Patron Enable lifts it. Blocks from the data file stay."""
        self._exec("UPDATE patrons SET sip_block=?, sip_block_msg=? WHERE id=?", int(blocked), message, patron_id)

    # ------------------------------------------------------------ items
    def item(self, item_id: str) -> ItemRow | None:
        return self._one(ItemRow, "SELECT * FROM items WHERE id=?", item_id)

    def update_item(self, item_id: str, **changes: Any) -> None:
        allowed = {"location", "state", "transit_to", "properties"}
        if not changes or set(changes) - allowed:
            raise ValueError(f"cannot update item fields {sorted(set(changes) - allowed)}")
        assignments = ", ".join(f"{key}=?" for key in changes)
        self._exec(f"UPDATE items SET {assignments} WHERE id=?", *changes.values(), item_id)

    def item_count(self) -> int:
        with self._lock:
            return int(self._db.execute("SELECT COUNT(*) FROM items").fetchone()[0])

    # ------------------------------------------------------------ loans
    def loan(self, item_id: str) -> LoanRow | None:
        return self._one(LoanRow, "SELECT * FROM loans WHERE item=?", item_id)

    def loans_of(self, patron_id: str) -> list[LoanRow]:
        # Oldest due first: the order a patron expects on an account screen.
        return self._all(LoanRow, "SELECT * FROM loans WHERE patron=? ORDER BY due, item", patron_id)

    def add_loan(self, item_id: str, patron_id: str, checked_out: datetime, due: datetime) -> None:
        self._exec("INSERT INTO loans VALUES (?,?,?,?,0)", item_id, patron_id, checked_out.isoformat(),
                   due.isoformat())

    def renew_loan(self, item_id: str, due: datetime) -> None:
        self._exec("UPDATE loans SET due=?, renewals=renewals+1 WHERE item=?", due.isoformat(), item_id)

    def delete_loan(self, item_id: str) -> None:
        self._exec("DELETE FROM loans WHERE item=?", item_id)

    # ------------------------------------------------------------ holds
    def holds_on(self, item_id: str) -> list[HoldRow]:
        """The item's hold queue: waiting (trapped) first, then by age."""
        return self._all(HoldRow, "SELECT * FROM holds WHERE item=? ORDER BY status='waiting' DESC, id",
                         item_id)

    def holds_of(self, patron_id: str) -> list[HoldRow]:
        return self._all(HoldRow, "SELECT * FROM holds WHERE patron=? ORDER BY id", patron_id)

    def add_hold(self, item_id: str, patron_id: str, pickup: str, placed: datetime, expires: datetime) -> int:
        with self._lock:
            cur = self._db.execute(
                "INSERT INTO holds (item, patron, pickup, status, placed, expires) VALUES (?,?,?,?,?,?)",
                (item_id, patron_id, pickup, "pending", placed.isoformat(), expires.isoformat()))
            return int(cur.lastrowid or 0)

    def update_hold(self, hold_id: int, *, status: str | None = None, pickup: str | None = None,
                    expires: datetime | None = None) -> None:
        if status is not None:
            self._exec("UPDATE holds SET status=? WHERE id=?", status, hold_id)
        if pickup is not None:
            self._exec("UPDATE holds SET pickup=? WHERE id=?", pickup, hold_id)
        if expires is not None:
            self._exec("UPDATE holds SET expires=? WHERE id=?", expires.isoformat(), hold_id)

    def expire_holds(self, now: datetime) -> int:
        """Drop holds past their expiry (a waiting one was not picked up in time)."""
        with self._lock:
            expired = [row["id"] for row in self._db.execute("SELECT id, expires FROM holds")
                       if datetime.fromisoformat(row["expires"]) < now]
            for hold_id in expired:
                self._db.execute("DELETE FROM holds WHERE id=?", (hold_id,))
            return len(expired)

    def delete_hold(self, hold_id: int) -> None:
        self._exec("DELETE FROM holds WHERE id=?", hold_id)

    # ------------------------------------------------------------ fines
    def fines_of(self, patron_id: str, *, outstanding: bool = True) -> list[FineRow]:
        sql = "SELECT * FROM fines WHERE patron=?" + (" AND balance_cents > 0" if outstanding else "")
        return self._all(FineRow, sql + " ORDER BY created, id", patron_id)

    def fine(self, fine_id: str) -> FineRow | None:
        return self._one(FineRow, "SELECT * FROM fines WHERE id=?", fine_id)

    def balance(self, patron_id: str) -> int:
        with self._lock:
            row = self._db.execute("SELECT COALESCE(SUM(balance_cents), 0) FROM fines WHERE patron=?",
                                   (patron_id,)).fetchone()
            return int(row[0])

    def add_fine(self, patron_id: str, amount_cents: int, fee_type: str, description: str, item: str,
                 created: datetime) -> str:
        with self._lock:
            count = int(self._db.execute("SELECT COUNT(*) FROM fines").fetchone()[0])
            fine_id = next(f"F{n:04d}" for n in range(count + 1, 2 * count + 2)
                           if not self._db.execute("SELECT 1 FROM fines WHERE id=?", (f"F{n:04d}",)).fetchone())
            self._db.execute("INSERT INTO fines VALUES (?,?,?,?,?,?,?,?)",
                             (fine_id, patron_id, amount_cents, amount_cents, fee_type, description, item,
                              created.isoformat()))
            return fine_id

    def set_fine_balance(self, fine_id: str, balance_cents: int) -> None:
        self._exec("UPDATE fines SET balance_cents=? WHERE id=?", balance_cents, fine_id)

    def payment(self, transaction_id: str) -> tuple[str, int] | None:
        """(patron, cents) of an earlier payment with this transaction id."""
        with self._lock:
            row = self._db.execute("SELECT patron, amount_cents FROM payments WHERE transaction_id=?",
                                   (transaction_id,)).fetchone()
            return None if row is None else (str(row[0]), int(row[1]))

    def next_payment_id(self) -> str:
        """A transaction id (BK) for a payment the station sent without one."""
        with self._lock:
            count = int(self._db.execute("SELECT COUNT(*) FROM payments").fetchone()[0])
            # Station-chosen ids may take some PAYnnnnnn names: at most `count` of them.
            for n in range(count + 1, 2 * count + 2):
                ident = f"PAY{n:06d}"
                if self._db.execute("SELECT 1 FROM payments WHERE transaction_id=?", (ident,)).fetchone() is None:
                    return ident
            raise AssertionError("unreachable: more PAY ids taken than payments recorded")

    def record_payment(self, transaction_id: str, patron_id: str, amount_cents: int, paid: datetime) -> None:
        self._exec("INSERT INTO payments VALUES (?,?,?,?)", transaction_id, patron_id, amount_cents,
                   paid.isoformat())

    # ------------------------------------------------------------ inspection
    def dump(self) -> dict[str, list[dict[str, Any]]]:
        """Every table as plain dicts (for tests and `ils-sim --dump`)."""
        with self._lock:
            out = {}
            for table in ("patrons", "items", "loans", "holds", "fines", "payments"):
                out[table] = [dict(row) for row in self._db.execute(f"SELECT * FROM {table}")]
            plain: dict[str, list[dict[str, Any]]] = json.loads(json.dumps(out))
            return plain

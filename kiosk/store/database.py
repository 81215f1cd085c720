"""The journal's SQLite plumbing: the file opened for durability, one
committed statement at a time, rows turned into entries and receipts.

WAL mode with ``synchronous=FULL``: a committed write survives a power cut
or ``SIGKILL``. The file and its ``-wal``/``-shm`` files are readable by the
kiosk's own user only (they hold patron ids): the file is made private
before SQLite opens it (:func:`kiosk.private_files.create_private`).
:class:`kiosk.store.journal.Journal` builds its
operations on :class:`JournalDatabase`.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path
from typing import Any, Callable, Mapping, Self

from kiosk.errors import LocalProtocolError
from kiosk.private_files import create_private
from kiosk.store.entries import Entry, JournalError, Kind, Outcome, Replay, StoredReceipt

__all__ = ["JournalDatabase", "SCHEMA_VERSION"]

# Payload keys that would carry a secret; refused outright.
_SECRET_KEYS = ("pin", "password", "passwd", "secret", "patron_password")

_SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    updated REAL NOT NULL,
    kind TEXT NOT NULL,
    patron_id TEXT NOT NULL DEFAULT '',
    item_id TEXT NOT NULL DEFAULT '',
    payload TEXT NOT NULL DEFAULT '{}',
    session_id TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '',
    offline INTEGER NOT NULL DEFAULT 0,
    replay TEXT,
    replay_detail TEXT NOT NULL DEFAULT '',
    replay_attempts INTEGER NOT NULL DEFAULT 0,
    staff_reason TEXT NOT NULL DEFAULT '',
    resolved_at REAL,
    resolution TEXT NOT NULL DEFAULT ''
);
CREATE INDEX IF NOT EXISTS entries_status ON entries(status);
CREATE INDEX IF NOT EXISTS entries_replay ON entries(replay);
CREATE INDEX IF NOT EXISTS entries_item ON entries(item_id);
CREATE TABLE IF NOT EXISTS receipts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    created REAL NOT NULL,
    session_id TEXT NOT NULL DEFAULT '',
    body TEXT NOT NULL
);
"""
SCHEMA_VERSION = 1


def _plain(value: object) -> str:
    """JSON for the few non-JSON types a payload may carry (dates, amounts)."""
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    raise TypeError(f"{type(value).__name__} is not plain data")


def _ts(value: float) -> datetime:
    return datetime.fromtimestamp(value, tz=timezone.utc)


class JournalDatabase:
    """One SQLite connection guarded by a lock; safe to call from any thread.

    ``path`` is a file (its folder is created) or ``":memory:"`` for tests
    that do not need durability. ``clock`` returns Unix time; tests may inject
    one.
    """

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.RLock()
        try:
            if self.path != ":memory:":
                create_private(Path(self.path))  # before SQLite makes its -wal and -shm with the file's mode
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5.0)
            self._db.row_factory = sqlite3.Row
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._db.executescript(_SCHEMA)
            version = self._db.execute("PRAGMA user_version").fetchone()[0]
            if version > SCHEMA_VERSION:
                raise JournalError(f"journal {self.path} was written by a newer kiosk (schema {version})")
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")
        except (sqlite3.Error, OSError) as exc:
            raise JournalError(f"cannot open the journal {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _write(self, sql: str, params: tuple[Any, ...]) -> sqlite3.Cursor:
        """One statement in its own committed transaction (fsync'd before return)."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    cur = self._db.execute(sql, params)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return cur
            except sqlite3.Error as exc:
                raise JournalError(f"journal write failed: {exc}") from exc

    def _query(self, sql: str, params: tuple[Any, ...] = ()) -> list[sqlite3.Row]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise JournalError(f"journal read failed: {exc}") from exc

    @staticmethod
    def _entry(row: sqlite3.Row) -> Entry:
        return Entry(
            id=row["id"], kind=Kind(row["kind"]), patron_id=row["patron_id"], item_id=row["item_id"],
            payload=json.loads(row["payload"]), status=Outcome(row["status"]), detail=row["detail"],
            created=_ts(row["created"]), updated=_ts(row["updated"]), session_id=row["session_id"],
            offline=bool(row["offline"]), replay=Replay(row["replay"]) if row["replay"] else None,
            replay_detail=row["replay_detail"], replay_attempts=row["replay_attempts"],
            staff_reason=row["staff_reason"],
            resolved_at=_ts(row["resolved_at"]) if row["resolved_at"] is not None else None,
            resolution=row["resolution"],
        )

    @staticmethod
    def _payload_json(payload: Mapping[str, Any] | None) -> str:
        payload = dict(payload or {})
        for key in payload:
            if any(secret in key.lower() for secret in _SECRET_KEYS):
                raise LocalProtocolError(f"journal payload key {key!r} looks like a secret; PINs are never journaled")
        try:
            return json.dumps(payload, sort_keys=True, ensure_ascii=False, allow_nan=False, default=_plain)
        except (TypeError, ValueError) as exc:
            raise LocalProtocolError(f"journal payload is not plain data: {exc}") from exc

    @staticmethod
    def _receipt_json(body: Mapping[str, Any]) -> str:
        try:
            return json.dumps(dict(body), ensure_ascii=False, allow_nan=False, default=_plain)
        except (TypeError, ValueError) as exc:
            raise LocalProtocolError(f"receipt is not plain data: {exc}") from exc

    @staticmethod
    def _receipt(row: sqlite3.Row) -> StoredReceipt:
        return StoredReceipt(id=row["id"], created=_ts(row["created"]), session_id=row["session_id"],
                             body=json.loads(row["body"]))

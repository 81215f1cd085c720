"""The webhook outbox: events kept on disk until every receiver has them.

One SQLite file in the station's data folder (``DATA_DIR/webhooks.sqlite3``),
WAL, ``synchronous=FULL``: an event raised is on disk before ``add`` returns,
so a crash, a power cut or a receiver down for a weekend loses nothing.

Tables::

    events      seq (order), key (idempotency key), event, created, body (JSON)
    deliveries  (receiver, seq): one row per receiver still owed the event
    latches     topic: events still raised (``bin_full:holds``), so a second
                one is coalesced until its release (``bin_emptied``)

The file is created ``0600`` before SQLite opens it: SQLite gives its ``-wal``
and ``-shm`` files the main file's mode, so all three stay private (event
details may name items) whatever the process umask.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable

from kiosk.errors import KioskError
from kiosk.private_files import create_private

_SCHEMA = """
CREATE TABLE IF NOT EXISTS events (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    key TEXT NOT NULL UNIQUE,
    event TEXT NOT NULL,
    created REAL NOT NULL,
    body TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS deliveries (
    receiver TEXT NOT NULL,
    seq INTEGER NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (receiver, seq)
);
CREATE TABLE IF NOT EXISTS latches (
    topic TEXT PRIMARY KEY,
    since REAL NOT NULL
);
"""

FILE_NAME = "webhooks.sqlite3"


class OutboxError(KioskError):
    """The outbox file cannot be opened, read or written (disk full, removed,
    corrupt). Monitoring reports it and carries on; the kiosk never stops for it."""


@dataclass(frozen=True)
class Pending:
    """One event owed to one receiver."""

    seq: int
    key: str
    event: str
    created: float
    body: dict[str, Any]
    attempts: int


class Outbox:
    """Thread-safe store of undelivered events; ``":memory:"`` keeps them in RAM (no data folder)."""

    def __init__(self, path: str | Path, *, clock: Callable[[], float] = time.time) -> None:
        self.path = str(path)
        self._clock = clock
        self._lock = threading.Lock()
        try:
            if self.path != ":memory:":
                create_private(Path(self.path))
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False, timeout=5.0)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.executescript(_SCHEMA)
        except (sqlite3.Error, OSError) as exc:
            raise OutboxError(f"cannot open the webhook outbox {self.path}: {exc}") from exc

    def close(self) -> None:
        with self._lock:
            self._db.close()

    def _tx(self, work: Callable[[sqlite3.Connection], Any]) -> Any:
        """``work`` in one committed (fsync'd) transaction."""
        with self._lock:
            try:
                self._db.execute("BEGIN IMMEDIATE")
                try:
                    result = work(self._db)
                except BaseException:
                    self._db.execute("ROLLBACK")
                    raise
                self._db.execute("COMMIT")
                return result
            except sqlite3.Error as exc:
                raise OutboxError(f"webhook outbox write failed: {exc}") from exc

    def _read(self, sql: str, params: tuple[Any, ...] = ()) -> list[Any]:
        with self._lock:
            try:
                return self._db.execute(sql, params).fetchall()
            except sqlite3.Error as exc:
                raise OutboxError(f"webhook outbox read failed: {exc}") from exc

    # -- events ----------------------------------------------------------------------

    def add(self, event: str, body: dict[str, Any], receivers: Iterable[str], *, replace: bool = False) -> str:
        """Keep ``event`` for every receiver; returns its idempotency key.

        ``replace``: unsent events of the same name are withdrawn first (a new
        heartbeat makes an older unsent one pointless).
        """
        key = str(uuid.uuid4())
        owed = list(receivers)

        def work(db: sqlite3.Connection) -> None:
            if replace:
                db.execute("DELETE FROM deliveries WHERE seq IN (SELECT seq FROM events WHERE event = ?)", (event,))
            cur = db.execute("INSERT INTO events (key, event, created, body) VALUES (?,?,?,?)",
                             (key, event, self._clock(), json.dumps(body, sort_keys=True, default=str)))
            db.executemany("INSERT INTO deliveries (receiver, seq) VALUES (?,?)",
                           [(receiver, cur.lastrowid) for receiver in owed])
            db.execute("DELETE FROM events WHERE seq NOT IN (SELECT seq FROM deliveries)")
        self._tx(work)
        return key

    def head(self, receiver: str) -> Pending | None:
        """The oldest event still owed to ``receiver``."""
        rows = self._read("SELECT e.seq, e.key, e.event, e.created, e.body, d.attempts FROM deliveries d"
                          " JOIN events e ON e.seq = d.seq WHERE d.receiver = ? ORDER BY d.seq LIMIT 1", (receiver,))
        if not rows:
            return None
        row = rows[0]
        return Pending(row[0], row[1], row[2], row[3], json.loads(row[4]), row[5])

    def attempted(self, receiver: str, seq: int) -> None:
        self._tx(lambda db: db.execute("UPDATE deliveries SET attempts = attempts + 1 WHERE receiver = ? AND seq = ?",
                                       (receiver, seq)))

    def delivered(self, receiver: str, seq: int) -> None:
        def work(db: sqlite3.Connection) -> None:
            db.execute("DELETE FROM deliveries WHERE receiver = ? AND seq = ?", (receiver, seq))
            db.execute("DELETE FROM events WHERE seq = ? AND seq NOT IN (SELECT seq FROM deliveries)", (seq,))
        self._tx(work)

    def drop_older(self, receiver: str, cutoff: float) -> list[str]:
        """Give up events created before ``cutoff`` for ``receiver``; their names."""
        return self._drop(receiver, "SELECT d.seq, e.event FROM deliveries d JOIN events e ON e.seq = d.seq"
                                    " WHERE d.receiver = ? AND e.created < ?", (receiver, cutoff))

    def drop_beyond(self, receiver: str, limit: int) -> list[str]:
        """Give up the oldest events for ``receiver`` past the newest ``limit``."""
        return self._drop(receiver, "SELECT d.seq, e.event FROM deliveries d JOIN events e ON e.seq = d.seq"
                                    " WHERE d.receiver = ? ORDER BY d.seq DESC LIMIT -1 OFFSET ?", (receiver, limit))

    def drop_receivers_except(self, receivers: Iterable[str]) -> int:
        """Forget deliveries owed to receivers no longer configured."""
        keep = list(receivers)
        marks = ",".join("?" * len(keep)) or "''"

        def work(db: sqlite3.Connection) -> int:
            cur = db.execute(f"DELETE FROM deliveries WHERE receiver NOT IN ({marks})", keep)
            db.execute("DELETE FROM events WHERE seq NOT IN (SELECT seq FROM deliveries)")
            return cur.rowcount
        return int(self._tx(work))

    def _drop(self, receiver: str, select: str, params: tuple[Any, ...]) -> list[str]:
        def work(db: sqlite3.Connection) -> list[str]:
            rows = db.execute(select, params).fetchall()
            db.executemany("DELETE FROM deliveries WHERE receiver = ? AND seq = ?", [(receiver, r[0]) for r in rows])
            db.execute("DELETE FROM events WHERE seq NOT IN (SELECT seq FROM deliveries)")
            return [r[1] for r in sorted(rows)]
        return list(self._tx(work))

    def queued(self) -> dict[str, int]:
        """Events owed, by receiver."""
        return dict(self._read("SELECT receiver, COUNT(*) FROM deliveries GROUP BY receiver"))

    # -- latches ---------------------------------------------------------------------

    def latch(self, topic: str) -> bool:
        """Raise ``topic``; False when it was already raised (coalesce the event)."""
        cur = self._tx(lambda db: db.execute("INSERT OR IGNORE INTO latches (topic, since) VALUES (?,?)",
                                             (topic, self._clock())))
        return bool(cur.rowcount)

    def release(self, topic: str) -> bool:
        """Lower ``topic``; False when it was not raised."""
        cur = self._tx(lambda db: db.execute("DELETE FROM latches WHERE topic = ?", (topic,)))
        return bool(cur.rowcount)

    def latched(self, topic: str) -> bool:
        return bool(self._read("SELECT 1 FROM latches WHERE topic = ?", (topic,)))

"""The transaction journal: nothing the kiosk does to a loan is ever lost.

Every state-changing transaction (checkout, checkin, renew, fee paid) is
written to an SQLite journal **before** its request goes to the ILS
(:meth:`Journal.record_intent`) and again with what happened
(:meth:`Journal.record_outcome`). A patron is told "done" only after the
outcome is committed. The journal is SQLite in WAL mode with
``synchronous=FULL``: a committed write survives a power cut or ``SIGKILL``.

Lifecycle of one entry (``status``)::

    intent ──> ils_ok ──> done            (ILS said yes, then tag security written)
      │          ├──────> undone          (security write failed; loan checked back in)
      │          └──────> staff           (could not be settled; flagged for staff)
      ├──> refused                        (the ILS said no)
      ├──> unknown                        (sent, no reply: reconcile with item information)
      └──> failed                         (never reached the ILS; nothing happened)

``intent``, ``ils_ok`` and ``unknown`` are *unfinished*: on start-up
:mod:`kiosk.store.recovery` reconciles them with the ILS (item information, 17) and
the tag. ``intent`` also promises that no tag security was written yet:
the engines write security only after recording ``ils_ok``.

Offline entries (``offline=True``, made by :meth:`Journal.enqueue_offline`)
also carry a ``replay`` state: ``pending`` until :mod:`kiosk.store.offline` replays
them in order, then ``replayed``, ``already`` (the ILS already had it),
``conflict`` (kept for staff) or ``cancelled`` (never happened locally).

Anything staff must look at carries a ``staff_reason`` until
:meth:`Journal.resolve_conflict`. Patron ids are stored (staff must be able to
act on them); PINs and passwords never are: a payload key that looks like a
secret is refused with :class:`~kiosk.errors.LocalProtocolError`.

Thread-safe: one connection guarded by a lock; call from any worker thread.
"""


from __future__ import annotations

from pathlib import Path
from typing import Any, Iterator, Mapping

from kiosk.errors import LocalProtocolError
from kiosk.store.database import JournalDatabase
from kiosk.store.entries import (FINISHED, UNFINISHED, Entry, JournalError, Kind, Outcome, Replay, StoredReceipt,
                                 age)

__all__ = [
    "Kind", "Outcome", "Replay", "Entry", "StoredReceipt", "Journal", "JournalError",
    "UNFINISHED", "FINISHED", "default_journal_path", "age",
]

_KEEP_RECEIPTS = 20  # enough for "reprint", few enough to respect privacy


class Journal(JournalDatabase):
    """The station's durable transaction log (SQLite, WAL, synchronous=FULL;
    see :mod:`kiosk.store.database`). ``Journal(path, clock=...)``: ``path`` a
    file or ``":memory:"``; ``clock`` returns Unix time (tests inject one).
    The entries' types live in :mod:`kiosk.store.entries`.
    """

    # -- transactions -------------------------------------------------------------

    def record_intent(self, kind: Kind | str, patron_id: str, item_id: str,
                      payload: Mapping[str, Any] | None = None, *, session_id: str = "",
                      offline: bool = False) -> int:
        """Write what is about to be sent; returns the entry id. Committed
        (fsync'd) before it returns, so call it *before* sending the request.

        ``payload``: plain data recovery needs: ``uid`` or ``uids`` (hex tag
        UIDs), ``security`` ("afi"/"eas"/"both"), ``due_date``, ``amount``...
        Never a PIN. ``offline=True`` queues the entry for replay
        (prefer :meth:`enqueue_offline`).
        """
        kind = Kind(kind)
        now = self._clock()
        cur = self._write(
            "INSERT INTO entries (created, updated, kind, patron_id, item_id, payload, session_id, status,"
            " offline, replay) VALUES (?,?,?,?,?,?,?,?,?,?)",
            (now, now, kind.value, patron_id or "", item_id or "", self._payload_json(payload), session_id,
             Outcome.INTENT.value, int(offline), Replay.PENDING.value if offline else None))
        return int(cur.lastrowid or 0)

    def record_outcome(self, entry_id: int, outcome: Outcome | str, detail: str = "",
                       *, payload_update: Mapping[str, Any] | None = None) -> None:
        """Record what happened to ``entry_id`` (committed before return).
        ``Outcome.STAFF`` also flags the entry for staff with ``detail`` as
        the reason. ``payload_update`` merges keys into the payload (e.g. the
        due date the ILS gave)."""
        outcome = Outcome(outcome)
        if outcome is Outcome.INTENT:
            raise LocalProtocolError(f"journal entry {entry_id}: 'intent' is where an entry starts, not an outcome")
        with self._lock:
            entry = self.get(entry_id)
            payload = dict(entry.payload)
            payload.update(payload_update or {})
            staff = (detail or "needs staff") if outcome is Outcome.STAFF else entry.staff_reason
            self._write("UPDATE entries SET status=?, detail=?, updated=?, payload=?, staff_reason=? WHERE id=?",
                        (outcome.value, detail, self._clock(), self._payload_json(payload), staff, entry_id))

    def get(self, entry_id: int) -> Entry:
        rows = self._query("SELECT * FROM entries WHERE id=?", (entry_id,))
        if not rows:
            raise LocalProtocolError(f"no journal entry {entry_id}")
        return self._entry(rows[0])

    def unfinished(self) -> list[Entry]:
        """Entries whose outcome is not settled (intent, ils_ok, unknown), oldest first."""
        marks = ",".join("?" * len(UNFINISHED))
        return [self._entry(r) for r in self._query(
            f"SELECT * FROM entries WHERE status IN ({marks}) ORDER BY id", tuple(o.value for o in UNFINISHED))]

    def recent(self, n: int = 20) -> list[Entry]:
        """The last ``n`` entries, newest first (staff screen)."""
        return [self._entry(r) for r in self._query("SELECT * FROM entries ORDER BY id DESC LIMIT ?", (n,))]

    def item_history(self, item_id: str) -> list[Entry]:
        """Every entry for ``item_id``, oldest first (what this kiosk knows of its loans)."""
        return [self._entry(r) for r in self._query("SELECT * FROM entries WHERE item_id=? ORDER BY id",
                                                    (item_id,))]

    def later_entries(self, entry: Entry) -> list[Entry]:
        """Entries for the same item made after ``entry``, oldest first: what
        recovery and replay check before acting on an item whose story went on."""
        return [self._entry(r) for r in self._query(
            "SELECT * FROM entries WHERE item_id=? AND id>? ORDER BY id", (entry.item_id, entry.id))]

    def successor(self, entry_id: int) -> Entry | None:
        """The offline entry queued in place of online entry ``entry_id``
        (payload ``supersedes``; see :mod:`kiosk.store.superseded`)."""
        rows = self._query("SELECT * FROM entries WHERE offline=1 AND json_extract(payload, '$.supersedes')=?"
                           " ORDER BY id LIMIT 1", (entry_id,))
        return self._entry(rows[0]) if rows else None

    def session_entries(self, session_id: str) -> list[Entry]:
        return [self._entry(r) for r in self._query(
            "SELECT * FROM entries WHERE session_id=? ORDER BY id", (session_id,))]

    # -- offline queue ------------------------------------------------------------

    def enqueue_offline(self, kind: Kind | str, patron_id: str, item_id: str,
                        payload: Mapping[str, Any] | None = None, *, session_id: str = "") -> int:
        """Queue a transaction taken while the ILS is unreachable; returns the
        entry id. The entry starts as ``intent``; record ``done`` after the
        tag's security write, then tell the patron. Replayed in id order."""
        return self.record_intent(kind, patron_id, item_id, payload, session_id=session_id, offline=True)

    def pending_offline(self, patron_id: str | None = None, kind: Kind | str | None = None) -> list[Entry]:
        """Offline entries still to replay, in replay (id) order; optionally one patron's / one kind."""
        sql, params = "SELECT * FROM entries WHERE replay=?", [Replay.PENDING.value]
        if patron_id is not None:
            sql += " AND patron_id=?"
            params.append(patron_id)
        if kind is not None:
            sql += " AND kind=?"
            params.append(Kind(kind).value)
        return [self._entry(r) for r in self._query(sql + " ORDER BY id", tuple(params))]

    def mark_replay_attempt(self, entry_id: int) -> None:
        """Note that the entry's request is about to be sent (before sending)."""
        self._write("UPDATE entries SET replay_attempts=replay_attempts+1, updated=? WHERE id=?",
                    (self._clock(), entry_id))

    def mark_replayed(self, entry_id: int, result: Replay | str, detail: str = "", *,
                      payload_update: Mapping[str, Any] | None = None) -> None:
        """Record a replay's result. ``Replay.CONFLICT`` flags the entry for
        staff with ``detail`` as the reason; nothing is ever dropped.
        ``payload_update`` merges keys into the payload (the ILS's due date)."""
        result = Replay(result)
        with self._lock:
            entry = self.get(entry_id)
            staff = (detail or "replay conflict") if result is Replay.CONFLICT else entry.staff_reason
            payload = {**entry.payload, **(payload_update or {})}
            self._write("UPDATE entries SET replay=?, replay_detail=?, updated=?, staff_reason=?, payload=?"
                        " WHERE id=?", (result.value, detail, self._clock(), staff, self._payload_json(payload),
                                        entry_id))

    # -- staff --------------------------------------------------------------------

    def flag_for_staff(self, entry_id: int, reason: str) -> None:
        """Keep ``entry_id`` on the staff list with ``reason`` (status unchanged)."""
        self._write("UPDATE entries SET staff_reason=?, resolved_at=NULL, updated=? WHERE id=?",
                    (reason or "needs staff", self._clock(), entry_id))

    def conflicts(self, include_resolved: bool = False) -> list[Entry]:
        """Everything flagged for staff (replay conflicts and unsettled
        recoveries), oldest first."""
        sql = "SELECT * FROM entries WHERE staff_reason != ''"
        if not include_resolved:
            sql += " AND resolved_at IS NULL"
        return [self._entry(r) for r in self._query(sql + " ORDER BY id")]

    def resolve_conflict(self, entry_id: int, resolution: str, staff: str = "") -> None:
        """Staff settled ``entry_id``: keep the note, take it off the list."""
        note = f"{resolution} ({staff})" if staff else resolution
        self._write("UPDATE entries SET resolved_at=?, resolution=?, updated=? WHERE id=?",
                    (self._clock(), note, self._clock(), entry_id))

    def counts(self) -> dict[str, int]:
        """``{"pending": n, "conflicts": n, "unfinished": n}`` for status screens."""
        row = self._query(
            "SELECT SUM(replay='pending'), SUM(staff_reason!='' AND resolved_at IS NULL),"
            " SUM(status IN ('intent','ils_ok','unknown')) FROM entries")[0]
        return {"pending": row[0] or 0, "conflicts": row[1] or 0, "unfinished": row[2] or 0}

    def purge(self, older_than_days: float) -> int:
        """Delete settled entries older than the given age (patron privacy).
        Unfinished, pending and flagged entries are always kept."""
        cutoff = self._clock() - older_than_days * 86400
        cur = self._write(
            "DELETE FROM entries WHERE created < ? AND status NOT IN ('intent','ils_ok','unknown')"
            " AND (replay IS NULL OR replay != 'pending') AND (staff_reason = '' OR resolved_at IS NOT NULL)",
            (cutoff,))
        return cur.rowcount

    # -- receipts -----------------------------------------------------------------

    def store_receipt(self, body: Mapping[str, Any], session_id: str = "") -> int:
        """Keep a receipt (plain data) for reprint; only the last few are kept."""
        text = self._receipt_json(body)
        cur = self._write("INSERT INTO receipts (created, session_id, body) VALUES (?,?,?)",
                          (self._clock(), session_id, text))
        receipt_id = int(cur.lastrowid or 0)
        self._write("DELETE FROM receipts WHERE id <= ?", (receipt_id - _KEEP_RECEIPTS,))
        return receipt_id

    def last_receipt(self) -> StoredReceipt | None:
        rows = self._query("SELECT * FROM receipts ORDER BY id DESC LIMIT 1")
        return self._receipt(rows[0]) if rows else None

    def receipt(self, receipt_id: int) -> StoredReceipt | None:
        rows = self._query("SELECT * FROM receipts WHERE id=?", (receipt_id,))
        return self._receipt(rows[0]) if rows else None

    def receipt_for_session(self, session_id: str) -> StoredReceipt | None:
        rows = self._query("SELECT * FROM receipts WHERE session_id=? ORDER BY id DESC LIMIT 1", (session_id,))
        return self._receipt(rows[0]) if rows else None

    def iter_all(self) -> Iterator[Entry]:
        """Every entry, oldest first (export, tests)."""
        for row in self._query("SELECT * FROM entries ORDER BY id"):
            yield self._entry(row)


def default_journal_path(data_dir: str | Path) -> Path:
    """Where a station keeps its journal inside ``station.data_dir``."""
    return Path(data_dir) / "journal.sqlite3"

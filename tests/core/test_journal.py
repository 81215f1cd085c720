"""The journal: intent before send, outcome after, durable across a crash."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
import threading
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk.errors import LocalProtocolError
from kiosk.store.journal import Journal, JournalError, Kind, Outcome, Replay

PATRON = "21000000000001"


@pytest.fixture()
def journal(tmp_path: Path) -> Journal:
    j = Journal(tmp_path / "data" / "journal.sqlite3")
    yield j
    j.close()


def test_opens_in_wal_mode_with_full_sync(journal: Journal) -> None:
    with journal._lock:
        assert journal._db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert journal._db.execute("PRAGMA synchronous").fetchone()[0] == 2  # FULL


def test_intent_is_unfinished_until_an_outcome(journal: Journal) -> None:
    eid = journal.record_intent(Kind.CHECKOUT, PATRON, "31000000000001", {"uid": "E004010000000001"})
    [entry] = journal.unfinished()
    assert (entry.id, entry.status, entry.uids) == (eid, Outcome.INTENT, ("E004010000000001",))
    journal.record_outcome(eid, Outcome.ILS_OK, "charged", payload_update={"due_date": "2026-12-07"})
    assert journal.unfinished()[0].status is Outcome.ILS_OK
    journal.record_outcome(eid, Outcome.DONE)
    assert journal.unfinished() == []
    entry = journal.get(eid)
    assert entry.payload == {"uid": "E004010000000001", "due_date": "2026-12-07"}
    assert not entry.needs_staff


@pytest.mark.parametrize("outcome, unfinished", [
    (Outcome.ILS_OK, True), (Outcome.UNKNOWN, True),
    (Outcome.DONE, False), (Outcome.REFUSED, False), (Outcome.UNDONE, False),
    (Outcome.FAILED, False), (Outcome.STAFF, False),
])
def test_which_outcomes_are_unfinished(journal: Journal, outcome: Outcome, unfinished: bool) -> None:
    eid = journal.record_intent("checkin", "", "31000000000002")
    journal.record_outcome(eid, outcome, "x")
    assert bool(journal.unfinished()) is unfinished
    assert journal.counts()["unfinished"] == int(unfinished)


def test_survives_reopen(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    with Journal(path) as j:
        eid = j.record_intent("checkout", PATRON, "31000000000003", {"uid": "E0"})
    with Journal(path) as j:
        assert [e.id for e in j.unfinished()] == [eid]


def test_intent_survives_sigkill(tmp_path: Path) -> None:
    """A committed intent is on disk even if the process dies the next instant."""
    path = tmp_path / "j.sqlite3"
    code = textwrap.dedent(f"""
        import os, signal, sys
        from kiosk.store.journal import Journal
        j = Journal({str(path)!r})
        j.record_intent("checkout", "{PATRON}", "31000000000004", {{"uid": "E0"}})
        os.kill(os.getpid(), signal.SIGKILL)
    """)
    proc = subprocess.run([sys.executable, "-c", code], timeout=30, cwd=Path(__file__).parents[2])
    assert proc.returncode == -signal.SIGKILL
    with Journal(path) as j:
        [entry] = j.unfinished()
        assert entry.item_id == "31000000000004"


@pytest.mark.parametrize("key", ["pin", "PIN", "patron_password", "sip_password", "secret"])
def test_secrets_are_refused(journal: Journal, key: str) -> None:
    with pytest.raises(LocalProtocolError, match="secret"):
        journal.record_intent("checkout", PATRON, "31000000000001", {key: "1234"})
    assert journal.recent() == []


def test_payload_must_be_plain_data(journal: Journal) -> None:
    with pytest.raises(LocalProtocolError, match="plain data"):
        journal.record_intent("checkout", PATRON, "1", {"x": object()})
    with pytest.raises(LocalProtocolError, match="plain data"):
        journal.record_intent("checkout", PATRON, "1", {"x": float("nan")})
    eid = journal.record_intent("checkout", PATRON, "1", {"due": date(2026, 12, 7), "amount": Decimal("2.50")})
    assert journal.get(eid).payload == {"due": "2026-12-07", "amount": "2.50"}


def test_unknown_kind_and_outcome_are_rejected(journal: Journal) -> None:
    with pytest.raises(ValueError):
        journal.record_intent("teleport", PATRON, "1")
    eid = journal.record_intent("checkin", "", "1")
    with pytest.raises(ValueError):
        journal.record_outcome(eid, "maybe")
    with pytest.raises(LocalProtocolError):
        journal.record_outcome(9999, Outcome.DONE)
    with pytest.raises(LocalProtocolError, match="starts"):
        journal.record_outcome(eid, Outcome.INTENT)


def test_offline_queue_keeps_order_and_filters(journal: Journal) -> None:
    a = journal.enqueue_offline("checkin", "", "31000000000001")
    b = journal.enqueue_offline("checkout", PATRON, "31000000000002")
    c = journal.enqueue_offline("checkout", "21000000000002", "31000000000003")
    journal.record_intent("checkout", PATRON, "31000000000004")  # online: not queued
    assert [e.id for e in journal.pending_offline()] == [a, b, c]
    assert [e.id for e in journal.pending_offline(patron_id=PATRON)] == [b]
    assert [e.id for e in journal.pending_offline(kind="checkin")] == [a]
    journal.mark_replay_attempt(a)
    journal.mark_replayed(a, Replay.REPLAYED, "ok")
    journal.mark_replayed(b, Replay.CONFLICT, "on hold for another patron")
    assert [e.id for e in journal.pending_offline()] == [c]
    assert journal.get(a).replay_attempts == 1
    [conflict] = journal.conflicts()
    assert (conflict.id, conflict.staff_reason) == (b, "on hold for another patron")
    assert journal.counts() == {"pending": 1, "conflicts": 1, "unfinished": 4}


def test_conflicts_stay_until_resolved(journal: Journal) -> None:
    eid = journal.record_intent("fee_paid", PATRON, "", {"amount": "2.00"})
    journal.record_outcome(eid, Outcome.STAFF, "payment outcome unknown")
    assert journal.conflicts()[0].staff_reason == "payment outcome unknown"
    journal.resolve_conflict(eid, "checked the account: paid", staff="desk")
    assert journal.conflicts() == []
    [resolved] = journal.conflicts(include_resolved=True)
    assert resolved.resolution == "checked the account: paid (desk)"
    journal.flag_for_staff(eid, "look again")
    assert journal.conflicts()[0].needs_staff


def test_purge_keeps_anything_unsettled(tmp_path: Path) -> None:
    now = [1_000_000.0]
    j = Journal(tmp_path / "j.sqlite3", clock=lambda: now[0])
    done = j.record_intent("checkout", PATRON, "1")
    j.record_outcome(done, Outcome.DONE)
    open_ = j.record_intent("checkout", PATRON, "2")
    queued = j.enqueue_offline("checkin", "", "3")
    j.record_outcome(queued, Outcome.DONE)
    flagged = j.record_intent("checkout", PATRON, "4")
    j.record_outcome(flagged, Outcome.STAFF, "tag not found")
    now[0] += 40 * 86400
    assert j.purge(30) == 1
    assert sorted(e.id for e in j.iter_all()) == [open_, queued, flagged]
    j.close()


def test_receipts_keep_the_last_ones(journal: Journal) -> None:
    assert journal.last_receipt() is None
    ids = [journal.store_receipt({"n": i, "title": "Cien años de soledad"}, session_id=f"s{i}") for i in range(25)]
    last = journal.last_receipt()
    assert last is not None and last.id == ids[-1] and last.body["n"] == 24
    assert journal.receipt(ids[0]) is None  # old receipts are not kept (privacy)
    assert journal.receipt_for_session("s23").body["title"] == "Cien años de soledad"


def test_concurrent_writers(journal: Journal) -> None:
    def work(n: int) -> None:
        for i in range(25):
            eid = journal.record_intent("checkin", "", f"{n}-{i}")
            journal.record_outcome(eid, Outcome.DONE)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    entries = list(journal.iter_all())
    assert len(entries) == 100 and all(e.status is Outcome.DONE for e in entries)


def test_unwritable_path_is_a_journal_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(JournalError, match="cannot open the journal"):
        Journal(blocker / "sub" / "journal.sqlite3")


def test_corrupt_file_is_a_journal_error(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    path.write_bytes(b"this is not a database" * 100)
    with pytest.raises(JournalError):
        Journal(path)


def test_newer_schema_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "j.sqlite3"
    Journal(path).close()
    db = sqlite3.connect(path)
    db.execute("PRAGMA user_version=99")
    db.commit()
    db.close()
    with pytest.raises(JournalError, match="newer"):
        Journal(path)


def test_new_journal_is_private_to_the_kiosk_user(tmp_path: Path) -> None:
    path = tmp_path / "private.sqlite3"
    Journal(path).close()
    assert path.stat().st_mode & 0o077 == 0

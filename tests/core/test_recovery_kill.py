"""The process is killed (SIGKILL) between the ILS's yes and the tag's security
write; a new process starts, recovery finds the journal entry and settles it.

The borrow runs in a child process (a scripted sequence, and the real
kiosk.circulation.borrow engine) against the ILS simulator (TCP) and a FEIG
reader emulator (TCP socket) that live in this test process, so the ILS's
loans and the tag's AFI survive the kill exactly as they would in a library.
The child announces "I have the ILS's yes and it is journaled" by writing a
file (the test hook), then would write the tag; it is killed right there.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.sim import make_item_tag
from kiosk.store.journal import Journal, Outcome
from kiosk.store.recovery import Recovery
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.tags.security import AFI_ON_LOAN, AFI_SECURED

ROOT = Path(__file__).resolve().parents[2]
PATRON, ITEM, RETURNED = "21000000000001", "31000000000001", "31000000000015"

CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.drivers.registry import open_device
    from kiosk.store.journal import Journal, Kind, Outcome
    from kiosk.sip2.client import SIP2Client, SIP2Settings

    journal_path, ils_port, reader_url, hook, kind, patron, item = sys.argv[1:8]
    journal = Journal(journal_path)
    client = SIP2Client(SIP2Settings(host="127.0.0.1", port=int(ils_port), username="kiosk",
                                     password="kiosk-pass", institution_id="DEMO", encoding="utf-8",
                                     keepalive_interval=0.0))
    client.connect()
    reader = open_device("rfid", "feig:" + reader_url, {"timeout": 1.0})
    [tag] = reader.inventory()
    entry = journal.record_intent(kind, patron, item, {"uid": tag.uid.hex().upper(), "security": "afi"})
    reply = client.checkout(patron, item) if kind == "checkout" else client.checkin(item)
    assert reply.ok, reply
    journal.record_outcome(entry, Outcome.ILS_OK)
    with open(hook, "w") as f:           # test hook: the ILS said yes, the security write is next
        f.write(str(entry))
    time.sleep(60)                       # killed here
    reader.write_afi(tag.uid, 0xC2 if kind == "checkout" else 0x07)
    journal.record_outcome(entry, Outcome.DONE)
""")


# The same, through the real borrow engine (kiosk.circulation.borrow): its security writer
# gets a reader whose write_afi announces itself and waits to be killed.
ENGINE_CHILD = textwrap.dedent("""
    import sys, time
    from kiosk.circulation.borrow import BorrowEngine, BorrowJob, Candidate
    from kiosk.circulation.context import CirculationRules, Context, SecurityWriter
    from kiosk.drivers.registry import open_device
    from kiosk.i18n import translator
    from kiosk.store.journal import Journal
    from kiosk.store.offline import OfflineDesk, OfflinePolicy
    from kiosk.circulation.session import Patron
    from kiosk.sip2.client import SIP2Client, SIP2Settings
    from kiosk.tags.security import SecurityPolicy

    journal_path, ils_port, reader_url, hook, kind, patron, item = sys.argv[1:8]

    class PausingReader:
        def __init__(self, reader):
            self.reader = reader
        def __getattr__(self, name):
            return getattr(self.reader, name)
        def write_afi(self, uid, afi):
            with open(hook, "w") as f:   # test hook: the ILS said yes, the security write starts now
                f.write("1")
            time.sleep(60)               # killed here
            self.reader.write_afi(uid, afi)

    journal = Journal(journal_path)
    client = SIP2Client(SIP2Settings(host="127.0.0.1", port=int(ils_port), username="kiosk",
                                     password="kiosk-pass", institution_id="DEMO", encoding="utf-8",
                                     keepalive_interval=0.0))
    client.connect()
    reader = open_device("rfid", "feig:" + reader_url, {"timeout": 1.0})
    policy = SecurityPolicy()
    ctx = Context(client=client, journal=journal, desk=OfflineDesk(journal, OfflinePolicy()),
                  rules=CirculationRules(), security=SecurityWriter(PausingReader(reader), policy), policy=policy)
    engine = BorrowEngine(ctx)
    engine.start()
    [tag] = reader.inventory()
    job = BorrowJob(patron=Patron(patron_id=patron, verified=True), tr=translator("en"), session_id="s1",
                    emit=lambda result: print(result, flush=True))
    engine.borrow(job, [Candidate(item_id=item, uids=(tag.uid,), afis=(tag.afi,))])
""")


@pytest.fixture()
def ils() -> Iterator[ILSSimulator]:
    with ILSSimulator(encoding="utf-8") as sim:
        yield sim


@pytest.fixture()
def pad() -> Iterator[tuple[TagField, str]]:
    field = TagField()
    emulator = FeigEmulator(field)
    url = emulator.start_socket()
    try:
        yield field, url
    finally:
        emulator.stop()


def run_until_hook_then_kill(tmp_path: Path, args: list[str], script: str = CHILD) -> int:
    hook = tmp_path / "at-security-write"
    child = subprocess.Popen([sys.executable, "-c", script, *args[:3], str(hook), *args[3:]], cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        while not hook.exists() or not hook.read_text():
            if child.poll() is not None:
                raise AssertionError(f"child ended early: {child.communicate()[1].decode()[-2000:]}")
            assert time.monotonic() < deadline, "child never reached the security write"
            time.sleep(0.02)
        os.kill(child.pid, signal.SIGKILL)
        assert child.wait(timeout=10) == -signal.SIGKILL
    finally:
        if child.poll() is None:
            child.kill()
            child.wait(timeout=10)
        child.stdout.close()  # type: ignore[union-attr]
        child.stderr.close()  # type: ignore[union-attr]
    return int(hook.read_text())


def restart_and_recover(journal_path: Path, ils: ILSSimulator, url: str) -> tuple[Journal, object]:
    """What a freshly started station does first."""
    journal = Journal(journal_path)
    client = SIP2Client(SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                                     institution_id="DEMO", encoding="utf-8", keepalive_interval=0.0))
    client.connect()
    reader = open_device("rfid", "feig:" + url, {"timeout": 1.0})
    try:
        report = Recovery(journal, client, reader).run()
    finally:
        reader.close()
        client.close()
    return journal, report


def test_sigkill_after_checkout_before_security_write(tmp_path: Path, ils: ILSSimulator,
                                                      pad: tuple[TagField, str]) -> None:
    field, url = pad
    uid, data = make_item_tag(ITEM)
    field.place(uid, data, afi=AFI_SECURED)
    journal_path = tmp_path / "journal.sqlite3"
    entry_id = run_until_hook_then_kill(tmp_path, [str(journal_path), str(ils.port), url, "checkout", PATRON, ITEM])

    # The kill left the loan on the ILS and the tag still secured: out of step.
    assert ils.store.loan(ITEM).patron == PATRON
    assert field.get(uid).afi == AFI_SECURED

    journal, report = restart_and_recover(journal_path, ils, url)
    try:
        assert [(s.entry_id, s.action) for s in report.settlements] == [(entry_id, "settled")]  # type: ignore[attr-defined]
        assert field.get(uid).afi == AFI_ON_LOAN          # security now matches the loan
        entry = journal.get(entry_id)
        assert entry.status is Outcome.DONE and "loan confirmed" in entry.detail
        assert journal.unfinished() == [] and journal.conflicts() == []
        assert ils.store.loan(ITEM).patron == PATRON       # one loan, not two
    finally:
        journal.close()


def test_sigkill_after_checkin_before_securing(tmp_path: Path, ils: ILSSimulator,
                                               pad: tuple[TagField, str]) -> None:
    field, url = pad
    uid, data = make_item_tag(RETURNED)
    field.place(uid, data, afi=AFI_ON_LOAN)
    journal_path = tmp_path / "journal.sqlite3"
    entry_id = run_until_hook_then_kill(tmp_path, [str(journal_path), str(ils.port), url, "checkin", "", RETURNED])
    assert ils.store.loan(RETURNED) is None and field.get(uid).afi == AFI_ON_LOAN

    journal, report = restart_and_recover(journal_path, ils, url)
    try:
        assert field.get(uid).afi == AFI_SECURED          # back in the library: secured for the gates
        assert journal.get(entry_id).status is Outcome.DONE
    finally:
        journal.close()


def test_sigkill_inside_the_borrow_engine_before_its_security_write(tmp_path: Path, ils: ILSSimulator,
                                                                    pad: tuple[TagField, str]) -> None:
    field, url = pad
    uid, data = make_item_tag(ITEM)
    field.place(uid, data, afi=AFI_SECURED)
    journal_path = tmp_path / "journal.sqlite3"
    run_until_hook_then_kill(tmp_path, [str(journal_path), str(ils.port), url, "checkout", PATRON, ITEM],
                             ENGINE_CHILD)
    assert ils.store.loan(ITEM).patron == PATRON and field.get(uid).afi == AFI_SECURED
    with Journal(journal_path) as before:
        [unfinished] = before.unfinished()     # the engine journaled the intent and the ILS's yes
        assert unfinished.status is Outcome.ILS_OK and unfinished.item_id == ITEM
    journal, report = restart_and_recover(journal_path, ils, url)
    try:
        assert field.get(uid).afi == AFI_ON_LOAN
        assert journal.get(unfinished.id).status is Outcome.DONE
        assert journal.unfinished() == [] and journal.conflicts() == []
    finally:
        journal.close()

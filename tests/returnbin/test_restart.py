"""The return bin restarted during an ILS outage (issue 11, case 8).

The bin died after journaling an item's checkin; it restarts while the ILS is
down, so start-up recovery must leave that entry waiting; the item, still on
the chute reader, is read again and handled under a new (offline) entry:
secured, sorted, queued. When the ILS is back and recovery runs again, the
old entry must be seen as settled by the new one, not flagged "not on the
pad: check that its tag is secured" (the bin itself secured it).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable

from kiosk.drivers.display import SimulatedDisplay
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
from kiosk.drivers.sorter import SimulatedSorter
from kiosk.monitoring import Monitor
from kiosk.returnbin import ReturnBin
from kiosk.returnbin.chute import SimulatedChute
from kiosk.sip2.ils import ILSSimulator
from kiosk.sip2.ils.desk import Desk
from kiosk.store.journal import Journal, Kind, Outcome
from kiosk.tags import AFI_SECURED

from bin_kit import PATRON, make_config

ITEM = "31000000000005"


def wait_until(predicate: Callable[[], bool], what: str, timeout: float = 15.0) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        time.sleep(0.02)


def start_bin(config: object, pad: SimulatedPad) -> tuple[ReturnBin, SimulatedChute]:
    service = ReturnBin(config, reader=pad, sorter=SimulatedSorter(["1", "2", "holds", "reject"]),  # type: ignore[arg-type]
                        display=SimulatedDisplay(), scanner=None, monitor=Monitor("test-bin"),
                        pad_timing=(0.01, 0.0))
    chute = SimulatedChute(pad, service)
    service.start()
    return service, chute


def test_an_item_read_again_after_a_restart_in_an_outage_is_not_flagged(tmp_path: Path) -> None:
    ils = ILSSimulator().start()
    service: ReturnBin | None = None
    try:
        Desk(ils.circulation).lend(ITEM, PATRON, due_in_days=-1)  # overdue: a queued return is provably of it
        config = make_config(tmp_path, ils.port)
        uid, data = make_item_tag(ITEM, owner_isil="US-RPL")
        # What the killed bin left: the checkin journaled, the tag still on loan on the reader.
        with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
            killed = journal.record_intent(Kind.CHECKIN, "", ITEM, {"uids": [uid.hex().upper()], "security": "afi"})
        ils.set_down(True)
        pad = SimulatedPad()
        pad.place(uid, data, afi=0xC2, dsfid=0x06)
        service, chute = start_bin(config, pad)
        assert service.last_recovery is not None
        assert [s.action for s in service.last_recovery.settlements] == ["waiting"]
        (again,) = chute.wait_for(1)
        assert again.outcome is not None and again.outcome.offline and again.outcome.secured
        assert again.outcome.entry_id != killed and pad.field.get(uid) is None  # sorted, off the reader
        ils.set_down(False)
        wait_until(lambda: not service.status()["queue"] and not service.status()["offline"], "the replay")
        assert ils.store.loan(ITEM) is None
        service.stop()
        # The next start-up's recovery (or the replay worker's, minutes later) settles the old entry.
        service, _ = start_bin(config, SimulatedPad())
        old = service.journal.get(killed)
        assert old.status is not Outcome.STAFF and not old.unfinished, old
        assert service.journal.conflicts() == [], [c.staff_reason for c in service.journal.conflicts()]
        assert str(again.outcome.entry_id) in old.detail
    finally:
        if service is not None:
            service.stop()
        ils.close()


def test_a_checkin_left_unfinished_is_never_sent_again_after_the_item_was_lent_anew(tmp_path: Path) -> None:
    """The same rule protects a newer loan: the old checkin was settled by a
    later one, the item was then lent again; recovery must not complete the
    old return (that would discharge the new loan)."""
    ils = ILSSimulator().start()
    try:
        from kiosk.store.recovery import Recovery
        from kiosk.sip2.client import SIP2Client, SIP2Settings

        config = make_config(tmp_path, ils.port)
        client = SIP2Client(SIP2Settings.from_config(config), supervise=False)  # type: ignore[arg-type]
        client.connect()
        pad = SimulatedPad()
        tag = pad.place_item(ITEM, afi=AFI_SECURED, owner_isil="US-RPL")
        uids = {"uids": [tag.uid.hex().upper()], "security": "afi"}
        with Journal(tmp_path / "journal.sqlite3") as journal:
            killed = journal.record_intent(Kind.CHECKIN, "", ITEM, uids)
            later = journal.record_intent(Kind.CHECKIN, "", ITEM, uids)
            journal.record_outcome(later, Outcome.ILS_OK)
            journal.record_outcome(later, Outcome.DONE, "secured")
            ils.circulation.checkout("21000000000002", ITEM)  # lent anew at the desk
            report = Recovery(journal, client, pad).run()
            assert ils.store.loan(ITEM) is not None and ils.store.loan(ITEM).patron == "21000000000002"  # type: ignore[union-attr]
            assert [s.action for s in report.settlements] == ["settled"]
            assert journal.get(killed).status is Outcome.DONE and journal.conflicts() == []
        client.close()
    finally:
        ils.close()

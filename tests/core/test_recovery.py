"""Start-up recovery against the ILS simulator and the simulated pad: every
unfinished journal entry is settled from the ILS's truth and the tag, or
flagged for staff."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.rfid.sim import SimulatedPad
from kiosk.store.journal import Journal, Kind, Outcome, Replay
from kiosk.store.offline import OfflineDesk, OfflinePolicy
from kiosk.store.recovery import Recovery
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.tags.security import AFI_ON_LOAN, AFI_SECURED, SecurityMode, SecurityPolicy

ANA = "21000000000001"


@pytest.fixture()
def ils() -> Iterator[ILSSimulator]:
    with ILSSimulator(encoding="utf-8") as sim:
        yield sim


@pytest.fixture()
def client(ils: ILSSimulator) -> Iterator[SIP2Client]:
    c = SIP2Client(SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                                institution_id="DEMO", encoding="utf-8", connect_timeout=1.0, read_timeout=2.0,
                                keepalive_interval=0.0))
    c.connect()
    yield c
    c.close()


@pytest.fixture()
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "journal.sqlite3") as j:
        yield j


@pytest.fixture()
def pad() -> Iterator[SimulatedPad]:
    p = SimulatedPad()
    yield p
    p.close()


def afi(pad: SimulatedPad, uid: bytes) -> int:
    tag = pad.field.get(uid)
    assert tag is not None
    return tag.afi


def borrow_intent(journal: Journal, pad: SimulatedPad, item: str, afi_now: int = AFI_SECURED) -> tuple[int, bytes]:
    tag = pad.place_item(item, afi=afi_now)
    entry_id = journal.record_intent(Kind.CHECKOUT, ANA, item, {"uid": tag.uid.hex().upper(), "security": "afi"})
    return entry_id, tag.uid


def test_killed_between_ils_yes_and_security_write(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                   pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000001")
    client.checkout(ANA, "31000000000001")
    journal.record_outcome(entry_id, Outcome.ILS_OK)
    report = Recovery(journal, client, pad).run()
    assert [s.action for s in report.settlements] == ["settled"]
    assert afi(pad, uid) == AFI_ON_LOAN
    entry = journal.get(entry_id)
    assert entry.status is Outcome.DONE and entry.detail.startswith("recovered")
    assert journal.unfinished() == []
    assert Recovery(journal, client, pad).run().settlements == []   # idempotent


def test_killed_after_sending_ils_applied_but_never_answered(ils: ILSSimulator, client: SIP2Client,
                                                            journal: Journal, pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000002")
    client.checkout(ANA, "31000000000002")            # applied; the kiosk never heard
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.DONE and afi(pad, uid) == AFI_ON_LOAN


def test_killed_before_sending_nothing_happened(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000003")
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.FAILED and afi(pad, uid) == AFI_SECURED
    assert ils.store.loan("31000000000003") is None


def test_loan_confirmed_but_tag_gone_is_flagged(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000004")
    client.checkout(ANA, "31000000000004")
    journal.record_outcome(entry_id, Outcome.ILS_OK)
    pad.remove(uid)
    report = Recovery(journal, client, pad).run()
    assert [s.action for s in report.settlements] == ["flagged"]
    [flag] = journal.conflicts()
    assert flag.id == entry_id and "gate" in flag.staff_reason


def test_ils_ok_but_no_loan_now_secures_the_tag(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                pad: SimulatedPad) -> None:
    # The engine had undone the loan (security write failed) and died before recording it.
    entry_id, uid = borrow_intent(journal, pad, "31000000000005", afi_now=AFI_ON_LOAN)
    journal.record_outcome(entry_id, Outcome.ILS_OK)
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.FAILED and afi(pad, uid) == AFI_SECURED


def test_checkin_applied_tag_secured(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                     pad: SimulatedPad) -> None:
    tag = pad.place_item("31000000000015", afi=AFI_ON_LOAN)   # on loan to patron 07
    entry_id = journal.record_intent(Kind.CHECKIN, "", "31000000000015", {"uid": tag.uid.hex()})
    client.checkin("31000000000015")
    journal.record_outcome(entry_id, Outcome.ILS_OK)
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.DONE and afi(pad, tag.uid) == AFI_SECURED


def test_checkin_never_sent_is_completed_when_the_item_is_on_the_pad(ils: ILSSimulator, client: SIP2Client,
                                                                     journal: Journal, pad: SimulatedPad) -> None:
    tag = pad.place_item("31000000000015", afi=AFI_ON_LOAN)
    entry_id = journal.record_intent(Kind.CHECKIN, "", "31000000000015", {"uid": tag.uid.hex()})
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.DONE
    assert ils.store.loan("31000000000015") is None and afi(pad, tag.uid) == AFI_SECURED


def test_checkin_never_sent_and_item_gone_is_flagged(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                     pad: SimulatedPad) -> None:
    entry_id = journal.record_intent(Kind.CHECKIN, "", "31000000000015", {"uid": "E004010000000099"})
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.STAFF and "check it in" in journal.get(entry_id).staff_reason
    assert ils.store.loan("31000000000015") is not None


def test_payment_of_unknown_outcome_goes_to_staff(client: SIP2Client, journal: Journal, pad: SimulatedPad) -> None:
    entry_id = journal.record_intent(Kind.FEE_PAID, "21000000000005", "", {"amount": "12.50"})
    journal.record_outcome(entry_id, Outcome.UNKNOWN)
    Recovery(journal, client, pad).run()
    assert "12.50" in journal.get(entry_id).staff_reason


def test_ils_down_leaves_online_entries_waiting(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000006")
    ils.set_down(True)
    report = Recovery(journal, client, pad).run()
    assert not report.ils_reachable and [s.action for s in report.settlements] == ["waiting"]
    assert journal.get(entry_id).unfinished and afi(pad, uid) == AFI_SECURED
    ils.set_down(False)
    Recovery(journal, client, pad).run()
    assert journal.get(entry_id).status is Outcome.FAILED


def test_no_ils_link_at_all_waits(journal: Journal, pad: SimulatedPad) -> None:
    entry_id, _ = borrow_intent(journal, pad, "31000000000007")
    assert Recovery(journal, None, pad).run().waiting[0].entry_id == entry_id


def test_offline_entries_settle_from_the_tag_alone(journal: Journal, pad: SimulatedPad) -> None:
    desk = OfflineDesk(journal, OfflinePolicy())
    written = pad.place_item("31000000000001", afi=AFI_ON_LOAN)
    not_written = pad.place_item("31000000000002", afi=AFI_SECURED)
    gone_uid = "E0040100000000AA"
    back = pad.place_item("31000000000015", afi=AFI_ON_LOAN)
    a = desk.borrow(ANA, "31000000000001", {"uid": written.uid.hex()}).entry_id
    b = desk.borrow(ANA, "31000000000002", {"uid": not_written.uid.hex()}).entry_id
    c = desk.borrow(ANA, "31000000000003", {"uid": gone_uid}).entry_id
    d = desk.accept_return("31000000000015", {"uid": back.uid.hex()})
    Recovery(journal, None, pad).run()   # the ILS is not needed (and not reachable)
    assert journal.get(a).status is Outcome.DONE
    assert journal.get(b).status is Outcome.UNDONE                # patron never told "done": cancelled
    assert journal.get(c).status is Outcome.STAFF and journal.get(c).replay is Replay.PENDING  # loan kept
    assert journal.get(d).status is Outcome.DONE and afi(pad, back.uid) == AFI_SECURED


def test_eas_mode_sets_the_eas_bit(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                   pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000008")
    pad.field.get(uid).eas = True
    client.checkout(ANA, "31000000000008")
    journal.record_outcome(entry_id, Outcome.ILS_OK)
    Recovery(journal, client, pad, SecurityPolicy(SecurityMode.BOTH)).run()
    tag = pad.field.get(uid)
    assert (tag.afi, tag.eas) == (AFI_ON_LOAN, False)


def test_tag_write_failure_is_flagged(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                      pad: SimulatedPad) -> None:
    entry_id, uid = borrow_intent(journal, pad, "31000000000009")
    client.checkout(ANA, "31000000000009")
    pad.field.get(uid).afi_locked = True
    Recovery(journal, client, pad).run()
    entry = journal.get(entry_id)
    assert entry.status is Outcome.STAFF and "could not write" in entry.staff_reason


def test_min_age_skips_entries_still_in_progress(client: SIP2Client, journal: Journal, pad: SimulatedPad) -> None:
    borrow_intent(journal, pad, "31000000000010")
    assert Recovery(journal, client, pad, min_age=3600).run().settlements == []


def test_ils_down_is_asked_once_not_once_per_entry(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                   pad: SimulatedPad) -> None:
    for n in range(1, 6):
        borrow_intent(journal, pad, f"3100000000000{n}")
    ils.set_down(True)
    before = ils.connections_total
    report = Recovery(journal, client, pad).run()
    assert len(report.waiting) == 5 and ils.connections_total == before


def test_an_odd_entry_is_flagged_and_the_rest_settled(ils: ILSSimulator, client: SIP2Client, journal: Journal,
                                                      pad: SimulatedPad) -> None:
    odd = journal.record_intent(Kind.CHECKOUT, ANA, "3100|0001", {})     # a SIP2 field cannot hold "|"
    fine, _ = borrow_intent(journal, pad, "31000000000001")
    Recovery(journal, client, pad).run()
    assert journal.get(odd).status is Outcome.STAFF and journal.get(fine).status is Outcome.FAILED
    assert journal.get(odd).staff_reason.startswith("recovery failed")

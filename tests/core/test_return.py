"""Returning through the station and through the reusable ReturnProcessor the
return bin calls: check in, then secure; alerts become instructions."""

from __future__ import annotations

from pathlib import Path
from typing import Iterator

import pytest

from kiosk.drivers.rfid.base import uid_hex
from kiosk.events import Instruction, ItemStatus, SessionState
from kiosk.store.journal import Kind, Outcome, Replay
from kiosk.circulation.returns import ReturnOutcome, instruction_for
from kiosk.sip2.codes import CirculationStatus
from kiosk.sip2.ils.desk import Desk
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED

from station_kit import ANA, IN_TRANSIT, ITEMS, ON_HOLD, Kit, start_kit


@pytest.fixture()
def kit(tmp_path: Path) -> Iterator[Kit]:
    k = start_kit(tmp_path)
    yield k
    k.stop()


def checkins(kit: Kit, item: str) -> list:
    return [e for e in kit.station.journal.iter_all() if e.kind is Kind.CHECKIN and e.item_id == item]


@pytest.mark.parametrize("alert, alert_type, sort_bin, expected", [
    (True, "01", "HOLDS", Instruction.HOLD_SHELF),
    (True, "02", "", Instruction.TRANSIT),
    (True, "04", "TRANSIT", Instruction.TRANSIT),
    (True, "05", "", Instruction.TRANSIT),
    (False, "", "1", Instruction.SORT_BIN),
    (True, "", "", Instruction.DESK),
    (False, "", "", Instruction.NONE),
])
def test_instruction_table(alert: bool, alert_type: str, sort_bin: str, expected: Instruction) -> None:
    assert instruction_for(alert, alert_type, sort_bin) is expected


def test_anonymous_return_checks_in_then_secures(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[0])
    (uid,) = kit.place(ITEMS[0], afi=AFI_ON_LOAN)
    kit.station.start_return()
    changed = kit.wait_state(SessionState.RETURNING)
    assert changed.patron is None
    result = kit.results(1, action="return")[ITEMS[0]]
    assert result.status is ItemStatus.RETURNED and result.secured is True
    assert result.message == "Returned. Thank you."
    assert kit.afi(uid) == AFI_SECURED
    info = kit.station.client.item_information(ITEMS[0])
    assert info.circulation_status not in (CirculationStatus.CHARGED,)
    (entry,) = checkins(kit, ITEMS[0])
    assert entry.status is Outcome.DONE


@pytest.mark.parametrize("item, instruction, words", [
    (ON_HOLD, Instruction.HOLD_SHELF, "leave it on the pad"),   # the patron cannot reach the hold shelf
    (IN_TRANSIT, Instruction.TRANSIT, "another branch"),
])
def test_alerts_become_instructions(kit: Kit, item: str, instruction: Instruction, words: str) -> None:
    kit.place(item)
    kit.station.start_return()
    result = kit.results(1, action="return")[item]
    assert result.instruction is instruction and words in result.message
    assert result.alert_type
    # The ILS's alert text is for staff: it may name the patron the hold is for.
    assert result.ils_message == () and "Ñandú" not in result.message


def test_return_after_login_and_patron_items_listed(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[1])
    kit.login()
    kit.place(ITEMS[1], afi=AFI_ON_LOAN)
    kit.station.start_return()
    result = kit.results(1, action="return")[ITEMS[1]]
    assert result.status is ItemStatus.RETURNED
    assert kit.station.session_view().items[-1].item_id == ITEMS[1]
    assert checkins(kit, ITEMS[1])[0].patron_id == ANA


def test_returns_are_accepted_offline_and_replayed(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, "[offline]\nreplay_interval = 1.0\n")
    try:
        Desk(kit.ils.circulation).lend(ITEMS[2], ANA, due_in_days=-1)  # overdue: older than the return
        kit.ils.set_down(True)
        kit.station.client.close()
        (uid,) = kit.place(ITEMS[2], afi=AFI_ON_LOAN)
        kit.station.start_return()
        result = kit.results(1, action="return")[ITEMS[2]]
        assert result.status is ItemStatus.RETURNED and result.offline
        assert "offline" in result.message
        assert kit.afi(uid) == AFI_SECURED
        assert [e.item_id for e in kit.station.journal.pending_offline()] == [ITEMS[2]]
        kit.ils.set_down(False)
        kit.station.client.connect()
        kit.station.replay_now()
        kit.wait(lambda e: type(e).__name__ == "OfflineChanged" and not e.offline, timeout=10)
        first, queued = checkins(kit, ITEMS[2])  # the attempt that found the ILS down, then the queued one
        assert first.status is Outcome.FAILED and not first.offline
        assert kit.station.journal.get(queued.id).replay is Replay.REPLAYED
        info = kit.station.client.item_information(ITEMS[2])
        assert info.circulation_status != CirculationStatus.CHARGED
    finally:
        kit.stop()


def test_lost_checkin_reply_is_reconciled(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[3])
    kit.ils.faults.fail_next("lost_reply", count=1, command="09")
    (uid,) = kit.place(ITEMS[3], afi=AFI_ON_LOAN)
    kit.station.start_return()
    result = kit.results(1, action="return", timeout=10)[ITEMS[3]]
    assert result.status is ItemStatus.RETURNED and kit.afi(uid) == AFI_SECURED
    (entry,) = checkins(kit, ITEMS[3])
    assert entry.status is Outcome.DONE
    # Its tag read "on loan" and the ILS shows no loan: this checkin may have ended it, or
    # a loan queued offline elsewhere may charge the book later. Staff hear both.
    assert "may have ended the loan" in entry.staff_reason and "may still be queued" in entry.staff_reason


# -- the processor the return bin uses ---------------------------------------------------------

def test_processor_returns_a_typed_outcome_for_the_return_bin(kit: Kit) -> None:
    (uid,) = kit.place(ON_HOLD, afi=AFI_ON_LOAN)
    outcome = kit.station.return_processor.process(ON_HOLD, [uid_hex(uid)], lang="es")
    assert isinstance(outcome, ReturnOutcome)
    assert outcome.accepted and outcome.checked_in and outcome.secured is True
    assert outcome.instruction is Instruction.HOLD_SHELF and outcome.sort_bin == "HOLDS"
    assert outcome.alert and outcome.alert_type == "01" and outcome.title
    assert outcome.ils_message == () and any("hold shelf" in line for line in outcome.staff_message)
    assert outcome.message  # in Spanish when the catalog has it; never empty
    assert kit.afi(uid) == AFI_SECURED


def test_processor_refused_item_keeps_its_tag_and_goes_to_the_desk(kit: Kit) -> None:
    (uid,) = kit.place("39999999999999", afi=AFI_ON_LOAN)
    outcome = kit.station.return_processor.process("39999999999999", [uid])
    assert not outcome.accepted and outcome.instruction is Instruction.DESK
    assert outcome.ils_message == ("Item not found",)
    assert kit.afi(uid) == AFI_ON_LOAN
    assert outcome.as_item_result().status is ItemStatus.REFUSED


def test_processor_not_secured_goes_to_staff(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[4])
    (uid,) = kit.place(ITEMS[4], afi=AFI_ON_LOAN)
    kit.pad.fail_next_write(10)
    outcome = kit.station.return_processor.process(ITEMS[4], [uid])
    assert outcome.accepted and outcome.secured is False and outcome.instruction is Instruction.DESK
    (entry,) = checkins(kit, ITEMS[4])
    assert entry.status is Outcome.STAFF and entry.needs_staff
    assert outcome.as_item_result().status is ItemStatus.SEE_STAFF


def test_processor_barcode_only_return(kit: Kit) -> None:
    kit.station.client.checkout(ANA, ITEMS[5])
    outcome = kit.station.return_processor.process(ITEMS[5])
    assert outcome.accepted and outcome.secured is None and outcome.checked_in


def test_an_incomplete_set_is_returned_with_a_warning(kit: Kit) -> None:
    from kiosk.drivers.rfid.sim import make_item_tag
    from kiosk.tags import dsfid_for
    from station_kit import MULTIPART
    kit.station.client.checkout(ANA, MULTIPART)
    uid, data = make_item_tag(MULTIPART, parts=2, part=1)
    kit.pad.place(uid, data, afi=AFI_ON_LOAN, dsfid=dsfid_for("danish"))
    kit.station.start_return()
    result = kit.results(1, action="return")[MULTIPART]
    assert result.status is ItemStatus.RETURNED and "1 of 2 parts" in result.warning
    assert kit.afi(uid) == AFI_SECURED


def test_reference_and_withdrawn_tags_can_be_returned(kit: Kit) -> None:
    from kiosk.tags import Usage
    kit.station.client.checkout(ANA, ITEMS[6])
    (ref,) = kit.place(ITEMS[6], usage=Usage.NOT_FOR_CIRCULATION, afi=AFI_ON_LOAN)
    (old,) = kit.place(ITEMS[7], usage=Usage.DISCARDED)
    kit.station.start_return()
    got = kit.results(2, action="return")
    assert got[ITEMS[6]].status is ItemStatus.RETURNED and kit.afi(ref) == AFI_SECURED
    assert got[ITEMS[7]].status is ItemStatus.RETURNED and kit.afi(old) == AFI_SECURED

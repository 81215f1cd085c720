"""A check-in whose connection drops (issue 11, case 2).

The ILS simulator's ``drop`` fault closes the connection without applying the
request, so the kiosk's reconciliation finds the item still on loan. The
return must then be retried, and if it still cannot be confirmed, kept on the
staff list; never recorded as failed and sent to the reject bin unflagged.
"""

from __future__ import annotations

from kiosk.store.journal import Kind, Outcome


def checkins(rig, item: str) -> list:  # type: ignore[no-untyped-def]
    return [e for e in rig.service.journal.iter_all() if e.kind is Kind.CHECKIN and e.item_id == item]


def test_one_dropped_connection_is_retried_and_the_item_returned(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000001")
    rig.ils.faults.fail_next("drop", count=1, command="09")
    rig.chute.drop("31000000000001", owner_isil="US-RPL")
    (done,) = rig.chute.wait_for(1)
    assert done.outcome is not None and done.outcome.accepted and done.outcome.secured, done
    assert done.bin == "1" and done.routed
    assert not rig.charged("31000000000001")
    (entry,) = checkins(rig, "31000000000001")
    assert entry.status is Outcome.DONE and not entry.needs_staff
    assert rig.ils.requests["09"] == 2  # the dropped one and the retry


def test_a_return_that_cannot_be_confirmed_is_kept_for_staff(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000002")
    rig.ils.faults.fail_next("drop", count=2, command="09")
    rig.chute.drop("31000000000002", owner_isil="US-RPL")
    (done,) = rig.chute.wait_for(1)
    assert rig.charged("31000000000002")  # neither attempt reached the ILS
    (entry,) = checkins(rig, "31000000000002")
    assert entry.needs_staff and "still on loan" in entry.staff_reason, entry
    assert entry.status is not Outcome.FAILED
    assert [c.id for c in rig.service.journal.conflicts()] == [entry.id]
    assert done.bin == "reject" and done.outcome is not None and not done.outcome.accepted

"""A book comes back with its tag "on loan" but the ILS has no loan for it
(found by the chaos run): it was borrowed offline at another kiosk whose
queue has not reached the ILS yet, and that loan will charge a book that is
back on the shelf. The bin cannot undo a loan it cannot see, but staff must
hear of it. It knows there was no loan only from an ILS that names the
borrower in its checkin replies (SIP2 AA), as the simulator does."""

from __future__ import annotations

from kiosk.store.journal import Outcome


def test_a_book_checked_in_with_its_tag_on_loan_but_no_loan_in_the_ils_is_flagged(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.lend("31000000000001")
    rig.chute.drop("31000000000001", owner_isil="US-RPL")      # a normal return: the reply names the borrower
    rig.chute.wait_for(1)
    rig.chute.drop("31000000000002", owner_isil="US-RPL")      # tag on loan, but no loan in the ILS
    first, second = rig.chute.wait_for(2)
    assert second.outcome is not None and second.outcome.accepted and second.outcome.secured
    normal, unknown = (rig.service.journal.get(s.outcome.entry_id) for s in (first, second))  # type: ignore[union-attr]
    assert not normal.needs_staff
    assert unknown.status is Outcome.DONE and unknown.needs_staff
    assert "another kiosk" in unknown.staff_reason


def test_no_flag_for_a_secured_tag_or_before_the_ils_was_seen_to_name_borrowers(rig_factory) -> None:  # type: ignore[no-untyped-def]
    rig = rig_factory()
    rig.chute.drop("31000000000003", owner_isil="US-RPL")      # first reply: nothing learnt yet
    rig.chute.wait_for(1)
    rig.lend("31000000000004")
    rig.chute.drop("31000000000004", owner_isil="US-RPL")
    rig.chute.drop("31000000000005", owner_isil="US-RPL", afi=0x07)   # secured: nothing to say
    rig.chute.wait_for(3)
    assert rig.service.journal.conflicts() == []


def test_a_restarted_bin_remembers_the_ils_names_borrowers(rig_factory) -> None:  # type: ignore[no-untyped-def]
    """Found by the chaos run: the bin restarted, and its first book came back
    with no loan in the ILS; what it had learnt is in its journal."""
    rig = rig_factory()
    rig.lend("31000000000001")
    rig.chute.drop("31000000000001", owner_isil="US-RPL")
    rig.chute.wait_for(1)
    rig.service.stop()
    again = rig_factory()                                        # same data folder, same journal
    again.chute.drop("31000000000002", owner_isil="US-RPL")    # tag on loan, no loan in the ILS
    (done,) = again.chute.wait_for(1)
    assert done.outcome is not None
    assert again.service.journal.get(done.outcome.entry_id).needs_staff

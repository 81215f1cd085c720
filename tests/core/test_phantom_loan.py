"""An online checkout whose reply was lost while the ILS went away, replaced
by an offline loan that is then undone (issue 11, case 1).

The lost reply (the simulator's ``lost_reply``: the ILS did the checkout, the
kiosk never heard) is followed by item information requests that are dropped,
so the kiosk cannot ask what happened and takes the item as an offline loan;
that loan's tag write then fails, so it is undone and the patron told the
item was not borrowed. When the ILS answers again the first checkout must be
reconciled: the ILS has the loan, the tag is secured, the patron was told
"not borrowed", so staff must hear of it. And when the offline loan stands,
the pair is one loan: the replay finds it applied and sends nothing twice.
"""

from __future__ import annotations

from pathlib import Path

from kiosk.events import ItemStatus
from kiosk.sip2.codes import CirculationStatus
from kiosk.store.journal import Kind, Outcome, Replay
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED

from station_kit import ANA, ITEMS, Kit, eventually, start_kit

CONFIG = "[offline]\nmax_items = 10\nreplay_interval = 0.2\n"


def checkouts(kit: Kit, item: str) -> list:
    return [e for e in kit.station.journal.iter_all() if e.kind is Kind.CHECKOUT and e.item_id == item]


def lose_the_reply_then_the_ils(kit: Kit) -> None:
    kit.ils.faults.fail_next("lost_reply", count=1, command="11")
    kit.ils.faults.fail_next("drop", count=2, command="17")  # the query and its one retry


def test_an_undone_offline_loan_after_a_lost_reply_is_flagged_when_the_ils_has_the_loan(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, CONFIG)
    try:
        kit.login()
        (uid,) = kit.place(ITEMS[0])
        lose_the_reply_then_the_ils(kit)
        kit.pad.fail_next_write(count=20)  # the offline loan's security write fails: it is undone
        kit.station.start_borrow()
        result = kit.results(1)[ITEMS[0]]
        assert result.status is ItemStatus.REFUSED and result.offline
        assert kit.afi(uid) == AFI_SECURED
        assert kit.ils.store.loan(ITEMS[0]) is not None  # the lost reply's checkout did happen
        # The ILS answers again: the link's check replays (cancels) the undone offline loan.
        eventually(lambda: not kit.station.journal.pending_offline(), timeout=15)
        online, offline = checkouts(kit, ITEMS[0])
        assert offline.offline and offline.replay is Replay.CANCELLED
        assert online.needs_staff, online
        assert "patron was told" in online.staff_reason and "secured" in online.staff_reason
        assert kit.ils.store.loan(ITEMS[0]) is not None
    finally:
        kit.stop()


def test_a_standing_offline_loan_after_a_lost_reply_is_one_loan(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, CONFIG)
    try:
        kit.login()
        (uid,) = kit.place(ITEMS[1])
        lose_the_reply_then_the_ils(kit)
        kit.station.start_borrow()
        result = kit.results(1)[ITEMS[1]]
        assert result.status is ItemStatus.BORROWED and result.offline
        assert kit.afi(uid) == AFI_ON_LOAN
        checkouts_sent = kit.ils.requests["11"]
        eventually(lambda: not kit.station.journal.pending_offline(), timeout=15)
        online, offline = checkouts(kit, ITEMS[1])
        assert offline.replay is Replay.ALREADY and kit.ils.requests["11"] == checkouts_sent
        assert online.status is Outcome.DONE and not online.needs_staff, online
        assert kit.station.journal.conflicts() == []
        loan = kit.ils.store.loan(ITEMS[1])
        assert loan is not None and loan.patron == ANA
        assert str(kit.station.client.item_information(ITEMS[1]).circulation_status) == CirculationStatus.CHARGED
    finally:
        kit.stop()


def test_an_offline_loan_after_a_checkout_that_never_arrived_is_sent_once(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, CONFIG)
    try:
        kit.login()
        kit.place(ITEMS[2])
        kit.ils.faults.fail_next("no_reply", count=1, command="11")  # never applied
        kit.ils.faults.fail_next("drop", count=2, command="17")
        kit.station.start_borrow()
        assert kit.results(1)[ITEMS[2]].offline
        assert kit.ils.store.loan(ITEMS[2]) is None
        eventually(lambda: not kit.station.journal.pending_offline(), timeout=15)
        online, offline = checkouts(kit, ITEMS[2])
        assert offline.replay is Replay.REPLAYED
        assert online.status is Outcome.FAILED and not online.needs_staff, online
        assert kit.ils.store.loan(ITEMS[2]) is not None
    finally:
        kit.stop()

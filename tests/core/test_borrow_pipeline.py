"""Borrowing as the pad reads: each item is checked out as soon as its tag is
read, before the stack settles, through the whole station (ILS simulator on
loopback, real SIP2 client, simulated pad with its ISO 15693 air-time model
where timing matters). What needs the whole stack still waits for it: a part
of a set seen alone, and tags that are not borrowable items."""

from __future__ import annotations

from pathlib import Path

from kiosk.drivers.rfid.sim import make_item_tag
from kiosk.events import ItemResult, ItemStatus, SessionState
from kiosk.sip2.codes import CirculationStatus
from kiosk.store.journal import Kind, Outcome
from kiosk.tags import AFI_ON_LOAN, dsfid_for

from station_kit import ITEMS, MULTIPART, Kit, eventually, start_kit

NEVER = 600.0      # a settle time no test reaches: whatever happens, happens before the stack settles


def checkouts(kit: Kit) -> dict[str, list[Outcome]]:
    out: dict[str, list[Outcome]] = {}
    for entry in kit.station.journal.iter_all():
        if entry.kind is Kind.CHECKOUT:
            out.setdefault(entry.item_id, []).append(entry.status)
    return out


def borrowing(kit: Kit) -> None:
    kit.login()
    kit.station.start_borrow()
    kit.wait_state(SessionState.BORROWING)


def placed_uids(kit: Kit) -> set[bytes]:
    return {p.tag.uid for p in kit.station.flows.borrowing.placed()}


def statuses(kit: Kit, item: str) -> list[ItemStatus]:
    return [e.status for e in kit.seen if isinstance(e, ItemResult) and e.item_id == item]


def test_items_are_borrowed_as_they_are_read_without_waiting_for_the_stack_to_settle(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, latency=0.02, airtime=True, pad_timing=(0.1, NEVER))
    try:
        borrowing(kit)
        uids = kit.place(*ITEMS[:5])
        results = kit.results(5, timeout=20)
        assert {r.status for r in results.values()} == {ItemStatus.BORROWED}
        assert all(r.secured is False for r in results.values())
        assert all(kit.afi(uid) == AFI_ON_LOAN for uid in uids)
        assert checkouts(kit) == {item: [Outcome.DONE] for item in ITEMS[:5]}
        for item in ITEMS[:5]:
            assert statuses(kit, item) == [ItemStatus.PENDING, ItemStatus.BORROWED]
    finally:
        kit.stop()


def test_a_settling_stack_sends_no_item_twice_and_later_items_still_go(tmp_path: Path) -> None:
    """The stack settles while its writes are still under way (a short settle
    time, the air-time model, a slow ILS): every item is checked out once."""
    kit = start_kit(tmp_path, latency=0.03, airtime=True, pad_timing=(0.02, 0.05))
    try:
        borrowing(kit)
        kit.place(*ITEMS[:8])
        assert {r.status for r in kit.results(8, timeout=20).values()} == {ItemStatus.BORROWED}
        kit.place(*ITEMS[8:])
        assert {r.status for r in kit.results(2, timeout=20).values()} == {ItemStatus.BORROWED}
        assert kit.station.borrower.drain(10)
        assert checkouts(kit) == {item: [Outcome.DONE] for item in ITEMS}
        for item in ITEMS:
            assert statuses(kit, item) == [ItemStatus.PENDING, ItemStatus.BORROWED]
    finally:
        kit.stop()


def test_a_part_seen_alone_waits_for_its_sibling(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, pad_timing=(0.01, NEVER))
    try:
        borrowing(kit)
        uid1, data1 = make_item_tag(MULTIPART, parts=2, part=1)
        kit.pad.place(uid1, data1, dsfid=dsfid_for("danish"))
        eventually(lambda: uid1 in placed_uids(kit))
        kit.place(ITEMS[0])                       # read after the part: its result comes after the part was seen
        assert kit.results(1)[ITEMS[0]].status is ItemStatus.BORROWED
        assert MULTIPART not in checkouts(kit) and statuses(kit, MULTIPART) == []
        uid2, data2 = make_item_tag(MULTIPART, parts=2, part=2)
        kit.pad.place(uid2, data2, dsfid=dsfid_for("danish"))
        done = kit.results(1)[MULTIPART]
        assert done.status is ItemStatus.BORROWED and len(done.uids) == 2
        assert kit.afi(uid1) == kit.afi(uid2) == AFI_ON_LOAN
        assert checkouts(kit)[MULTIPART] == [Outcome.DONE]
    finally:
        kit.stop()


def test_tags_that_are_not_items_are_reported_when_the_stack_settles_and_never_reach_the_ils(
        tmp_path: Path) -> None:
    kit = start_kit(tmp_path, pad_timing=(0.01, 2.0))
    try:
        borrowing(kit)
        unreadable = kit.pad.place(bytes.fromhex("E004010099999999"), b"\xff" * 32).uid
        (foreign,) = kit.place("31000000000009", owner_isil="DK-710100")
        eventually(lambda: {unreadable, foreign} <= placed_uids(kit))
        kit.place(ITEMS[1])
        got = kit.results(3, timeout=10)
        assert got[ITEMS[1]].status is ItemStatus.BORROWED
        assert got["E004010099999999"].status is ItemStatus.UNREADABLE
        assert "another library" in got["31000000000009"].message
        order = [e.item_id for e in kit.seen if isinstance(e, ItemResult) and e.status is not ItemStatus.PENDING]
        assert order[0] == ITEMS[1]                # borrowed at once; the others at the settle, as before
        assert checkouts(kit) == {ITEMS[1]: [Outcome.DONE]}
    finally:
        kit.stop()


def test_a_tag_lifted_while_its_checkout_is_under_way_is_undone(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, pad_timing=(0.01, NEVER))
    try:
        borrowing(kit)
        kit.ils.faults.set(delay=0.3)
        (uid,) = kit.place(ITEMS[2])
        eventually(lambda: ITEMS[2] in checkouts(kit))
        kit.pad.remove(uid)
        kit.ils.faults.set(delay=0.0)
        result = kit.results(1)[ITEMS[2]]
        assert result.status is ItemStatus.REFUSED and "has not been borrowed" in result.message
        info = kit.station.client.item_information(ITEMS[2])
        assert info.circulation_status != CirculationStatus.CHARGED      # checked back in
        assert checkouts(kit)[ITEMS[2]] == [Outcome.UNDONE]
    finally:
        kit.stop()

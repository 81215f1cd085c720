"""Counters that guard access, under simultaneous attempts (issue 11, cases 4
and 5): staff badges at the scanner and the NFC reader share the staff PIN's
lockout, patron cards never count against it, and a patron's wrong PINs stop
the session after ``pin_attempts`` however many arrive at once."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

import pytest

from kiosk.events import EndReason, Notice, SessionChanged, SessionEnded, SessionState, StaffBadge
from kiosk.staff import StaffLocked, hash_secret

from station_kit import ANA, ANA_PIN, Kit, eventually, start_kit

BADGE = "STAFF-0042"
UNKNOWN = "We do not recognise this card"
LOCKED = "Staff mode is locked"


def staff_config(pattern: str = "") -> str:
    badge, pin = hash_secret(BADGE, n=2**10), hash_secret("2468", n=2**10)
    return (f'[staff]\npin_hash = "{pin}"\nbadge_hashes = ["{badge}"]\nmax_failures = 5\nlockout_seconds = 300\n'
            + (f'badge_pattern = "{pattern}"\n' if pattern else ""))


def together(actions: list[Callable[[], object]]) -> list[object]:
    """Run each action on its own thread, released at once; the results (or StaffLocked)."""
    barrier = threading.Barrier(len(actions))
    results: list[object] = [None] * len(actions)

    def run(i: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[i] = actions[i]()
        except StaffLocked as exc:
            results[i] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(actions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads)
    return results


def notices(kit: Kit, text: str) -> int:
    with kit._lock:
        return sum(isinstance(e, Notice) and text in e.message for e in kit.seen)


def staff_badges(kit: Kit) -> int:
    with kit._lock:
        return sum(isinstance(e, StaffBadge) for e in kit.seen)


def test_fifty_badge_guesses_at_the_scanner_lock_staff_mode(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, staff_config())
    try:
        # Neither patron nor item barcodes: they can only be staff badges, so each counts.
        together([lambda n=n: kit.scanner.scan(f"STAFF-{n:04d}") for n in range(100, 150)])
        eventually(lambda: notices(kit, UNKNOWN) + notices(kit, LOCKED) == 50, timeout=20)
        assert notices(kit, UNKNOWN) == 5 and notices(kit, LOCKED) == 45
        kit.scanner.scan(BADGE)                  # the right badge, while locked
        eventually(lambda: notices(kit, LOCKED) == 46)
        assert staff_badges(kit) == 0
        with pytest.raises(StaffLocked):
            kit.station.staff_auth.check_pin("2468")   # the PIN pad shares the lockout
        assert kit.station.session_view().patron is None
    finally:
        kit.stop()


def test_badge_pattern_makes_nfc_taps_count_and_patron_cards_never_do(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, staff_config(r"STAFF-\\d{4}"))
    try:
        for card in ("29999999999991", "29999999999992", "29999999999993", "29999999999994",
                     "29999999999995", "29999999999996"):   # unknown patron cards: more than max_failures
            kit.nfc.present(card)
            kit.wait(lambda e: isinstance(e, SessionEnded) and e.reason is EndReason.UNKNOWN_CARD)
        assert kit.station.staff_auth.seconds_locked() == 0
        kit.nfc.present(BADGE)
        kit.wait_type(StaffBadge)
        # Cards that look like staff badges are staff attempts, wherever they are tapped.
        together([lambda n=n: kit.nfc.present(f"STAFF-{n:04d}") for n in range(100, 150)])
        eventually(lambda: notices(kit, UNKNOWN) + notices(kit, LOCKED) == 50, timeout=20)
        assert notices(kit, UNKNOWN) == 5 and notices(kit, LOCKED) == 45
        kit.nfc.present(BADGE)
        eventually(lambda: notices(kit, LOCKED) == 46)
        assert staff_badges(kit) == 1
        # A patron still gets in while staff mode is locked.
        kit.login(ANA, ANA_PIN)
    finally:
        kit.stop()


def test_pin_pad_and_badge_reader_guesses_at_once_share_one_count(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, staff_config())
    auth = kit.station.staff_auth
    try:
        results = together([lambda n=n: auth.check_pin(f"{n:04d}") for n in range(25)]
                           + [lambda n=n: kit.scanner.scan(f"STAFF-{n:04d}") for n in range(100, 125)])
        eventually(lambda: notices(kit, UNKNOWN) + notices(kit, LOCKED) == 25, timeout=20)
        assert results[:25].count(False) + notices(kit, UNKNOWN) == 5
        assert auth.seconds_locked() > 0
    finally:
        kit.stop()


def test_fifty_simultaneous_patron_pins_are_tried_pin_attempts_times(tmp_path: Path) -> None:
    kit = start_kit(tmp_path)
    try:
        kit.station.identify(ANA, "scanner")
        kit.wait_state(SessionState.PIN_ENTRY)
        together([lambda n=n: kit.station.enter_pin(f"{n:04d}") for n in range(5000, 5050)])
        ended = kit.wait_type(SessionEnded, timeout=20)
        assert ended.reason is EndReason.PIN_ATTEMPTS
        kit.station.enter_pin(ANA_PIN)           # a late right PIN finds no session to open
        kit.station.identify(ANA, "scanner")     # the next patron's card starts afresh
        kit.wait_state(SessionState.PIN_ENTRY)
        assert kit.station.session_view().pin_tries_left == 3
        with kit._lock:
            tried = sum(isinstance(e, SessionChanged) and e.state is SessionState.IDENTIFYING for e in kit.seen)
            errors = [e for e in kit.seen if isinstance(e, Notice) and e.level == "error"]
            identified = any(isinstance(e, SessionChanged) and e.state is SessionState.READY for e in kit.seen)
        assert tried == 1 + 3 + 1, tried          # card, three PINs, the next card
        assert not identified and errors == [], errors   # the surplus is dropped quietly
    finally:
        kit.stop()


def test_a_stack_borrowed_offline_at_once_stays_within_the_offline_limit(tmp_path: Path) -> None:
    """``[offline] max_items`` guards against loss while nobody can check the account."""
    from kiosk.events import ItemStatus, OfflineChanged

    from station_kit import ITEMS
    kit = start_kit(tmp_path, "[offline]\nmax_items = 2\n")
    try:
        kit.ils.set_down(True)
        kit.station.identify(ANA, "scanner")
        kit.wait(lambda e: isinstance(e, OfflineChanged) and e.offline, timeout=10)
        kit.wait_state(SessionState.READY, timeout=10)
        kit.station.start_borrow()
        kit.wait_state(SessionState.BORROWING)
        together([lambda item=item: kit.place(item) for item in ITEMS[:8]])
        results = kit.results(8, "borrow", timeout=20)
        borrowed = [r for r in results.values() if r.status is ItemStatus.BORROWED]
        assert len(borrowed) == 2, [(r.item_id, r.status.value) for r in results.values()]
        assert kit.station.desk.borrowed_offline(ANA) == 2
    finally:
        kit.stop()

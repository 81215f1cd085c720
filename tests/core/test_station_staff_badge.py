"""A staff badge on the patron card path opens staff mode, not a session."""

from __future__ import annotations

from pathlib import Path

from kiosk.events import SessionChanged, SessionEnded, StaffBadge
from kiosk.staff import hash_secret

from station_kit import eventually, start_kit


def test_staff_badge_is_recognised_and_patron_cards_are_not(tmp_path: Path) -> None:
    badge = hash_secret("STAFF-0042", n=2**10)
    kit = start_kit(tmp_path, f'[staff]\nbadge_hashes = ["{badge}"]\n')
    try:
        kit.scanner.scan("STAFF-0042")
        event = kit.wait_type(StaffBadge)
        assert event.source == "scanner"
        assert kit.station.session_view().patron is None  # no patron session started
        kit.scanner.scan("21000000000001")
        eventually(lambda: kit.station.session_view().patron is not None)
        assert sum(isinstance(e, StaffBadge) for e in kit.seen) == 1
        assert any(isinstance(e, SessionChanged) for e in kit.seen)
    finally:
        kit.stop()


def test_a_badge_number_typed_on_the_keypad_does_not_open_staff_mode(tmp_path: Path) -> None:
    badge = hash_secret("20000042", n=2**10)
    kit = start_kit(tmp_path, f'[staff]\nbadge_hashes = ["{badge}"]\n')
    try:
        kit.station.identify("20000042", "keyboard")
        eventually(lambda: any(isinstance(e, SessionEnded) for e in kit.seen), timeout=10)   # an unknown card
        assert not any(isinstance(e, StaffBadge) for e in kit.seen)
    finally:
        kit.stop()

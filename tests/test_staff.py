"""Staff access: salted scrypt hashes and the lockout."""

from __future__ import annotations

import io
import logging
import threading
from typing import Callable

import pytest

from kiosk.cli import main
from kiosk.staff import CardVerdict, StaffAuth, StaffLocked, StaffPolicy, hash_secret, verify_secret

FAST = {"n": 2**10}  # a cheap work factor keeps the tests quick
# Races need verification slow enough for guesses to overlap (only max_failures are ever verified).
SLOW = {"n": 2**13}


def test_hash_is_salted_and_verifies() -> None:
    first, second = hash_secret("2468", **FAST), hash_secret("2468", **FAST)
    assert first != second and first.startswith("scrypt$1024$8$1$")
    assert verify_secret("2468", first) and verify_secret("2468", second)
    assert not verify_secret("2469", first)
    assert "2468" not in first


@pytest.mark.parametrize("stored", ["", "plain", "scrypt$x$8$1$00$00", "bcrypt$1$2$3$4$5", "scrypt$1024$8$1$zz$00"])
def test_malformed_hashes_never_match(stored: str) -> None:
    assert not verify_secret("2468", stored)


def test_lockout_after_repeated_failures_then_reopens() -> None:
    now = [1000.0]
    auth = StaffAuth(StaffPolicy(pin_hash=hash_secret("2468", **FAST), max_failures=3, lockout_seconds=60),
                     clock=lambda: now[0])
    assert not auth.check_pin("1111") and not auth.check_pin("2222") and not auth.check_pin("3333")
    with pytest.raises(StaffLocked) as info:
        auth.check_pin("2468")  # even the right PIN is refused while locked
    assert 59 <= info.value.seconds_left <= 60
    now[0] += 61
    assert auth.check_pin("2468")


def test_badges_are_checked_against_their_own_hashes() -> None:
    auth = StaffAuth(StaffPolicy(badge_hashes=(hash_secret("BADGE-7", **FAST),)))
    assert auth.check_badge("BADGE-7")
    assert not auth.check_pin("BADGE-7")  # no PIN configured
    assert not auth.check_badge("")


def test_demo_config_staff_pin() -> None:
    from kiosk.config import load_config

    auth = StaffAuth(StaffPolicy.from_config(load_config(None, check_devices=False, apply_override_file=False)))
    assert auth.configured and auth.check_pin("2468")


def test_hash_pin_command(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr("sys.stdin", io.StringIO("8642\n"))
    assert main(["hash-pin", "--stdin"]) == 0
    out = capsys.readouterr().out.strip()
    assert verify_secret("8642", out) and "8642" not in out


# -- the lockout under simultaneous guesses (issue 11, case 4) -------------------------------------
def _guess_together(attempts: list[Callable[[], object]]) -> list[object]:
    """Run every attempt on its own thread, released together; each result, or the exception raised."""
    barrier = threading.Barrier(len(attempts))
    results: list[object] = [None] * len(attempts)

    def run(index: int) -> None:
        barrier.wait(timeout=10)
        try:
            results[index] = attempts[index]()
        except StaffLocked as exc:
            results[index] = exc
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(attempts))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert not any(t.is_alive() for t in threads), "a guess never finished"
    return results


def test_fifty_simultaneous_wrong_pins_evaluate_only_max_failures() -> None:
    auth = StaffAuth(StaffPolicy(pin_hash=hash_secret("2468", **SLOW), max_failures=5, lockout_seconds=60))
    results = _guess_together([lambda n=n: auth.check_pin(f"{n:04d}") for n in range(1000, 1050)])
    assert results.count(False) == 5, f"{results.count(False)} wrong PINs evaluated, not 5"
    assert sum(isinstance(r, StaffLocked) for r in results) == 45
    with pytest.raises(StaffLocked):
        auth.check_pin("2468")


def test_the_right_pin_among_forty_wrong_ones_never_follows_max_failures(caplog: pytest.LogCaptureFixture) -> None:
    """Issue 11's race: 41 guesses at once, the right PIN accepted after 40 wrong ones."""
    auth = StaffAuth(StaffPolicy(pin_hash=hash_secret("2468", **SLOW), max_failures=5, lockout_seconds=60))
    caplog.set_level(logging.INFO, logger="kiosk.staff")
    results = _guess_together([lambda n=n: auth.check_pin(f"{n:04d}") for n in range(1000, 1040)]
                              + [lambda: auth.check_pin("2468")])
    # The log lines are written inside the attempt, so they are in the order the guesses were evaluated.
    said = [r.getMessage() for r in caplog.records if r.name == "kiosk.staff"]
    if results[-1] is True:
        before = said[:said.index("staff access granted")]
        assert sum(m.startswith("staff access refused") for m in before) < 5 and not any("locked" in m for m in before)
    else:
        assert isinstance(results[-1], StaffLocked)
    assert results.count(False) <= 9       # at most 4 before the right PIN and 5 after it
    assert sum(isinstance(r, StaffLocked) for r in results) >= 41 - 10
    assert "2468" not in caplog.text


def test_pin_and_badge_guesses_share_one_count() -> None:
    auth = StaffAuth(StaffPolicy(pin_hash=hash_secret("2468", **FAST), badge_hashes=(hash_secret("B-1", **FAST),),
                                 max_failures=5, lockout_seconds=60))
    attempts: list[Callable[[], object]] = [lambda n=n: auth.check_pin(f"{n:04d}") for n in range(25)]
    attempts += [lambda n=n: auth.present_card(f"X{n}", other_use=False) for n in range(25)]
    results = _guess_together(attempts)
    assert results.count(False) + results.count(CardVerdict.REFUSED) == 5
    assert sum(isinstance(r, StaffLocked) for r in results) + results.count(CardVerdict.LOCKED) == 45
    assert auth.present_card("B-1", other_use=False) is CardVerdict.LOCKED   # even the right badge
    with pytest.raises(StaffLocked):
        auth.check_pin("2468")


def test_cards_that_may_be_patron_cards_are_not_counted_and_not_checked_while_locked() -> None:
    now = [1000.0]
    auth = StaffAuth(StaffPolicy(badge_hashes=(hash_secret("STAFF-0042", **FAST),), max_failures=2,
                                 lockout_seconds=60, badge_pattern=r"STAFF-\d{4}"), clock=lambda: now[0])
    for _ in range(10):                # patron cards: never a failed staff attempt
        assert auth.present_card("21000000000001", other_use=True) is CardVerdict.OTHER
    assert auth.seconds_locked() == 0
    assert auth.present_card("STAFF-0042", other_use=True) is CardVerdict.STAFF
    # Cards matching the badge pattern count, on any path.
    assert auth.present_card("STAFF-0001", other_use=True) is CardVerdict.REFUSED
    assert auth.present_card("STAFF-0002", other_use=True) is CardVerdict.REFUSED
    assert auth.present_card("STAFF-0042", other_use=True) is CardVerdict.LOCKED
    assert auth.present_card("21000000000001", other_use=True) is CardVerdict.OTHER
    now[0] += 61
    assert auth.present_card("STAFF-0042", other_use=True) is CardVerdict.STAFF

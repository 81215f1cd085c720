"""Staff access: salted scrypt hashes and the lockout."""

from __future__ import annotations

import io

import pytest

from kiosk.cli import main
from kiosk.staff import StaffAuth, StaffLocked, StaffPolicy, hash_secret, verify_secret

FAST = {"n": 2**10}  # a cheap work factor keeps the tests quick


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

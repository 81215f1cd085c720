"""Staff access: salted scrypt hashes of staff PINs and badges, and a lockout
after repeated failures.

Hash format (what ``kiosk hash-pin`` prints and ``[staff]`` stores)::

    scrypt$N$r$p$<salt hex>$<key hex>

Nothing here logs the secret; a failed attempt logs only that it failed.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import threading
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from kiosk.config import Config

log = logging.getLogger(__name__)

SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**14, 8, 1
KEY_LENGTH = 32


def hash_secret(secret: str, *, n: int = SCRYPT_N, r: int = SCRYPT_R, p: int = SCRYPT_P,
                salt: bytes | None = None) -> str:
    """A new salted scrypt hash of ``secret`` in the ``scrypt$...`` format."""
    if not secret:
        raise ValueError("a staff PIN or badge id cannot be empty")
    salt = salt if salt is not None else os.urandom(16)
    key = hashlib.scrypt(secret.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=KEY_LENGTH)
    return f"scrypt${n}${r}${p}${salt.hex()}${key.hex()}"


def verify_secret(secret: str, stored: str) -> bool:
    """True if ``secret`` matches ``stored``; a malformed ``stored`` never matches."""
    try:
        scheme, n, r, p, salt_hex, key_hex = stored.split("$")
        if scheme != "scrypt":
            return False
        expected = bytes.fromhex(key_hex)
        key = hashlib.scrypt(secret.encode("utf-8"), salt=bytes.fromhex(salt_hex), n=int(n), r=int(r),
                             p=int(p), dklen=len(expected), maxmem=256 * 1024 * 1024)
    except (ValueError, TypeError):
        return False
    return hmac.compare_digest(key, expected)


class StaffLocked(Exception):
    """Too many failed attempts; ``seconds_left`` until staff mode opens again."""

    def __init__(self, seconds_left: float) -> None:
        super().__init__(f"staff mode is locked for {int(seconds_left + 0.999)} more seconds")
        self.seconds_left = seconds_left


@dataclass(frozen=True)
class StaffPolicy:
    pin_hash: str = ""
    badge_hashes: tuple[str, ...] = ()
    max_failures: int = 5
    lockout_seconds: float = 300.0

    @classmethod
    def from_config(cls, cfg: Config) -> "StaffPolicy":
        staff = cfg.staff
        return cls(staff.pin_hash, tuple(staff.badge_hashes), staff.max_failures, float(staff.lockout_seconds))


class StaffAuth:
    """Checks staff PINs and badges; locks after ``max_failures`` in a row.

    Thread-safe. ``clock`` is injectable for tests.
    """

    def __init__(self, policy: StaffPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._failures = 0
        self._locked_until = 0.0
        self._lock = threading.Lock()

    @property
    def configured(self) -> bool:
        return bool(self.policy.pin_hash or self.policy.badge_hashes)

    def seconds_locked(self) -> float:
        with self._lock:
            return max(0.0, self._locked_until - self._clock())

    def _check(self, secret: str, hashes: Sequence[str]) -> bool:
        with self._lock:
            left = self._locked_until - self._clock()
            if left > 0:
                raise StaffLocked(left)
        ok = bool(secret) and any(verify_secret(secret, h) for h in hashes if h)
        with self._lock:
            if ok:
                self._failures = 0
                return True
            self._failures += 1
            log.warning("staff access refused (%d of %d)", self._failures, self.policy.max_failures)
            if self._failures >= self.policy.max_failures:
                self._failures = 0
                self._locked_until = self._clock() + self.policy.lockout_seconds
                log.warning("staff mode locked for %d s after repeated failures", self.policy.lockout_seconds)
        return False

    def check_pin(self, pin: str) -> bool:
        """True for the staff PIN; raises :class:`StaffLocked` while locked."""
        return self._check(pin, (self.policy.pin_hash,))

    def check_badge(self, badge_id: str) -> bool:
        """True for a staff badge; raises :class:`StaffLocked` while locked."""
        return self._check(badge_id, self.policy.badge_hashes)

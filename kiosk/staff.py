"""Staff access: salted scrypt hashes of staff PINs and badges, and a lockout
after repeated failures.

Hash format (what ``kiosk hash-pin`` prints and ``[staff]`` stores)::

    scrypt$N$r$p$<salt hex>$<key hex>

Nothing here logs the secret; a failed attempt logs only that it failed.

**Lockout.** One attempt at a time: the lock check, the scrypt verification
and the failure count are one step under one lock, so simultaneous guesses
(each staff sign-in runs on its own thread) are evaluated one after another
and nothing is verified once ``max_failures`` in a row have locked staff
mode, not even the right PIN or badge. The PIN and badge paths share the
count.

**Which cards are staff attempts.** Every card presented on the idle kiosk
passes through the badge check, and most are patron cards: a patron card is
not a failed staff attempt. :meth:`StaffAuth.present_card` therefore counts a
failure only for a card that can be nothing but a staff badge: one matching
``[staff] badge_pattern``, or a scan that fits neither the patron nor the item
barcode rule. A card that may be a patron card (or an item) and does not
match the pattern is checked without counting, and not at all while staff
mode is locked; it then goes on as a patron card (or item). Sites whose
badges look like patron cards set ``badge_pattern`` so that guesses count.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import os
import re
import threading
import time
from dataclasses import dataclass
from enum import StrEnum
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
    badge_pattern: str = ""                   # a regular expression staff badges match in full ("" = none)

    @classmethod
    def from_config(cls, cfg: Config) -> "StaffPolicy":
        staff = cfg.staff
        return cls(staff.pin_hash, tuple(staff.badge_hashes), staff.max_failures, float(staff.lockout_seconds),
                   staff.badge_pattern)


class CardVerdict(StrEnum):
    """What a card presented on the idle kiosk is, as far as staff access goes."""

    STAFF = "staff"            # a staff badge: open staff mode
    REFUSED = "refused"        # a staff attempt that failed (counted)
    LOCKED = "locked"          # a staff attempt while staff mode is locked (not verified)
    OTHER = "other"            # not a staff badge: use it as the patron card or item it may be


class StaffAuth:
    """Checks staff PINs and badges; locks after ``max_failures`` in a row.

    Thread-safe: each attempt is one atomic step (see the module docstring).
    ``clock`` is injectable for tests.
    """

    def __init__(self, policy: StaffPolicy, clock: Callable[[], float] = time.monotonic) -> None:
        self.policy = policy
        self._clock = clock
        self._failures = 0
        self._locked_until = 0.0
        self._attempt = threading.Lock()      # held for a whole attempt: check, verify, count
        self._state = threading.Lock()        # held briefly: the count and the lock time
        self._pattern = re.compile(policy.badge_pattern) if policy.badge_pattern else None

    @property
    def configured(self) -> bool:
        return bool(self.policy.pin_hash or self.policy.badge_hashes)

    def seconds_locked(self) -> float:
        with self._state:
            return max(0.0, self._locked_until - self._clock())

    def looks_like_badge(self, card: str) -> bool:
        """True when ``card`` matches ``badge_pattern`` (then it is never a patron card)."""
        return self._pattern is not None and self._pattern.fullmatch(card) is not None

    def _check(self, secret: str, hashes: Sequence[str], *, count: bool = True) -> bool:
        with self._attempt:
            left = self.seconds_locked()
            if left > 0:
                raise StaffLocked(left)
            ok = bool(secret) and any(verify_secret(secret, h) for h in hashes if h)
            with self._state:
                if ok:
                    self._failures = 0
                    log.info("staff access granted")
                    return True
                if not count:
                    return False
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

    def present_card(self, card: str, *, other_use: bool) -> CardVerdict:
        """A card presented on the idle kiosk (scanner, NFC reader, RFID pad).

        ``other_use``: the card may also be a patron card or an item. Such a
        card is a counted staff attempt only when it matches ``badge_pattern``;
        otherwise it is checked without counting, and not at all while staff
        mode is locked (:attr:`CardVerdict.OTHER`). A card with no other use is
        always a counted attempt."""
        if not self.policy.badge_hashes:
            return CardVerdict.OTHER if other_use else CardVerdict.REFUSED
        counted = not other_use or self.looks_like_badge(card)
        if not counted and self.seconds_locked() > 0:
            return CardVerdict.OTHER
        try:
            ok = self._check(card, self.policy.badge_hashes, count=counted)
        except StaffLocked:
            return CardVerdict.LOCKED if counted else CardVerdict.OTHER
        if ok:
            return CardVerdict.STAFF
        return CardVerdict.REFUSED if counted else CardVerdict.OTHER

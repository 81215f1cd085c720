"""Fault injection for the ILS simulator: what can go wrong between a kiosk
and a real ILS, on demand, switchable while connections are open.

Per-request faults (``MODES``), with what happens to the request itself:

================  ==========================================  ===============
mode              on the wire                                 request applied
================  ==========================================  ===============
``drop``          connection closed, no reply                 no
``no_reply``      silence; the connection stays open          no
``lost_reply``    connection closed after the work is done    yes
``garbage``       printable non-SIP2 bytes + terminator       yes
``bad_checksum``  the real reply with a wrong AZ              yes
================  ==========================================  ===============

A 97 (request ACS resend) after ``garbage`` or ``bad_checksum`` gets the real
reply, as from a real ACS. ``lost_reply`` is the case the kiosk's "unknown
outcome" handling exists for: the ILS did it, the kiosk never heard.

Each mode can fire with a probability (``faults.set(drop=0.1)``, seeded) or
exactly for the next N requests, optionally of one message type
(``faults.fail_next("lost_reply", count=1, command="11")``). Delays: a fixed
``delay`` plus a uniform random ``jitter``, in seconds, before every reply.
The reply terminator (``cr`` or ``crlf``) is a fault setting too, since some
servers send CRLF. Server down is :meth:`ILSSimulator.set_down`.

CLI grammar (``kiosk ils-sim --fault SPEC``, repeatable)::

    delay=SECONDS | jitter=SECONDS | MODE[=PROBABILITY] | MODE@COMMAND[xCOUNT]
    | terminator=cr|crlf | seed=N | flap=DOWN:UP

``drop`` alone means probability 1; ``lost_reply@11x2`` fails the next two
checkouts; ``flap=5:20`` takes the server down for 5 s every 25 s.
"""

from __future__ import annotations

import random
import threading
from dataclasses import dataclass
from typing import Iterable

from kiosk.errors import ConfigError

MODES = ("drop", "no_reply", "lost_reply", "garbage", "bad_checksum")
# Requests that happen before these modes are applied.
APPLIED_FIRST = {"lost_reply", "garbage", "bad_checksum"}
TERMINATORS = ("cr", "crlf")


@dataclass(frozen=True)
class Decision:
    """What to do with one request."""

    mode: str | None   # one of MODES, or None: answer normally
    delay: float       # seconds to wait before answering


@dataclass
class _OneShot:
    mode: str
    remaining: int
    command: str | None


class Faults:
    """Thread-safe fault settings; every change applies to the next request."""

    def __init__(self, *, delay: float = 0.0, jitter: float = 0.0, terminator: str = "cr",
                 seed: int | None = None, flap: tuple[float, float] | None = None,
                 **probabilities: float) -> None:
        self._lock = threading.Lock()
        self._random = random.Random(seed)
        self.delay = 0.0
        self.jitter = 0.0
        self.terminator = "cr"
        self.flap = flap
        self.probabilities = {mode: 0.0 for mode in MODES}
        self._queue: list[_OneShot] = []
        self.set(delay=delay, jitter=jitter, terminator=terminator, **probabilities)

    # ------------------------------------------------------------ changes
    def set(self, **changes: float | str) -> None:
        """Change any of ``delay``, ``jitter``, ``terminator`` or a mode's
        probability (0..1), e.g. ``set(drop=1.0)``; raises ValueError on a bad value."""
        with self._lock:
            for key, value in changes.items():
                if key in ("delay", "jitter"):
                    seconds = float(value)
                    if not 0 <= seconds <= 600:
                        raise ValueError(f"{key} must be 0-600 seconds, got {value!r}")
                    setattr(self, key, seconds)
                elif key == "terminator":
                    if value not in TERMINATORS:
                        raise ValueError(f"terminator must be cr or crlf, got {value!r}")
                    self.terminator = str(value)
                elif key in self.probabilities:
                    chance = float(value)
                    if not 0 <= chance <= 1:
                        raise ValueError(f"{key} probability must be 0-1, got {value!r}")
                    self.probabilities[key] = chance
                else:
                    raise ValueError(f"unknown fault {key!r}; use delay, jitter, terminator or {', '.join(MODES)}")

    def fail_next(self, mode: str, count: int = 1, command: str | None = None) -> None:
        """Apply ``mode`` to the next ``count`` requests (of ``command``, e.g.
        ``"11"``, if given). Queued one-shots fire before random faults."""
        if mode not in MODES:
            raise ValueError(f"unknown fault mode {mode!r}; use one of {', '.join(MODES)}")
        if count < 1:
            raise ValueError("count must be at least 1")
        if command is not None and (len(command) != 2 or not command.isdigit()):
            raise ValueError(f"command must be a two-digit SIP2 message id, got {command!r}")
        with self._lock:
            self._queue.append(_OneShot(mode, count, command))

    def clear(self) -> None:
        """Everything off: no delay, no random or queued faults, CR terminator."""
        with self._lock:
            self.delay = self.jitter = 0.0
            self.terminator = "cr"
            self.probabilities = {mode: 0.0 for mode in MODES}
            self._queue.clear()

    # ------------------------------------------------------------ decisions
    def decide(self, command: str) -> Decision:
        with self._lock:
            delay = self.delay + (self._random.uniform(0, self.jitter) if self.jitter else 0.0)
            for shot in self._queue:
                if shot.command is None or shot.command == command:
                    shot.remaining -= 1
                    if shot.remaining <= 0:
                        self._queue.remove(shot)
                    return Decision(shot.mode, delay)
            for mode in MODES:
                chance = self.probabilities[mode]
                if chance and self._random.random() < chance:
                    return Decision(mode, delay)
            return Decision(None, delay)

    def garbage(self, length: int = 24) -> bytes:
        """Random printable bytes that can never parse as a SIP2 message (the
        first character is not a digit, so no message identifier)."""
        with self._lock:
            first = self._random.choice(b"!#$%&*+-/<=>?@~")
            return bytes([first]) + bytes(
                self._random.choice(b"!#$%&*+-/0123456789<=>?@ABCDEFGHJKLMNPQRSTUVWXYZ~") for _ in range(length - 1))

    @property
    def terminator_bytes(self) -> bytes:
        return b"\r\n" if self.terminator == "crlf" else b"\r"

    def snapshot(self) -> dict[str, object]:
        with self._lock:
            return {"delay": self.delay, "jitter": self.jitter, "terminator": self.terminator,
                    "flap": self.flap, **{m: p for m, p in self.probabilities.items() if p},
                    "queued": [(s.mode, s.remaining, s.command) for s in self._queue]}

    # ------------------------------------------------------------ parsing
    @classmethod
    def parse(cls, specs: Iterable[str]) -> "Faults":
        """Build from CLI specs (see the module docstring); every bad spec is
        reported at once as a :class:`ConfigError`."""
        faults = cls()
        errors: list[str] = []
        for spec in specs:
            try:
                faults._apply_spec(spec.strip())
            except ValueError as exc:
                errors.append(f"--fault {spec}: {exc}")
        if errors:
            raise ConfigError(errors)
        return faults

    def _apply_spec(self, spec: str) -> None:
        name, _, value = spec.partition("=")
        name = name.strip().lower().replace("-", "_")
        if "@" in name:
            mode, _, target = name.partition("@")
            command, _, count = target.partition("x")
            self.fail_next(mode, int(count) if count else 1, command or None)
        elif name == "seed":
            self._random.seed(int(value))
        elif name == "flap":
            down, _, up = value.partition(":")
            down_s, up_s = float(down), float(up)
            if not (0 < down_s <= 3600 and 0 < up_s <= 3600):
                raise ValueError("flap=DOWN:UP needs two durations in seconds (0-3600)")
            self.flap = (down_s, up_s)
        elif name in MODES:
            self.set(**{name: float(value) if value else 1.0})
        elif name in ("delay", "jitter", "terminator"):
            if not value:
                raise ValueError(f"{name} needs a value ({name}=...)")
            self.set(**{name: value})
        else:
            raise ValueError(f"unknown fault {name!r}; use delay, jitter, terminator, seed, flap or "
                             f"{', '.join(MODES)}")


def make_faults(faults: "Faults | dict[str, object] | Iterable[str] | None") -> Faults:
    """Accept a :class:`Faults`, a dict of :meth:`Faults.set` values, CLI spec
    strings, or None (no faults)."""
    if faults is None:
        return Faults()
    if isinstance(faults, Faults):
        return faults
    if isinstance(faults, dict):
        made = Faults()
        made.set(**faults)
        return made
    if isinstance(faults, str):
        return Faults.parse([faults])
    return Faults.parse(list(faults))

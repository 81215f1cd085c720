"""The patron session: one transition table, the inactivity clock, and the
patron data that must vanish when the session ends.

States are :class:`kiosk.events.SessionState`. Every change goes through
:meth:`Session.step`, which looks the (state, step) pair up in
:data:`TRANSITIONS`; an illegal step raises :class:`IllegalStep` naming both,
so a UI bug (a "borrow" tap on the PIN pad) is caught at once instead of
leaving the kiosk half in one screen and half in another. Model: h11's
``_state.py``.

The session is owned by the station's worker thread; nothing here locks.
"""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Callable

from kiosk.config import Config
from kiosk.errors import LocalProtocolError
from kiosk.events import EndReason, ItemResult, SessionState

__all__ = ["IllegalStep", "TRANSITIONS", "Timeouts", "Patron", "Session", "S"]

S = SessionState

#: (state, step) -> next state. Nothing else is legal.
TRANSITIONS: dict[tuple[SessionState, str], SessionState] = {
    (S.IDLE, "identify"): S.IDENTIFYING,
    (S.IDLE, "anonymous_return"): S.RETURNING,
    (S.IDENTIFYING, "need_pin"): S.PIN_ENTRY,
    (S.IDENTIFYING, "identified"): S.READY,
    (S.IDENTIFYING, "rejected"): S.ENDING,
    (S.IDENTIFYING, "wrong_pin"): S.PIN_ENTRY,
    (S.PIN_ENTRY, "submit_pin"): S.IDENTIFYING,
    (S.READY, "borrow"): S.BORROWING,
    (S.READY, "return"): S.RETURNING,
    (S.READY, "account"): S.ACCOUNT,
    (S.BORROWING, "return"): S.RETURNING,
    (S.BORROWING, "account"): S.ACCOUNT,
    (S.BORROWING, "home"): S.READY,
    (S.RETURNING, "borrow"): S.BORROWING,
    (S.RETURNING, "account"): S.ACCOUNT,
    (S.RETURNING, "home"): S.READY,
    (S.ACCOUNT, "borrow"): S.BORROWING,
    (S.ACCOUNT, "return"): S.RETURNING,
    (S.ACCOUNT, "home"): S.READY,
    (S.READY, "finish"): S.RECEIPT,
    (S.BORROWING, "finish"): S.RECEIPT,
    (S.RETURNING, "finish"): S.RECEIPT,
    (S.ACCOUNT, "finish"): S.RECEIPT,
    (S.RECEIPT, "receipt_done"): S.ENDING,
    (S.ENDING, "reset"): S.IDLE,
}
# Ending (patron pressed end, timed out, too many PINs, station stopping) is
# legal from every state that has a patron or an anonymous return.
for _state in (S.IDENTIFYING, S.PIN_ENTRY, S.READY, S.BORROWING, S.RETURNING, S.ACCOUNT, S.RECEIPT):
    TRANSITIONS[(_state, "end")] = S.ENDING
TRANSITIONS[(S.ENDING, "end")] = S.ENDING

#: States whose screens time out; the value names the :class:`Timeouts` field.
IDLE_TIMEOUT_OF: dict[SessionState, str] = {
    S.PIN_ENTRY: "pin", S.READY: "home", S.BORROWING: "borrow", S.RETURNING: "return",
    S.ACCOUNT: "account", S.RECEIPT: "receipt",
}


class IllegalStep(LocalProtocolError):
    """A step the session table does not allow in the current state (our bug,
    or a stale tap from the UI)."""

    def __init__(self, step: str, state: SessionState) -> None:
        super().__init__(f"session step {step!r} is illegal in state {state.value!r}")
        self.step = step
        self.state = state


@dataclass(frozen=True)
class Timeouts:
    """Seconds of inactivity per screen before the warning, the warning's
    countdown and the goodbye screen (``[ui]`` timeout_* keys)."""

    pin: float = 30.0
    home: float = 45.0
    borrow: float = 90.0
    ret: float = 90.0
    account: float = 90.0
    receipt: float = 20.0
    warning: float = 15.0
    goodbye: float = 5.0

    @classmethod
    def from_config(cls, cfg: Config) -> "Timeouts":
        ui = cfg.ui
        return cls(pin=ui.timeout_pin, home=ui.timeout_home, borrow=ui.timeout_borrow, ret=ui.timeout_return,
                   account=ui.timeout_account, receipt=ui.timeout_receipt, warning=ui.warning_seconds,
                   goodbye=ui.goodbye_seconds)

    def for_state(self, state: SessionState) -> float | None:
        name = IDLE_TIMEOUT_OF.get(state)
        if name is None:
            return None
        seconds = {"pin": self.pin, "home": self.home, "borrow": self.borrow, "return": self.ret,
                   "account": self.account, "receipt": self.receipt}
        return float(seconds[name])


@dataclass
class Patron:
    """The identified patron. ``pin`` lives only in memory for the session
    (circulation requests carry it) and is wiped by :meth:`Session.clear`."""

    patron_id: str
    source: str = "scanner"                   # scanner | rfid | nfc | keyboard
    name: str = ""
    pin: str = field(default="", repr=False)
    verified: bool = False
    can_borrow: bool = True
    can_renew: bool = True
    blocked_reason: str = ""
    ils_message: tuple[str, ...] = ()
    fines_total: str = ""
    holds_ready: tuple[str, ...] = ()
    offline: bool = False
    offline_left: int = 0
    language: str = ""
    email: str = field(default="", repr=False)   # BE from the ILS: where an emailed receipt goes


class Session:
    """One patron's visit. ``clock`` is monotonic seconds (tests inject one)."""

    def __init__(self, timeouts: Timeouts, language: str = "en",
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.timeouts = timeouts
        self.clock = clock
        # More time (WCAG 2.2.1 via EN 301 549 11.2.2.1): speech and large-text
        # modes stretch every timeout and the warning by this factor. Set by
        # the UI for the patron in front of it (it resets it for the next one).
        self.time_factor = 1.0
        self.state: SessionState = S.IDLE
        self.default_language = language
        self.clear()

    # -- the table ----------------------------------------------------------------
    def can(self, step: str) -> bool:
        return (self.state, step) in TRANSITIONS

    def step(self, step: str) -> SessionState:
        """Take ``step``; raises :class:`IllegalStep` if the table has no such move."""
        try:
            new = TRANSITIONS[(self.state, step)]
        except KeyError:
            raise IllegalStep(step, self.state) from None
        self.state = new
        self.touch()
        return new

    # -- data -----------------------------------------------------------------------
    def clear(self) -> None:
        """Forget everything about the patron (session end); back to idle data."""
        self.session_id = uuid.uuid4().hex[:12]
        self.patron: Patron | None = None
        self.language = self.default_language
        self.language_chosen = False      # the patron pressed a language button this session
        self.items: list[ItemResult] = []
        self.message = ""
        self.pin_tries = 0
        self.end_reason: EndReason | None = None
        self.borrowed_offline = 0
        self.warned_at: float | None = None
        self.last_activity = self.clock()

    def reset(self) -> None:
        """ENDING -> IDLE with every trace of the patron gone."""
        self.step("reset")
        self.clear()

    def add_item(self, result: ItemResult) -> None:
        """Record (or replace, by item id and action) one item's result."""
        for index, old in enumerate(self.items):
            if old.item_id == result.item_id and old.action == result.action:
                self.items[index] = result
                return
        self.items.append(result)

    def item(self, item_id: str, action: str) -> ItemResult | None:
        for result in self.items:
            if result.item_id == item_id and result.action == action:
                return result
        return None

    # -- inactivity -------------------------------------------------------------------
    def touch(self) -> None:
        self.last_activity = self.clock()
        self.warned_at = None

    def idle_deadline(self) -> float | None:
        """When the warning starts, or None when this state never times out."""
        limit = self.timeouts.for_state(self.state)
        return None if limit is None else self.last_activity + limit * self.time_factor

    def inactivity(self) -> tuple[str, float]:
        """``("ok", 0)``, ``("warn", seconds_left)`` or ``("expired", 0)``.

        The receipt choice has no warning: its timeout means "no receipt".
        Every timeout and the warning are :attr:`time_factor` times longer.
        """
        deadline = self.idle_deadline()
        if deadline is None:
            return "ok", 0.0
        now = self.clock()
        if now < deadline:
            return "ok", 0.0
        if self.state is S.RECEIPT:
            return "expired", 0.0
        left = deadline + self.timeouts.warning * self.time_factor - now
        if left <= 0:
            return "expired", 0.0
        return "warn", left

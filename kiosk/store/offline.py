"""Offline mode: store-and-forward while the ILS cannot be reached.

Policy (``[offline]`` in the config, :class:`OfflinePolicy`):

* returns are always accepted and queued (the item is back in the library;
  refusing it helps nobody);
* borrowing is allowed up to ``max_items`` per patron (counted over the
  whole outage, not per session) and only for a well-formed patron barcode
  (:mod:`kiosk.drivers.barcode.rules`), or refused when ``allow_checkout``
  is off; a PIN cannot be checked offline, so none is asked for;
* renewals, payments and the account view are not offered;
* an item borrowed offline is due ``loan_days`` after today; that date is
  told to the patron and sent to the ILS as the no-block due date.

:class:`OfflineDesk` is what the circulation engines call while offline: it
decides and queues in the journal (the engines then write the tag's security
and record ``done`` before telling the patron). :class:`Replayer` sends the
queue to the ILS when it is back: in order, exactly once, and every conflict
kept for staff (see :mod:`kiosk.store.replay`).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, Callable, Mapping

from kiosk.config import Config
from kiosk.drivers.barcode.rules import BarcodeRules
from kiosk.errors import KioskError
from kiosk.i18n import N_
from kiosk.store.journal import Journal, Kind, Outcome

log = logging.getLogger(__name__)

__all__ = ["OfflinePolicy", "OfflineDecision", "OfflineDesk", "OfflineRefused", "OfflineLoan"]

# Patron-facing reasons (translate with the session's translator; ``{limit}``
# and ``{left}`` are filled by OfflineDecision.text).
MSG_OFFLINE_BORROW_OFF = N_("Borrowing is not available while the library system is offline. "
                            "You can still return items.")
MSG_OFFLINE_BAD_CARD = N_("This card cannot be checked while the library system is offline. "
                          "Please ask at the desk.")
MSG_OFFLINE_LIMIT = N_("While the library system is offline you can borrow up to {limit} items, "
                       "and you have reached that limit.")
MSG_OFFLINE_ALLOWED = N_("The library system is offline. You can borrow {left} more items now; "
                         "they will be added to your account later.")
MSG_OFFLINE_NO_RENEW = N_("Renewals are not available while the library system is offline.")
MSG_OFFLINE_NO_PAY = N_("Payments are not available while the library system is offline.")
MSG_OFFLINE_NO_ACCOUNT = N_("Your account cannot be shown while the library system is offline.")
MSG_OFFLINE_DISABLED = N_("This kiosk is out of service while the library system is unavailable. "
                          "Please ask at the desk.")
MSG_OFFLINE_RETURN = N_("The library system is offline. Your return is recorded and will be sent to it later.")


class OfflineRefused(KioskError):
    """An offline transaction the policy does not allow; ``decision`` says why."""

    def __init__(self, decision: "OfflineDecision") -> None:
        super().__init__(decision.reason)
        self.decision = decision


@dataclass(frozen=True)
class OfflineDecision:
    """``allowed`` plus a reason code (``ok``, ``disabled``, ``checkout_off``,
    ``bad_card``, ``limit``, ``renew``, ``pay``, ``account``) and the
    untranslated patron message; :meth:`text` translates and fills it."""

    allowed: bool
    reason: str
    message: str
    limit: int = 0
    left: int = 0

    def text(self, gettext: Callable[[str], str]) -> str:
        return gettext(self.message).format(limit=self.limit, left=self.left)


@dataclass(frozen=True)
class OfflinePolicy:
    enabled: bool = True
    allow_checkout: bool = True
    max_items: int = 5
    loan_days: int = 14
    rules: BarcodeRules = BarcodeRules()

    @classmethod
    def from_config(cls, config: Config) -> "OfflinePolicy":
        section = config.offline
        return cls(enabled=section.enabled, allow_checkout=section.allow_checkout, max_items=section.max_items,
                   loan_days=section.loan_days, rules=BarcodeRules.from_config(config))

    def may_return(self) -> OfflineDecision:
        if not self.enabled:
            return OfflineDecision(False, "disabled", MSG_OFFLINE_DISABLED)
        return OfflineDecision(True, "ok", MSG_OFFLINE_RETURN)

    def may_borrow(self, patron_id: str, already: int = 0) -> OfflineDecision:
        """May ``patron_id`` borrow one more item offline, having ``already``
        borrowed that many during this outage?"""
        if not self.enabled:
            return OfflineDecision(False, "disabled", MSG_OFFLINE_DISABLED)
        if not self.allow_checkout or self.max_items <= 0:
            return OfflineDecision(False, "checkout_off", MSG_OFFLINE_BORROW_OFF)
        if not self.rules.is_valid(patron_id or "", "patron"):
            return OfflineDecision(False, "bad_card", MSG_OFFLINE_BAD_CARD)
        left = self.max_items - already
        if left <= 0:
            return OfflineDecision(False, "limit", MSG_OFFLINE_LIMIT, self.max_items, 0)
        return OfflineDecision(True, "ok", MSG_OFFLINE_ALLOWED, self.max_items, left)

    def may(self, action: str) -> OfflineDecision:
        """Renewals, payments and the account are never offered offline."""
        reasons = {"renew": MSG_OFFLINE_NO_RENEW, "renew_all": MSG_OFFLINE_NO_RENEW,
                   "pay": MSG_OFFLINE_NO_PAY, "account": MSG_OFFLINE_NO_ACCOUNT}
        if action in reasons:
            return OfflineDecision(False, "renew" if action.startswith("renew") else action, reasons[action])
        if action == "return":
            return self.may_return()
        raise ValueError(f"unknown offline action {action!r}")

    def due_date(self, today: date | None = None) -> date:
        return (today or datetime.now().date()) + timedelta(days=self.loan_days)


@dataclass(frozen=True)
class OfflineLoan:
    entry_id: int
    due_date: date


class OfflineDesk:
    """The offline counter the engines use while the ILS is unreachable.

    Typical borrow::

        loan = desk.borrow(patron, item, {"uid": uid_hex, "security": "afi"}, session_id=sid)
        write on-loan security to the tag
        journal.record_outcome(loan.entry_id, Outcome.DONE)   # or UNDONE if it failed
        tell the patron: borrowed, due loan.due_date
    """

    def __init__(self, journal: Journal, policy: OfflinePolicy) -> None:
        self.journal = journal
        self.policy = policy

    @classmethod
    def from_config(cls, config: Config, journal: Journal) -> "OfflineDesk":
        return cls(journal, OfflinePolicy.from_config(config))

    def borrowed_offline(self, patron_id: str) -> int:
        """Items ``patron_id`` borrowed during this outage (still queued)."""
        return sum(1 for e in self.journal.pending_offline(patron_id=patron_id, kind=Kind.CHECKOUT)
                   if e.status.value not in ("undone", "failed", "refused"))

    def check_borrow(self, patron_id: str) -> OfflineDecision:
        """Before a borrow session starts: may this patron borrow, how many more?"""
        return self.policy.may_borrow(patron_id, self.borrowed_offline(patron_id))

    def borrow(self, patron_id: str, item_id: str, payload: Mapping[str, Any] | None = None, *,
               session_id: str = "", today: date | None = None, supersedes: int | None = None) -> OfflineLoan:
        """Queue an offline checkout (journal intent); raises :class:`OfflineRefused`.

        ``supersedes``: the online checkout entry this loan replaces (its reply
        was lost and the ILS could not be asked). That entry stays ``unknown``
        and is settled with this one when it is replayed
        (:mod:`kiosk.store.superseded`); if the policy refuses, it goes to staff.
        """
        decision = self.check_borrow(patron_id)
        if not decision.allowed:
            if supersedes is not None:
                self.journal.record_outcome(supersedes, Outcome.STAFF, "checkout outcome unknown, the ILS could "
                                            "not be asked and no offline loan could be taken: check the loan")
            raise OfflineRefused(decision)
        due = self.policy.due_date(today)
        data = dict(payload or {})
        data["due_date"] = due.isoformat()
        if supersedes is not None:
            data["supersedes"] = supersedes
        entry_id = self.journal.enqueue_offline(Kind.CHECKOUT, patron_id, item_id, data, session_id=session_id)
        if supersedes is not None:
            self.journal.record_outcome(supersedes, Outcome.UNKNOWN, f"outcome unknown and the ILS unreachable; "
                                        f"taken as offline loan {entry_id}, settled with it when it is replayed")
        log.info("offline checkout queued: entry %s item %s", entry_id, item_id)
        return OfflineLoan(entry_id, due)

    def accept_return(self, item_id: str, payload: Mapping[str, Any] | None = None, *,
                      patron_id: str = "", session_id: str = "") -> int:
        """Queue an offline checkin (journal intent); raises :class:`OfflineRefused`
        only when offline service is disabled altogether."""
        decision = self.policy.may_return()
        if not decision.allowed:
            raise OfflineRefused(decision)
        entry_id = self.journal.enqueue_offline(Kind.CHECKIN, patron_id, item_id, payload, session_id=session_id)
        log.info("offline checkin queued: entry %s item %s", entry_id, item_id)
        return entry_id

    def status(self) -> dict[str, int]:
        """Queue length and open conflicts, for the staff screen."""
        return self.journal.counts()


def nb_due_datetime(due: date) -> datetime:
    """The no-block due date sent on replay: the end of the promised day, local time."""
    return datetime.combine(due, time(23, 59, 59)).astimezone()

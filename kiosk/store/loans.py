"""Is the loan the ILS has now the one a queued offline return ended?

A return taken while the ILS was unreachable is replayed later, and the item
may have moved meanwhile: staff checked it in at the desk and lent it to
someone else. Checking in whatever loan the ILS shows would then discharge
the newer loan. SIP2 2.00 cannot name a loan, but it tells enough to refuse
to guess (item information 17/18: circulation status and due date; the
patron the item is charged to, from a vendor ``AA`` field or a patron
information 63 of the expected borrower; see :mod:`kiosk.store.reconcile`).

The loan is *provably* the one returned when either:

* **this kiosk lent it** (the journal holds the loan: a checkout before the
  return, no return in between; renewals followed) and the ILS's loan is
  charged to that patron with that due date; or
* **it is older than the return**: a loan falls due at least
  ``shortest_loan_days`` after it is made (0: on the day it is made at the
  earliest), so a loan due before ``return day + shortest_loan_days`` was made
  before the return, and an item has one loan at a time: the one the patron
  handed back. ``shortest_loan_days`` must not exceed the ILS's shortest loan
  period, renewals included (config ``offline.shortest_loan_days``).

An offline loan whose replay found the ILS lending the item already
(``Replay.ALREADY``) before this kiosk ever sent it (no replay attempt
journaled, no online attempt it replaced) was made by someone else: at the
desk after the offline return, say, to the same patron with the same due date
(found by the long chaos run). It proves nothing. Anything else is held as a conflict for staff with the reason
(:func:`doubt`). What SIP2 cannot tell apart: the same patron lent the same
item again here with the same due date; such a loan counts as the one returned.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta

from kiosk.store.entries import Entry, Kind, Outcome, Replay
from kiosk.store.reconcile import ItemTruth, LoanState

__all__ = ["KnownLoan", "due_day", "known_loan", "doubt", "unexplained_discharge", "unknown_loan_note"]

_SIP2_DAY = re.compile(r"^(\d{4})(\d{2})(\d{2})")          # YYYYMMDDZZZZHHMMSS
_ISO_DAY = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")
_RETURNS = frozenset({Outcome.DONE, Outcome.ILS_OK, Outcome.STAFF, Outcome.UNKNOWN, Outcome.INTENT})


@dataclass(frozen=True)
class KnownLoan:
    """A loan of the item as this kiosk's journal recorded it."""

    patron_id: str
    due: date | None
    entry_id: int
    made: bool = True    # False: an offline loan whose replay found the ILS lending the item already


def due_day(text: object) -> date | None:
    """The day of a due date as ILSs send it (SIP2 date text or ISO), else None."""
    value = str(text or "").strip()
    for pattern in (_SIP2_DAY, _ISO_DAY):
        match = pattern.match(value)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
    return None


def _lent(entry: Entry) -> bool:
    """Did ``entry`` (a checkout) leave a loan standing?"""
    if entry.offline:
        return entry.status is Outcome.DONE and entry.replay not in (Replay.CANCELLED, Replay.CONFLICT)
    return entry.status in (Outcome.DONE, Outcome.ILS_OK)


def _made_here(entry: Entry) -> bool:
    """Did this kiosk make the ILS's loan of offline checkout ``entry``? Not
    when its replay found the loan there before ever sending one (no attempt
    journaled, no online attempt it replaced): someone else made that loan."""
    return not (entry.offline and entry.replay is Replay.ALREADY and entry.replay_attempts == 0
                and not entry.payload.get("supersedes"))


def known_loan(history: list[Entry], returned: Entry) -> KnownLoan | None:
    """The loan ``returned`` (a checkin) ended, from the item's journal
    ``history`` (oldest first), or None when this kiosk did not lend it."""
    loan: KnownLoan | None = None
    for entry in history:
        if entry.id >= returned.id:
            break
        if entry.kind is Kind.CHECKOUT and _lent(entry):
            due = due_day(entry.payload.get("ils_due_date") or entry.payload.get("due_date"))
            loan = KnownLoan(entry.patron_id, due, entry.id, made=_made_here(entry))
        elif entry.kind is Kind.CHECKOUT and entry.offline and entry.status is Outcome.DONE:
            # Lent here offline, so it was in the library: an earlier loan had ended
            # (returned elsewhere, say at the bin), and this one never stood in the ILS.
            loan = None
        elif entry.kind is Kind.CHECKIN and entry.status in _RETURNS:
            loan = None
        elif entry.kind is Kind.RENEW and entry.status is Outcome.DONE and loan is not None \
                and entry.patron_id == loan.patron_id:
            loan = KnownLoan(loan.patron_id, due_day(entry.payload.get("due_date")), loan.entry_id, loan.made)
    return loan


def doubt(returned: Entry, known: KnownLoan | None, truth: ItemTruth, shortest_loan_days: int = 0) -> str:
    """Why the ILS's loan (``truth``, asked with ``known``'s patron) is not
    provably the one ``returned`` ended; "" when it is."""
    day = returned.created.astimezone().date()
    ils_due = due_day(truth.due_date)
    shown = f"due {ils_due.isoformat()}" if ils_due else "no due date given"
    if ils_due is not None and ils_due < day + timedelta(days=shortest_loan_days):
        return ""   # made before the return: the loan the patron handed back
    head = f"returned offline on {day.isoformat()}, but"
    tail = ("; not checked in: if the item is in the library and not lent again, check it in at the desk, "
            "else leave the loan as it is")
    if known is None:
        return (f"{head} the library system has it on loan ({shown}) and the kiosk cannot tell whether that is the "
                f"loan that was returned (the item was not lent at this kiosk){tail}")
    if truth.state is LoanState.CHARGED_TO_OTHER:
        return f"{head} the library system now has it on loan to another patron ({shown}): lent again since{tail}"
    if not known.made:
        return (f"{head} the library system has it on loan ({shown}) and the kiosk cannot tell whether that is the "
                f"loan that was returned: when the loan taken here offline (entry {known.entry_id}) was sent, the "
                f"library system was lending the item already (an earlier attempt, or a loan made elsewhere "
                f"meanwhile){tail}")
    if known.due is None or ils_due != known.due:
        lent = f"due {known.due.isoformat()}" if known.due else "with no due date recorded"
        return (f"{head} the loan in the library system ({shown}) is not the one lent here (entry {known.entry_id}, "
                f"{lent}): renewed or lent again since{tail}")
    return ""


def unexplained_discharge(history: list[Entry], returned: Entry) -> str:
    """A return queued offline finds the item not on loan: nothing to send. But
    if its tag read "on loan" when it came back and no earlier checkin here may
    have discharged it, the loan it came back from is unknown to the ILS, most
    likely one taken offline at another kiosk and still queued there, which will
    charge the item after this return. Staff must hear of it; "" when explained
    (a completed return here since the book last went out, or an attempt staff
    already have on their list). An attempt here whose answer was lost explains
    it only maybe: the note says so.
    """
    if not returned.payload.get("tag_on_loan"):
        return ""
    for entry in reversed([e for e in history if e.id < returned.id]):
        if entry.kind is Kind.CHECKOUT:
            break     # lent here again after any earlier return
        if entry.kind is not Kind.CHECKIN:
            continue
        if not entry.offline and entry.status is Outcome.STAFF:
            return ""  # staff have that attempt on their list already
        if not entry.offline and (entry.unfinished or entry.payload.get("outcome_unknown")
                                  or entry.payload.get("superseded_by") == returned.id):
            # An attempt here whose answer was lost may have ended the loan, or it may
            # never have reached the ILS and the loan is one still queued elsewhere
            # (found by the long chaos run): the kiosk cannot tell which.
            return unknown_loan_note(returned.created.astimezone().date(), offline=True, attempt=entry.id)
        if entry.status is Outcome.DONE:
            break     # an earlier return that was completed: the book went out again since
    return unknown_loan_note(returned.created.astimezone().date(), offline=True)


def unknown_loan_note(returned_on: date, *, offline: bool, attempt: int | None = None) -> str:
    """Staff's words for a book that came back with its tag "on loan" while the
    ILS had no loan for it (see :func:`unexplained_discharge`); ``attempt``: an
    earlier check-in here whose answer was lost, which may explain it."""
    how = "returned offline" if offline else "checked in"
    lost = (f"the check-in here whose answer was lost (entry {attempt}) may have ended the loan, or "
            if attempt is not None else "")
    return (f"{how} on {returned_on.isoformat()} with its tag on loan, but the library system had no loan for it: "
            f"{lost}a loan taken offline elsewhere (another kiosk) may still be queued and charge it after this "
            f"return; if the item shows on loan again, check it in")

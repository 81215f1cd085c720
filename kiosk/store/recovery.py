"""Start-up recovery: settle what the journal holds as unfinished.

The kiosk may die anywhere (power cut, SIGKILL, a crash) between the journal's
intent and its outcome. On start-up :class:`Recovery` takes each unfinished
entry (:meth:`Journal.unfinished`), asks the ILS what actually happened
(item information 17, and patron information 63 for whose loan it is; see
:mod:`kiosk.store.reconcile`) and looks for the tag on the pad (its AFI, from an
inventory). The loan on the ILS is the truth; the tag is made to match it:

* checkout charged to the patron: the tag is set on loan (the loan stands);
* checkout not charged: the tag is made sure to be secured (nothing happened);
* checkin no longer charged: the tag is secured;
* checkin still charged and the item on the pad: the return is completed
  (checkin with the original date), then the tag is secured;
* offline entries: the queued transaction stands if its tag shows the write
  happened or the item left the pad, else it is cancelled (the patron was
  never told "done").

Two kinds of entry are settled from the journal rather than from the item's
present state (:mod:`kiosk.store.superseded`): an entry whose item a later
entry carried on (read again after a restart, returned, lent anew), which
must neither be flagged nor acted on; and an online checkout whose reply was
lost and which an offline loan replaced, settled with that loan's replay.

What cannot be settled (the tag is not on the pad, the ILS says something
unexpected, a payment whose outcome is unknown) is flagged for staff with a
plain description; nothing is ever dropped. When the ILS cannot be reached,
online entries wait (stay unfinished) for the next run; offline entries are
settled from the tag alone.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass, field
from typing import Callable

from kiosk.drivers.rfid.base import RFIDReader
from kiosk.errors import KioskError, RemoteProtocolError, TransportError
from kiosk.sip2.api import ILSClient
from kiosk.store.journal import Entry, Journal, JournalError, Kind, Outcome, Replay
from kiosk.store.reconcile import ItemTruth, LoanState, item_truth
from kiosk.store.superseded import needs_truth, settle_replaced, taken_over
from kiosk.tags.security import SecurityPolicy

log = logging.getLogger(__name__)

__all__ = ["Recovery", "RecoveryReport", "Settlement"]


@dataclass(frozen=True)
class Settlement:
    entry_id: int
    kind: str
    item_id: str
    action: str      # settled | flagged | waiting
    detail: str


@dataclass
class RecoveryReport:
    settlements: list[Settlement] = field(default_factory=list)
    ils_reachable: bool = True
    pad_readable: bool = True

    def _of(self, action: str) -> list[Settlement]:
        return [s for s in self.settlements if s.action == action]

    @property
    def settled(self) -> list[Settlement]:
        return self._of("settled")

    @property
    def flagged(self) -> list[Settlement]:
        return self._of("flagged")

    @property
    def waiting(self) -> list[Settlement]:
        return self._of("waiting")

    def summary(self) -> str:
        return (f"{len(self.settled)} settled, {len(self.flagged)} flagged for staff, "
                f"{len(self.waiting)} waiting for the ILS")


class _Wait(Exception):
    """The ILS cannot answer now; leave the entry for the next run."""


class _Later(Exception):
    """Another step settles this entry (the replay of its offline successor)."""


class Recovery:
    """Settles unfinished journal entries. ``client`` is the ILS link (None
    when there is none yet), ``reader`` the pad's RFIDReader (None: no pad)."""

    def __init__(self, journal: Journal, client: ILSClient | None = None, reader: RFIDReader | None = None,
                 security: SecurityPolicy | None = None, *, min_age: float = 0.0,
                 clock: Callable[[], float] = time.time) -> None:
        self.journal = journal
        self.client = client
        self.reader = reader
        self.security = security or SecurityPolicy()
        self.min_age = min_age
        self._clock = clock
        self._tags: dict[str, int] = {}
        self._ils_down = ""
        self._marks: dict[int, dict[str, int]] = {}   # payload notes to record with an entry's outcome

    def run(self) -> RecoveryReport:
        """Settle every unfinished entry older than ``min_age`` seconds. Safe to
        run again: settled entries are no longer unfinished."""
        report = RecoveryReport()
        entries = [e for e in self.journal.unfinished()
                   if self._clock() - e.created.timestamp() >= self.min_age]
        if not entries:
            return report
        report.pad_readable = self._scan_pad()
        self._ils_down = ""
        for entry in entries:
            try:
                detail, outcome = self._settle(entry)
            except _Wait as exc:
                report.ils_reachable = False
                report.settlements.append(Settlement(entry.id, entry.kind, entry.item_id, "waiting", str(exc)))
                continue
            except _Later as exc:
                report.settlements.append(Settlement(entry.id, entry.kind, entry.item_id, "waiting", str(exc)))
                continue
            except JournalError:
                raise
            except KioskError as exc:  # one odd entry must not stop the others being settled
                log.exception("recovery of entry %s failed", entry.id)
                detail, outcome = f"recovery failed: {exc}", Outcome.STAFF
            mark = self._marks.pop(entry.id, None)
            if outcome is Outcome.STAFF:
                self.journal.record_outcome(entry.id, Outcome.STAFF, detail, payload_update=mark)
                action = "flagged"
            else:
                self.journal.record_outcome(entry.id, outcome, f"recovered: {detail}", payload_update=mark)
                action = "settled"
            report.settlements.append(Settlement(entry.id, entry.kind, entry.item_id, action, detail))
        log.warning("start-up recovery: %s", report.summary())
        for s in report.flagged:
            log.warning("needs staff: entry %s %s item %s: %s", s.entry_id, s.kind, s.item_id, s.detail)
        return report

    # -- the pad ------------------------------------------------------------------

    def _scan_pad(self) -> bool:
        self._tags = {}
        if self.reader is None:
            return False
        try:
            for _ in range(2):  # a second look catches a tag missed by a collision
                for tag in self.reader.inventory():
                    self._tags[tag.uid.hex().upper()] = tag.afi
            return True
        except KioskError as exc:
            log.warning("recovery: cannot read the pad: %s", exc)
            return False

    def _present(self, entry: Entry) -> tuple[list[str], list[str]]:
        uids = [u.upper() for u in entry.uids]
        return [u for u in uids if u in self._tags], [u for u in uids if u not in self._tags]

    def _write(self, uids: list[str], secured: bool) -> str:
        """Bring the tags to the wanted state; returns a problem or ""."""
        for uid in uids:
            need = self.security.needs_write(secured, self._tags.get(uid))
            assert self.reader is not None  # the tags in uids were seen on it
            try:
                if need.afi is not None:
                    self.reader.write_afi(bytes.fromhex(uid), need.afi)
                    self._tags[uid] = need.afi
                if need.eas is not None:
                    self.reader.set_eas(bytes.fromhex(uid), need.eas)
            except KioskError as exc:
                return f"could not write the security of tag {uid}: {exc}"
        return ""

    # -- the ILS ------------------------------------------------------------------

    def _truth(self, entry: Entry, with_patron: bool) -> ItemTruth:
        if self.client is None:
            raise _Wait("no connection to the ILS")
        if self._ils_down:
            raise _Wait(self._ils_down)  # do not wait out a connect timeout per entry
        try:
            return item_truth(self.client, entry.item_id, entry.patron_id if with_patron else "")
        except TransportError as exc:
            self._ils_down = f"ILS not answering: {exc}"
            raise _Wait(self._ils_down) from exc
        except RemoteProtocolError as exc:
            raise _Wait(f"unreadable answer from the ILS: {exc}") from exc

    # -- settling -----------------------------------------------------------------

    def _settle(self, entry: Entry) -> tuple[str, Outcome]:
        if entry.kind is Kind.CHECKOUT and not entry.offline:
            successor = self.journal.successor(entry.id)
            if successor is not None:
                return self._replaced(entry, successor)
        carried = taken_over(entry, self.journal.later_entries(entry))
        if carried is not None:
            outcome, detail, later = carried
            self._marks[entry.id] = {"superseded_by": later}   # the later entry's replay reads it
            return detail, outcome
        if entry.offline:
            return self._settle_offline(entry)
        if entry.kind is Kind.CHECKOUT:
            return self._checkout(entry)
        if entry.kind is Kind.CHECKIN:
            return self._checkin(entry)
        if entry.kind is Kind.FEE_PAID:
            amount = entry.payload.get("amount", "?")
            return (f"payment of {amount} may or may not have reached the ILS: check the patron's account "
                    f"and the payment terminal's records", Outcome.STAFF)
        return self._renew(entry)

    def _replaced(self, entry: Entry, successor: Entry) -> tuple[str, Outcome]:
        """A checkout whose reply was lost, replaced by an offline loan: the pair is
        settled together, never by writing the tag (see kiosk.store.superseded)."""
        if successor.replay is Replay.PENDING:
            raise _Later(f"settled with offline loan {successor.id} when that is replayed")
        truth = self._truth(entry, with_patron=True) if needs_truth(successor) else None
        outcome, detail = settle_replaced(entry, successor, truth)
        return detail, outcome

    def _checkout(self, entry: Entry) -> tuple[str, Outcome]:
        truth = self._truth(entry, with_patron=True)
        present, missing = self._present(entry)
        if truth.state is LoanState.UNKNOWN_ITEM:
            return "the ILS does not know this item; check the loan by hand", Outcome.STAFF
        if truth.state is LoanState.CHARGED_TO_PATRON:
            problem = self._write(present, secured=False)
            if problem:
                return f"loan confirmed by the ILS but {problem}", Outcome.STAFF
            if missing:
                return ("loan confirmed by the ILS but the item was not on the pad, so the kiosk cannot tell "
                        "whether its tag was set on loan before it left: it may set off the gate, or the patron may "
                        "not have taken it"), Outcome.STAFF
            return "loan confirmed by the ILS; tag set on loan", Outcome.DONE
        # Not charged to this patron: the loan did not happen (or was undone).
        problem = self._write(present, secured=True)
        if problem:
            return f"no loan in the ILS but {problem}", Outcome.STAFF
        if entry.status is Outcome.ILS_OK and missing:
            return ("the ILS accepted this loan earlier but shows none now, and the item is not on the pad: the "
                    "kiosk cannot tell whether its tag is still set on loan"), Outcome.STAFF
        return "the ILS has no such loan; tag secured", Outcome.FAILED

    def _checkin(self, entry: Entry) -> tuple[str, Outcome]:
        truth = self._truth(entry, with_patron=False)
        present, missing = self._present(entry)
        if truth.state is LoanState.UNKNOWN_ITEM:
            return "the ILS does not know this item; check the return by hand", Outcome.STAFF
        if not truth.charged:
            problem = self._write(present, secured=True)
            if problem:
                return f"return confirmed by the ILS but {problem}", Outcome.STAFF
            if missing:
                return ("return confirmed by the ILS but the item was not on the pad, so the kiosk cannot tell "
                        "whether its tag was secured before it left: check that it is"), Outcome.STAFF
            return "return confirmed by the ILS; tag secured", Outcome.DONE
        if not present:
            return ("the ILS still shows this item on loan and it is not on the pad: the kiosk cannot tell "
                    "whether the patron left it or took it back; if it is in the returns, check it in at the "
                    "desk"), Outcome.STAFF
        assert self.client is not None  # _truth waits for a link
        try:
            reply = self.client.checkin(entry.item_id, return_date=entry.created, no_block=True)
        except (TransportError, RemoteProtocolError) as exc:
            raise _Wait(f"ILS not answering: {exc}") from exc
        if not reply.ok:
            words = " / ".join(reply.screen_message or ()) or "refused"
            return f"completing the return failed: the ILS says {words}", Outcome.STAFF
        problem = self._write(present, secured=True)
        if problem:
            return f"return completed but {problem}", Outcome.STAFF
        if reply.alert:
            words = " / ".join(reply.screen_message or ())
            return (f"return completed; the ILS raised an alert ({words or reply.alert_type}): route the item "
                    f"by hand"), Outcome.STAFF
        return "return completed with the original date; tag secured", Outcome.DONE

    def _renew(self, entry: Entry) -> tuple[str, Outcome]:
        before = str(entry.payload.get("due_date_before", ""))
        if entry.kind is Kind.RENEW and before:
            truth = self._truth(entry, with_patron=False)
            if truth.due_date and truth.due_date != before:
                return f"renewal applied (due {truth.due_date})", Outcome.DONE
            if truth.due_date == before:
                return "renewal did not take effect", Outcome.FAILED
        return "renewal outcome unknown: check the patron's loans", Outcome.STAFF

    def _settle_offline(self, entry: Entry) -> tuple[str, Outcome]:
        present, missing = self._present(entry)
        if entry.kind is Kind.CHECKOUT:
            if not entry.uids:
                return "offline loan of an item without a tag; queued", Outcome.DONE
            if present and all(self.security.is_secured(self._tags[u]) is False for u in present) and not missing:
                return "offline loan; tag already on loan; queued", Outcome.DONE
            if present and not missing:
                problem = self._write(present, secured=True)
                if problem:
                    return f"offline loan not finished and {problem}", Outcome.STAFF
                return "offline loan never finished (patron not told); cancelled, tag secured", Outcome.UNDONE
            return ("offline loan not finished and the item left the pad: the loan stays queued for the ILS; "
                    "the kiosk cannot tell whether its tag was set on loan, so it may set off the gate"), Outcome.STAFF
        if entry.kind is Kind.CHECKIN:
            problem = self._write(present, secured=True)
            if problem:
                return f"offline return queued but {problem}", Outcome.STAFF
            if missing:
                return ("offline return queued; the item was not on the pad, so the kiosk cannot tell whether its "
                        "tag was secured before it left: check that it is"), Outcome.STAFF
            return "offline return queued; tag secured", Outcome.DONE
        return f"{entry.kind} is not allowed offline", Outcome.STAFF

"""Replay the offline queue to the ILS: in order, exactly once, nothing dropped.

Exactly once: before sending a queued transaction we ask the ILS what is
already true (:func:`kiosk.store.reconcile.item_truth`). A checkout whose item is
already charged to that patron, or a checkin whose item is no longer charged,
was applied before (for instance we crashed after the ILS answered but before
the journal recorded it) and is marked ``already`` instead of being sent
again. An attempt is journaled before each send; a send whose outcome is
unknown leaves the entry pending, and the next pass asks the ILS again.

A queued return is sent only for the loan it ended: the item may have been
checked in and lent again at the desk meanwhile, and checking in whatever loan
the ILS shows would discharge the newer one. When the ILS's loan is not
provably the one returned (:mod:`kiosk.store.loans`), the return is held as a
conflict for staff with the reason.

In order: entries go by journal id; the pass stops (entry still pending) when
the ILS cannot be reached, and waits when an earlier entry is still being
completed at the kiosk.

Nothing dropped: what the ILS refuses, or accepts with a problem (the item
was on hold for someone else, the patron turns out blocked, the item is
unknown, a returned item must go to the hold shelf or another branch), is
kept on the staff list (:meth:`Journal.conflicts`) with the ILS's own words.

An offline loan that replaced an online checkout whose reply was lost
(payload ``supersedes``) first settles that checkout from the ILS as it is
before anything is sent (:mod:`kiosk.store.superseded`): a loan the ILS has is
this one (``already``), unless this one was undone at the kiosk, and then
staff must know that the patron was told "not borrowed".

Checkouts replay with SIP2's no-block flag, the original transaction date and
the due date promised offline (3M SIP2 2.00, Checkout: "no block", "nb due
date"); checkins with the original return date.

The station should keep patrons in offline mode until a pass reports
``complete``, so a new online transaction never overtakes a queued one.
"""

from __future__ import annotations

import fcntl
import logging
import threading
import time
from dataclasses import dataclass, field
from datetime import date
from typing import Callable, Iterable, Literal, TextIO

from kiosk.errors import LocalProtocolError, RemoteProtocolError, TransportError
from kiosk.store.journal import Entry, Journal, Kind, Outcome, Replay
from kiosk.store.loans import doubt, known_loan, unexplained_discharge
from kiosk.store.offline import nb_due_datetime
from kiosk.store.reconcile import ItemTruth, LoanState, item_truth
from kiosk.store.recovery import Recovery
from kiosk.store.superseded import LOCAL_FAILURES as _LOCAL_FAILURES, settle_replaced
from kiosk.sip2 import messages as m
from kiosk.sip2.api import ILSClient

log = logging.getLogger(__name__)

__all__ = ["Replayer", "ReplayReport", "ReplayWorker"]

_HOLD_ALERTS = {"01": "on hold at this branch", "02": "on hold at another branch", "04": "in transit",
                "05": "in transit for a hold"}


@dataclass
class ReplayReport:
    replayed: int = 0
    already: int = 0
    conflicts: int = 0
    flagged: int = 0     # replayed, but staff must look (hold, blocked patron, routing)
    cancelled: int = 0
    remaining: int = 0
    stopped: str = ""    # why the pass ended early; "" when the queue is done
    details: list[str] = field(default_factory=list)

    @property
    def complete(self) -> bool:
        return not self.stopped and self.remaining == 0

    def summary(self) -> str:
        return (f"replayed {self.replayed}, already applied {self.already}, conflicts {self.conflicts}, "
                f"flagged {self.flagged}, cancelled {self.cancelled}, remaining {self.remaining}"
                + (f" (stopped: {self.stopped})" if self.stopped else ""))


class _Stop(Exception):
    """End the pass; the current entry stays pending."""


def _ils_words(messages: Iterable[str] | None) -> str:
    return " / ".join(str(x) for x in (messages or ()) if x)


class Replayer:
    """Replays ``journal``'s offline queue through ``client``."""

    def __init__(self, journal: Journal, client: ILSClient, *, settle_seconds: float = 120.0,
                 max_attempts: int = 5, shortest_loan_days: int = 0, clock: Callable[[], float] = time.time) -> None:
        self.journal = journal
        self.client = client
        self.shortest_loan_days = shortest_loan_days   # see kiosk.store.loans
        self.settle_seconds = settle_seconds
        self.max_attempts = max_attempts
        self._clock = clock
        self._busy = threading.Lock()
        self._patrons: dict[str, m.PatronStatusResponse] = {}

    def replay(self, limit: int | None = None, stop: threading.Event | None = None) -> ReplayReport:
        """One pass over the queue (at most ``limit`` entries). Never raises for
        ILS trouble: the report says why it stopped. Concurrent calls do not
        overlap: the second returns at once with ``stopped="busy"``."""
        report = ReplayReport()
        if not self._busy.acquire(blocking=False):
            report.stopped = "busy"
            return report
        lock_file = self._lock_other_processes()
        if lock_file is False:
            self._busy.release()
            report.stopped = "busy"
            return report
        self._patrons = {}  # patron status, asked once per patron per pass
        try:
            done = 0
            for entry in self.journal.pending_offline():
                if stop is not None and stop.is_set():
                    report.stopped = "stopped"
                    break
                if limit is not None and done >= limit:
                    report.stopped = "limit"
                    break
                try:
                    self._one(entry, report)
                except _Stop as exc:
                    report.stopped = str(exc)
                    break
                done += 1
            report.remaining = len(self.journal.pending_offline())
        finally:
            if lock_file is not None:
                lock_file.close()  # closing releases the flock
            self._busy.release()
        if report.replayed or report.conflicts or report.stopped not in ("", "busy"):
            log.info("offline replay: %s", report.summary())
        return report

    def _lock_other_processes(self) -> TextIO | None | Literal[False]:
        """An exclusive flock beside the journal, so the kiosk and a staff
        ``kiosk journal replay`` never replay the same queue at once. Returns
        the open lock file, None (no file journal), or False (held elsewhere)."""
        if self.journal.path == ":memory:":
            return None
        try:
            handle = open(self.journal.path + ".replay-lock", "a")
        except OSError as exc:
            log.warning("offline replay: no lock file (%s); replaying without it", exc)
            return None
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            return False
        return handle

    # -- one entry ----------------------------------------------------------------

    def _one(self, entry: Entry, report: ReplayReport) -> None:
        if entry.unfinished and self._clock() - entry.created.timestamp() < self.settle_seconds:
            raise _Stop(f"waiting for entry {entry.id} to finish at the kiosk")
        try:
            if entry.status in _LOCAL_FAILURES:
                self._settle_replaced(entry, None, report)
                self.journal.mark_replayed(entry.id, Replay.CANCELLED,
                                           f"not completed at the kiosk ({entry.status})")
                report.cancelled += 1
            elif entry.unfinished:
                self._settle_replaced(entry, None, report)
                self._conflict(entry, report, "the kiosk never finished this transaction; check the item and the "
                                              "patron's account")
            elif entry.kind is Kind.CHECKOUT:
                self._checkout(entry, report)
            elif entry.kind is Kind.CHECKIN:
                self._checkin(entry, report)
            else:
                self._conflict(entry, report, f"{entry.kind} is never allowed offline")
        except TransportError as exc:
            raise _Stop(f"ILS unreachable: {exc}") from exc
        except LocalProtocolError as exc:
            self._conflict(entry, report, f"cannot be sent to the ILS: {exc}")
        except RemoteProtocolError as exc:
            if entry.replay_attempts + 1 >= self.max_attempts:
                self._conflict(entry, report, f"the ILS's answers could not be read: {exc}")
            else:
                self.journal.mark_replay_attempt(entry.id)
                raise _Stop(f"unreadable answer from the ILS: {exc}") from exc

    def _settle_replaced(self, entry: Entry, truth: ItemTruth | None, report: ReplayReport) -> None:
        """``entry`` replaced an online checkout whose reply was lost: settle that one
        first, from the ILS as it is before ``entry`` is sent (see kiosk.store.superseded)."""
        replaced = entry.payload.get("supersedes")
        if entry.kind is not Kind.CHECKOUT or not isinstance(replaced, int):
            return
        online = self.journal.get(replaced)
        if not online.unfinished:
            return
        if truth is None:
            truth = item_truth(self.client, entry.item_id, entry.patron_id)
        outcome, detail = settle_replaced(online, entry, truth)
        self.journal.record_outcome(online.id, outcome, detail)
        if outcome is Outcome.STAFF:
            report.flagged += 1
            report.details.append(f"{online.id} {online.kind} {online.item_id}: {detail}")

    def _conflict(self, entry: Entry, report: ReplayReport, reason: str) -> None:
        self.journal.mark_replayed(entry.id, Replay.CONFLICT, reason)
        report.conflicts += 1
        report.details.append(f"{entry.id} {entry.kind} {entry.item_id}: {reason}")

    def _applied(self, entry: Entry, report: ReplayReport, result: Replay, detail: str,
                 notes: list[str], ils_due: str = "") -> None:
        self.journal.mark_replayed(entry.id, result, detail,
                                   payload_update={"ils_due_date": ils_due} if ils_due else None)
        if result is Replay.ALREADY:
            report.already += 1
        else:
            report.replayed += 1
        if notes:
            self.journal.flag_for_staff(entry.id, "; ".join(notes))
            report.flagged += 1
            report.details.append(f"{entry.id} {entry.kind} {entry.item_id}: {'; '.join(notes)}")

    def _checkout(self, entry: Entry, report: ReplayReport) -> None:
        truth = item_truth(self.client, entry.item_id, entry.patron_id)
        self._settle_replaced(entry, truth, report)
        if truth.state is LoanState.UNKNOWN_ITEM:
            return self._conflict(entry, report, "borrowed offline but the library system does not know this item"
                                  + (f": {_ils_words(truth.screen_message)}" if truth.screen_message else ""))
        if truth.state is LoanState.CHARGED_TO_PATRON:
            return self._applied(entry, report, Replay.ALREADY, "already on the patron's account", [],
                                 ils_due=truth.due_date)
        if truth.state is LoanState.CHARGED_TO_OTHER:
            if self._returned_later(entry):
                # Borrowed and brought back while offline: the patron has nothing to charge,
                # and the queued return that follows settles the other patron's loan.
                self.journal.mark_replayed(entry.id, Replay.CANCELLED, "borrowed and returned while offline; the "
                                           "library system has it on loan to another patron: not sent")
                report.cancelled += 1
                return None
            return self._conflict(entry, report, "borrowed offline but the library system has it on loan to "
                                  "another patron")
        notes = []
        if truth.held_for_someone:
            notes.append("borrowed offline while on hold for another patron")
        status = self._patrons.get(entry.patron_id)
        if status is None:
            status = self._patrons[entry.patron_id] = self.client.patron_status(entry.patron_id)
        if status.valid_patron is False:
            return self._conflict(entry, report, "borrowed offline with a card the library system does not know"
                                  + (f": {_ils_words(status.screen_message)}" if status.screen_message else ""))
        flags = status.patron_status
        if flags.charge_privileges_denied or flags.card_reported_lost:
            notes.append("patron is blocked in the library system"
                         + (f": {_ils_words(status.screen_message)}" if status.screen_message else ""))
        due_text = str(entry.payload.get("due_date", ""))
        due = nb_due_datetime(date.fromisoformat(due_text)) if due_text else None
        settings = self.client.settings
        request = m.CheckoutRequest(
            sc_renewal_policy=False, no_block=True, transaction_date=entry.created, nb_due_date=due,
            institution_id=settings.institution_id, patron_identifier=entry.patron_id,
            item_identifier=entry.item_id, terminal_password=settings.terminal_password)
        self.journal.mark_replay_attempt(entry.id)
        reply = self.client.request(request)
        assert isinstance(reply, m.CheckoutResponse)  # the client answers a 11 with a 12 or raises
        if not reply.ok:
            words = _ils_words(reply.screen_message) or "refused"
            return self._conflict(entry, report, "; ".join([f"the library system refused the offline loan: {words}"]
                                                           + notes))
        detail = f"charged, due {reply.due_date}" if reply.due_date else "charged"
        self._applied(entry, report, Replay.REPLAYED, detail, notes, ils_due=reply.due_date or "")

    def _returned_later(self, entry: Entry) -> bool:
        """Was the item of offline checkout ``entry`` returned here, offline, after it?"""
        return any(e.id > entry.id and e.kind is Kind.CHECKIN and e.offline and e.status is Outcome.DONE
                   for e in self.journal.later_entries(entry))

    def _checkin(self, entry: Entry, report: ReplayReport) -> None:
        history = self.journal.item_history(entry.item_id)
        known = known_loan(history, entry)
        truth = item_truth(self.client, entry.item_id, known.patron_id if known else "")
        if truth.state is LoanState.UNKNOWN_ITEM:
            return self._conflict(entry, report, "returned offline but the library system does not know this item")
        if not truth.charged:
            unknown_loan = unexplained_discharge(history, entry)
            return self._applied(entry, report, Replay.ALREADY, "not on loan in the library system",
                                 [unknown_loan] if unknown_loan else [])
        # The item may have moved since (checked in and lent again at the desk):
        # discharge only the loan that was handed back.
        reason = doubt(entry, known, truth, self.shortest_loan_days)
        if reason:
            return self._conflict(entry, report, reason)
        self.journal.mark_replay_attempt(entry.id)
        reply = self.client.checkin(entry.item_id, return_date=entry.created, no_block=True)
        if not reply.ok:
            words = _ils_words(reply.screen_message) or "refused"
            return self._conflict(entry, report, f"the library system refused the offline return: {words}")
        notes = []
        alert_type = str(reply.alert_type or "")
        if reply.alert or alert_type in _HOLD_ALERTS:
            what = _HOLD_ALERTS.get(alert_type, "needs attention")
            words = _ils_words(reply.screen_message)
            where = f", sort bin {reply.sort_bin}" if reply.sort_bin else ""
            notes.append(f"returned offline; the item is {what}{where}: fetch it from the returns"
                         + (f" ({words})" if words else ""))
        self._applied(entry, report, Replay.REPLAYED, "discharged", notes)


class ReplayWorker:
    """Replays in the background: every ``interval`` seconds while the ILS is
    reachable (``is_online()``), and at once on :meth:`trigger`. ``on_report``
    hears every pass that did something. All waits are bounded.

    ``recovery`` (a :class:`kiosk.store.recovery.Recovery` built with a ``min_age``
    of a few minutes, so transactions in progress are left alone) also
    settles, once the ILS answers again, the online entries that start-up
    recovery had to leave waiting while the ILS was down."""

    def __init__(self, replayer: Replayer, interval: float, is_online: Callable[[], bool],
                 on_report: Callable[[ReplayReport], None] | None = None,
                 recovery: Recovery | None = None) -> None:
        self.replayer = replayer
        self.interval = interval
        self.is_online = is_online
        self.on_report = on_report
        self.recovery = recovery
        self.last_report: ReplayReport | None = None
        self._wake = threading.Event()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="offline-replay", daemon=True)
            self._thread.start()

    def trigger(self) -> None:
        self._wake.set()

    def stop(self, timeout: float = 5.0) -> None:
        self._halt.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def _run(self) -> None:
        while not self._halt.is_set():
            self._wake.wait(self.interval)
            self._wake.clear()
            if self._halt.is_set():
                break
            try:
                if not self.is_online():
                    continue
                if self.recovery is not None and any(not e.offline for e in self.replayer.journal.unfinished()):
                    self.recovery.run()
                if not self.replayer.journal.pending_offline():
                    continue
                report = self.replayer.replay(stop=self._halt)
            except Exception:  # the worker must outlive any one bad pass
                log.exception("offline replay pass failed")
                continue
            self.last_report = report
            if self.on_report is not None:
                self.on_report(report)

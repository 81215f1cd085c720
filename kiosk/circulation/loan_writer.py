"""Steps 3-4 of a loan (see :mod:`kiosk.circulation.borrow`): after the ILS
said yes, journal ``ils_ok``, switch every tag of the item to "on loan",
journal ``done`` and tell the patron.

:class:`LoanWriter` does this on two threads of its own: the *writer* switches
tags while the borrow engine's worker already sends the next checkout, and the
*recorder* journals ``done`` (an fsync) and reports the item while the writer
switches the next tag. Each item's own steps stay in order because one thread
does each step for every item, in queue order.

A failed security write never leaves a loan without a switched tag: per
``circulation.security_failure`` the loan is undone (checkin 09, tag stays
secured) or kept and flagged for staff with the patron told to see them.
While writes are queued or under way, :attr:`LoanWriter.busy` says so: the
pad watcher holds its inventories back then, so security writes go first.
"""

from __future__ import annotations

import logging
import queue
import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.circulation.candidates import Candidate
from kiosk.circulation.context import M, Context, due_display
from kiosk.circulation.session import Patron
from kiosk.drivers.rfid.base import uid_hex
from kiosk.errors import RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import ItemResult, ItemStatus
from kiosk.i18n import Translator
from kiosk.store.journal import Outcome
from kiosk.store.reconcile import checked_in_after_all

log = logging.getLogger("kiosk.circulation.borrow")

__all__ = ["BorrowJob", "Emit", "PendingWrite", "LoanWriter", "report_item", "loan_message"]

Emit = Callable[[ItemResult], None]


@dataclass
class BorrowJob:
    """One patron's borrowing: who, in which language, where results go."""

    patron: Patron
    tr: Translator
    session_id: str
    emit: Emit


def report_item(job: BorrowJob, cand: Candidate, status: ItemStatus, message: str, *, title: str = "",
                due: str = "", ils: tuple[str, ...] = (), entry: int | None = None, offline: bool = False,
                secured: bool | None = None, warning: str = "") -> None:
    """Tell the patron (through ``job.emit``) what happened to ``cand``."""
    job.emit(ItemResult(
        item_id=cand.item_id, action="borrow", status=status, message=message, title=title, due_date=due,
        due_display=due_display(due, job.tr), ils_message=ils, secured=secured, offline=offline,
        uids=cand.uid_hex, entry_id=entry, warning=warning))


def loan_message(job: BorrowJob, status: ItemStatus, due: str, offline: bool) -> str:
    """The patron's words for a loan that stands, in the job's language."""
    shown = due_display(due, job.tr)
    if offline:
        return job.tr(M.BORROWED_OFFLINE).format(date=shown)
    if status is ItemStatus.RENEWED:
        return job.tr(M.RENEWED).format(date=shown)
    if status is ItemStatus.ALREADY_YOURS:
        return job.tr(M.ALREADY_YOURS).format(date=shown)
    return job.tr(M.BORROWED).format(date=shown) if shown else job.tr(M.BORROWED_NO_DATE)


@dataclass
class PendingWrite:
    """One item whose loan stands and whose tags are still to be switched."""

    job: BorrowJob
    cand: Candidate
    entry_id: int
    status: ItemStatus
    title: str = ""
    due: str = ""
    ils: tuple[str, ...] = ()
    offline: bool = False
    warning: str = ""
    detail: str = ""
    journal: bool = True       # False: already-yours items (no transaction to record)
    ils_ok_recorded: bool = False


class LoanWriter:
    """Switches tags of loans that stand; see the module docstring. Without
    :meth:`start` (tools, tests) every write happens inline in :meth:`queue`."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._writes: queue.Queue[PendingWrite] = queue.Queue()
        self._inflight = 0
        self._idle = threading.Condition()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._done: queue.Queue[PendingWrite] = queue.Queue()
        self._recorder_thread: threading.Thread | None = None

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._halt.clear()
            self._thread = threading.Thread(target=self._writer, name="borrow-writer", daemon=True)
            self._thread.start()
            self._recorder_thread = threading.Thread(target=self._recorder, name="borrow-recorder", daemon=True)
            self._recorder_thread.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.drain(timeout)
        self._halt.set()
        for thread in (self._thread, self._recorder_thread):
            if thread is not None:
                thread.join(timeout)
        self._thread = self._recorder_thread = None

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued security write has finished (bounded)."""
        with self._idle:
            return self._idle.wait_for(lambda: self._inflight == 0, timeout)

    @property
    def running(self) -> bool:
        return self._thread is not None

    @property
    def busy(self) -> bool:
        """Writes are queued or under way (the tags are the slow part now)."""
        return self._inflight > 0

    # -- the queue ------------------------------------------------------------------
    def queue(self, write: PendingWrite) -> None:
        with self._idle:
            self._inflight += 1
        if self._thread is None:       # not started (tools, tests): write inline
            self._do_write(write)
            return
        self._writes.put(write)

    # -- the writer thread ------------------------------------------------------------
    def _writer(self) -> None:
        while not self._halt.is_set():
            try:
                item = self._writes.get(timeout=0.1)
            except queue.Empty:
                continue
            self._do_write(item)

    def _do_write(self, w: PendingWrite) -> None:
        handed_off = False
        try:
            handed_off = self._write(w)
        except Exception as exc:  # the patron must still hear about the item; staff get the detail
            self._kiosk_error(w, exc)
        finally:
            if not handed_off:
                self._finished()

    def _finished(self) -> None:
        with self._idle:
            self._inflight -= 1
            self._idle.notify_all()

    def _kiosk_error(self, w: PendingWrite, exc: Exception) -> None:
        log.error("borrowing %s failed unexpectedly: %s", w.cand.item_id, exc, exc_info=exc)
        try:
            if w.journal:
                self.ctx.journal.record_outcome(w.entry_id, Outcome.STAFF, f"kiosk error: {exc}")
        finally:
            report_item(w.job, w.cand, ItemStatus.SEE_STAFF, w.job.tr(M.SECURITY_STAFF), entry=w.entry_id)

    def _recorder(self) -> None:
        """Journals "done" and tells the patron, while the writer already switches the
        next tag (a journal commit is an fsync; the tags need not wait for it)."""
        while not self._halt.is_set():
            try:
                w = self._done.get(timeout=0.1)
            except queue.Empty:
                continue
            try:
                self._record_done(w)
            except Exception as exc:
                self._kiosk_error(w, exc)
            finally:
                self._finished()

    def _record_done(self, w: PendingWrite) -> None:
        if w.journal:
            self.ctx.journal.record_outcome(w.entry_id, Outcome.DONE, w.detail, payload_update={"due_date": w.due})
        report_item(w.job, w.cand, w.status, loan_message(w.job, w.status, w.due, w.offline), title=w.title,
                    due=w.due, ils=w.ils, entry=w.entry_id, offline=w.offline, secured=False, warning=w.warning)

    def _write(self, w: PendingWrite) -> bool:
        """Steps 3-4 for one item; True when "done" was handed to the recorder thread."""
        ctx, job, cand = self.ctx, w.job, w.cand
        if w.journal and not w.offline and not w.ils_ok_recorded:
            ctx.journal.record_outcome(w.entry_id, Outcome.ILS_OK, w.detail, payload_update={"due_date": w.due})
        result = ctx.security.write(cand.uids, secured=False)
        if result.ok:
            if self._recorder_thread is not None:
                self._done.put(w)
                return True
            self._record_done(w)
            return False
        log.warning("security write failed for %s: %s", cand.item_id, result.detail)
        if result.written:  # part of a set was switched: put those back to secured
            ctx.security.write(tuple(u for u in cand.uids if uid_hex(u) in result.written), secured=True)
        detail = f"security write failed: {result.detail}"
        if not w.journal:
            report_item(job, cand, ItemStatus.SEE_STAFF, job.tr(M.SECURITY_STAFF), title=w.title, due=w.due,
                        entry=w.entry_id, secured=True)
            return False
        if w.offline:
            ctx.journal.record_outcome(w.entry_id, Outcome.UNDONE, detail + "; offline loan cancelled")
            report_item(job, cand, ItemStatus.REFUSED, job.tr(M.SECURITY_UNDONE), entry=w.entry_id, offline=True,
                        secured=True)
            return False
        undone = ctx.rules.security_failure == "undo" and w.status is ItemStatus.BORROWED and self._undo(cand)
        if undone:
            ctx.journal.record_outcome(w.entry_id, Outcome.UNDONE, detail + "; loan undone (checkin)")
            report_item(job, cand, ItemStatus.REFUSED, job.tr(M.SECURITY_UNDONE), title=w.title,
                        entry=w.entry_id, secured=True)
            return False
        kept = "the undo's answer was lost and the ILS could not be asked: check whether the loan stands" \
            if undone is None else "loan kept"
        ctx.journal.record_outcome(w.entry_id, Outcome.STAFF, f"{detail}; {kept}, patron sent to staff")
        report_item(job, cand, ItemStatus.SEE_STAFF, job.tr(M.SECURITY_STAFF), title=w.title, due=w.due,
                    entry=w.entry_id, secured=True)
        return False

    def _undo(self, cand: Candidate) -> bool | None:
        """Check the item back in after its tag could not be switched; None when
        its answer was lost and the ILS could not be asked whether it happened."""
        try:
            reply = self.ctx.client.checkin(cand.item_id)
        except TransportError as exc:  # includes UnknownOutcome: ask the ILS, else staff settle it
            log.warning("undo checkin of %s failed: %s", cand.item_id, exc)
            if not isinstance(exc, UnknownOutcome):
                self.ctx.go_offline(str(exc))
                return False
            return checked_in_after_all(self.ctx.client, cand.item_id)
        except RemoteProtocolError as exc:
            log.warning("undo checkin of %s: unreadable reply: %s", cand.item_id, exc)
            return checked_in_after_all(self.ctx.client, cand.item_id)
        return bool(reply.ok)

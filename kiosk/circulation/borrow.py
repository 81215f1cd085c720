"""Borrowing a stack: decode, group, check out one by one (SIP2 11), and only
after the ILS said yes switch each tag to "on loan".

Order of one item (never changed, whatever fails):

1. journal intent (committed before the request leaves);
2. checkout (11); the ILS's answer decides;
3. journal ``ils_ok``, then the security write (AFI on-loan / EAS reset),
   retried while the tag is on the pad;
4. journal ``done`` (or ``undone``/``staff``), then the patron hears about it.

A failed security write never leaves a loan without a switched tag: per
``circulation.security_failure`` the loan is undone (checkin 09, tag stays
secured) or kept and flagged for staff with the patron told to see them.
A checkout whose reply never came (:class:`UnknownOutcome`) is reconciled
with item information (17) before the patron is told anything.

Pipeline: steps 3-4 of item *n* run on the engine's writer thread while the
worker thread sends the checkout of item *n+1*, so tag I/O hides behind the
ILS's round trip (and when the tags are the slow part, the worker journals
``ils_ok`` itself so the writer only writes and records ``done``). The reader and the SIP2 client are both thread-safe; each
item's own steps stay in order because one thread does them.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from kiosk.circulation.context import M, Context, due_display, ils_words
from kiosk.drivers.rfid.base import uid_hex
from kiosk.errors import RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import ItemResult, ItemStatus
from kiosk.i18n import Translator
from kiosk.store.journal import Kind, Outcome
from kiosk.store.offline import OfflineRefused
from kiosk.store.reconcile import LoanState, item_truth
from kiosk.circulation.session import Patron
from kiosk.sip2.fields import CirculationStatus
from kiosk.tags import ItemTag, Unreadable, Usage

log = logging.getLogger(__name__)

__all__ = ["Candidate", "Rejected", "group_tags", "BorrowJob", "BorrowEngine"]

Emit = Callable[[ItemResult], None]


@dataclass(frozen=True)
class Candidate:
    """One item to borrow: all tags of a (multi-part) set, or a scanned barcode."""

    item_id: str
    uids: tuple[bytes, ...] = ()
    afis: tuple[int, ...] = ()
    parts: int = 1
    present: tuple[int, ...] = (1,)

    @property
    def complete(self) -> bool:
        return set(range(1, self.parts + 1)) <= set(self.present)

    @property
    def uid_hex(self) -> tuple[str, ...]:
        return tuple(uid_hex(u) for u in self.uids)


@dataclass(frozen=True)
class Rejected:
    """A tag that is not a borrowable item: why, as an ItemStatus and message."""

    key: str
    status: ItemStatus
    message: str
    uids: tuple[str, ...] = ()
    patron_card: str = ""      # a patron card's id (usage 8)


def group_tags(placed: Sequence[Any], isil: str = "") -> tuple[list[Candidate], list[Rejected]]:
    """Group :class:`TagPlaced` events into items (multi-part sets by their
    shared primary item id, ISO 28560-1 elements 3-4) and reject what is not
    a borrowable item tag. Order follows the pad's order."""
    sets: dict[str, list[tuple[bytes, int, ItemTag]]] = {}
    rejected: list[Rejected] = []
    for event in placed:
        uid, afi, data = event.tag.uid, event.tag.afi, event.data
        if isinstance(data, Unreadable) or not isinstance(data, ItemTag) or not data.primary_item_id:
            rejected.append(Rejected(uid_hex(uid), ItemStatus.UNREADABLE, M.UNREADABLE, (uid_hex(uid),)))
            continue
        if data.usage is Usage.PATRON_CARD:
            rejected.append(Rejected(uid_hex(uid), ItemStatus.REFUSED, M.PATRON_CARD, (uid_hex(uid),),
                                     patron_card=data.primary_item_id))
            continue
        if isil and data.owner_isil and data.owner_isil.upper() != isil.upper():
            rejected.append(Rejected(data.primary_item_id, ItemStatus.REFUSED, M.FOREIGN, (uid_hex(uid),)))
            continue
        if data.usage in (Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED):
            rejected.append(Rejected(data.primary_item_id, ItemStatus.REFUSED, M.NOT_CIRCULATING, (uid_hex(uid),)))
            continue
        sets.setdefault(data.primary_item_id, []).append((uid, afi, data))
    candidates = []
    for item_id, tags in sets.items():
        tags.sort(key=lambda t: t[2].part)
        parts = max(max(t[2].parts for t in tags), 1)
        candidates.append(Candidate(item_id, tuple(t[0] for t in tags), tuple(t[1] for t in tags), parts,
                                    tuple(sorted({t[2].part for t in tags}))))
    return candidates, rejected


@dataclass
class BorrowJob:
    """One patron's borrowing: who, in which language, where results go."""

    patron: Patron
    tr: Translator
    session_id: str
    emit: Emit


@dataclass
class _Write:
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


_HOLD, _RELEASE = object(), object()   # writer-queue markers: a stack starts / ends


class BorrowEngine:
    """Checks out candidates; see the module docstring."""

    #: Longest the writer keeps the pad watcher from polling while a stack is borrowed.
    max_hold = 10.0

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self._writes: queue.Queue[Any] = queue.Queue()
        self._inflight = 0
        self._idle = threading.Condition()
        self._halt = threading.Event()
        self._thread: threading.Thread | None = None
        self._done: queue.Queue[_Write] = queue.Queue()
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

    # -- borrowing --------------------------------------------------------------------
    def borrow(self, job: BorrowJob, candidates: Sequence[Candidate], wait: bool = True,
               fee_acknowledged: bool = False) -> None:
        """Check out ``candidates`` in order; results go to ``job.emit``.
        ``fee_acknowledged``: the patron accepted the items' rental charge."""
        for cand in candidates:  # the whole stack shows at once; each line fills in as it is known
            if cand.complete or self.ctx.rules.multipart == "warn":
                self._emit(job, cand, ItemStatus.PENDING, "", secured=True if cand.uids else None)
        hold = self._thread is not None and any(c.uids for c in candidates)
        if hold:
            self._writes.put(_HOLD)
        try:
            for cand in candidates:
                if not cand.complete:
                    policy = self.ctx.rules.multipart
                    if policy == "refuse":
                        self._final(job, cand, ItemStatus.INCOMPLETE,
                                    job.tr(M.SET_INCOMPLETE).format(parts=cand.parts))
                        continue
                    if policy == "desk":
                        self._final(job, cand, ItemStatus.REFUSED, job.tr(M.SET_DESK).format(parts=cand.parts))
                        continue
                self.borrow_one(job, cand, fee_acknowledged=fee_acknowledged)
        finally:
            if hold:
                self._writes.put(_RELEASE)
        if wait:
            self.drain()

    def borrow_one(self, job: BorrowJob, cand: Candidate, retried: bool = False,
                   fee_acknowledged: bool = False) -> None:
        # A patron identified offline (no PIN checked) stays on the offline path for the
        # whole session, even if the ILS comes back meanwhile.
        if self.ctx.is_offline() or job.patron.offline:
            return self._offline(job, cand)
        ctx, patron = self.ctx, job.patron
        payload = {"uids": list(cand.uid_hex), "security": ctx.policy.mode.value,
                   "source": "rfid" if cand.uids else "barcode", "parts": cand.parts,
                   "fee_acknowledged": fee_acknowledged}
        entry = ctx.journal.record_intent(Kind.CHECKOUT, patron.patron_id, cand.item_id, payload,
                                          session_id=job.session_id)
        try:
            reply = ctx.client.checkout(patron.patron_id, cand.item_id, pin=patron.pin or None,
                                        renewal_ok=ctx.rules.renew_own_items, fee_acknowledged=fee_acknowledged)
        except UnknownOutcome as exc:
            ctx.journal.record_outcome(entry, Outcome.UNKNOWN, f"no reply to checkout: {exc}")
            return self._reconcile(job, cand, entry, retried, fee_acknowledged)
        except TransportError as exc:
            ctx.journal.record_outcome(entry, Outcome.FAILED, f"ILS unreachable: {exc}")
            ctx.go_offline(str(exc))
            return self._offline(job, cand)
        except RemoteProtocolError as exc:
            ctx.journal.record_outcome(entry, Outcome.UNKNOWN, f"unreadable reply to checkout: {exc}")
            return self._reconcile(job, cand, entry, retried, fee_acknowledged)
        if reply.ok:
            status = ItemStatus.RENEWED if reply.renewal_ok else ItemStatus.BORROWED
            return self._loaned(job, cand, entry, status, reply.title_identifier, reply.due_date,
                                ils_words(reply.screen_message), desensitize=reply.desensitize,
                                magnetic=reply.magnetic_media)
        if reply.fee_amount and not fee_acknowledged:
            return self._fee(job, cand, entry, reply)
        self._refused(job, cand, entry, reply)

    # -- outcomes ---------------------------------------------------------------------
    def _loaned(self, job: BorrowJob, cand: Candidate, entry: int, status: ItemStatus, title: str, due: str,
                ils: tuple[str, ...], *, desensitize: bool | None = None, magnetic: bool | None = None,
                offline: bool = False, detail: str = "") -> None:
        warning = "" if cand.complete else job.tr(M.SET_WARNING).format(present=len(cand.present),
                                                                          parts=cand.parts)
        if cand.uids:
            write = _Write(job, cand, entry, status, title, due, ils, offline, warning, detail)
            if not offline and self._inflight:
                # The writer is behind (tag I/O is the slow part now): journal the ILS's yes
                # here, so the writer's turn is only the write and "done".
                self.ctx.journal.record_outcome(entry, Outcome.ILS_OK, detail, payload_update={"due_date": due})
                write.ils_ok_recorded = True
            self._queue(write)
            return
        # A barcode-only item: nothing to write; the ILS's flags say whether staff must unlock it.
        if not offline:
            self.ctx.journal.record_outcome(entry, Outcome.ILS_OK, detail, payload_update={"due_date": due})
        self.ctx.journal.record_outcome(entry, Outcome.DONE, "no tag", payload_update={"due_date": due})
        message = self._loan_message(job, status, due, offline)
        if magnetic:
            message = job.tr(M.SEE_STAFF_MAGNETIC)
        elif desensitize:
            message = job.tr(M.SEE_STAFF_DESENSITIZE)
        self._emit(job, cand, status, message, title=title, due=due, ils=ils, entry=entry, offline=offline,
                   warning=warning)

    def _loan_message(self, job: BorrowJob, status: ItemStatus, due: str, offline: bool) -> str:
        shown = due_display(due, job.tr)
        if offline:
            return job.tr(M.BORROWED_OFFLINE).format(date=shown)
        if status is ItemStatus.RENEWED:
            return job.tr(M.RENEWED).format(date=shown)
        if status is ItemStatus.ALREADY_YOURS:
            return job.tr(M.ALREADY_YOURS).format(date=shown)
        return job.tr(M.BORROWED).format(date=shown) if shown else job.tr(M.BORROWED_NO_DATE)

    def _refused(self, job: BorrowJob, cand: Candidate, entry: int, reply: Any) -> None:
        ctx = self.ctx
        words = ils_words(reply.screen_message)
        ctx.journal.record_outcome(entry, Outcome.REFUSED, " / ".join(words) or "refused")
        message = job.tr(M.REFUSED)
        try:
            truth = item_truth(ctx.client, cand.item_id, job.patron.patron_id)
        except TransportError as exc:
            ctx.go_offline(str(exc))
            truth = None
        except RemoteProtocolError:
            truth = None
        if truth is not None:
            if truth.state is LoanState.CHARGED_TO_PATRON:
                # Already theirs (renewal refused or not offered): the loan stands, so the
                # tag must read "on loan" too.
                due = reply.due_date or truth.due_date
                title = reply.title_identifier or truth.title
                if cand.uids:
                    self._queue(_Write(job, cand, entry, ItemStatus.ALREADY_YOURS, title, due, words,
                                       journal=False))
                else:
                    self._emit(job, cand, ItemStatus.ALREADY_YOURS,
                               self._loan_message(job, ItemStatus.ALREADY_YOURS, due, False),
                               title=title, due=due, ils=words, entry=entry)
                return
            if truth.held_for_someone:
                message = job.tr(M.REFUSED_HOLD)
            elif truth.state is LoanState.CHARGED_TO_OTHER:
                message = job.tr(M.REFUSED_OTHER_LOAN)
            elif truth.circulation_status == CirculationStatus.IN_TRANSIT:
                message = job.tr(M.REFUSED_TRANSIT)
        if not job.patron.can_borrow:
            message = job.tr(M.REFUSED_PATRON)
        self._emit(job, cand, ItemStatus.REFUSED, message, title=reply.title_identifier, ils=words,
                   entry=entry, secured=True if cand.uids else None)

    def _fee(self, job: BorrowJob, cand: Candidate, entry: int, reply: Any) -> None:
        """A rental charge: SIP2 checkout with "fee acknowledged" N is refused with the
        fee amount; the patron may accept it (Station.accept_fee) and borrow again."""
        words = ils_words(reply.screen_message)
        self.ctx.journal.record_outcome(entry, Outcome.REFUSED, f"fee {reply.fee_amount} not yet acknowledged")
        try:
            fee = job.tr.format_money(reply.fee_amount, reply.currency_type or self.ctx.rules.currency)
        except ValueError:
            fee = f"{reply.fee_amount} {reply.currency_type}".strip()
        job.emit(ItemResult(item_id=cand.item_id, action="borrow", status=ItemStatus.CONFIRM_FEE,
                            message=job.tr(M.FEE_CONFIRM).format(amount=fee), title=reply.title_identifier,
                            ils_message=words, secured=True if cand.uids else None, uids=cand.uid_hex,
                            entry_id=entry, fee=fee))

    def _reconcile(self, job: BorrowJob, cand: Candidate, entry: int, retried: bool,
                   fee_acknowledged: bool = False) -> None:
        """The checkout's reply never came: ask the ILS what is true first."""
        ctx = self.ctx
        try:
            truth = item_truth(ctx.client, cand.item_id, job.patron.patron_id)
        except (TransportError, RemoteProtocolError) as exc:
            if isinstance(exc, TransportError):
                ctx.go_offline(str(exc))
                if ctx.desk.check_borrow(job.patron.patron_id).allowed:
                    # Take it as an offline loan: the replay asks the ILS before sending,
                    # so a checkout that did happen is recognised and not sent twice.
                    ctx.journal.record_outcome(entry, Outcome.FAILED, f"outcome unknown and the ILS unreachable "
                                                                      f"({exc}); taken as an offline loan instead")
                    return self._offline(job, cand)
            ctx.journal.record_outcome(entry, Outcome.STAFF,
                                       f"checkout outcome unknown and the ILS could not be asked: {exc}")
            self._emit(job, cand, ItemStatus.SEE_STAFF, job.tr(M.UNCONFIRMED), entry=entry,
                       secured=True if cand.uids else None)
            return
        if truth.state is LoanState.CHARGED_TO_PATRON:
            log.info("checkout of %s: unknown outcome reconciled as charged", cand.item_id)
            return self._loaned(job, cand, entry, ItemStatus.BORROWED, truth.title, truth.due_date, (),
                                detail="reconciled with item information after an unknown outcome")
        ctx.journal.record_outcome(entry, Outcome.FAILED, f"not charged after an unknown outcome ({truth.state})")
        if not retried:
            return self.borrow_one(job, cand, retried=True, fee_acknowledged=fee_acknowledged)
        self._emit(job, cand, ItemStatus.REFUSED, job.tr(M.UNCONFIRMED), title=truth.title, entry=entry,
                   secured=True if cand.uids else None)

    def _offline(self, job: BorrowJob, cand: Candidate) -> None:
        ctx = self.ctx
        payload = {"uids": list(cand.uid_hex), "security": ctx.policy.mode.value,
                   "source": "rfid" if cand.uids else "barcode", "parts": cand.parts}
        try:
            loan = ctx.desk.borrow(job.patron.patron_id, cand.item_id, payload, session_id=job.session_id)
        except OfflineRefused as refused:
            self._emit(job, cand, ItemStatus.REFUSED, refused.decision.text(job.tr.gettext), offline=True,
                       secured=True if cand.uids else None)
            return
        self._loaned(job, cand, loan.entry_id, ItemStatus.BORROWED, "", loan.due_date.isoformat(), (),
                     offline=True)

    def _final(self, job: BorrowJob, cand: Candidate, status: ItemStatus, message: str) -> None:
        self._emit(job, cand, status, message, secured=True if cand.uids else None)

    # -- the writer thread ------------------------------------------------------------------
    def _queue(self, write: _Write) -> None:
        with self._idle:
            self._inflight += 1
        if self._thread is None:       # not started (tools, tests): write inline
            self._do_write(write)
            return
        self._writes.put(write)

    def _writer(self) -> None:
        lock: Any = None
        held_until = 0.0
        try:
            while not self._halt.is_set():
                try:
                    item = self._writes.get(timeout=0.1)
                except queue.Empty:
                    item = None
                if lock is not None and (item is _RELEASE or time.monotonic() > held_until):
                    lock.release()
                    lock = None
                if item is _HOLD and lock is None:
                    # Security writes go before pad polls while a stack is borrowed: one
                    # inventory of a full stack takes ~90 ms of air time, more than the ILS
                    # takes to answer a checkout. Held at most max_hold seconds.
                    lock = getattr(self.ctx.security.reader, "lock", None)
                    if lock is not None and not lock.acquire(timeout=self.max_hold):
                        lock = None
                    held_until = time.monotonic() + self.max_hold
                elif isinstance(item, _Write):
                    self._do_write(item)
        finally:
            if lock is not None:
                lock.release()

    def _do_write(self, w: _Write) -> None:
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

    def _kiosk_error(self, w: _Write, exc: Exception) -> None:
        log.error("borrowing %s failed unexpectedly: %s", w.cand.item_id, exc, exc_info=exc)
        try:
            if w.journal:
                self.ctx.journal.record_outcome(w.entry_id, Outcome.STAFF, f"kiosk error: {exc}")
        finally:
            self._emit(w.job, w.cand, ItemStatus.SEE_STAFF, w.job.tr(M.SECURITY_STAFF), entry=w.entry_id)

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

    def _record_done(self, w: _Write) -> None:
        if w.journal:
            self.ctx.journal.record_outcome(w.entry_id, Outcome.DONE, w.detail, payload_update={"due_date": w.due})
        self._emit(w.job, w.cand, w.status, self._loan_message(w.job, w.status, w.due, w.offline), title=w.title,
                   due=w.due, ils=w.ils, entry=w.entry_id, offline=w.offline, secured=False, warning=w.warning)

    def _write(self, w: _Write) -> bool:
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
            self._emit(job, cand, ItemStatus.SEE_STAFF, job.tr(M.SECURITY_STAFF), title=w.title, due=w.due,
                       entry=w.entry_id, secured=True)
            return False
        if w.offline:
            ctx.journal.record_outcome(w.entry_id, Outcome.UNDONE, detail + "; offline loan cancelled")
            self._emit(job, cand, ItemStatus.REFUSED, job.tr(M.SECURITY_UNDONE), entry=w.entry_id, offline=True,
                       secured=True)
            return False
        if ctx.rules.security_failure == "undo" and w.status is ItemStatus.BORROWED and self._undo(cand):
            ctx.journal.record_outcome(w.entry_id, Outcome.UNDONE, detail + "; loan undone (checkin)")
            self._emit(job, cand, ItemStatus.REFUSED, job.tr(M.SECURITY_UNDONE), title=w.title,
                       entry=w.entry_id, secured=True)
            return False
        ctx.journal.record_outcome(w.entry_id, Outcome.STAFF, detail + "; loan kept, patron sent to staff")
        self._emit(job, cand, ItemStatus.SEE_STAFF, job.tr(M.SECURITY_STAFF), title=w.title, due=w.due,
                   entry=w.entry_id, secured=True)
        return False

    def _undo(self, cand: Candidate) -> bool:
        """Check the item back in after its tag could not be switched."""
        try:
            reply = self.ctx.client.checkin(cand.item_id)
        except TransportError as exc:  # includes UnknownOutcome: staff settle it
            log.warning("undo checkin of %s failed: %s", cand.item_id, exc)
            if not isinstance(exc, UnknownOutcome):
                self.ctx.go_offline(str(exc))
            return False
        except RemoteProtocolError as exc:
            log.warning("undo checkin of %s: unreadable reply: %s", cand.item_id, exc)
            return False
        return bool(reply.ok)

    def _emit(self, job: BorrowJob, cand: Candidate, status: ItemStatus, message: str, *, title: str = "",
              due: str = "", ils: tuple[str, ...] = (), entry: int | None = None, offline: bool = False,
              secured: bool | None = None, warning: str = "") -> None:
        job.emit(ItemResult(
            item_id=cand.item_id, action="borrow", status=status, message=message, title=title, due_date=due,
            due_display=due_display(due, job.tr), ils_message=ils, secured=secured, offline=offline,
            uids=cand.uid_hex, entry_id=entry, warning=warning))


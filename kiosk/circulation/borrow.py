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

Pipeline: steps 3-4 of item *n* run on the :class:`~kiosk.circulation.loan_writer.LoanWriter`'s
threads while the worker thread sends the checkout of item *n+1*, so tag I/O
hides behind the ILS's round trip (and when the tags are the slow part, the
worker journals ``ils_ok`` itself so the writer only writes and records
``done``). The reader and the ILS client are both thread-safe; each item's own
steps stay in order because one thread does them. A station may hand items
over one by one as the pad reads them (``borrow(..., wait=False)``), so the
checkout of the first book overlaps the reading of the rest; :meth:`BorrowEngine.busy`
tells the pad watcher to hold its inventories back meanwhile.

What to borrow (tags grouped into items) is :mod:`kiosk.circulation.candidates`.
"""

from __future__ import annotations

import logging
from typing import Sequence

from kiosk.circulation.candidates import Candidate, Rejected, group_tags
from kiosk.circulation.context import M, Context, ils_words
from kiosk.circulation.loan_writer import BorrowJob, Emit, LoanWriter, PendingWrite, loan_message, report_item
from kiosk.errors import RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import ItemResult, ItemStatus
from kiosk.sip2 import messages as m
from kiosk.sip2.codes import CirculationStatus
from kiosk.store.journal import Kind, Outcome
from kiosk.store.offline import OfflineRefused
from kiosk.store.reconcile import LoanState, item_truth

log = logging.getLogger(__name__)

# Candidate, Rejected, group_tags and BorrowJob live beside the engine and are
# imported from here as they always were.
__all__ = ["Candidate", "Rejected", "group_tags", "BorrowJob", "BorrowEngine", "Emit"]


class BorrowEngine:
    """Checks out candidates; see the module docstring."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.writer = LoanWriter(ctx)
        self._borrowing = 0        # borrow() calls under way (the station's worker thread)

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> None:
        self.writer.start()

    def stop(self, timeout: float = 5.0) -> None:
        self.writer.stop(timeout)

    def drain(self, timeout: float = 30.0) -> bool:
        """Wait until every queued security write has finished (bounded)."""
        return self.writer.drain(timeout)

    def busy(self) -> bool:
        """Checkouts or security writes are under way: the pad watcher's cue
        to hold inventories back (a write must not queue behind ~90 ms of one)."""
        return self._borrowing > 0 or self.writer.busy

    # -- borrowing --------------------------------------------------------------------
    def borrow(self, job: BorrowJob, candidates: Sequence[Candidate], wait: bool = True,
               fee_acknowledged: bool = False) -> None:
        """Check out ``candidates`` in order; results go to ``job.emit``.
        ``fee_acknowledged``: the patron accepted the items' rental charge."""
        for cand in candidates:  # the whole stack shows at once; each line fills in as it is known
            if cand.complete or self.ctx.rules.multipart == "warn":
                report_item(job, cand, ItemStatus.PENDING, "", secured=True if cand.uids else None)
        self._borrowing += 1
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
            self._borrowing -= 1
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
            write = PendingWrite(job, cand, entry, status, title, due, ils, offline, warning, detail)
            if not offline and self.writer.busy:
                # The writer is behind (tag I/O is the slow part now): journal the ILS's yes
                # here, so the writer's turn is only the write and "done".
                self.ctx.journal.record_outcome(entry, Outcome.ILS_OK, detail, payload_update={"due_date": due})
                write.ils_ok_recorded = True
            self.writer.queue(write)
            return
        # A barcode-only item: nothing to write; the ILS's flags say whether staff must unlock it.
        if not offline:
            self.ctx.journal.record_outcome(entry, Outcome.ILS_OK, detail, payload_update={"due_date": due})
        self.ctx.journal.record_outcome(entry, Outcome.DONE, "no tag", payload_update={"due_date": due})
        message = loan_message(job, status, due, offline)
        if magnetic:
            message = job.tr(M.SEE_STAFF_MAGNETIC)
        elif desensitize:
            message = job.tr(M.SEE_STAFF_DESENSITIZE)
        report_item(job, cand, status, message, title=title, due=due, ils=ils, entry=entry, offline=offline,
                   warning=warning)

    def _refused(self, job: BorrowJob, cand: Candidate, entry: int, reply: m.CheckoutResponse) -> None:
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
                    self.writer.queue(PendingWrite(job, cand, entry, ItemStatus.ALREADY_YOURS, title, due, words,
                                                   journal=False))
                else:
                    report_item(job, cand, ItemStatus.ALREADY_YOURS,
                               loan_message(job, ItemStatus.ALREADY_YOURS, due, False),
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
        report_item(job, cand, ItemStatus.REFUSED, message, title=reply.title_identifier, ils=words,
                   entry=entry, secured=True if cand.uids else None)

    def _fee(self, job: BorrowJob, cand: Candidate, entry: int, reply: m.CheckoutResponse) -> None:
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
                    # so a checkout that did happen is recognised and not sent twice; the
                    # online entry stays unknown and is settled with it (store.superseded).
                    return self._offline(job, cand, supersedes=entry)
            ctx.journal.record_outcome(entry, Outcome.STAFF,
                                       f"checkout outcome unknown and the ILS could not be asked: {exc}")
            report_item(job, cand, ItemStatus.SEE_STAFF, job.tr(M.UNCONFIRMED), entry=entry,
                       secured=True if cand.uids else None)
            return
        if truth.state is LoanState.CHARGED_TO_PATRON:
            log.info("checkout of %s: unknown outcome reconciled as charged", cand.item_id)
            return self._loaned(job, cand, entry, ItemStatus.BORROWED, truth.title, truth.due_date, (),
                                detail="reconciled with item information after an unknown outcome")
        ctx.journal.record_outcome(entry, Outcome.FAILED, f"not charged after an unknown outcome ({truth.state})")
        if not retried:
            return self.borrow_one(job, cand, retried=True, fee_acknowledged=fee_acknowledged)
        report_item(job, cand, ItemStatus.REFUSED, job.tr(M.UNCONFIRMED), title=truth.title, entry=entry,
                   secured=True if cand.uids else None)

    def _offline(self, job: BorrowJob, cand: Candidate, supersedes: int | None = None) -> None:
        ctx = self.ctx
        payload = {"uids": list(cand.uid_hex), "security": ctx.policy.mode.value,
                   "source": "rfid" if cand.uids else "barcode", "parts": cand.parts}
        try:
            loan = ctx.desk.borrow(job.patron.patron_id, cand.item_id, payload, session_id=job.session_id,
                                   supersedes=supersedes)
        except OfflineRefused as refused:
            report_item(job, cand, ItemStatus.REFUSED, refused.decision.text(job.tr.gettext), offline=True,
                       secured=True if cand.uids else None)
            return
        self._loaned(job, cand, loan.entry_id, ItemStatus.BORROWED, "", loan.due_date.isoformat(), (),
                     offline=True)

    def _final(self, job: BorrowJob, cand: Candidate, status: ItemStatus, message: str) -> None:
        report_item(job, cand, status, message, secured=True if cand.uids else None)

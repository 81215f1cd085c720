"""Returning: check in (SIP2 09), then secure the tag (AFI 0x07 / EAS set),
and turn the ILS's alerts into an instruction a patron or a sorter can follow.

:class:`ReturnProcessor` is shared by the kiosk (through the station) and the
after-hours return bin, which calls :meth:`ReturnProcessor.process` with an
item id and its tag UIDs and routes on the typed :class:`ReturnOutcome`.

Order, as for borrowing: journal intent, checkin, journal ``ils_ok``, security
write, journal ``done``. A refused checkin leaves the tag alone (the item is
still on loan). Offline, the return is queued (:class:`kiosk.store.offline.OfflineDesk`)
and the tag secured: the item is back in the building either way.

Alerts (3M SIP2 2.00 checkin response "alert", CL sort bin; Koha's CV alert
type: 01 hold here, 02 hold at another branch, 04 in transit, 05 transit for
a hold) map to :class:`kiosk.events.Instruction`.

An item on hold for another patron here is for staff to set aside: the patron
cannot reach the hold shelf, so they are told to leave it where this station
takes returns (``[circulation] return_place``: on the pad, in the return slot,
at the desk), and the journal entry says it is waiting to be set aside.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from typing import Any, Callable, Sequence

from kiosk.circulation.context import M, Context, ils_words
from kiosk.drivers.rfid.base import parse_uid, uid_hex
from kiosk.errors import RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import Instruction, ItemResult, ItemStatus
from kiosk.i18n import N_, Translator, translator
from kiosk.store.journal import Kind, Outcome
from kiosk.store.loans import unknown_loan_note
from kiosk.store.offline import OfflineRefused
from kiosk.store.reconcile import item_truth

log = logging.getLogger(__name__)

__all__ = ["PendingReturn", "ReturnOutcome", "ReturnProcessor", "instruction_for"]

_HOLD_HERE = {"01"}
_LEARN_FROM = 200   # recent journal entries that may show the ILS names borrowers
_ELSEWHERE = {"02", "04", "05"}


@dataclass(frozen=True)
class ReturnOutcome:
    """What happened to one returned item.

    ``accepted``: the item is back (checked in, or queued offline) and the
    patron may leave it. ``secured``: the tag now alarms the gates (None when
    there was no tag). ``instruction``/``sort_bin``/``alert_type`` say where
    it goes. ``message`` is for the patron (in ``lang``); ``detail`` is for
    staff and logs.
    """

    item_id: str
    accepted: bool
    checked_in: bool
    offline: bool
    secured: bool | None
    instruction: Instruction
    message: str
    title: str = ""
    sort_bin: str = ""
    alert: bool = False
    alert_type: str = ""
    permanent_location: str = ""
    media_type: str = ""
    magnetic_media: bool | None = None
    ils_message: tuple[str, ...] = ()         # the ILS's words safe to show the patron
    entry_id: int | None = None
    detail: str = ""
    uids: tuple[str, ...] = ()
    staff_message: tuple[str, ...] = ()       # alert texts for staff only (may name another patron)

    def as_item_result(self) -> ItemResult:
        if self.accepted:
            status = ItemStatus.RETURNED if self.secured is not False else ItemStatus.SEE_STAFF
        else:
            status = ItemStatus.SEE_STAFF if self.checked_in else ItemStatus.REFUSED
        return ItemResult(item_id=self.item_id, action="return", status=status, message=self.message,
                          title=self.title, ils_message=self.ils_message, instruction=self.instruction,
                          sort_bin=self.sort_bin, alert_type=self.alert_type, secured=self.secured,
                          offline=self.offline, uids=self.uids, entry_id=self.entry_id)


@dataclass(frozen=True)
class PendingReturn:
    """A return checked in (or queued, or settled) whose tag security write,
    if any, is still to come: :meth:`complete` does it and gives the outcome."""

    done: ReturnOutcome | None = None
    write: Callable[[], ReturnOutcome] | None = None

    def complete(self) -> ReturnOutcome:
        if self.done is not None:
            return self.done
        assert self.write is not None
        return self.write()


def instruction_for(alert: bool, alert_type: str, sort_bin: str) -> Instruction:
    """Where a checked-in item goes, from the ILS's alert, alert type and CL."""
    if alert_type in _HOLD_HERE:
        return Instruction.HOLD_SHELF
    if alert_type in _ELSEWHERE:
        return Instruction.TRANSIT
    if sort_bin:
        return Instruction.SORT_BIN
    if alert:
        return Instruction.DESK
    return Instruction.NONE


_MESSAGES = {
    Instruction.NONE: M.RETURNED, Instruction.TRANSIT: M.RETURN_TRANSIT,
    Instruction.SORT_BIN: M.RETURN_SORT_BIN, Instruction.DESK: M.RETURN_DESK,
}
#: An item on hold for another patron, by where this station takes returns (``[circulation] return_place``).
RETURN_HOLD = {
    "pad": N_("Returned. Another patron has reserved this item: please leave it on the pad, "
              "and staff will set it aside for them."),
    "slot": N_("Returned. Another patron has reserved this item: please put it in the return slot, "
               "and staff will set it aside for them."),
    "desk": N_("Returned. Another patron has reserved this item: please leave it at the desk, "
               "and staff will set it aside for them."),
}
#: The journal's word to staff (never names the patron the hold is for).
HOLD_NOTE = "on hold for another patron here: staff to set it aside for the hold shelf"


class ReturnProcessor:
    """Returns one item at a time; thread-safe (the SIP2 client, journal and
    reader are). ``ctx`` is the station's :class:`kiosk.circulation.context.Context`.

    :meth:`process` does a whole return. :meth:`check_in` does the first half
    (journal, checkin, reconciliation) and hands back a :class:`PendingReturn`
    whose :meth:`~PendingReturn.complete` writes the tag security: the return
    bin secures one item while the ILS answers the next. Either way the journal
    order per item is the same (``ils_ok`` before the write, ``done`` after).
    ``afis`` (the tags' AFI as last seen) are never used to skip a write (an AFI
    seen before a loan is stale after it), only to know a tag that left before
    its write (see :meth:`SecurityWriter.write`); a return queued offline keeps whether
    a tag read "on loan" (payload ``tag_on_loan``, see :mod:`kiosk.store.loans`).
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        # Learned (and kept in the journal, so a restart remembers): this ILS names the
        # patron whose loan a checkin ended (3M SIP2 2.00, Checkin Response AA); then a
        # reply without one says there was no loan.
        self._ils_names_borrower = False

    def process(self, item_id: str, uids: Sequence[bytes | str] = (), *, afis: Sequence[int] = (),
                patron_id: str = "", session_id: str = "", lang: str = "en") -> ReturnOutcome:
        """Check in ``item_id`` and secure its tags (``uids``: bytes or hex)."""
        return self.check_in(item_id, uids, afis=afis, patron_id=patron_id, session_id=session_id,
                             lang=lang).complete()

    def check_in(self, item_id: str, uids: Sequence[bytes | str] = (), *, afis: Sequence[int] = (),
                 patron_id: str = "", session_id: str = "", lang: str = "en") -> PendingReturn:
        """Journal and check in ``item_id``; the security write waits for ``complete()``."""
        tags = tuple(parse_uid(u) for u in uids)
        r = _Return(item_id, tags, patron_id, session_id, translator(lang), self._lent_when_seen(tags, afis),
                    tuple(afis) if len(afis) == len(tags) else ())
        if self.ctx.is_offline():
            return self._offline(r)
        payload = {"uids": [uid_hex(u) for u in tags], "security": self.ctx.policy.mode.value}
        entry = self.ctx.journal.record_intent(Kind.CHECKIN, patron_id, item_id, payload, session_id=session_id)
        return self._send(r, entry, retried=False)

    def _lent_when_seen(self, tags: tuple[bytes, ...], afis: Sequence[int]) -> bool | None:
        """Did a tag read "on loan" when the item came back? (None: not known.)
        Kept with an offline return: see :mod:`kiosk.store.loans`."""
        if not tags or len(afis) != len(tags):
            return None
        return any(self.ctx.policy.is_secured(afi) is False for afi in afis)

    def _send(self, r: _Return, entry: int, *, retried: bool) -> PendingReturn:
        """Send the checkin journaled as ``entry`` (a second time when ``retried``) and act on the reply."""
        journal = self.ctx.journal
        try:
            reply = self.ctx.client.checkin(r.item_id)
        except UnknownOutcome as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"no reply to checkin: {exc}")
            return self._reconcile(r, entry, retried)
        except TransportError as exc:
            journal.record_outcome(entry, Outcome.FAILED, f"ILS unreachable: {exc}")
            self.ctx.go_offline(str(exc))
            return self._offline(r)
        except RemoteProtocolError as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"unreadable reply to checkin: {exc}")
            return self._reconcile(r, entry, retried)
        words = ils_words(reply.screen_message)
        if not reply.ok:
            journal.record_outcome(entry, Outcome.REFUSED, " / ".join(words) or "refused")
            return PendingReturn(done=ReturnOutcome(
                r.item_id, False, False, False, None, Instruction.DESK, r.tr(M.RETURN_REFUSED),
                title=reply.title_identifier, ils_message=words, entry_id=entry,
                detail="checkin refused: " + (" / ".join(words) or "no reason given"), uids=r.uids))
        instruction = instruction_for(bool(reply.alert), reply.alert_type or "", reply.sort_bin or "")
        staff_words: tuple[str, ...] = ()
        if reply.alert or instruction in (Instruction.HOLD_SHELF, Instruction.TRANSIT):
            # Alert texts are staff instructions and may name the patron a hold is for
            # ("Hold for <name>"): never on the returning patron's screen or receipt.
            words, staff_words = (), words
        alert_note = (f"alert {reply.alert_type or reply.alert}: " + " / ".join(staff_words)) if staff_words \
            else "no alert"
        named = bool(reply.patron_identifier)
        journal.record_outcome(entry, Outcome.ILS_OK, alert_note, payload_update={"borrower_named": named})
        self._no_loan_check(r, entry, named)
        return self._secure(r, entry, instruction, offline=False, title=reply.title_identifier,
                            sort_bin=reply.sort_bin or "", alert=bool(reply.alert), alert_type=reply.alert_type or "",
                            permanent_location=reply.permanent_location or "", media_type=reply.media_type or "",
                            magnetic_media=reply.magnetic_media, ils_message=words, staff_message=staff_words)

    def _no_loan_check(self, r: _Return, entry: int, named: bool) -> None:
        """A book whose tag read "on loan" checked in where the ILS had no loan for it:
        a loan queued offline at another kiosk may charge it after this return."""
        if named:
            self._ils_names_borrower = True
        elif r.lent_when_seen and self._names_borrower():
            self.ctx.journal.flag_for_staff(entry, unknown_loan_note(date.today(), offline=False))

    def _names_borrower(self) -> bool:
        if not self._ils_names_borrower:
            self._ils_names_borrower = any(e.kind is Kind.CHECKIN and e.payload.get("borrower_named")
                                           for e in self.ctx.journal.recent(_LEARN_FROM))
        return self._ils_names_borrower

    # -- paths ----------------------------------------------------------------------
    def _secure(self, r: _Return, entry: int, instruction: Instruction, *, offline: bool,
                **facts: Any) -> PendingReturn:
        def write() -> ReturnOutcome:
            return self._secure_now(r, entry, instruction, offline=offline, **facts)
        return PendingReturn(write=write)

    def _secure_now(self, r: _Return, entry: int, instruction: Instruction, *, offline: bool,
                    **facts: Any) -> ReturnOutcome:
        journal, tr, item_id = self.ctx.journal, r.tr, r.item_id
        message = self._message(instruction, facts.get("sort_bin", ""), offline, tr, facts.get("alert", False))
        hold = HOLD_NOTE if instruction is Instruction.HOLD_SHELF else ""
        if not r.tags:
            journal.record_outcome(entry, Outcome.DONE, "; ".join(filter(None, ("no tag", hold))))
            return ReturnOutcome(item_id, True, not offline, offline, None, instruction, message,
                                 entry_id=entry, uids=r.uids, **facts)
        result = self.ctx.security.write(r.tags, secured=True, afis=r.afis)
        if result.ok:
            journal.record_outcome(entry, Outcome.DONE, "; ".join(filter(None, ("secured", hold))))
            return ReturnOutcome(item_id, True, not offline, offline, True, instruction, message,
                                 entry_id=entry, uids=r.uids, **facts)
        # Checked in but the gates would not notice it leaving: staff must re-secure it.
        detail = "; ".join(filter(None, (f"returned but not secured: {result.detail}", hold)))
        journal.record_outcome(entry, Outcome.STAFF, detail)
        return ReturnOutcome(item_id, True, not offline, offline, False, Instruction.DESK, tr(M.RETURN_NOT_SECURED),
                             entry_id=entry, detail=detail, uids=r.uids, **facts)

    def _message(self, instruction: Instruction, sort_bin: str, offline: bool, tr: Translator,
                 alert: bool = False) -> str:
        if offline:
            return tr(M.RETURNED_OFFLINE)
        if instruction is Instruction.SORT_BIN and not alert:
            # A routine CL is for the sorter and staff; the patron just leaves it.
            return tr(M.RETURNED)
        if instruction is Instruction.HOLD_SHELF:
            return tr(RETURN_HOLD[self.ctx.rules.return_place])
        return tr(_MESSAGES[instruction]).format(bin=sort_bin)

    def _offline(self, r: _Return) -> PendingReturn:
        payload: dict[str, Any] = {"uids": list(r.uids), "security": self.ctx.policy.mode.value}
        if r.lent_when_seen is not None:
            payload["tag_on_loan"] = r.lent_when_seen
        try:
            entry = self.ctx.desk.accept_return(r.item_id, payload, patron_id=r.patron_id, session_id=r.session_id)
        except OfflineRefused as refused:
            return PendingReturn(done=ReturnOutcome(
                r.item_id, False, False, True, None, Instruction.KEEP, refused.decision.text(r.tr.gettext),
                detail="offline service disabled", uids=r.uids))
        return self._secure(r, entry, Instruction.NONE, offline=True)

    def _reconcile(self, r: _Return, entry: int, retried: bool) -> PendingReturn:
        """The checkin's reply never came: is the item still on loan?"""
        journal = self.ctx.journal
        try:
            truth = item_truth(self.ctx.client, r.item_id)
        except (TransportError, RemoteProtocolError) as exc:
            if isinstance(exc, TransportError):
                self.ctx.go_offline(str(exc))
            # A checkin is safe to repeat: queue it; the replay asks the ILS first. The mark
            # says this attempt may have discharged the loan (kiosk.store.loans).
            journal.record_outcome(entry, Outcome.FAILED, f"outcome unknown, ILS unreachable ({exc}); "
                                                          "queued for offline replay",
                                   payload_update={"outcome_unknown": True})
            return self._offline(r)
        if not truth.charged:
            journal.record_outcome(entry, Outcome.ILS_OK, "reconciled: no longer on loan")
            if r.lent_when_seen:
                # The tag read "on loan": this checkin may have ended the loan, or the ILS had
                # none, the loan being one still queued offline at another kiosk, which will
                # charge the book after this return (found by the long chaos run). Say both.
                journal.flag_for_staff(entry, unknown_loan_note(date.today(), offline=False, attempt=entry))
            return self._secure(r, entry, Instruction.NONE, offline=False, title=truth.title)
        if not retried:
            # Still on loan, so the checkin never took effect (a dropped connection):
            # sending it again cannot return anything twice. The entry stays unfinished
            # until the second answer, so a crash here is settled by recovery.
            log.info("checkin of %s: still on loan after an unknown outcome; sending it again", r.item_id)
            journal.record_outcome(entry, Outcome.UNKNOWN, "still on loan after an unknown outcome; sent again")
            return self._send(r, entry, retried=True)
        reason = ("the return could not be confirmed: the item is still on loan after two attempts whose answers "
                  "were lost; check it in at the desk")
        journal.record_outcome(entry, Outcome.STAFF, reason)
        return PendingReturn(done=ReturnOutcome(
            r.item_id, False, False, False, None, Instruction.DESK, r.tr(M.RETURN_UNCONFIRMED), title=truth.title,
            entry_id=entry, detail=reason, uids=r.uids))


@dataclass(frozen=True)
class _Return:
    """One return in progress: what every step of it needs."""

    item_id: str
    tags: tuple[bytes, ...]
    patron_id: str
    session_id: str
    tr: Translator
    lent_when_seen: bool | None    # a tag read "on loan" when the item came back (None: not known)
    afis: tuple[int, ...] = ()     # each tag's AFI as read when it came back (see SecurityWriter.write)

    @property
    def uids(self) -> tuple[str, ...]:
        return tuple(uid_hex(u) for u in self.tags)

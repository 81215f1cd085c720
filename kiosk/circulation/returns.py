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
from typing import Any, Callable, Sequence

from kiosk.circulation.context import M, Context, ils_words
from kiosk.drivers.rfid.base import parse_uid, uid_hex
from kiosk.errors import RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import Instruction, ItemResult, ItemStatus
from kiosk.i18n import N_, Translator, translator
from kiosk.store.journal import Kind, Outcome
from kiosk.store.offline import OfflineRefused
from kiosk.store.reconcile import item_truth

log = logging.getLogger(__name__)

__all__ = ["PendingReturn", "ReturnOutcome", "ReturnProcessor", "instruction_for"]

_HOLD_HERE = {"01"}
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
    ``afis`` (the tags' AFI as last seen) are accepted for callers' convenience
    but never used to skip a write: an AFI seen before a loan is stale after it.
    """

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx

    def process(self, item_id: str, uids: Sequence[bytes | str] = (), *, afis: Sequence[int] = (),
                patron_id: str = "", session_id: str = "", lang: str = "en") -> ReturnOutcome:
        """Check in ``item_id`` and secure its tags (``uids``: bytes or hex)."""
        return self.check_in(item_id, uids, afis=afis, patron_id=patron_id, session_id=session_id,
                             lang=lang).complete()

    def check_in(self, item_id: str, uids: Sequence[bytes | str] = (), *, afis: Sequence[int] = (),
                 patron_id: str = "", session_id: str = "", lang: str = "en") -> PendingReturn:
        """Journal and check in ``item_id``; the security write waits for ``complete()``."""
        tags = tuple(parse_uid(u) for u in uids)
        tr = translator(lang)
        if self.ctx.is_offline():
            return self._offline(item_id, tags, patron_id, session_id, tr)
        payload = {"uids": [uid_hex(u) for u in tags], "security": self.ctx.policy.mode.value}
        journal = self.ctx.journal
        entry = journal.record_intent(Kind.CHECKIN, patron_id, item_id, payload, session_id=session_id)
        try:
            reply = self.ctx.client.checkin(item_id)
        except UnknownOutcome as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"no reply to checkin: {exc}")
            return self._reconcile(item_id, tags, entry, patron_id, session_id, tr)
        except TransportError as exc:
            journal.record_outcome(entry, Outcome.FAILED, f"ILS unreachable: {exc}")
            self.ctx.go_offline(str(exc))
            return self._offline(item_id, tags, patron_id, session_id, tr)
        except RemoteProtocolError as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"unreadable reply to checkin: {exc}")
            return self._reconcile(item_id, tags, entry, patron_id, session_id, tr)
        words = ils_words(reply.screen_message)
        if not reply.ok:
            journal.record_outcome(entry, Outcome.REFUSED, " / ".join(words) or "refused")
            return PendingReturn(done=ReturnOutcome(
                item_id, False, False, False, None, Instruction.DESK, tr(M.RETURN_REFUSED),
                title=reply.title_identifier, ils_message=words, entry_id=entry,
                detail="checkin refused: " + (" / ".join(words) or "no reason given"),
                uids=tuple(uid_hex(u) for u in tags)))
        instruction = instruction_for(bool(reply.alert), reply.alert_type or "", reply.sort_bin or "")
        staff_words: tuple[str, ...] = ()
        if reply.alert or instruction in (Instruction.HOLD_SHELF, Instruction.TRANSIT):
            # Alert texts are staff instructions and may name the patron a hold is for
            # ("Hold for <name>"): never on the returning patron's screen or receipt.
            words, staff_words = (), words
        alert_note = (f"alert {reply.alert_type or reply.alert}: " + " / ".join(staff_words)) if staff_words \
            else "no alert"
        journal.record_outcome(entry, Outcome.ILS_OK, alert_note)
        return self._secure(item_id, tags, entry, instruction, tr, offline=False, title=reply.title_identifier,
                            sort_bin=reply.sort_bin or "", alert=bool(reply.alert), alert_type=reply.alert_type or "",
                            permanent_location=reply.permanent_location or "", media_type=reply.media_type or "",
                            magnetic_media=reply.magnetic_media, ils_message=words, staff_message=staff_words)

    # -- paths ----------------------------------------------------------------------
    def _secure(self, item_id: str, tags: tuple[bytes, ...], entry: int, instruction: Instruction,
                tr: Translator, *, offline: bool, **facts: Any) -> PendingReturn:
        def write() -> ReturnOutcome:
            return self._secure_now(item_id, tags, entry, instruction, tr, offline=offline, **facts)
        return PendingReturn(write=write)

    def _secure_now(self, item_id: str, tags: tuple[bytes, ...], entry: int, instruction: Instruction,
                    tr: Translator, *, offline: bool, **facts: Any) -> ReturnOutcome:
        uids = tuple(uid_hex(u) for u in tags)
        journal = self.ctx.journal
        message = self._message(instruction, facts.get("sort_bin", ""), offline, tr, facts.get("alert", False))
        hold = HOLD_NOTE if instruction is Instruction.HOLD_SHELF else ""
        if not tags:
            journal.record_outcome(entry, Outcome.DONE, "; ".join(filter(None, ("no tag", hold))))
            return ReturnOutcome(item_id, True, not offline, offline, None, instruction, message,
                                 entry_id=entry, uids=uids, **facts)
        result = self.ctx.security.write(tags, secured=True)
        if result.ok:
            journal.record_outcome(entry, Outcome.DONE, "; ".join(filter(None, ("secured", hold))))
            return ReturnOutcome(item_id, True, not offline, offline, True, instruction, message,
                                 entry_id=entry, uids=uids, **facts)
        # Checked in but the gates would not notice it leaving: staff must re-secure it.
        detail = "; ".join(filter(None, (f"returned but not secured: {result.detail}", hold)))
        journal.record_outcome(entry, Outcome.STAFF, detail)
        return ReturnOutcome(item_id, True, not offline, offline, False, Instruction.DESK, tr(M.RETURN_NOT_SECURED),
                             entry_id=entry, detail=detail, uids=uids, **facts)

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

    def _offline(self, item_id: str, tags: tuple[bytes, ...], patron_id: str, session_id: str,
                 tr: Translator) -> PendingReturn:
        payload = {"uids": [uid_hex(u) for u in tags], "security": self.ctx.policy.mode.value}
        try:
            entry = self.ctx.desk.accept_return(item_id, payload, patron_id=patron_id, session_id=session_id)
        except OfflineRefused as refused:
            return PendingReturn(done=ReturnOutcome(
                item_id, False, False, True, None, Instruction.KEEP, refused.decision.text(tr.gettext),
                detail="offline service disabled", uids=tuple(uid_hex(u) for u in tags)))
        return self._secure(item_id, tags, entry, Instruction.NONE, tr, offline=True)

    def _reconcile(self, item_id: str, tags: tuple[bytes, ...], entry: int, patron_id: str, session_id: str,
                   tr: Translator) -> PendingReturn:
        """The checkin's reply never came: is the item still on loan?"""
        journal = self.ctx.journal
        try:
            truth = item_truth(self.ctx.client, item_id)
        except (TransportError, RemoteProtocolError) as exc:
            if isinstance(exc, TransportError):
                self.ctx.go_offline(str(exc))
            # A checkin is safe to repeat: queue it; the replay asks the ILS first.
            journal.record_outcome(entry, Outcome.FAILED, f"outcome unknown, ILS unreachable ({exc}); "
                                                          "queued for offline replay")
            return self._offline(item_id, tags, patron_id, session_id, tr)
        if not truth.charged:
            journal.record_outcome(entry, Outcome.ILS_OK, "reconciled: no longer on loan")
            return self._secure(item_id, tags, entry, Instruction.NONE, tr, offline=False, title=truth.title)
        journal.record_outcome(entry, Outcome.FAILED, "reconciled: still on loan after an unknown outcome")
        return PendingReturn(done=ReturnOutcome(
            item_id, False, False, False, None, Instruction.DESK, tr(M.RETURN_UNCONFIRMED), title=truth.title,
            entry_id=entry, detail="checkin outcome unknown; still on loan", uids=tuple(uid_hex(u) for u in tags)))

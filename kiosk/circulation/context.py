"""What the borrow and return engines share: the station's circulation rules,
the context they run in, the tag security writer, and the patron messages.

* :class:`CirculationRules`: the ``[circulation]`` section plus the pad's
  security settings, as one typed value.
* :class:`Context`: the SIP2 client, journal, offline desk, security writer
  and the station's online/offline switch, handed to every engine.
* :class:`SecurityWriter`: writes "on loan" or "secured" (AFI 0xC2/0x07
  and/or the EAS bit, ISO 28560-1 clause 5) to every tag of an item,
  retrying while the tag is still on the pad.

The engines themselves live in :mod:`kiosk.circulation.borrow` and :mod:`kiosk.circulation.returns`;
the account side in :mod:`kiosk.circulation.account`.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from typing import Callable, Sequence

from kiosk.config import Config
from kiosk.drivers.rfid.base import RFIDReader, uid_hex
from kiosk.errors import DeviceError, TagError
from kiosk.i18n import N_, Translator, parse_due_date
from kiosk.store.journal import Journal
from kiosk.store.offline import OfflineDesk
from kiosk.sip2.api import ILSClient
from kiosk.tags.security import SecurityPolicy

log = logging.getLogger(__name__)

__all__ = ["CirculationRules", "Context", "SecurityWriter", "WriteResult", "ils_words", "due_display", "M"]


class M:
    """Patron-facing messages (translated with the session's translator)."""

    UNREADABLE = N_("We could not read this item's tag. Move it a little on the pad, or ask at the desk.")
    FOREIGN = N_("This item belongs to another library. Please hand it in at the desk.")
    NOT_CIRCULATING = N_("This item cannot be borrowed here. Please ask at the desk.")
    PATRON_CARD = N_("That is a library card, not a book. Please take it off the pad.")
    BORROWED = N_("Borrowed. Due {date}.")
    BORROWED_NO_DATE = N_("Borrowed.")
    BORROWED_OFFLINE = N_("Borrowed. The library system is offline, so this loan will be added to your account "
                          "later. Due {date}.")
    RENEWED = N_("You already had this item, so we renewed it. Due {date}.")
    ALREADY_YOURS = N_("This item is already on loan to you. You can keep it. Due {date}.")
    REFUSED = N_("Not borrowed. Please take this item to the desk if you need help.")
    REFUSED_HOLD = N_("Not borrowed: another patron has reserved this item. Please leave it at the desk.")
    REFUSED_OTHER_LOAN = N_("Not borrowed: our records show this item on loan to someone else. "
                            "Please take it to the desk.")
    REFUSED_TRANSIT = N_("Not borrowed: this item is on its way to another branch. Please leave it at the desk.")
    REFUSED_PATRON = N_("Not borrowed: your account does not allow borrowing right now. "
                        "You can still return items.")
    UNCONFIRMED = N_("We could not confirm this loan with the library system. Please take the item to the desk.")
    SECURITY_UNDONE = N_("This item could not be set for borrowing, so it has not been borrowed. "
                         "Keep items on the pad until they show as done, then try again.")
    SECURITY_STAFF = N_("This item is on your account, but its security tag could not be switched off. "
                        "Please show it at the desk before you leave.")
    SEE_STAFF_DESENSITIZE = N_("Borrowed. Please ask at the desk to unlock this item before you leave.")
    SEE_STAFF_MAGNETIC = N_("Borrowed. This item holds magnetic media: please ask at the desk to unlock it.")
    SET_INCOMPLETE = N_("This item has {parts} parts. Put all the parts on the pad together.")
    SET_DESK = N_("This item has {parts} parts and some are missing. Please take it to the desk.")
    SET_WARNING = N_("Only {present} of {parts} parts are on the pad. Please bring all parts back together.")
    FEE_CONFIRM = N_("This item has a rental charge of {amount}. Accept the charge to borrow it, "
                     "or leave it at the desk.")
    NOT_ALLOWED_BLOCKED = N_("You cannot borrow right now. You can still return items and see your account.")
    RETURNED = N_("Returned. Thank you.")
    RETURNED_OFFLINE = N_("Returned. The library system is offline; your return is recorded and will be sent "
                          "to it later.")
    RETURN_TRANSIT = N_("Returned. This item belongs at another branch: please leave it at the desk.")
    RETURN_SORT_BIN = N_("Returned. Please put this item in the bin marked {bin}.")
    RETURN_DESK = N_("Returned. Please leave this item at the desk.")
    RETURN_NOT_SECURED = N_("Returned, but its security tag could not be set. Please leave it at the desk.")
    RETURN_REFUSED = N_("Not returned. Please take this item to the desk.")
    RETURN_UNCONFIRMED = N_("We could not confirm this return. Please leave the item at the desk.")


@dataclass(frozen=True)
class CirculationRules:
    """``[circulation]`` plus what the engines need from ``[station]`` and the pad."""

    pin_policy: str = "required"
    pin_attempts: int = 3
    renew_own_items: bool = True
    security_failure: str = "undo"            # undo | staff
    multipart: str = "refuse"                 # refuse | warn | desk
    anonymous_return: bool = True
    barcode_items: bool = True
    write_retries: int = 3
    isil: str = ""
    currency: str = "USD"
    return_place: str = "pad"                 # pad | slot | desk: where a patron leaves a hold to set aside

    @classmethod
    def from_config(cls, cfg: Config) -> "CirculationRules":
        circ = cfg.circulation
        return cls(pin_policy=circ.pin_policy, pin_attempts=circ.pin_attempts, renew_own_items=circ.renew_own_items,
                   security_failure=circ.security_failure, multipart=circ.multipart,
                   anonymous_return=circ.anonymous_return, barcode_items=circ.barcode_items,
                   write_retries=cfg.devices.rfid.write_retries, isil=cfg.station.isil,
                   currency=cfg.station.currency or "USD", return_place=circ.return_place)


@dataclass(frozen=True)
class WriteResult:
    ok: bool
    written: tuple[str, ...] = ()             # hex UIDs now in the wanted state
    failed: tuple[str, ...] = ()
    detail: str = ""
    lifted: bool = False                      # a failed tag had left the pad


class SecurityWriter:
    """Writes tag security and retries while the tag is on the pad.

    A write that fails on a tag still in the field is retried up to
    ``retries`` times (ICODE tags often miss one write at the antenna edge);
    a tag that has left the field fails at once, because writing to the
    next patron's stack is not an option.
    """

    def __init__(self, reader: RFIDReader | None, policy: SecurityPolicy, retries: int = 3,
                 retry_delay: float = 0.02) -> None:
        self.reader = reader
        self.policy = policy
        self.retries = max(0, retries)
        self.retry_delay = retry_delay
        self._wrote: dict[bytes, None] = {}   # UIDs this writer has written (bounded, oldest dropped first)

    def write(self, uids: Sequence[bytes], secured: bool, afis: Sequence[int | None] = ()) -> WriteResult:
        """Bring every tag in ``uids`` to ``secured`` (True) or on loan (False).

        Every tag is written, whatever it showed when it was read: ``afis``
        (the AFI each tag showed when it was read, for callers that have them)
        may be stale, e.g. a tag seen secured, then borrowed and returned while
        still on the pad. They count only for a tag that left the field before
        its write and that this writer has never written: one that showed the
        wanted AFI then is in the wanted state (the return bin, restarted after
        securing a book, reads it once more in the chute; the book slides on
        before the second write). A tag this writer wrote may have changed
        since the read, by its hand or another's: it is not known."""
        reader = self.reader
        if reader is None:
            return WriteResult(False, failed=tuple(uid_hex(u) for u in uids), detail="no RFID reader")
        written: list[str] = []
        failed: list[str] = []
        details: list[str] = []
        lifted = False
        target = self.policy.target(secured)
        for index, uid in enumerate(uids):
            ok, detail, gone = self._write_one(reader, uid, secured)
            seen = afis[index] if index < len(afis) else None
            if not ok and gone and target.eas is None and target.afi is not None \
                    and uid not in self._wrote and seen == target.afi:
                ok, detail = True, ""   # it left already in the wanted state
                log.info("tag %s left the field before its write, already at AFI 0x%02X when read",
                         uid_hex(uid), target.afi)
            if ok:
                self._remember(uid)
            (written if ok else failed).append(uid_hex(uid))
            lifted = lifted or (gone and not ok)
            if detail:
                details.append(detail)
        return WriteResult(not failed, tuple(written), tuple(failed), "; ".join(details), lifted)

    def _remember(self, uid: bytes) -> None:
        self._wrote.pop(uid, None)
        self._wrote[uid] = None
        while len(self._wrote) > 4096:            # the oldest first (dicts keep insertion order)
            del self._wrote[next(iter(self._wrote))]

    def _write_one(self, reader: RFIDReader, uid: bytes, secured: bool) -> tuple[bool, str, bool]:
        target = self.policy.target(secured)
        last = ""
        for attempt in range(self.retries + 1):
            try:
                if target.afi is not None:
                    reader.write_afi(uid, target.afi)
                if target.eas is not None:
                    reader.set_eas(uid, target.eas)
                return True, "", False
            except TagError as exc:
                last = str(exc)
                if not self._present(reader, uid):
                    return False, f"{uid_hex(uid)} left the pad: {last}", True
            except DeviceError as exc:
                last = str(exc)
            if attempt < self.retries:
                time.sleep(self.retry_delay)
        return False, f"{uid_hex(uid)}: {last}", False

    @staticmethod
    def _present(reader: RFIDReader, uid: bytes) -> bool:
        try:
            return any(tag.uid == uid for tag in reader.inventory())
        except DeviceError:
            return True  # the reader itself failed; let the retries decide


@dataclass
class Context:
    """What every engine needs. ``client`` is the ILS link (the engines use
    only :class:`~kiosk.sip2.api.ILSClient`); ``go_offline(reason)`` switches
    the station offline (emits OfflineChanged); ``is_offline()`` tells the
    engines which path to take."""

    client: ILSClient
    journal: Journal
    desk: OfflineDesk
    rules: CirculationRules
    security: SecurityWriter
    policy: SecurityPolicy
    is_offline: Callable[[], bool] = lambda: False
    go_offline: Callable[[str], None] = lambda reason: None


def ils_words(messages: Sequence[str] | None) -> tuple[str, ...]:
    """The ILS's screen message lines, unchanged, without empties."""
    return tuple(str(line) for line in (messages or ()) if str(line).strip())


def due_display(due: str, tr: Translator) -> str:
    """The ILS's due date text formatted for the patron's language, or as sent
    when it cannot be parsed (ILSs use many formats)."""
    if not due:
        return ""
    parsed = parse_due_date(due)
    if parsed is None or isinstance(parsed, str):
        return due
    return tr.format_date(parsed)

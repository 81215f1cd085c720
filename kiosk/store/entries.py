"""What the journal holds: one :class:`Entry` per state-changing transaction,
its :class:`Kind`, its :class:`Outcome` (the lifecycle drawn in
:mod:`kiosk.store.journal`) and, for offline entries, its :class:`Replay`
state; and :class:`StoredReceipt`, a receipt kept for reprint.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from enum import StrEnum
from typing import Any, Mapping

from kiosk.errors import KioskError

__all__ = [
    "Kind", "Outcome", "Replay", "Entry", "StoredReceipt", "JournalError", "UNFINISHED", "FINISHED", "age",
]


class JournalError(KioskError):
    """The journal cannot be opened or written (disk full, corrupt file, bad path).

    The kiosk must not take transactions it cannot journal: the station goes
    out of service on this error rather than risk losing a loan.
    """


class Kind(StrEnum):
    """What a journal entry does on the ILS (the SIP2 message it sends)."""

    CHECKOUT = "checkout"   # 11
    CHECKIN = "checkin"     # 09
    RENEW = "renew"         # 29
    RENEW_ALL = "renew_all" # 65
    FEE_PAID = "fee_paid"   # 37


class Outcome(StrEnum):
    """The ``status`` of an entry; see the module docstring for the lifecycle."""

    INTENT = "intent"
    ILS_OK = "ils_ok"
    DONE = "done"
    REFUSED = "refused"
    UNDONE = "undone"
    UNKNOWN = "unknown"
    FAILED = "failed"
    STAFF = "staff"


UNFINISHED = frozenset({Outcome.INTENT, Outcome.ILS_OK, Outcome.UNKNOWN})
FINISHED = frozenset(Outcome) - UNFINISHED


class Replay(StrEnum):
    """Where an offline entry stands in the store-and-forward queue."""

    PENDING = "pending"
    REPLAYED = "replayed"
    ALREADY = "already"
    CONFLICT = "conflict"
    CANCELLED = "cancelled"



@dataclass(frozen=True)
class Entry:
    """One journal entry as stored. ``created`` is the transaction date (UTC),
    which an offline replay sends to the ILS as the original date."""

    id: int
    kind: Kind
    patron_id: str
    item_id: str
    payload: Mapping[str, Any]
    status: Outcome
    detail: str
    created: datetime
    updated: datetime
    session_id: str = ""
    offline: bool = False
    replay: Replay | None = None
    replay_detail: str = ""
    replay_attempts: int = 0
    staff_reason: str = ""
    resolved_at: datetime | None = None
    resolution: str = ""

    @property
    def unfinished(self) -> bool:
        return self.status in UNFINISHED

    @property
    def needs_staff(self) -> bool:
        """Flagged for staff and not yet resolved."""
        return bool(self.staff_reason) and self.resolved_at is None

    @property
    def uids(self) -> tuple[str, ...]:
        """Hex UIDs of the entry's tag(s) (payload ``uid`` / ``uids``)."""
        uids = self.payload.get("uids") or ([self.payload["uid"]] if self.payload.get("uid") else [])
        return tuple(str(u) for u in uids)


@dataclass(frozen=True)
class StoredReceipt:
    """A receipt kept for reprint: ``body`` is the receipt model as plain data
    (see :meth:`kiosk.receipts.model.Receipt.to_dict`)."""

    id: int
    created: datetime
    session_id: str
    body: Mapping[str, Any] = field(default_factory=dict)


def age(entry: Entry, now: datetime | None = None) -> timedelta:
    return (now or datetime.now(timezone.utc)) - entry.created

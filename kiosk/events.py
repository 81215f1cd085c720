"""What the circulation core tells its subscribers (the Kivy UI, the return
bin, the monitoring hooks), and the view models the staff and patron screens
render.

Every event and view is a frozen dataclass: plain data, safe to hand from the
station's worker thread to the UI thread. Patron-facing text in them
(``message`` fields) is already translated into the session's language;
text from the ILS (``ils_message``, titles) keeps the ILS's own words; in the
patron, account, renewal and payment views each ILS message is framed as a
quoted message from the library, and left out where the kiosk says the same.

Events are delivered to :meth:`kiosk.station.facade.Station.subscribe` callbacks
**on the station's worker threads**; the UI must re-schedule them onto its
own thread (``Clock.schedule_once``). A callback must not block.

Privacy: events carry a patron's display name and a *masked* patron id
(:func:`kiosk.logs.mask_patron_id`), never the full barcode, and never a PIN.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Union

__all__ = [
    "SessionState", "ItemStatus", "Instruction", "PatronView", "ItemResult", "SessionView",
    "LoanView", "HoldView", "FineView", "AccountView", "DeviceStatus", "SIP2Status", "OfflineStatus",
    "TransactionView", "SessionChanged", "OfflineChanged", "DeviceChanged",
    "InactivityWarning", "SessionEnded", "AccountChanged", "RenewResult", "PaymentResult", "ReceiptResult",
    "Notice", "StationEvent", "EndReason",
]


class SessionState(StrEnum):
    """States of a patron session (the table is in :mod:`kiosk.circulation.session`)."""

    IDLE = "idle"                # attract screen; no patron
    IDENTIFYING = "identifying"  # asking the ILS about a card (or a PIN)
    PIN_ENTRY = "pin_entry"      # waiting for the PIN
    READY = "ready"              # patron home: borrow / return / account
    BORROWING = "borrowing"
    RETURNING = "returning"      # also anonymous return (patron None)
    ACCOUNT = "account"
    RECEIPT = "receipt"          # receipt choice
    ENDING = "ending"            # goodbye screen, then idle


class EndReason(StrEnum):
    FINISHED = "finished"        # the patron finished (receipt chosen)
    CANCELLED = "cancelled"      # the patron pressed "end"/"cancel"
    TIMEOUT = "timeout"          # inactivity
    PIN_ATTEMPTS = "pin_attempts"
    UNKNOWN_CARD = "unknown_card"
    STAFF = "staff"              # staff mode or station stopping
    OUT_OF_SERVICE = "out_of_service"


class ItemStatus(StrEnum):
    """Outcome of one item in a session (borrow, return or renew)."""

    PENDING = "pending"          # seen, being processed
    BORROWED = "borrowed"
    RENEWED = "renewed"
    ALREADY_YOURS = "already_yours"
    RETURNED = "returned"
    REFUSED = "refused"          # the ILS (or a local rule) said no; ``message`` says what to do
    SEE_STAFF = "see_staff"      # something needs a person (security write failed, outcome unclear)
    UNREADABLE = "unreadable"
    INCOMPLETE = "incomplete"    # a multi-part set is missing parts (waiting for them)
    CONFIRM_FEE = "confirm_fee"  # the item has a rental charge: Station.accept_fee(item_id) borrows it


class Instruction(StrEnum):
    """Where a returned item goes (language-independent; the return bin routes on it)."""

    NONE = "none"                # returned; nothing more to do (put it on the return trolley)
    HOLD_SHELF = "hold_shelf"    # on hold for another patron here
    TRANSIT = "transit"          # goes to another branch
    SORT_BIN = "sort_bin"        # the ILS named a sort bin (CL)
    DESK = "desk"                # leave it at the desk (refused, not secured, unknown, alert)
    KEEP = "keep"                # not accepted; the patron keeps it and asks staff


@dataclass(frozen=True)
class PatronView:
    """The identified patron, as screens may show it."""

    display_name: str
    masked_id: str
    can_borrow: bool = True
    can_renew: bool = True
    can_pay: bool = True
    blocked_reason: str = ""                  # why borrowing is denied, in the kiosk's words
    ils_message: tuple[str, ...] = ()         # the ILS's screen messages (AF) home does not already say,
                                              # each as "Message from the library: “…”" (text unchanged)
    fines_total: str = ""                     # "12.50"; "" when none
    currency: str = "USD"
    holds_ready: int = 0
    offline: bool = False                     # identified without the ILS (offline borrowing)
    offline_left: int = 0                     # items still allowed offline
    language: str = "en"


@dataclass(frozen=True)
class ItemResult:
    """One item's result: an event, sent as soon as it is known and only
    after the journal holds it; also the record kept in the session view.

    ``action``: ``borrow``, ``return`` or ``renew``. ``message``: plain
    words for the patron (translated), including what to do next.
    ``ils_message``: the ILS's own screen message, unchanged.
    """

    item_id: str
    action: str
    status: ItemStatus
    message: str = ""
    title: str = ""
    due_date: str = ""                        # the ILS's text or an ISO date offline
    due_display: str = ""                     # formatted in the session's language
    ils_message: tuple[str, ...] = ()
    instruction: Instruction = Instruction.NONE
    sort_bin: str = ""
    alert_type: str = ""
    secured: bool | None = None               # tag security state after this item (None: no tag)
    offline: bool = False
    uids: tuple[str, ...] = ()                # hex UIDs of the item's tags
    entry_id: int | None = None               # journal entry
    warning: str = ""                         # e.g. "part 2 of 2 missing" (multipart warn)
    fee: str = ""                             # rental charge, localised with currency (CONFIRM_FEE)

    @property
    def ok(self) -> bool:
        return self.status in (ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS,
                               ItemStatus.RETURNED)


@dataclass(frozen=True)
class SessionView:
    """Everything the current session screen shows; :meth:`Station.session_view`."""

    state: SessionState
    patron: PatronView | None = None
    language: str = "en"
    rtl: bool = False
    items: tuple[ItemResult, ...] = ()
    message: str = ""                         # the latest patron message (translated)
    pin_tries_left: int = 0
    offline: bool = False
    receipt_options: tuple[str, ...] = ()
    session_id: str = ""


@dataclass(frozen=True)
class LoanView:
    item_id: str
    title: str = ""
    due_date: str = ""                        # the ILS's text
    due_display: str = ""                     # localised
    overdue: bool = False


@dataclass(frozen=True)
class HoldView:
    item_id: str
    title: str = ""
    ready: bool = False


@dataclass(frozen=True)
class FineView:
    fee_id: str
    amount: str                               # "2.50"
    description: str = ""
    amount_display: str = ""                  # localised with currency


@dataclass(frozen=True)
class AccountView:
    """My account: loans, holds, fines; :meth:`Station.account`."""

    display_name: str
    loans: tuple[LoanView, ...] = ()
    holds_ready: tuple[HoldView, ...] = ()
    holds_pending: tuple[HoldView, ...] = ()
    fines: tuple[FineView, ...] = ()
    fines_total: str = "0.00"
    fines_total_display: str = ""
    currency: str = "USD"
    can_renew: bool = True                    # false offline or when the ILS denies renewals
    can_pay: bool = True                      # false offline or without a payment device
    message: str = ""                         # translated notice (e.g. offline)
    ils_message: tuple[str, ...] = ()         # as PatronView's: quoted, none the account already says
    loans_pending: int = 0                    # the last N loans still wait for title and due date (loading)

    @property
    def overdue_count(self) -> int:
        return sum(1 for loan in self.loans if loan.overdue)


@dataclass(frozen=True)
class DeviceStatus:
    name: str                                 # rfid, scanner, nfc, printer, payment
    driver: str                               # the config string ("" = not fitted)
    ok: bool
    detail: str = ""
    required: bool = False


@dataclass(frozen=True)
class SIP2Status:
    state: str                                # disconnected | connecting | online | offline
    last_error: str | None = None
    rtt_ms: float | None = None
    host: str = ""
    port: int = 0


@dataclass(frozen=True)
class OfflineStatus:
    offline: bool
    queue_length: int = 0
    conflicts: int = 0
    unfinished: int = 0
    last_replay: str = ""                     # summary of the last replay pass


@dataclass(frozen=True)
class TransactionView:
    """One journal entry for the staff screen (patron id masked)."""

    entry_id: int
    when: str                                 # ISO timestamp (UTC)
    kind: str
    item_id: str
    patron: str
    status: str
    detail: str = ""
    offline: bool = False
    replay: str = ""
    staff_reason: str = ""


# -- events ------------------------------------------------------------------------

@dataclass(frozen=True)
class SessionChanged:
    """The session moved to ``state``; ``view`` is the full picture."""

    state: SessionState
    patron: PatronView | None
    message: str = ""
    view: SessionView | None = None


@dataclass(frozen=True)
class OfflineChanged:
    offline: bool
    message: str = ""


@dataclass(frozen=True)
class DeviceChanged:
    device: str
    ok: bool
    detail: str = ""


@dataclass(frozen=True)
class InactivityWarning:
    """The session will end in ``seconds_left`` unless the patron touches the
    screen; sent once a second. A :class:`SessionChanged` cancels the countdown."""

    seconds_left: int


@dataclass(frozen=True)
class SessionEnded:
    reason: EndReason
    message: str = ""


@dataclass(frozen=True)
class AccountChanged:
    """The account view was (re)loaded (after open, renew, payment)."""

    account: AccountView


@dataclass(frozen=True)
class RenewResult:
    """Result of renew one / renew all: one ItemResult per item."""

    results: tuple[ItemResult, ...]
    message: str = ""
    ils_message: tuple[str, ...] = ()


@dataclass(frozen=True)
class PaymentResult:
    ok: bool
    amount: str
    message: str
    transaction_id: str = ""
    ils_message: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReceiptResult:
    choice: str
    ok: bool
    message: str
    retry: bool = False


@dataclass(frozen=True)
class Notice:
    """A patron-facing message that is not tied to one item (translated)."""

    message: str
    level: str = "info"                       # info | warning | error


@dataclass(frozen=True)
class StaffBadge:
    """A staff badge (one of ``[staff] badge_hashes``) was scanned or tapped
    on the idle kiosk: the UI opens staff mode; no patron session starts."""

    source: str = "scanner"


StationEvent = Union[SessionChanged, ItemResult, OfflineChanged, DeviceChanged, InactivityWarning,
                     SessionEnded, AccountChanged, RenewResult, PaymentResult, ReceiptResult, Notice, StaffBadge]


def empty_session() -> SessionView:
    return SessionView(state=SessionState.IDLE)


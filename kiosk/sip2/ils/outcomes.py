"""What a circulation rule decided, in the ILS's own terms (no SIP2 types).

:mod:`kiosk.sip2.ils.rules` returns these; :mod:`kiosk.sip2.ils.handlers`
turns them into SIP2 response messages. Keeping them apart lets the rules be
tested without the wire, and keeps the wire mapping in one place.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.sip2.codes import PatronStatus

# Exact screen messages the kiosk may rely on (documented in README.md).
NOT_CHECKED_OUT = "Item was not checked out"
ALREADY_CHECKED_OUT_TO_YOU = "Item already checked out to you"
CHECKED_OUT_TO_ANOTHER = "Item is checked out to another patron"
ON_HOLD_FOR_ANOTHER = "Item is on hold for another patron"
NOT_FOR_LOAN = "Item is not for loan"
RENEWAL_LIMIT = "Renewal limit reached: this item cannot be renewed again"
INVALID_PATRON = "Invalid patron barcode"
INVALID_PIN = "Invalid PIN"
INVALID_ITEM = "Item not found"
NOT_YOUR_LOAN = "Item is not checked out to you"
FEE_REQUIRED = "This item has a rental charge; confirm the fee to borrow it"


@dataclass(frozen=True)
class PatronView:
    """A patron as the 23, 63 and 26 replies show them."""

    found: bool
    patron_id: str
    name: str = ""
    status: PatronStatus = field(default_factory=PatronStatus)
    language: str = "000"             # SIP2 language code
    category: str = ""                # patron category (Koha's PC extension)
    valid_pin: bool | None = None
    balance_cents: int = 0
    fee_limit_cents: int = 0
    charged_limit: int = 0
    overdue_limit: int = 0
    hold_limit: int = 0
    email: str = ""
    phone: str = ""
    address: str = ""
    holds_available: tuple[str, ...] = ()     # waiting on the hold shelf (AS)
    holds_unavailable: tuple[str, ...] = ()   # still in the queue (CD)
    charged: tuple[str, ...] = ()             # every loan, overdue ones included (AU)
    overdue: tuple[str, ...] = ()             # (AT)
    fines: tuple[str, ...] = ()               # "<fee id> <amount> <description>" (AV)
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CirculationOutcome:
    """Checkout (12) and renew (30)."""

    ok: bool
    patron_id: str
    item_id: str
    title: str = ""
    renewal: bool = False             # the request renewed an existing loan
    due: datetime | None = None
    desensitize: bool | None = None
    magnetic: bool | None = None
    media_type: str = ""
    properties: str = ""
    fee_type: str = ""
    fee_cents: int = 0
    transaction_id: str = ""
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CheckinOutcome:
    ok: bool
    item_id: str
    title: str = ""
    permanent_location: str = ""
    sort_bin: str = ""
    patron_id: str = ""               # who had it on loan
    alert: bool = False
    alert_type: str = ""              # CV: 01 hold here, 02 hold elsewhere, 04 transit, 99 other
    destination: str = ""             # CT: branch it must travel to
    hold_patron_id: str = ""          # CY
    hold_patron_name: str = ""        # DA
    magnetic: bool | None = None
    resensitize: bool = True
    media_type: str = ""
    properties: str = ""
    collection: str = ""
    call_number: str = ""
    fine_cents: int = 0
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemView:
    found: bool
    item_id: str
    circulation_status: str = "01"
    title: str = ""
    author: str = ""
    due: datetime | None = None
    hold_queue_length: int = 0
    hold_pickup_date: datetime | None = None
    media_type: str = ""
    permanent_location: str = ""
    current_location: str = ""
    properties: str = ""
    collection: str = ""
    call_number: str = ""
    sort_bin: str = ""
    fee_cents: int = 0
    owner: str = ""
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class RenewAllOutcome:
    ok: bool
    patron_id: str
    renewed: tuple[str, ...] = ()
    unrenewed: tuple[str, ...] = ()
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class FeePaidOutcome:
    accepted: bool
    patron_id: str
    transaction_id: str = ""
    balance_cents: int = 0
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class HoldOutcome:
    ok: bool
    patron_id: str
    item_id: str = ""
    title: str = ""
    available: bool = False
    expires: datetime | None = None
    queue_position: int | None = None
    pickup: str = ""
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class LoginOutcome:
    ok: bool
    user: str
    branch: str = ""
    location: str = ""


@dataclass(frozen=True)
class StatusUpdateOutcome:
    ok: bool
    item_id: str
    title: str = ""
    properties: str = ""
    messages: tuple[str, ...] = ()

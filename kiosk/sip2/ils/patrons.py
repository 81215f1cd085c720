"""Patron-side rules: PIN checks, the 14-flag status summary, account lists.

Modelled on Koha's SIP server (C4::SIP::ILS::Patron): an expired card, a
reported-lost card, a staff block or fines above the limit deny charging;
the screen message says why, in words a patron understands.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from kiosk.sip2.codes import PatronStatus
from kiosk.sip2.ils.data import SIP_LANGUAGES, Library, format_amount
from kiosk.sip2.ils.outcomes import INVALID_PATRON, PatronView
from kiosk.sip2.ils.store import PatronRow, Store

# Why charging is denied, first reason first (the screen message uses it).
EXPIRED = "Your library card has expired. Please see a staff member to renew it."
CARD_LOST = "This card has been reported lost. Please see a staff member."
BLOCKED = "Your account is blocked. Please see a staff member."
TOO_MANY_ITEMS = "You have reached the maximum number of items you can borrow."


@dataclass(frozen=True)
class Standing:
    """A patron's standing right now: the summary flags and the reasons."""

    status: PatronStatus
    refusal: str            # why charging is denied; "" when it is not
    notes: tuple[str, ...]  # informational lines (fines, holds ready, message)


def check_pin(patron: PatronRow, pin: str, library: Library) -> bool:
    """Whether ``pin`` opens this account. A patron without a PIN accepts any
    PIN (``no_pin_accepts = "any"``) or only an empty one (``"empty"``)."""
    if not patron.pin:
        return library.no_pin_accepts == "any" or pin == ""
    return pin == patron.pin


def pin_refused(patron: PatronRow, pin: str, library: Library) -> bool:
    """Circulation requests (checkout, renew, hold, fee paid) are refused only
    for a wrong non-empty PIN: an empty AD means the station vouches for the
    patron (it checked the PIN with a 63 first, or its policy needs none)."""
    return pin != "" and not check_pin(patron, pin, library)


def standing(store: Store, patron: PatronRow, library: Library, today: date, now: datetime) -> Standing:
    loans = store.loans_of(patron.id)
    overdue = sum(1 for loan in loans if loan.due < now)
    balance = store.balance(patron.id)
    limit = library.fee_limit_cents if patron.fee_limit_cents is None else patron.fee_limit_cents
    expired = date.fromisoformat(patron.expires) < today
    blocked = patron.blocked or patron.sip_block
    over_fines = balance > limit
    too_many = len(loans) >= patron.charged_limit
    status = PatronStatus(
        charge_privileges_denied=expired or blocked or patron.card_lost or over_fines or too_many,
        renewal_privileges_denied=expired or blocked or patron.card_lost,
        recall_privileges_denied=expired or blocked or patron.card_lost,
        hold_privileges_denied=expired or blocked or patron.card_lost,
        card_reported_lost=patron.card_lost,
        too_many_items_charged=too_many,
        too_many_items_overdue=overdue > patron.overdue_limit,
        excessive_outstanding_fines=over_fines,
    )
    currency = library.currency
    if patron.card_lost:
        refusal = CARD_LOST
    elif blocked:
        refusal = patron.sip_block_msg if patron.sip_block and patron.sip_block_msg else (
            patron.block_reason or BLOCKED)
    elif expired:
        refusal = EXPIRED
    elif over_fines:
        refusal = (f"You owe {format_amount(balance)} {currency}, more than the limit of "
                   f"{format_amount(limit)} {currency}. Please pay to borrow.")
    elif too_many:
        refusal = TOO_MANY_ITEMS
    else:
        refusal = ""
    notes: list[str] = []
    if balance and not over_fines:
        notes.append(f"You have outstanding fines of {format_amount(balance)} {currency}.")
    ready = sum(1 for hold in store.holds_of(patron.id) if hold.status == "waiting")
    if ready:
        notes.append(f"You have {ready} hold{'s' if ready > 1 else ''} ready for pickup.")
    if overdue:
        notes.append(f"You have {overdue} overdue item{'s' if overdue > 1 else ''}.")
    if patron.message:
        notes.append(patron.message)
    return Standing(status, refusal, tuple(notes))


def unknown_patron(patron_id: str) -> PatronView:
    """Koha answers an unknown barcode with every privilege denied and BL N."""
    denied = PatronStatus(charge_privileges_denied=True, renewal_privileges_denied=True,
                          recall_privileges_denied=True, hold_privileges_denied=True)
    return PatronView(found=False, patron_id=patron_id, status=denied, valid_pin=False,
                      messages=(INVALID_PATRON,))


def view(store: Store, patron: PatronRow, library: Library, pin: str | None, today: date,
         now: datetime) -> PatronView:
    """Everything the 23/63/26 replies show. ``pin`` None: CQ is not sent."""
    stand = standing(store, patron, library, today, now)
    loans = store.loans_of(patron.id)
    holds = store.holds_of(patron.id)
    fines = store.fines_of(patron.id)
    valid_pin = None if pin is None else check_pin(patron, pin, library)
    messages = ((stand.refusal,) if stand.refusal else ()) + stand.notes
    if valid_pin is False and pin:
        messages = ("Invalid PIN",) + messages
    limit = library.fee_limit_cents if patron.fee_limit_cents is None else patron.fee_limit_cents
    return PatronView(
        found=True, patron_id=patron.id, name=patron.name, status=stand.status,
        language=SIP_LANGUAGES.get(patron.language, "000"), category=patron.category, valid_pin=valid_pin,
        balance_cents=store.balance(patron.id), fee_limit_cents=limit,
        charged_limit=patron.charged_limit, overdue_limit=patron.overdue_limit, hold_limit=patron.hold_limit,
        email=patron.email, phone=patron.phone, address=patron.address,
        holds_available=tuple(h.item for h in holds if h.status == "waiting"),
        holds_unavailable=tuple(h.item for h in holds if h.status != "waiting"),
        charged=tuple(loan.item for loan in loans),
        overdue=tuple(loan.item for loan in loans if loan.due < now),
        fines=tuple(f"{f.id} {format_amount(f.balance_cents)} {f.description}".rstrip() for f in fines),
        messages=messages,
    )

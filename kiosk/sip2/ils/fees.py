"""Fee payment (SIP2 2.00 Fee Paid, 37/38): exact decimal amounts applied to
one fee (CG) or, oldest first, to all; idempotent by transaction id (BK) so
a payment replayed after a lost reply is never taken twice."""

from __future__ import annotations

from datetime import datetime

from kiosk.sip2.ils.data import Library, format_amount, parse_amount
from kiosk.sip2.ils.outcomes import FeePaidOutcome
from kiosk.sip2.ils.store import Store


def apply_payment(store: Store, library: Library, patron_id: str, amount: str, *, currency: str, fee_id: str,
                  transaction_id: str, now: datetime) -> FeePaidOutcome:
    """Refuse or record one payment; the caller holds the transaction."""
    def refuse(text: str, accepted: bool = False) -> FeePaidOutcome:
        return FeePaidOutcome(accepted, patron_id, transaction_id, store.balance(patron_id), (text,))

    if currency and currency != library.currency:
        return refuse(f"Currency {currency} is not accepted; this library uses {library.currency}.")
    try:
        cents = parse_amount(amount)
    except ValueError:
        cents = 0
    if cents <= 0:
        return refuse(f"Invalid amount {amount!r}.")
    if transaction_id:
        earlier = store.payment(transaction_id)
        if earlier is not None:
            if earlier == (patron_id, cents):
                return refuse("Payment already recorded.", accepted=True)
            return refuse(f"Transaction id {transaction_id} was already used for another payment.")
    fines = store.fines_of(patron_id)
    if fee_id:
        fines = [f for f in fines if f.id == fee_id]
        if not fines:
            return refuse(f"No outstanding fee {fee_id} on this account.")
    owed = sum(f.balance_cents for f in fines)
    if cents > owed:
        return refuse(f"Amount {format_amount(cents)} exceeds the balance of {format_amount(owed)} "
                      f"{library.currency}.")
    left = cents
    for fine in fines:
        if left <= 0:
            break
        part = min(left, fine.balance_cents)
        store.set_fine_balance(fine.id, fine.balance_cents - part)
        left -= part
    transaction_id = transaction_id or store.next_payment_id()
    store.record_payment(transaction_id, patron_id, cents, now)
    balance = store.balance(patron_id)
    return FeePaidOutcome(True, patron_id, transaction_id, balance, (
        f"Payment of {format_amount(cents)} {library.currency} accepted. "
        f"Balance: {format_amount(balance)} {library.currency}.",))

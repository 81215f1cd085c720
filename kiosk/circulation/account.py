"""My account: loans with due dates and overdue marks, holds ready and
pending, fines with their total; renew one (29) / renew all (65); pay fines
through the payment adapter and fee paid (37).

The lists come from patron information (63), one summary list per request
(3M SIP2 2.00, Patron Information: the summary field asks for one list);
titles and due dates of loans come from item information (17). Renewals and
payments are journaled like every state-changing transaction, and never
offered offline.

Payment order: the terminal charges first, then the journal holds the
fee-paid intent with the terminal's transaction id, then 37 goes to the ILS
with that id (BK) so a repeat is recognised. If the ILS refuses, the charge is
refunded; if the refund fails too, or the ILS's answer never came, staff are
told (journal staff flag) and the patron is told to see them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Callable, Sequence

from kiosk.circulation.context import Context, due_display, ils_words
from kiosk.errors import KioskError, LocalProtocolError, RemoteProtocolError, TransportError, UnknownOutcome
from kiosk.events import AccountView, FineView, HoldView, ItemResult, ItemStatus, LoanView, PaymentResult, RenewResult
from kiosk.i18n import N_, Translator, parse_due_date
from kiosk.store.journal import Kind, Outcome
from kiosk.drivers.payment import PaymentAdapter, PaymentUnavailable, to_amount
from kiosk.circulation.session import Patron
from kiosk.sip2 import messages as m

log = logging.getLogger(__name__)

__all__ = ["AccountService", "parse_fine", "AccountUnavailable"]

MSG_RENEWED = N_("Renewed. Due {date}.")
MSG_NOT_RENEWED = N_("Not renewed. Please ask at the desk if you need it longer.")
MSG_RENEW_ALL = N_("{renewed} renewed, {unrenewed} not renewed.")
MSG_RENEW_UNKNOWN = N_("We could not confirm the renewal. Please check your account at the desk.")
MSG_PAID = N_("Thank you. Your payment of {amount} has been recorded.")
MSG_DECLINED = N_("The payment was not accepted. No money was taken.")
MSG_PAY_REFUNDED = N_("The library system did not accept the payment, so it was refunded. Please ask at the desk.")
MSG_PAY_STAFF = N_("Your payment was taken but could not be recorded. Please show this number at the desk: {ref}.")
MSG_PAY_UNAVAILABLE = N_("Card payments are not available right now. Please pay at the desk.")
MSG_BAD_AMOUNT = N_("That amount cannot be paid here. Please ask at the desk.")
MSG_ACCOUNT_UNAVAILABLE = N_("Your account cannot be shown right now. Please try again or ask at the desk.")

_PAGE = 50
_MAX_ITEMS = 500
PROGRESS_EVERY = 8    # loans detailed between two progress views of a long account


# Summary list asked for (patron information 63) -> the reply field that carries it.
_SUMMARY_ITEMS: dict[str, Callable[[m.PatronInformationResponse], tuple[str, ...]]] = {
    "charged": lambda info: info.charged_items,
    "overdue": lambda info: info.overdue_items,
    "hold": lambda info: info.hold_items,
    "unavailable": lambda info: info.unavailable_hold_items,
    "fine": lambda info: info.fine_items,
}


class AccountUnavailable(KioskError):
    """The ILS could not be asked for the account (offline, garbage)."""


@dataclass(frozen=True)
class _Fine:
    fee_id: str
    amount: str
    description: str


def parse_fine(text: str) -> _Fine:
    """A fine-items (AV) entry. Koha and the simulator send ``"<id> <amount>
    <description>"``; other ILSs send free text, kept as the description."""
    parts = text.strip().split(" ", 2)
    if len(parts) >= 2:
        try:
            amount = Decimal(parts[1].lstrip("$"))
            return _Fine(parts[0], f"{amount.quantize(Decimal('0.01'))}", parts[2] if len(parts) > 2 else "")
        except InvalidOperation:
            pass
    return _Fine("", "", text.strip())


class AccountService:
    def __init__(self, ctx: Context, payment: PaymentAdapter | None = None) -> None:
        self.ctx = ctx
        self.payment = payment

    # -- reading ------------------------------------------------------------------------
    def _list(self, patron: Patron, which: str) -> tuple[str, ...]:
        items: list[str] = []
        start = 1
        while start <= _MAX_ITEMS:
            info = self.ctx.client.patron_information(patron.patron_id, pin=patron.pin or None, summary=which,
                                                      start=start, end=start + _PAGE - 1)
            page = tuple(_SUMMARY_ITEMS[which](info) or ())
            items.extend(page)
            if len(page) < _PAGE:
                break
            start += _PAGE
        return tuple(items)

    def load(self, patron: Patron, tr: Translator, today: date | None = None,
             progress: Callable[[AccountView], None] | None = None) -> AccountView:
        """The account as the ILS has it now. Raises :class:`AccountUnavailable`.

        Each loan's title and due date cost one item information (17) request.
        With ``progress``, a patron with many loans sees the account at once:
        ``progress`` gets a view (``loans_pending`` > 0, the loans not yet
        detailed listed by item id at the end) after the lists, and again
        every :data:`PROGRESS_EVERY` loans; the returned view is complete."""
        ctx = self.ctx
        today = today or date.today()
        try:
            head = ctx.client.patron_information(patron.patron_id, pin=patron.pin or None)
            charged = self._list(patron, "charged")
            overdue = set(self._list(patron, "overdue")) if head.overdue_items_count else set()
            ready = self._list(patron, "hold") if head.hold_items_count else ()
            pending = self._list(patron, "unavailable") \
                if head.unavailable_holds_count else ()
            fines = self._list(patron, "fine") if head.fine_items_count else ()
            early = progress if progress is not None and len(charged) > PROGRESS_EVERY else None
            holds_ready = tuple(HoldView(i, "", True) for i in ready)
            holds_pending = tuple(HoldView(i, "", False) for i in pending)
            loans: list[LoanView] = []
            for index, item_id in enumerate(charged):
                if early is not None and index % PROGRESS_EVERY == 0:
                    early(self._view(head, patron, tr, loans, charged[index:], holds_ready, holds_pending, fines))
                info = ctx.client.item_information(item_id.split(" ")[0])
                due = info.due_date or ""
                parsed = parse_due_date(due)
                late = item_id in overdue or (isinstance(parsed, date) and parsed < today)
                loans.append(LoanView(info.item_identifier or item_id, info.title_identifier or "", due,
                                      due_display(due, tr), late))
            holds_ready = tuple(HoldView(i, self._title(i), True) for i in ready)
            holds_pending = tuple(HoldView(i, self._title(i), False) for i in pending)
        except TransportError as exc:
            if not isinstance(exc, UnknownOutcome):
                ctx.go_offline(str(exc))
            raise AccountUnavailable(str(exc)) from exc
        except RemoteProtocolError as exc:
            raise AccountUnavailable(str(exc)) from exc
        return self._view(head, patron, tr, loans, (), holds_ready, holds_pending, fines)

    def _view(self, head: m.PatronInformationResponse, patron: Patron, tr: Translator, detailed: list[LoanView], waiting: Sequence[str],
              holds_ready: tuple[HoldView, ...], holds_pending: tuple[HoldView, ...],
              fines: Sequence[str]) -> AccountView:
        """The account from the 64 reply, the loans detailed so far (overdue first,
        then by due date) and those still ``waiting`` for their details (at the end)."""
        currency = head.currency_type or self.ctx.rules.currency
        fine_views = []
        for text in fines:
            fine = parse_fine(text)
            shown = tr.format_money(fine.amount, currency) if fine.amount else ""
            fine_views.append(FineView(fine.fee_id, fine.amount, fine.description, shown))
        total = self._total(head.fee_amount, fine_views)
        flags = head.patron_status
        loans = sorted(detailed, key=lambda loan: (not loan.overdue, loan.due_date))
        loans += [LoanView(item_id.split(" ")[0]) for item_id in waiting]
        return AccountView(
            display_name=head.personal_name or patron.name, loans=tuple(loans), holds_ready=holds_ready,
            holds_pending=holds_pending, fines=tuple(fine_views), fines_total=total,
            fines_total_display=tr.format_money(total, currency), currency=currency,
            can_renew=not flags.renewal_privileges_denied and bool(loans),
            can_pay=self.payment is not None and Decimal(total) > 0,
            ils_message=ils_words(head.screen_message), loans_pending=len(waiting))

    def holds_ready(self, patron: Patron) -> tuple[HoldView, ...]:
        """Just the holds ready for pickup, with titles (for the receipt of a
        patron who did not open My account). Raises :class:`AccountUnavailable`."""
        try:
            return tuple(HoldView(i, self._title(i), True) for i in self._list(patron, "hold"))
        except TransportError as exc:
            if not isinstance(exc, UnknownOutcome):
                self.ctx.go_offline(str(exc))
            raise AccountUnavailable(str(exc)) from exc
        except RemoteProtocolError as exc:
            raise AccountUnavailable(str(exc)) from exc

    def _title(self, entry: str) -> str:
        """Hold lists carry item ids (Koha) or titles (others); ask for ids."""
        item_id = entry.split(" ")[0]
        try:
            info = self.ctx.client.item_information(item_id)
        except (RemoteProtocolError, LocalProtocolError):
            return entry
        return info.title_identifier or entry

    @staticmethod
    def _total(fee_amount: str, fines: list[FineView]) -> str:
        try:
            if fee_amount:
                return f"{Decimal(fee_amount).quantize(Decimal('0.01'))}"
        except InvalidOperation:
            pass
        return f"{sum((Decimal(f.amount) for f in fines if f.amount), Decimal('0')).quantize(Decimal('0.01'))}"

    # -- renewing -------------------------------------------------------------------------
    def renew(self, patron: Patron, item_id: str, tr: Translator, session_id: str = "") -> ItemResult:
        journal = self.ctx.journal
        entry = journal.record_intent(Kind.RENEW, patron.patron_id, item_id, {}, session_id=session_id)
        try:
            reply = self.ctx.client.renew(patron.patron_id, item_id, pin=patron.pin or None)
        except (UnknownOutcome, RemoteProtocolError) as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"no usable reply to renew: {exc}")
            return ItemResult(item_id, "renew", ItemStatus.SEE_STAFF, tr(MSG_RENEW_UNKNOWN), entry_id=entry)
        except TransportError as exc:
            journal.record_outcome(entry, Outcome.FAILED, f"ILS unreachable: {exc}")
            self.ctx.go_offline(str(exc))
            raise AccountUnavailable(str(exc)) from exc
        words = ils_words(reply.screen_message)
        if reply.ok:
            journal.record_outcome(entry, Outcome.DONE, "renewed", payload_update={"due_date": reply.due_date})
            return ItemResult(item_id, "renew", ItemStatus.RENEWED,
                              tr(MSG_RENEWED).format(date=due_display(reply.due_date, tr)),
                              title=reply.title_identifier, due_date=reply.due_date,
                              due_display=due_display(reply.due_date, tr), ils_message=words, entry_id=entry)
        journal.record_outcome(entry, Outcome.REFUSED, " / ".join(words) or "refused")
        return ItemResult(item_id, "renew", ItemStatus.REFUSED, tr(MSG_NOT_RENEWED), title=reply.title_identifier,
                          ils_message=words, entry_id=entry)

    def renew_all(self, patron: Patron, tr: Translator, session_id: str = "") -> RenewResult:
        journal = self.ctx.journal
        entry = journal.record_intent(Kind.RENEW_ALL, patron.patron_id, "", {}, session_id=session_id)
        try:
            reply = self.ctx.client.renew_all(patron.patron_id, pin=patron.pin or None)
        except (UnknownOutcome, RemoteProtocolError) as exc:
            journal.record_outcome(entry, Outcome.UNKNOWN, f"no usable reply to renew all: {exc}")
            return RenewResult((), tr(MSG_RENEW_UNKNOWN))
        except TransportError as exc:
            journal.record_outcome(entry, Outcome.FAILED, f"ILS unreachable: {exc}")
            self.ctx.go_offline(str(exc))
            raise AccountUnavailable(str(exc)) from exc
        words = ils_words(reply.screen_message)
        renewed, unrenewed = tuple(reply.renewed_items or ()), tuple(reply.unrenewed_items or ())
        journal.record_outcome(entry, Outcome.DONE if reply.ok else Outcome.REFUSED,
                               f"renewed {len(renewed)}, not renewed {len(unrenewed)}",
                               payload_update={"renewed": list(renewed), "unrenewed": list(unrenewed)})
        results = [ItemResult(i.split(" ")[0], "renew", ItemStatus.RENEWED, tr(MSG_RENEWED).format(date=""),
                              entry_id=entry) for i in renewed]
        results += [ItemResult(i.split(" ")[0], "renew", ItemStatus.REFUSED, tr(MSG_NOT_RENEWED), entry_id=entry)
                    for i in unrenewed]
        summary = tr(MSG_RENEW_ALL).format(renewed=reply.renewed_count or len(renewed),
                                           unrenewed=reply.unrenewed_count or len(unrenewed))
        return RenewResult(tuple(results), summary, words)

    # -- paying -----------------------------------------------------------------------------
    def pay(self, patron: Patron, fee_id: str | None, amount: Decimal | str | float, tr: Translator,
            session_id: str = "") -> PaymentResult:
        ctx, journal = self.ctx, self.ctx.journal
        if self.payment is None:
            return PaymentResult(False, str(amount), tr(MSG_PAY_UNAVAILABLE))
        try:
            money = to_amount(amount)
        except LocalProtocolError:
            return PaymentResult(False, str(amount), tr(MSG_BAD_AMOUNT))
        currency = ctx.rules.currency
        try:
            charge = self.payment.charge(money, currency, fee_id or "fines")
        except PaymentUnavailable as exc:
            log.warning("payment terminal: %s", exc)
            return PaymentResult(False, str(money), tr(MSG_PAY_UNAVAILABLE))
        if not charge.approved:
            return PaymentResult(False, str(money), tr(MSG_DECLINED) + (f" ({charge.message})" if charge.message else ""))
        entry = journal.record_intent(Kind.FEE_PAID, patron.patron_id, "",
                                      {"amount": str(money), "currency": currency, "fee_id": fee_id or "",
                                       "transaction_id": charge.transaction_id}, session_id=session_id)
        shown = tr.format_money(money, currency)
        try:
            reply = ctx.client.fee_paid(patron.patron_id, money, payment_type=charge.payment_type, currency=currency,
                                        fee_id=fee_id or None, transaction_id=charge.transaction_id,
                                        pin=patron.pin or None)
        except (TransportError, RemoteProtocolError) as exc:
            # UnknownOutcome or unreachable: the money is taken; a repeat with the same
            # transaction id is safe, but the patron must not wait on it.
            journal.record_outcome(entry, Outcome.STAFF, f"payment {charge.transaction_id} of {money} {currency} "
                                                         f"taken but the ILS did not confirm it: {exc}")
            if isinstance(exc, TransportError) and not isinstance(exc, UnknownOutcome):
                ctx.go_offline(str(exc))
            return PaymentResult(False, str(money), tr(MSG_PAY_STAFF).format(ref=charge.transaction_id),
                                 charge.transaction_id)
        words = ils_words(reply.screen_message)
        if reply.payment_accepted:
            journal.record_outcome(entry, Outcome.DONE, "accepted")
            return PaymentResult(True, str(money), tr(MSG_PAID).format(amount=shown), charge.transaction_id, words)
        try:
            self.payment.refund(charge)
        except PaymentUnavailable as exc:
            journal.record_outcome(entry, Outcome.STAFF, f"ILS refused payment {charge.transaction_id} and the "
                                                         f"refund failed: {exc}")
            return PaymentResult(False, str(money), tr(MSG_PAY_STAFF).format(ref=charge.transaction_id),
                                 charge.transaction_id, words)
        journal.record_outcome(entry, Outcome.REFUSED, "refused by the ILS; refunded: " + " / ".join(words))
        return PaymentResult(False, str(money), tr(MSG_PAY_REFUNDED), charge.transaction_id, words)

"""Circulation semantics of the simulated ILS, modelled on Koha's SIP server.

:class:`Circulation` answers each request in ILS terms (see
:mod:`kiosk.sip2.ils.outcomes`); every public method runs as one database
transaction, so concurrent stations see consistent state.

Behaviour the kiosk relies on (README.md, "ILS simulator", documents it):

* Checkin of an item that is not on loan answers ``ok`` with the screen
  message :data:`NOT_CHECKED_OUT` and no alert (unless the item has a hold or
  must travel), so replaying a checkin is harmless.
* Checkout of an item already on loan to the same patron renews it when the
  request allows renewal (SC renewal policy ``Y``); otherwise it is refused
  with :data:`ALREADY_CHECKED_OUT_TO_YOU` and the loan's current due date, so
  a replayed checkout is recognisable and never double-charges.
* ``no_block`` (offline replay) skips patron blocks, limits, holds and the
  not-for-loan check, moves a loan held by someone else, and uses the
  request's due date if it gives one.
* Fee paid with a transaction id (BK) seen before is accepted again without
  charging twice.
"""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Callable, Iterator

from kiosk.sip2.codes import CirculationStatus, FeeType
from kiosk.sip2.ils import fees, holds
from kiosk.sip2.ils import patrons as accounts
from kiosk.sip2.ils.data import SeedData, format_amount
from kiosk.sip2.ils.outcomes import (
    ALREADY_CHECKED_OUT_TO_YOU, CHECKED_OUT_TO_ANOTHER, FEE_REQUIRED, INVALID_ITEM, INVALID_PATRON,
    INVALID_PIN, NOT_CHECKED_OUT, NOT_FOR_LOAN, NOT_YOUR_LOAN, ON_HOLD_FOR_ANOTHER, RENEWAL_LIMIT,
    CheckinOutcome, CirculationOutcome, FeePaidOutcome, HoldOutcome, ItemView, LoginOutcome, PatronView,
    RenewAllOutcome, StatusUpdateOutcome,
)
from kiosk.sip2.ils.store import ItemRow, LoanRow, PatronRow, Store, end_of_day

# Media that a desensitiser would harm (SIP2 2.00 "magnetic media").
MAGNETIC_MEDIA = {"004", "005", "007", "010"}


def local_now() -> datetime:
    return datetime.now().astimezone()


class Circulation:
    """The rules, over a :class:`Store` seeded from :class:`SeedData`."""

    def __init__(self, store: Store, data: SeedData, clock: Callable[[], datetime] = local_now) -> None:
        self.store = store
        self.data = data
        self.library = data.library
        self.clock = clock
        self.item_types = {t.code: t for t in data.item_types}
        self.branches = {b.code: b for b in data.branches}
        self._location_branch = {loc: b.code for b in data.branches for loc in (b.code, *b.locations)}

    # ------------------------------------------------------------ helpers
    @contextmanager
    def _step(self) -> Iterator[datetime]:
        """One request: a transaction, the time it happens at, and the
        housekeeping a real ILS does nightly (expired holds leave the queue)."""
        with self.store.transaction():
            now = self.clock()
            self.store.expire_holds(now)
            yield now

    def branch_for(self, location: str) -> str:
        """The branch a station location (CP/AP) belongs to; unknown -> default."""
        return self._location_branch.get(location, self.library.default_branch)

    def branch_name(self, code: str) -> str:
        branch = self.branches.get(code)
        return branch.name if branch and branch.name else code

    def _today(self, now: datetime) -> date:
        return now.date()

    def _max_renewals(self, item: ItemRow) -> int:
        if item.max_renewals is not None:
            return item.max_renewals
        return self.item_types[item.item_type].renewals

    def _due(self, item: ItemRow, now: datetime) -> datetime:
        days = self.item_types[item.item_type].loan_days
        return end_of_day(now.date() + timedelta(days=days), now.tzinfo)

    def _circ(self, ok: bool, patron_id: str, item_id: str, item: ItemRow | None = None,
              *messages: str, **extra: object) -> CirculationOutcome:
        info: dict[str, object] = {}
        if item is not None:
            info = dict(title=item.title, media_type=item.media_type, properties=item.properties,
                        magnetic=item.media_type in MAGNETIC_MEDIA)
        info.update(extra)
        return CirculationOutcome(ok, patron_id, item_id, messages=tuple(m for m in messages if m),
                                  **info)  # type: ignore[arg-type]

    # ------------------------------------------------------------ login/status
    def login(self, user: str, password: str, location: str) -> LoginOutcome:
        for login in self.data.logins:
            if login.user == user and login.password == password:
                where = location or login.location
                return LoginOutcome(True, user, self.branch_for(where), where)
        return LoginOutcome(False, user)

    # ------------------------------------------------------------ patrons
    def patron(self, patron_id: str, pin: str | None) -> PatronView:
        """Patron status (23), information (63) and enable (26) share this."""
        with self._step() as now:
            row = self.store.patron(patron_id)
            if row is None:
                return accounts.unknown_patron(patron_id)
            return accounts.view(self.store, row, self.library, pin, self._today(now), now)

    def block_patron(self, patron_id: str, card_retained: bool, message: str) -> PatronView:
        with self._step():
            if self.store.patron(patron_id) is None:
                return accounts.unknown_patron(patron_id)
            text = message or ("Card retained by the self-service station." if card_retained else "")
            self.store.set_sip_block(patron_id, True, text or accounts.BLOCKED)
            return self.patron(patron_id, None)

    def enable_patron(self, patron_id: str, pin: str) -> PatronView:
        with self._step():
            row = self.store.patron(patron_id)
            if row is None:
                return accounts.unknown_patron(patron_id)
            if not accounts.pin_refused(row, pin, self.library):
                self.store.set_sip_block(patron_id, False)
            return self.patron(patron_id, pin)

    def _patron_for_circulation(self, patron_id: str, pin: str) -> tuple[PatronRow | None, str]:
        row = self.store.patron(patron_id)
        if row is None:
            return None, INVALID_PATRON
        if accounts.pin_refused(row, pin, self.library):
            return None, INVALID_PIN
        return row, ""

    # ------------------------------------------------------------ checkout
    def checkout(self, patron_id: str, item_id: str, *, pin: str = "", renewal_ok: bool = False,
                 no_block: bool = False, nb_due: datetime | None = None, fee_acknowledged: bool = False,
                 branch: str = "") -> CirculationOutcome:
        with self._step() as now:
            patron, why = self._patron_for_circulation(patron_id, pin)
            if patron is None:
                return self._circ(False, patron_id, item_id, None, why)
            item = self.store.item(item_id)
            if item is None:
                return self._circ(False, patron_id, item_id, None, INVALID_ITEM)
            loan = self.store.loan(item_id)
            if loan is not None and loan.patron == patron_id:
                if renewal_ok:
                    return self._renew(patron, item, loan, now, via_checkout=True)
                return self._circ(False, patron_id, item_id, item, ALREADY_CHECKED_OUT_TO_YOU, due=loan.due)
            if not no_block:
                refusal = self._checkout_refusal(patron, item, loan, now)
                if refusal:
                    return self._circ(False, patron_id, item_id, item, refusal)
            fee = self.item_types[item.item_type].rental_fee_cents
            if fee and not fee_acknowledged and not no_block:
                return self._circ(False, patron_id, item_id, item, FEE_REQUIRED,
                                  f"Rental charge: {format_amount(fee)} {self.library.currency}",
                                  fee_type=FeeType.RENTAL.value, fee_cents=fee)
            if loan is not None:  # no_block replay of an item someone else still has
                self.store.delete_loan(item_id)
            queue = self.store.holds_on(item_id)
            for hold in queue:
                if hold.patron == patron_id:
                    self.store.delete_hold(hold.id)  # the hold is filled
            due = nb_due if (no_block and nb_due is not None) else self._due(item, now)
            self.store.add_loan(item_id, patron_id, now, due)
            self.store.update_item(item_id, state="available", transit_to="",
                                   location=branch or self.library.default_branch)
            messages = []
            if fee:
                self.store.add_fine(patron_id, fee, FeeType.RENTAL.value, f"Rental: {item.title}", item_id, now)
                messages.append(f"Rental charge of {format_amount(fee)} {self.library.currency} added.")
            return self._circ(True, patron_id, item_id, item, *messages, due=due, desensitize=True,
                              fee_type=FeeType.RENTAL.value if fee else "", fee_cents=fee)

    def _checkout_refusal(self, patron: PatronRow, item: ItemRow, loan: LoanRow | None, now: datetime) -> str:
        stand = accounts.standing(self.store, patron, self.library, self._today(now), now)
        if stand.refusal:
            return stand.refusal
        if item.not_for_loan or not self.item_types[item.item_type].loanable:
            return NOT_FOR_LOAN
        if item.state == "lost":
            return "Item is marked lost. Please give it to a staff member."
        if item.state == "missing":
            return "Item is marked missing. Please give it to a staff member."
        if item.state == "in_transit":
            return f"Item is in transit to {self.branch_name(item.transit_to)}"
        if loan is not None:
            return CHECKED_OUT_TO_ANOTHER
        queue = self.store.holds_on(item.id)
        if queue and queue[0].patron != patron.id:
            return ON_HOLD_FOR_ANOTHER
        return ""

    # ------------------------------------------------------------ renew
    def renew(self, patron_id: str, item_id: str, *, pin: str = "") -> CirculationOutcome:
        with self._step() as now:
            patron, why = self._patron_for_circulation(patron_id, pin)
            if patron is None:
                return self._circ(False, patron_id, item_id, None, why)
            item = self.store.item(item_id)
            if item is None:
                return self._circ(False, patron_id, item_id, None, INVALID_ITEM)
            loan = self.store.loan(item_id)
            if loan is None or loan.patron != patron_id:
                return self._circ(False, patron_id, item_id, item, NOT_YOUR_LOAN)
            return self._renew(patron, item, loan, now, via_checkout=False)

    def _renew(self, patron: PatronRow, item: ItemRow, loan: LoanRow, now: datetime,
               via_checkout: bool) -> CirculationOutcome:
        stand = accounts.standing(self.store, patron, self.library, self._today(now), now)
        refusal = ""
        if stand.status.renewal_privileges_denied:
            refusal = stand.refusal or accounts.BLOCKED
        elif loan.renewals >= self._max_renewals(item):
            refusal = RENEWAL_LIMIT
        elif any(h.patron != patron.id for h in self.store.holds_on(item.id)):
            refusal = "Item is on hold for another patron and cannot be renewed"
        if refusal:
            return self._circ(False, patron.id, item.id, item, refusal, due=loan.due)
        due = max(self._due(item, now), loan.due)
        self.store.renew_loan(item.id, due)
        left = self._max_renewals(item) - loan.renewals - 1
        note = f"Renewed. {left} renewal{'s' if left != 1 else ''} left."
        # A renewal answered to a checkout keeps the item desensitised; a 29
        # renewal leaves security alone (U).
        return self._circ(True, patron.id, item.id, item, note, renewal=True, due=due,
                          desensitize=True if via_checkout else None)

    def renew_all(self, patron_id: str, *, pin: str = "") -> RenewAllOutcome:
        with self._step() as now:
            patron, why = self._patron_for_circulation(patron_id, pin)
            if patron is None:
                return RenewAllOutcome(False, patron_id, messages=(why,))
            renewed: list[str] = []
            unrenewed: list[str] = []
            reasons: list[str] = []
            for loan in self.store.loans_of(patron_id):
                item = self.store.item(loan.item)
                assert item is not None  # loans reference items (foreign key)
                result = self._renew(patron, item, loan, now, via_checkout=False)
                (renewed if result.ok else unrenewed).append(loan.item)
                if not result.ok:
                    reasons.append(f"{item.title}: {result.messages[0]}")
            stand = accounts.standing(self.store, patron, self.library, self._today(now), now)
            if stand.status.renewal_privileges_denied:
                return RenewAllOutcome(False, patron_id, (), tuple(unrenewed), (stand.refusal,))
            summary = f"{len(renewed)} renewed, {len(unrenewed)} not renewed."
            return RenewAllOutcome(True, patron_id, tuple(renewed), tuple(unrenewed), (summary, *reasons))

    # ------------------------------------------------------------ checkin
    def checkin(self, item_id: str, *, branch: str = "", return_date: datetime | None = None,
                no_block: bool = False, cancel: bool = False) -> CheckinOutcome:
        """Return an item at ``branch`` (the station's branch code). ``cancel``
        (SIP2 BI: undo a checkout the station could not complete) never fines."""
        with self._step() as now:
            here = branch or self.library.default_branch
            item = self.store.item(item_id)
            if item is None:
                return CheckinOutcome(False, item_id, alert=True, alert_type="99", messages=(INVALID_ITEM,))
            base = dict(title=item.title, permanent_location=item.branch, media_type=item.media_type,
                        properties=item.properties, collection=item.collection, call_number=item.call_number,
                        magnetic=item.media_type in MAGNETIC_MEDIA)
            messages: list[str] = []
            loan = self.store.loan(item_id)
            patron_id, fine = "", 0
            if loan is None:
                messages.append(NOT_CHECKED_OUT)
            else:
                patron_id = loan.patron
                fine = 0 if cancel else self._overdue_fine(item, loan, return_date or now, now)
                self.store.delete_loan(item_id)
                messages.append("Item checked in." if not fine else
                                f"Item checked in. Overdue fine: {format_amount(fine)} {self.library.currency}")
            if item.state in ("lost", "missing"):
                messages.append(f"This item was marked {item.state} and is now found.")
            return self._route(item, here, now, patron_id, fine, messages, base)

    def _overdue_fine(self, item: ItemRow, loan: LoanRow, returned: datetime, now: datetime) -> int:
        per_day, cap = self.library.overdue_fine_per_day_cents, self.library.overdue_fine_max_cents
        days = (returned.date() - loan.due.date()).days
        if not per_day or days <= 0:
            return 0
        amount = per_day * days if not cap else min(per_day * days, cap)
        self.store.add_fine(loan.patron, amount, FeeType.OVERDUE.value, f"Overdue: {item.title}", item.id, now)
        return amount

    def _route(self, item: ItemRow, here: str, now: datetime, patron_id: str, fine: int,
               messages: list[str], base: dict[str, object]) -> CheckinOutcome:
        """Where a returned item goes next: a hold, a transit, or the shelf."""
        lib = self.library
        queue = self.store.holds_on(item.id)
        common = dict(base, patron_id=patron_id, fine_cents=fine)
        if queue:
            hold = queue[0]
            holder = self.store.patron(hold.patron)
            name = holder.name if holder else ""
            if hold.pickup == here:
                expires = end_of_day(now.date() + timedelta(days=lib.hold_shelf_days), now.tzinfo)
                if hold.status != "waiting":
                    self.store.update_hold(hold.id, status="waiting", expires=expires)
                self.store.update_item(item.id, state="available", transit_to="", location=here)
                messages.append(f"Hold for {name}: place on the hold shelf.")
                return CheckinOutcome(True, item.id, sort_bin=lib.holds_sort_bin, alert=True, alert_type="01",
                                      hold_patron_id=hold.patron, hold_patron_name=name,
                                      messages=tuple(messages), **common)  # type: ignore[arg-type]
            self.store.update_item(item.id, state="in_transit", transit_to=hold.pickup, location=here)
            messages.append(f"Hold for {name} at {self.branch_name(hold.pickup)}: send in transit.")
            return CheckinOutcome(True, item.id, sort_bin=lib.transit_sort_bin, alert=True, alert_type="02",
                                  destination=hold.pickup, hold_patron_id=hold.patron, hold_patron_name=name,
                                  messages=tuple(messages), **common)  # type: ignore[arg-type]
        destination = item.transit_to if item.state == "in_transit" else item.branch
        if destination and destination != here:
            self.store.update_item(item.id, state="in_transit", transit_to=destination, location=here)
            messages.append(f"Item in transit to {self.branch_name(destination)}.")
            return CheckinOutcome(True, item.id, sort_bin=lib.transit_sort_bin, alert=True, alert_type="04",
                                  destination=destination, messages=tuple(messages),
                                  **common)  # type: ignore[arg-type]
        self.store.update_item(item.id, state="available", transit_to="", location=here)
        return CheckinOutcome(True, item.id, sort_bin=item.sort_bin, messages=tuple(messages),
                              **common)  # type: ignore[arg-type]

    # ------------------------------------------------------------ items
    def item_information(self, item_id: str) -> ItemView:
        with self._step() as now:
            item = self.store.item(item_id)
            if item is None:
                return ItemView(False, item_id, messages=(INVALID_ITEM,))
            loan = self.store.loan(item_id)
            queue = self.store.holds_on(item_id)
            waiting = queue[0] if queue and queue[0].status == "waiting" else None
            if loan is not None:
                status = CirculationStatus.CHARGED
            elif item.state == "in_transit":
                status = CirculationStatus.IN_TRANSIT
            elif item.state == "lost":
                status = CirculationStatus.LOST
            elif item.state == "missing":
                status = CirculationStatus.MISSING
            elif item.state == "in_process":
                status = CirculationStatus.IN_PROCESS
            elif waiting is not None:
                status = CirculationStatus.WAITING_ON_HOLD_SHELF
            else:
                status = CirculationStatus.AVAILABLE
            messages = (NOT_FOR_LOAN,) if item.not_for_loan else ()
            return ItemView(
                True, item_id, status.value, item.title, item.author, loan.due if loan else None,
                len(queue), waiting.expires if waiting else None, item.media_type, item.branch,
                item.location, item.properties, item.collection, item.call_number, item.sort_bin,
                self.item_types[item.item_type].rental_fee_cents, self.library.institution, messages)

    def update_item_properties(self, item_id: str, properties: str) -> StatusUpdateOutcome:
        with self._step() as now:
            item = self.store.item(item_id)
            if item is None:
                return StatusUpdateOutcome(False, item_id, messages=(INVALID_ITEM,))
            self.store.update_item(item_id, properties=properties)
            return StatusUpdateOutcome(True, item_id, item.title, properties, ("Item properties updated.",))

    # ------------------------------------------------------------ money, holds
    def fee_paid(self, patron_id: str, amount: str, *, currency: str = "", fee_id: str = "",
                 transaction_id: str = "", pin: str = "") -> FeePaidOutcome:
        """Apply a payment (exact decimal) to one fee or, oldest first, to all."""
        with self._step() as now:
            patron, why = self._patron_for_circulation(patron_id, pin)
            if patron is None:
                return FeePaidOutcome(False, patron_id, transaction_id, messages=(why,))
            return fees.apply_payment(self.store, self.library, patron_id, amount, currency=currency,
                                      fee_id=fee_id, transaction_id=transaction_id, now=now)

    def hold(self, mode: str, patron_id: str, *, item_id: str = "", title: str = "", pickup: str = "",
             expires: datetime | None = None, pin: str = "") -> HoldOutcome:
        """Place (``+``), cancel (``-``) or change (``*``) an item-level hold."""
        with self._step() as now:
            patron, why = self._patron_for_circulation(patron_id, pin)
            if patron is None:
                return HoldOutcome(False, patron_id, item_id, messages=(why,))
            item = self.store.item(item_id) if item_id else self._item_by_title(title)
            if item is None:
                return HoldOutcome(False, patron_id, item_id, title, messages=(INVALID_ITEM,))
            return holds.change(self, mode, patron, item, pickup=pickup, expires=expires, now=now)

    def _item_by_title(self, title: str) -> ItemRow | None:
        if not title:
            return None
        for seeded in self.data.items:
            if seeded.title.casefold() == title.casefold():
                return self.store.item(seeded.id)
        return None

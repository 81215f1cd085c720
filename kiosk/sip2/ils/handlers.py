"""SIP2 requests to circulation rules and back (3M SIP2 2.00 message pairs).

:class:`SessionHandler` holds one connection's login state and turns each
request message into its response message; the server does the bytes. The
Koha extension fields go out as ``extensions``: CT destination, CY hold
patron id, DA hold patron name (checkin), CR collection code and CS call
number (checkin, item information).
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any, Callable

from kiosk.logs import mask_patron_id
from kiosk.sip2 import messages as m
from kiosk.sip2.codec import printable
from kiosk.sip2.fields import format_date
from kiosk.sip2.ils.data import format_amount
from kiosk.sip2.ils.outcomes import CirculationOutcome, PatronView
from kiosk.sip2.ils.rules import Circulation

log = logging.getLogger("kiosk.sip2.ils")

SUPPORTED = "Y" * 16  # every message of ACSStatus.SUPPORTED_ORDER
SUMMARY_LISTS = ("holds_available", "overdue", "charged", "fines", "recall", "holds_unavailable")
MAX_LIST = 500  # a runaway BQ must not build a megabyte reply


def _date_text(value: datetime | None) -> str:
    """A due date as SIP2 date text in the station's local time (as Koha sends it)."""
    return format_date(value.astimezone()) if value is not None else ""


class LoginRequired(Exception):
    """The peer sent a request before logging in (the server drops it)."""


class SessionHandler:
    """One SIP2 connection's view of the ILS."""

    def __init__(self, circulation: Circulation) -> None:
        self.circ = circulation
        self.logged_in = False
        self.user = ""
        self.location = ""
        self.branch = circulation.library.default_branch

    def handle(self, msg: m.Message) -> m.Message | None:
        """The response to ``msg`` (None for a message that has none)."""
        lib = self.circ.library
        if isinstance(msg, m.LoginRequest):
            return self._login(msg)
        if lib.require_login and not self.logged_in and not isinstance(msg, m.SCStatus):
            raise LoginRequired(f"{type(msg).__name__} before login")
        handler = HANDLERS.get(type(msg))
        if handler is None:
            return None  # a response type sent to us: nothing sensible to answer
        return handler(self, msg)

    # ------------------------------------------------------------ helpers
    def _now(self) -> datetime:
        return self.circ.clock()

    @property
    def _ao(self) -> str:
        return self.circ.library.institution

    def _money(self, cents: int) -> str:
        return format_amount(cents)

    def _login(self, msg: m.LoginRequest) -> m.LoginResponse:
        outcome = self.circ.login(msg.login_user_id, msg.login_password, msg.location_code)
        # A failed second login leaves an earlier good one in place.
        self.logged_in = self.logged_in or outcome.ok
        if outcome.ok:
            self.user, self.location, self.branch = outcome.user, outcome.location, outcome.branch
        log.info("login %s user=%s location=%s", "ok" if outcome.ok else "refused", printable(msg.login_user_id),
                 printable(msg.location_code))
        return m.LoginResponse(ok=outcome.ok)

    def _SCStatus(self, msg: m.SCStatus) -> m.ACSStatus:
        lib = self.circ.library
        return m.ACSStatus(
            online_status=True, checkin_ok=True, checkout_ok=True, acs_renewal_policy=True,
            status_update_ok=True, offline_ok=True, timeout_period=lib.timeout_period,
            retries_allowed=lib.retries_allowed, date_time_sync=self._now(), protocol_version="2.00",
            institution_id=self._ao, library_name=lib.name, supported_messages=SUPPORTED,
            terminal_location=self.location)

    # ------------------------------------------------------------ patrons
    def _patron_fields(self, view: PatronView) -> dict[str, object]:
        lib = self.circ.library
        return dict(patron_status=view.status, language=view.language, transaction_date=self._now(),
                    institution_id=self._ao, patron_identifier=view.patron_id, personal_name=view.name,
                    valid_patron=view.found, valid_patron_password=view.valid_pin,
                    screen_message=view.messages)

    def _PatronStatusRequest(self, msg: m.PatronStatusRequest) -> m.PatronStatusResponse:
        view = self.circ.patron(msg.patron_identifier, msg.patron_password)
        fields = self._patron_fields(view)
        if view.found:
            fields.update(currency_type=self.circ.library.currency, fee_amount=self._money(view.balance_cents))
        return m.PatronStatusResponse(**fields)  # type: ignore[arg-type]

    def _PatronInformationRequest(self, msg: m.PatronInformationRequest) -> m.PatronInformationResponse:
        view = self.circ.patron(msg.patron_identifier, msg.patron_password)
        fields = self._patron_fields(view)
        lists = {"holds_available": view.holds_available, "overdue": view.overdue, "charged": view.charged,
                 "fines": view.fines, "recall": (), "holds_unavailable": view.holds_unavailable}
        fields.update(hold_items_count=len(view.holds_available), overdue_items_count=len(view.overdue),
                      charged_items_count=len(view.charged), fine_items_count=len(view.fines),
                      recall_items_count=0, unavailable_holds_count=len(view.holds_unavailable))
        if view.found:
            fields.update(hold_items_limit=view.hold_limit, overdue_items_limit=view.overdue_limit,
                          charged_items_limit=view.charged_limit, currency_type=self.circ.library.currency,
                          fee_amount=self._money(view.balance_cents), fee_limit=self._money(view.fee_limit_cents),
                          home_address=view.address, email_address=view.email, home_phone_number=view.phone,
                          extensions=(("PC", view.category),) if view.category else ())
            # The summary asks for (at most) one list; BP/BQ are 1-based and inclusive.
            summary = msg.summary.ljust(10)[:6]
            start = max(msg.start_item or 1, 1)
            end = msg.end_item if msg.end_item else start + MAX_LIST - 1
            end = min(end, start + MAX_LIST - 1)
            names = {"holds_available": "hold_items", "overdue": "overdue_items", "charged": "charged_items",
                     "fines": "fine_items", "recall": "recall_items", "holds_unavailable": "unavailable_hold_items"}
            for pos, key in enumerate(SUMMARY_LISTS):
                if summary[pos] in "Yy":
                    fields[names[key]] = tuple(lists[key][start - 1:end])
                    break
        return m.PatronInformationResponse(**fields)  # type: ignore[arg-type]

    def _PatronEnableRequest(self, msg: m.PatronEnableRequest) -> m.PatronEnableResponse:
        view = self.circ.enable_patron(msg.patron_identifier, msg.patron_password)
        return m.PatronEnableResponse(**self._patron_fields(view))  # type: ignore[arg-type]

    def _BlockPatron(self, msg: m.BlockPatron) -> m.PatronStatusResponse:
        # No response is defined for 01; Koha answers with a patron status (24).
        log.warning("block patron %s: %s", printable(mask_patron_id(msg.patron_identifier)),
                    printable(msg.blocked_card_msg))
        view = self.circ.block_patron(msg.patron_identifier, msg.card_retained, msg.blocked_card_msg)
        return m.PatronStatusResponse(**self._patron_fields(view))  # type: ignore[arg-type]

    def _EndPatronSessionRequest(self, msg: m.EndPatronSessionRequest) -> m.EndSessionResponse:
        return m.EndSessionResponse(end_session=True, transaction_date=self._now(), institution_id=self._ao,
                                    patron_identifier=msg.patron_identifier,
                                    screen_message=(f"Thank you for visiting {self.circ.library.name}.",))

    # ------------------------------------------------------------ circulation
    def _circulation(self, cls: type[m.CheckoutResponse] | type[m.RenewResponse],
                     out: CirculationOutcome) -> m.Message:
        return cls(
            ok=out.ok, renewal_ok=out.renewal, magnetic_media=out.magnetic, desensitize=out.desensitize,
            transaction_date=self._now(), institution_id=self._ao, patron_identifier=out.patron_id,
            item_identifier=out.item_id, title_identifier=out.title,
            due_date=_date_text(out.due), fee_type=out.fee_type,
            currency_type=self.circ.library.currency if out.fee_cents else "",
            fee_amount=self._money(out.fee_cents) if out.fee_cents else "", media_type=out.media_type,
            item_properties=out.properties, transaction_id=out.transaction_id, screen_message=out.messages)

    def _CheckoutRequest(self, msg: m.CheckoutRequest) -> m.Message:
        out = self.circ.checkout(
            msg.patron_identifier, msg.item_identifier, pin=msg.patron_password,
            # BI "cancel" re-charges an item whose checkin the station could not
            # complete: like an offline replay, no block may refuse it.
            renewal_ok=msg.sc_renewal_policy, no_block=msg.no_block or bool(msg.cancel), nb_due=msg.nb_due_date,
            fee_acknowledged=bool(msg.fee_acknowledged), branch=self.branch)
        return self._circulation(m.CheckoutResponse, out)

    def _RenewRequest(self, msg: m.RenewRequest) -> m.Message:
        out = self.circ.renew(msg.patron_identifier, msg.item_identifier, pin=msg.patron_password)
        return self._circulation(m.RenewResponse, out)

    def _RenewAllRequest(self, msg: m.RenewAllRequest) -> m.RenewAllResponse:
        out = self.circ.renew_all(msg.patron_identifier, pin=msg.patron_password)
        return m.RenewAllResponse(ok=out.ok, renewed_count=len(out.renewed), unrenewed_count=len(out.unrenewed),
                                  transaction_date=self._now(), institution_id=self._ao,
                                  renewed_items=out.renewed, unrenewed_items=out.unrenewed,
                                  screen_message=out.messages)

    def _CheckinRequest(self, msg: m.CheckinRequest) -> m.CheckinResponse:
        # AP names the station's location; fall back to the login's branch.
        location = msg.current_location.strip()
        branch = self.circ.branch_for(location) if location else self.branch
        out = self.circ.checkin(msg.item_identifier, branch=branch, return_date=msg.return_date,
                                no_block=msg.no_block, cancel=bool(msg.cancel))
        ext = [(code, value) for code, value in (("CT", out.destination), ("CY", out.hold_patron_id),
                                                  ("DA", out.hold_patron_name), ("CR", out.collection),
                                                  ("CS", out.call_number)) if value]
        return m.CheckinResponse(
            ok=out.ok, resensitize=out.resensitize, magnetic_media=out.magnetic, alert=out.alert,
            transaction_date=self._now(), institution_id=self._ao, item_identifier=out.item_id,
            permanent_location=out.permanent_location, title_identifier=out.title, sort_bin=out.sort_bin,
            patron_identifier=out.patron_id, media_type=out.media_type, item_properties=out.properties,
            alert_type=out.alert_type, screen_message=out.messages, extensions=tuple(ext))

    def _ItemInformationRequest(self, msg: m.ItemInformationRequest) -> m.ItemInformationResponse:
        view = self.circ.item_information(msg.item_identifier)
        ext = [(code, value) for code, value in (("CR", view.collection), ("CS", view.call_number),
                                                  ("CL", view.sort_bin)) if value]
        return m.ItemInformationResponse(
            circulation_status=view.circulation_status, security_marker="00",
            fee_type="06" if view.fee_cents else "01", transaction_date=self._now(),
            hold_queue_length=view.hold_queue_length if view.found else None,
            due_date=_date_text(view.due),
            hold_pickup_date=view.hold_pickup_date.astimezone() if view.hold_pickup_date else None,
            item_identifier=view.item_id, title_identifier=view.title, owner=view.owner,
            currency_type=self.circ.library.currency if view.fee_cents else "",
            fee_amount=self._money(view.fee_cents) if view.fee_cents else "", media_type=view.media_type,
            permanent_location=view.permanent_location, current_location=view.current_location,
            item_properties=view.properties, screen_message=view.messages, extensions=tuple(ext))

    def _ItemStatusUpdateRequest(self, msg: m.ItemStatusUpdateRequest) -> m.ItemStatusUpdateResponse:
        out = self.circ.update_item_properties(msg.item_identifier, msg.item_properties)
        return m.ItemStatusUpdateResponse(item_properties_ok=out.ok, transaction_date=self._now(),
                                          item_identifier=out.item_id, title_identifier=out.title,
                                          item_properties=out.properties, screen_message=out.messages)

    # ------------------------------------------------------------ money, holds
    def _FeePaidRequest(self, msg: m.FeePaidRequest) -> m.FeePaidResponse:
        out = self.circ.fee_paid(msg.patron_identifier, msg.fee_amount, currency=msg.currency_type.strip(),
                                 fee_id=msg.fee_identifier, transaction_id=msg.transaction_id,
                                 pin=msg.patron_password)
        return m.FeePaidResponse(payment_accepted=out.accepted, transaction_date=self._now(),
                                 institution_id=self._ao, patron_identifier=out.patron_id,
                                 transaction_id=out.transaction_id, screen_message=out.messages)

    def _HoldRequest(self, msg: m.HoldRequest) -> m.HoldResponse:
        out = self.circ.hold(msg.hold_mode, msg.patron_identifier, item_id=msg.item_identifier,
                             title=msg.title_identifier, pickup=msg.pickup_location,
                             expires=msg.expiration_date, pin=msg.patron_password)
        return m.HoldResponse(ok=out.ok, available=out.available, transaction_date=self._now(),
                              expiration_date=out.expires.astimezone() if out.expires else None, queue_position=out.queue_position,
                              pickup_location=out.pickup, institution_id=self._ao, patron_identifier=out.patron_id,
                              item_identifier=out.item_id, title_identifier=out.title, screen_message=out.messages)


# Request type -> its handler: one table a reader (and mypy) can follow.
HANDLERS: dict[type[m.Message], Callable[[SessionHandler, Any], m.Message]] = {
    m.SCStatus: SessionHandler._SCStatus,
    m.PatronStatusRequest: SessionHandler._PatronStatusRequest,
    m.PatronInformationRequest: SessionHandler._PatronInformationRequest,
    m.PatronEnableRequest: SessionHandler._PatronEnableRequest,
    m.BlockPatron: SessionHandler._BlockPatron,
    m.EndPatronSessionRequest: SessionHandler._EndPatronSessionRequest,
    m.CheckoutRequest: SessionHandler._CheckoutRequest,
    m.RenewRequest: SessionHandler._RenewRequest,
    m.RenewAllRequest: SessionHandler._RenewAllRequest,
    m.CheckinRequest: SessionHandler._CheckinRequest,
    m.ItemInformationRequest: SessionHandler._ItemInformationRequest,
    m.ItemStatusUpdateRequest: SessionHandler._ItemStatusUpdateRequest,
    m.FeePaidRequest: SessionHandler._FeePaidRequest,
    m.HoldRequest: SessionHandler._HoldRequest,
}

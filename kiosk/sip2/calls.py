"""The typed SIP2 calls of :class:`~kiosk.sip2.client.SIP2Client`: one method
per request the kiosk sends, each returning the typed reply (3M SIP2 2.00).

Every call fills in the institution (AO), the terminal password (AC) and the
transaction date, and goes through :meth:`SIP2Client.request`, which owns the
connection, error detection and the failure contract.
"""

from __future__ import annotations

from datetime import datetime

from kiosk.errors import LocalProtocolError
from kiosk.sip2 import messages as m
from kiosk.sip2.fields import local_now
from kiosk.sip2.settings import SIP2Settings

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any


def _now() -> datetime:
    return local_now()


def format_amount(amount: object) -> str:
    """``12.5``, ``"12.50"`` or ``Decimal("12.5")`` -> ``"12.50"``."""
    from decimal import Decimal, InvalidOperation  # only fee payments need it

    try:
        value = Decimal(str(amount).strip())
    except InvalidOperation:
        raise LocalProtocolError(f"fee amount {amount!r} is not a number") from None
    if not value.is_finite() or value < 0:
        raise LocalProtocolError(f"fee amount {amount!r} must be a positive number")
    return f"{value.quantize(Decimal('0.01'))}"


class SIP2Calls:
    """Mixin: needs ``settings``, ``request(msg)`` and ``_read_acs_status(reply)``."""

    settings: SIP2Settings

    def request(self, request: m.Message) -> m.Message:
        raise NotImplementedError

    def _read_acs_status(self, reply: m.Message) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------ requests
    def _common(self) -> dict[str, Any]:
        return {"institution_id": self.settings.institution_id, "transaction_date": _now()}

    def _circulation(self, nb_due_date: datetime | None) -> dict[str, Any]:
        """``_common()`` plus the nb due date of a checkout or renew: the one
        given, else the transaction date (or blanks, ``nb_due_date = "blank"``)."""
        common = self._common()
        if nb_due_date is None and self.settings.nb_due_date != "blank":
            nb_due_date = common["transaction_date"]
        common["nb_due_date"] = nb_due_date
        return common

    def sc_status(self, status_code: str = "0", max_print_width: int = 40) -> m.ACSStatus:
        reply = self.request(m.SCStatus(status_code=status_code, max_print_width=max_print_width))
        assert isinstance(reply, m.ACSStatus)
        self._read_acs_status(reply)
        return reply

    def patron_status(self, patron: str, pin: str | None = None) -> m.PatronStatusResponse:
        reply = self.request(m.PatronStatusRequest(
            patron_identifier=patron, patron_password=pin or "",
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.PatronStatusResponse)
        return reply

    def patron_information(self, patron: str, pin: str | None = None, summary: str = "",
                           start: int = 1, end: int = 50) -> m.PatronInformationResponse:
        reply = self.request(m.PatronInformationRequest(
            patron_identifier=patron, patron_password=pin or "", summary=m.make_summary(summary),
            start_item=start, end_item=end, terminal_password=self.settings.terminal_password,
            **self._common()))
        assert isinstance(reply, m.PatronInformationResponse)
        return reply

    def checkout(self, patron: str, item: str, pin: str | None = None, renewal_ok: bool = False,
                 no_block: bool = False, nb_due_date: datetime | None = None,
                 fee_acknowledged: bool = False) -> m.CheckoutResponse:
        reply = self.request(m.CheckoutRequest(
            sc_renewal_policy=renewal_ok, no_block=no_block,
            patron_identifier=patron, item_identifier=item, patron_password=pin or "",
            terminal_password=self.settings.terminal_password,
            fee_acknowledged=True if fee_acknowledged else None, **self._circulation(nb_due_date)))
        assert isinstance(reply, m.CheckoutResponse)
        return reply

    def checkin(self, item: str, return_date: datetime | None = None, no_block: bool = False) -> m.CheckinResponse:
        reply = self.request(m.CheckinRequest(
            no_block=no_block, return_date=return_date or _now(), current_location=self.settings.location_code,
            item_identifier=item, terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.CheckinResponse)
        return reply

    def item_information(self, item: str) -> m.ItemInformationResponse:
        reply = self.request(m.ItemInformationRequest(
            item_identifier=item, terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.ItemInformationResponse)
        return reply

    def renew(self, patron: str, item: str, pin: str | None = None) -> m.RenewResponse:
        reply = self.request(m.RenewRequest(
            patron_identifier=patron, item_identifier=item, patron_password=pin or "",
            terminal_password=self.settings.terminal_password, **self._circulation(None)))
        assert isinstance(reply, m.RenewResponse)
        return reply

    def renew_all(self, patron: str, pin: str | None = None) -> m.RenewAllResponse:
        reply = self.request(m.RenewAllRequest(
            patron_identifier=patron, patron_password=pin or "",
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.RenewAllResponse)
        return reply

    def end_session(self, patron: str, pin: str | None = None) -> m.EndSessionResponse:
        reply = self.request(m.EndPatronSessionRequest(
            patron_identifier=patron, patron_password=pin or "",
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.EndSessionResponse)
        return reply

    def fee_paid(self, patron: str, amount: object, fee_type: str = "01", payment_type: str = "00",
                 currency: str = "USD", fee_id: str | None = None,
                 transaction_id: str | None = None, pin: str | None = None) -> m.FeePaidResponse:
        reply = self.request(m.FeePaidRequest(
            fee_type=fee_type, payment_type=payment_type, currency_type=currency,
            fee_amount=format_amount(amount), patron_identifier=patron, patron_password=pin or "",
            fee_identifier=fee_id or "", transaction_id=transaction_id or "",
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.FeePaidResponse)
        return reply

    def hold(self, patron: str, item: str, mode: str = "+", pin: str | None = None,
             pickup_location: str = "", expiration_date: datetime | None = None) -> m.HoldResponse:
        reply = self.request(m.HoldRequest(
            hold_mode=mode, patron_identifier=patron, item_identifier=item, patron_password=pin or "",
            pickup_location=pickup_location, expiration_date=expiration_date,
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.HoldResponse)
        return reply

    def block_patron(self, patron: str, message: str = "", card_retained: bool = False) -> m.PatronStatusResponse:
        """Block a card (01), e.g. one reported lost; the ILS answers with a patron status (24)."""
        reply = self.request(m.BlockPatron(
            card_retained=card_retained, blocked_card_msg=message, patron_identifier=patron,
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.PatronStatusResponse)
        return reply

    def patron_enable(self, patron: str, pin: str | None = None) -> m.PatronEnableResponse:
        reply = self.request(m.PatronEnableRequest(
            patron_identifier=patron, patron_password=pin or "",
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.PatronEnableResponse)
        return reply

    def item_status_update(self, item: str, properties: str) -> m.ItemStatusUpdateResponse:
        reply = self.request(m.ItemStatusUpdateRequest(
            item_identifier=item, item_properties=properties,
            terminal_password=self.settings.terminal_password, **self._common()))
        assert isinstance(reply, m.ItemStatusUpdateResponse)
        return reply

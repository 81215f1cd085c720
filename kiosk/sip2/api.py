"""The ILS as the rest of the kiosk sees it: :class:`ILSClient`.

The circulation core, the journal's replay and recovery, the station and the
return bin depend on this protocol, not on :class:`~kiosk.sip2.client.SIP2Client`
itself: it lists exactly the calls and attributes they use, so a reader sees
what the core needs from the ILS and a different link (another protocol, a
proxy) knows what to offer. ``SIP2Client`` satisfies it structurally; the
test suite checks that with mypy and at run time.

Failure contract (see :mod:`kiosk.sip2.client`): :class:`~kiosk.errors.TransportError`
(nothing happened), :class:`~kiosk.errors.UnknownOutcome` (a state-changing
request went out and no usable reply came back), :class:`~kiosk.errors.RemoteProtocolError`
(an unusable reply to a query). A refusal is a normal reply with ``ok`` false.
"""

from __future__ import annotations

from datetime import datetime
from typing import Callable, Protocol, runtime_checkable

from kiosk.sip2 import messages as m
from kiosk.sip2.client import LINK_STATES  # Values of ILSClient.state
from kiosk.sip2.settings import SIP2Settings

__all__ = ["ILSClient", "LINK_STATES"]



@runtime_checkable
class ILSClient(Protocol):
    """One thread-safe connection to the ILS with typed calls (3M SIP2 2.00)."""

    settings: SIP2Settings
    last_error: str | None          # why the link last failed; None while it works
    last_rtt: float | None          # seconds of the last round trip

    @property
    def state(self) -> str:
        """One of :data:`LINK_STATES`."""
        ...

    # -- the link -----------------------------------------------------------------
    def connect(self) -> None: ...

    def close(self) -> None: ...

    def add_listener(self, callback: Callable[[str], None]) -> None:
        """``callback(state)`` on every state change."""
        ...

    def add_roundtrip_listener(self, callback: Callable[[float], None]) -> None:
        """``callback(seconds)`` after every answered request (monitoring's round-trip histogram)."""
        ...

    def request(self, request: m.Message) -> m.Message:
        """Any request, answered by its typed reply (offline replay builds its own)."""
        ...

    # -- patrons ------------------------------------------------------------------
    def patron_status(self, patron: str, pin: str | None = None) -> m.PatronStatusResponse: ...

    def patron_information(self, patron: str, pin: str | None = None, summary: str = "",
                           start: int = 1, end: int = 50) -> m.PatronInformationResponse: ...

    def end_session(self, patron: str, pin: str | None = None) -> m.EndSessionResponse: ...

    # -- items --------------------------------------------------------------------
    def checkout(self, patron: str, item: str, pin: str | None = None, renewal_ok: bool = False,
                 no_block: bool = False, nb_due_date: datetime | None = None,
                 fee_acknowledged: bool = False) -> m.CheckoutResponse: ...

    def checkin(self, item: str, return_date: datetime | None = None,
                no_block: bool = False) -> m.CheckinResponse: ...

    def item_information(self, item: str) -> m.ItemInformationResponse: ...

    def renew(self, patron: str, item: str, pin: str | None = None) -> m.RenewResponse: ...

    def renew_all(self, patron: str, pin: str | None = None) -> m.RenewAllResponse: ...

    # -- money --------------------------------------------------------------------
    def fee_paid(self, patron: str, amount: object, fee_type: str = "01", payment_type: str = "00",
                 currency: str = "USD", fee_id: str | None = None,
                 transaction_id: str | None = None, pin: str | None = None) -> m.FeePaidResponse: ...

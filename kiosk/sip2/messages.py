"""Every SIP2 2.00 message as one frozen dataclass (3M Standard Interchange
Protocol v2.00, "Messages" chapter).

Each class declares its layout once:

* ``COMMAND``: the two-character message identifier (``"11"`` checkout ...);
* ``FIXED``: fixed-length fields, in order, with the spec's lengths;
* ``FIELDS``: variable-length fields by two-letter code, in the order we send
  them; ``required=True`` fields are always sent (possibly empty), the others
  only when set. Repeatable codes (AS AT AU AV BU CD AF AG BM BN) are tuples.

Unknown and vendor fields (Koha's CT, CV, CY, DA ...) land in ``extensions``
as ``(code, value)`` pairs in arrival order, and are sent back after the known
fields. ``msg.get("CY")`` reads any field by code, known or not.

Construction validates every field and raises :class:`LocalProtocolError`
(an invalid message is our bug); the codec turns such failures on received
bytes into :class:`RemoteProtocolError`. Dates are timezone-aware datetimes
(see :mod:`kiosk.sip2.fields`). The AY sequence number and AZ checksum belong
to the frame, not the message: see :mod:`kiosk.sip2.codec`.

The classes are defined in :mod:`kiosk.sip2.messages_patron` (connection,
patron, fees) and :mod:`kiosk.sip2.messages_items` (circulation, items) on the
base in :mod:`kiosk.sip2.messages_base`; import them from here.
"""

from kiosk.errors import LocalProtocolError
from kiosk.sip2.fields import (
    CirculationStatus, FeeType, MediaType, PatronStatus, PaymentType, SecurityMarker, make_summary,
)
from kiosk.sip2.messages_base import MESSAGE_TYPES, Message
from kiosk.sip2.messages_items import (
    CheckinRequest, CheckinResponse, CheckoutRequest, CheckoutResponse, HoldRequest, HoldResponse,
    ItemInformationRequest, ItemInformationResponse, ItemStatusUpdateRequest, ItemStatusUpdateResponse,
    RenewAllRequest, RenewAllResponse, RenewRequest, RenewResponse,
)
from kiosk.sip2.messages_patron import (
    ACSStatus, BlockPatron, EndPatronSessionRequest, EndSessionResponse, FeePaidRequest, FeePaidResponse,
    LoginRequest, LoginResponse, PatronEnableRequest, PatronEnableResponse, PatronInformationRequest,
    PatronInformationResponse, PatronStatusRequest, PatronStatusResponse, RequestACSResend, RequestSCResend,
    SCStatus,
)

__all__ = [
    "Message", "MESSAGE_TYPES", "LocalProtocolError", "PatronStatus", "CirculationStatus", "SecurityMarker", "FeeType",
    "PaymentType", "MediaType", "make_summary",
    "LoginRequest", "LoginResponse", "SCStatus", "ACSStatus", "PatronStatusRequest",
    "PatronStatusResponse", "PatronInformationRequest", "PatronInformationResponse",
    "CheckoutRequest", "CheckoutResponse", "CheckinRequest", "CheckinResponse",
    "ItemInformationRequest", "ItemInformationResponse", "RenewRequest", "RenewResponse",
    "RenewAllRequest", "RenewAllResponse", "EndPatronSessionRequest", "EndSessionResponse",
    "FeePaidRequest", "FeePaidResponse", "HoldRequest", "HoldResponse",
    "ItemStatusUpdateRequest", "ItemStatusUpdateResponse", "PatronEnableRequest",
    "PatronEnableResponse", "BlockPatron", "RequestSCResend", "RequestACSResend",
]

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

The classes are defined in three families on the base in
:mod:`kiosk.sip2.messages_base`: :mod:`kiosk.sip2.messages_link` (login,
status, resend), :mod:`kiosk.sip2.messages_patron` (patron, fees) and
:mod:`kiosk.sip2.messages_items` (circulation, items). Import them from
here: each family is loaded the first time one of its names is asked for,
so a command pays only for the messages it uses. ``MESSAGE_TYPES`` loads
them all; :func:`message_type` finds one class by its identifier.
"""

from __future__ import annotations

import importlib

from kiosk.errors import LocalProtocolError
from kiosk.sip2.fields import make_summary
from kiosk.sip2.messages_base import MESSAGE_TYPES as _LOADED, REPLY_TO, STATE_CHANGING, Message

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:  # at run time each family is imported on first use (__getattr__ below)
    from typing import Any

    MESSAGE_TYPES: dict[str, type[Message]]
    from kiosk.sip2.codes import CirculationStatus, FeeType, MediaType, PatronStatus, PaymentType, SecurityMarker
    from kiosk.sip2.messages_items import (
        CheckinRequest, CheckinResponse, CheckoutRequest, CheckoutResponse, HoldRequest, HoldResponse,
        ItemInformationRequest, ItemInformationResponse, ItemStatusUpdateRequest, ItemStatusUpdateResponse,
        RenewAllRequest, RenewAllResponse, RenewRequest, RenewResponse,
    )
    from kiosk.sip2.messages_link import (
        ACSStatus, LoginRequest, LoginResponse, RequestACSResend, RequestSCResend, SCStatus,
    )
    from kiosk.sip2.messages_patron import (
        BlockPatron, EndPatronSessionRequest, EndSessionResponse, FeePaidRequest, FeePaidResponse,
        PatronEnableRequest, PatronEnableResponse, PatronInformationRequest, PatronInformationResponse,
        PatronStatusRequest, PatronStatusResponse,
    )

_LINK = ("LoginRequest", "LoginResponse", "SCStatus", "ACSStatus", "RequestSCResend", "RequestACSResend")
_PATRON = ("PatronStatusRequest", "PatronStatusResponse", "PatronInformationRequest", "PatronInformationResponse",
           "EndPatronSessionRequest", "EndSessionResponse", "FeePaidRequest", "FeePaidResponse",
           "PatronEnableRequest", "PatronEnableResponse", "BlockPatron")
_ITEMS = ("CheckoutRequest", "CheckoutResponse", "CheckinRequest", "CheckinResponse", "ItemInformationRequest",
          "ItemInformationResponse", "RenewRequest", "RenewResponse", "RenewAllRequest", "RenewAllResponse",
          "HoldRequest", "HoldResponse", "ItemStatusUpdateRequest", "ItemStatusUpdateResponse")
_CODES = ("PatronStatus", "CirculationStatus", "SecurityMarker", "FeeType", "PaymentType", "MediaType")
_MODULE_OF = {name: f"kiosk.sip2.{module}"
              for module, names in (("messages_link", _LINK), ("messages_patron", _PATRON), ("messages_items", _ITEMS),
                                    ("codes", _CODES))
              for name in names}

# The families by module, with the identifiers each defines: loading the
# ~30 frozen dataclasses is most of what importing the catalogue costs, and
# a command such as ``kiosk sip2 status`` needs the link family only.
FAMILIES: dict[str, tuple[str, ...]] = {
    "kiosk.sip2.messages_link": ("93", "94", "99", "98", "96", "97"),
    "kiosk.sip2.messages_patron": ("23", "24", "63", "64", "25", "26", "35", "36", "01", "37", "38"),
    "kiosk.sip2.messages_items": ("11", "12", "09", "10", "29", "30", "65", "66", "17", "18", "19", "20",
                                  "15", "16"),
}
_FAMILY_OF = {command: module for module, commands in FAMILIES.items() for command in commands}


def message_type(command: str) -> type[Message] | None:
    """The class of the two-character message identifier ``command`` (its
    family loaded on first use), or None for no SIP2 2.00 message."""
    cls = _LOADED.get(command)
    if cls is None and command in _FAMILY_OF:
        importlib.import_module(_FAMILY_OF[command])
        cls = _LOADED.get(command)
    return cls


def all_message_types() -> dict[str, type[Message]]:
    """Every message class by identifier (loads every family)."""
    for module in FAMILIES:
        importlib.import_module(module)
    return _LOADED


def __getattr__(name: str) -> Any:
    """A message class (importing its family once), a code table (kiosk.sip2.codes),
    or ``MESSAGE_TYPES`` (all of them)."""
    if name == "MESSAGE_TYPES":
        return all_message_types()
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # found directly from now on
    return value


__all__ = [
    "Message", "MESSAGE_TYPES", "REPLY_TO", "STATE_CHANGING", "FAMILIES", "message_type", "all_message_types",
    "LocalProtocolError", "PatronStatus", "CirculationStatus", "SecurityMarker", "FeeType",
    "PaymentType", "MediaType", "make_summary",
    "LoginRequest", "LoginResponse", "SCStatus", "ACSStatus", "RequestSCResend", "RequestACSResend",
    "PatronStatusRequest", "PatronStatusResponse", "PatronInformationRequest", "PatronInformationResponse",
    "EndPatronSessionRequest", "EndSessionResponse", "FeePaidRequest", "FeePaidResponse",
    "PatronEnableRequest", "PatronEnableResponse", "BlockPatron",
    "CheckoutRequest", "CheckoutResponse", "CheckinRequest", "CheckinResponse", "ItemInformationRequest",
    "ItemInformationResponse", "RenewRequest", "RenewResponse", "RenewAllRequest", "RenewAllResponse",
    "HoldRequest", "HoldResponse", "ItemStatusUpdateRequest", "ItemStatusUpdateResponse",
]

"""SIP2 2.00 circulation and item messages: checkout (11/12), checkin (09/10),
renew (29/30), renew all (65/66), item information (17/18), item status update
(19/20), hold (15/16). Import them from :mod:`kiosk.sip2.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.sip2.codes import CirculationStatus, FeeType, SecurityMarker
from kiosk.sip2.fields import Fixed, Var
from kiosk.sip2.messages_base import (
    AA, AA_OPT, AB, AB_OPT, AC, AC_OPT, AD_OPT, AF, AG, AH, AJ, AJ_OPT, AO, BH, BK, BO, BV, CH, CK, _DATE,
    Message, _register,
)


# ------------------------------------------------------------ 11 / 12 checkout
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CheckoutRequest(Message):
    """11 Checkout; ``nb_due_date`` is read only with no block = Y (3M SIP2 2.00)."""

    COMMAND = "11"
    FIXED = (Fixed("sc_renewal_policy", "yn", 1), Fixed("no_block", "yn", 1), _DATE,
             Fixed("nb_due_date", "date", 18))
    FIELDS = (AO, AA, AB, AC, CH, AD_OPT, BO, Var("BI", "cancel", "yn"))
    sc_renewal_policy: bool = False
    no_block: bool = False
    transaction_date: datetime | None = None
    nb_due_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    item_properties: str = ""
    patron_password: str = field(default="", repr=False)
    fee_acknowledged: bool | None = None
    cancel: bool | None = None


_CIRC_RESPONSE_FIXED = (Fixed("ok", "flag", 1), Fixed("renewal_ok", "yn", 1),
                        Fixed("magnetic_media", "ynu", 1), Fixed("desensitize", "ynu", 1), _DATE)
_CIRC_RESPONSE_FIELDS = (AO, AA, AB, AJ, AH, Var("BT", "fee_type"), Var("CI", "security_inhibit", "yn"),
                         BH, BV, CK, CH, BK, AF, AG)


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class _CirculationResult(Message):
    """Layout shared by the checkout (12) and renew (30) responses."""

    FIXED = _CIRC_RESPONSE_FIXED
    FIELDS = _CIRC_RESPONSE_FIELDS
    OK_FIELD = "ok"
    ok: bool = False
    renewal_ok: bool = False
    magnetic_media: bool | None = None
    desensitize: bool | None = None
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    item_identifier: str = ""
    title_identifier: str = ""
    due_date: str = ""  # free text in the ILS's own format (spec: variable-length)
    fee_type: str = ""
    security_inhibit: bool | None = None
    currency_type: str = ""
    fee_amount: str = ""
    media_type: str = ""
    item_properties: str = ""
    transaction_id: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CheckoutResponse(_CirculationResult):
    """12 Checkout Response (3M SIP2 2.00)."""

    COMMAND = "12"


# ------------------------------------------------------------- 09 / 10 checkin
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CheckinRequest(Message):
    """09 Checkin (3M SIP2 2.00)."""

    COMMAND = "09"
    FIXED = (Fixed("no_block", "yn", 1), _DATE, Fixed("return_date", "date", 18))
    FIELDS = (Var("AP", "current_location", required=True), AO, AB, AC, CH, Var("BI", "cancel", "yn"))
    no_block: bool = False
    transaction_date: datetime | None = None
    return_date: datetime | None = None
    current_location: str = ""
    institution_id: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    item_properties: str = ""
    cancel: bool | None = None


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class CheckinResponse(Message):
    """10 Checkin Response; CV and CL are common extensions (3M SIP2 2.00)."""

    COMMAND = "10"
    FIXED = (Fixed("ok", "flag", 1), Fixed("resensitize", "yn", 1), Fixed("magnetic_media", "ynu", 1),
             Fixed("alert", "yn", 1), _DATE)
    FIELDS = (AO, AB, Var("AQ", "permanent_location", required=True), AJ_OPT, Var("CL", "sort_bin"),
              AA_OPT, CK, CH, Var("CV", "alert_type"), AF, AG)
    OK_FIELD = "ok"
    ok: bool = False
    resensitize: bool = True
    magnetic_media: bool | None = None
    alert: bool = False
    transaction_date: datetime | None = None
    institution_id: str = ""
    item_identifier: str = ""
    permanent_location: str = ""
    title_identifier: str = ""
    sort_bin: str = ""
    patron_identifier: str = ""
    media_type: str = ""
    item_properties: str = ""
    alert_type: str = ""  # CV (3M extension): 01 hold here, 02 hold elsewhere, 04 transit ...
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# --------------------------------------------------------------- 29 / 30 renew
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RenewRequest(Message):
    """29 Renew (3M SIP2 2.00)."""

    COMMAND = "29"
    FIXED = (Fixed("third_party_allowed", "yn", 1), Fixed("no_block", "yn", 1), _DATE,
             Fixed("nb_due_date", "date", 18))
    FIELDS = (AO, AA, AD_OPT, AB_OPT, AJ_OPT, AC_OPT, CH, BO)
    third_party_allowed: bool = False
    no_block: bool = False
    transaction_date: datetime | None = None
    nb_due_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    patron_password: str = field(default="", repr=False)
    item_identifier: str = ""
    title_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    item_properties: str = ""
    fee_acknowledged: bool | None = None


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RenewResponse(_CirculationResult):
    """30 Renew Response (3M SIP2 2.00)."""

    COMMAND = "30"


# ----------------------------------------------------------- 65 / 66 renew all
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RenewAllRequest(Message):
    """65 Renew All (3M SIP2 2.00)."""

    COMMAND = "65"
    FIXED = (_DATE,)
    FIELDS = (AO, AA, AD_OPT, AC_OPT, BO)
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    patron_password: str = field(default="", repr=False)
    terminal_password: str = field(default="", repr=False)
    fee_acknowledged: bool | None = None


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RenewAllResponse(Message):
    """66 Renew All Response (3M SIP2 2.00)."""

    COMMAND = "66"
    FIXED = (Fixed("ok", "flag", 1), Fixed("renewed_count", "int", 4), Fixed("unrenewed_count", "int", 4),
             _DATE)
    FIELDS = (AO, Var("BM", "renewed_items", "list"), Var("BN", "unrenewed_items", "list"), AF, AG)
    OK_FIELD = "ok"
    ok: bool = False
    renewed_count: int = 0
    unrenewed_count: int = 0
    transaction_date: datetime | None = None
    institution_id: str = ""
    renewed_items: tuple[str, ...] = ()
    unrenewed_items: tuple[str, ...] = ()
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ---------------------------------------------------- 17 / 18 item information
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ItemInformationRequest(Message):
    """17 Item Information (3M SIP2 2.00)."""

    COMMAND = "17"
    FIXED = (_DATE,)
    FIELDS = (AO, AB, AC_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ItemInformationResponse(Message):
    """18 Item Information Response (3M SIP2 2.00)."""

    COMMAND = "18"
    FIXED = (Fixed("circulation_status", "str", 2), Fixed("security_marker", "str", 2),
             Fixed("fee_type", "str", 2), _DATE)
    FIELDS = (Var("CF", "hold_queue_length", "int"), Var("AH", "due_date"),
              Var("CJ", "recall_date", "date"), Var("CM", "hold_pickup_date", "date"), AB, AJ,
              Var("BG", "owner"), BH, BV, CK, Var("AQ", "permanent_location"),
              Var("AP", "current_location"), CH, AF, AG)
    circulation_status: str = CirculationStatus.OTHER
    security_marker: str = SecurityMarker.OTHER
    fee_type: str = FeeType.OTHER
    transaction_date: datetime | None = None
    hold_queue_length: int | None = None
    due_date: str = ""
    recall_date: datetime | None = None
    hold_pickup_date: datetime | None = None
    item_identifier: str = ""
    title_identifier: str = ""
    owner: str = ""
    currency_type: str = ""
    fee_amount: str = ""
    media_type: str = ""
    permanent_location: str = ""
    current_location: str = ""
    item_properties: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# -------------------------------------------------- 19 / 20 item status update
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ItemStatusUpdateRequest(Message):
    """19 Item Status Update: set the item properties (CH) (3M SIP2 2.00)."""

    COMMAND = "19"
    FIXED = (_DATE,)
    FIELDS = (AO, AB, AC_OPT, Var("CH", "item_properties", required=True))
    transaction_date: datetime | None = None
    institution_id: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    item_properties: str = ""


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ItemStatusUpdateResponse(Message):
    """20 Item Status Update Response (3M SIP2 2.00)."""

    COMMAND = "20"
    FIXED = (Fixed("item_properties_ok", "flag", 1), _DATE)
    FIELDS = (AB, AJ_OPT, CH, AF, AG)
    OK_FIELD = "item_properties_ok"
    item_properties_ok: bool = False
    transaction_date: datetime | None = None
    item_identifier: str = ""
    title_identifier: str = ""
    item_properties: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ---------------------------------------------------------------- 15 / 16 hold
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class HoldRequest(Message):
    """15 Hold: add (+), delete (-) or change (*) a hold (3M SIP2 2.00)."""

    COMMAND = "15"
    FIXED = (Fixed("hold_mode", "str", 1, "+-*"), _DATE)
    FIELDS = (Var("BW", "expiration_date", "date"), Var("BS", "pickup_location"), Var("BY", "hold_type"),
              AO, AA, AD_OPT, AB_OPT, AJ_OPT, AC_OPT, BO)
    hold_mode: str = "+"  # + add, - delete, * change
    transaction_date: datetime | None = None
    expiration_date: datetime | None = None
    pickup_location: str = ""
    hold_type: str = ""
    institution_id: str = ""
    patron_identifier: str = ""
    patron_password: str = field(default="", repr=False)
    item_identifier: str = ""
    title_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    fee_acknowledged: bool | None = None


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class HoldResponse(Message):
    """16 Hold Response (3M SIP2 2.00)."""

    COMMAND = "16"
    FIXED = (Fixed("ok", "flag", 1), Fixed("available", "yn", 1), _DATE)
    FIELDS = (Var("BW", "expiration_date", "date"), Var("BR", "queue_position", "int"),
              Var("BS", "pickup_location"), AO, AA, AB_OPT, AJ_OPT, AF, AG)
    OK_FIELD = "ok"
    ok: bool = False
    available: bool = False
    transaction_date: datetime | None = None
    expiration_date: datetime | None = None
    queue_position: int | None = None
    pickup_location: str = ""
    institution_id: str = ""
    patron_identifier: str = ""
    item_identifier: str = ""
    title_identifier: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()

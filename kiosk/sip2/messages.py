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
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar

from kiosk.errors import LocalProtocolError
from kiosk.sip2.fields import (
    CirculationStatus, FeeType, Fixed, MediaType, PatronStatus, PaymentType, SecurityMarker,
    Var, check_fixed, check_var, make_summary,
)

__all__ = [
    "Message", "MESSAGE_TYPES", "PatronStatus", "CirculationStatus", "SecurityMarker", "FeeType",
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

# Shared descriptors (same code, same meaning, in every message).
_DATE = Fixed("transaction_date", "date", 18)
_LANG = Fixed("language", "str", 3)
_STATUS = Fixed("patron_status", "status", 14)
AO = Var("AO", "institution_id", required=True)
AA = Var("AA", "patron_identifier", required=True)
AA_OPT = Var("AA", "patron_identifier")
AB = Var("AB", "item_identifier", required=True)
AB_OPT = Var("AB", "item_identifier")
AC = Var("AC", "terminal_password", required=True)
AC_OPT = Var("AC", "terminal_password")
AD_OPT = Var("AD", "patron_password")
AE = Var("AE", "personal_name", required=True)
AF = Var("AF", "screen_message", "list")
AG = Var("AG", "print_line", "list")
AH = Var("AH", "due_date", required=True)
AJ = Var("AJ", "title_identifier", required=True)
AJ_OPT = Var("AJ", "title_identifier")
BH = Var("BH", "currency_type")
BK = Var("BK", "transaction_id")
BL = Var("BL", "valid_patron", "yn")
BO = Var("BO", "fee_acknowledged", "yn")
BV = Var("BV", "fee_amount")
CH = Var("CH", "item_properties")
CK = Var("CK", "media_type")
CQ = Var("CQ", "valid_patron_password", "yn")


@dataclass(frozen=True, kw_only=True)
class Message:
    """Base of every SIP2 message; see the module docstring."""

    COMMAND: ClassVar[str] = ""
    FIXED: ClassVar[tuple[Fixed, ...]] = ()
    FIELDS: ClassVar[tuple[Var, ...]] = ()
    OK_FIELD: ClassVar[str | None] = None  # the field that says whether the ILS said yes

    extensions: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        values = self.__dict__
        for fspec in self.FIXED:
            check_fixed(fspec, values[fspec.name])
        for vspec in self.FIELDS:
            value = values[vspec.name]
            if type(value) is str and vspec.kind == "str" and "|" not in value \
                    and "\r" not in value and "\n" not in value:
                continue  # the common case, checked inline: building requests is on the hot path
            checked = check_var(vspec, value)
            if checked is not value:
                object.__setattr__(self, vspec.name, checked)
        if not self.extensions:
            if self.extensions != ():
                object.__setattr__(self, "extensions", ())
            return
        ext = []
        for pair in self.extensions:
            if (not isinstance(pair, (tuple, list)) or len(pair) != 2
                    or not all(isinstance(p, str) for p in pair) or len(pair[0]) != 2):
                raise LocalProtocolError(f"extension {pair!r} must be a (two-letter code, str) pair")
            check_var(Var(pair[0], "extension"), pair[1])
            ext.append((pair[0], pair[1]))
        object.__setattr__(self, "extensions", tuple(ext))

    @classmethod
    def spec_for(cls, code: str) -> Var | None:
        for vspec in cls.FIELDS:
            if vspec.code == code:
                return vspec
        return None

    def get(self, code: str, default: Any = None) -> Any:
        """Any variable field by two-letter code: the typed value of a known
        field, else the first vendor extension with that code, else ``default``."""
        vspec = self.spec_for(code)
        if vspec is not None:
            return getattr(self, vspec.name)
        for ext_code, value in self.extensions:
            if ext_code == code:
                return value
        return default

    def get_all(self, code: str) -> tuple[Any, ...]:
        """Every value sent under ``code`` (known repeated field or extensions)."""
        vspec = self.spec_for(code)
        if vspec is not None:
            value = getattr(self, vspec.name)
            if vspec.kind == "list":
                return tuple(value)
            extra = tuple(v for c, v in self.extensions if c == code)
            return ((value,) if value not in (None, "") else ()) + extra
        return tuple(v for c, v in self.extensions if c == code)

    @property
    def outcome(self) -> bool | None:
        """Whether the ILS said yes: the value of ``OK_FIELD`` (``ok``,
        ``valid_patron``, ``payment_accepted`` ...), ``None`` when there is none."""
        return getattr(self, self.OK_FIELD) if self.OK_FIELD else None

    @property
    def fixed_values(self) -> dict[str, Any]:
        return {f.name: getattr(self, f.name) for f in self.FIXED}


def _register(cls: type[Message]) -> type[Message]:
    MESSAGE_TYPES[cls.COMMAND] = cls
    return cls


MESSAGE_TYPES: dict[str, type[Message]] = {}


# --------------------------------------------------------------- 93 / 94 login
@_register
@dataclass(frozen=True, kw_only=True)
class LoginRequest(Message):
    COMMAND = "93"
    FIXED = (Fixed("uid_algorithm", "str", 1), Fixed("pwd_algorithm", "str", 1))
    FIELDS = (Var("CN", "login_user_id", required=True), Var("CO", "login_password", required=True),
              Var("CP", "location_code"))
    uid_algorithm: str = "0"
    pwd_algorithm: str = "0"
    login_user_id: str = ""
    login_password: str = field(default="", repr=False)
    location_code: str = ""


@_register
@dataclass(frozen=True, kw_only=True)
class LoginResponse(Message):
    COMMAND = "94"
    FIXED = (Fixed("ok", "flag", 1),)
    OK_FIELD = "ok"
    ok: bool = False


# --------------------------------------------------------------- 99 / 98 status
@_register
@dataclass(frozen=True, kw_only=True)
class SCStatus(Message):
    COMMAND = "99"
    FIXED = (Fixed("status_code", "str", 1, "012"), Fixed("max_print_width", "int", 3),
             Fixed("protocol_version", "str", 4))
    status_code: str = "0"  # 0 ok, 1 out of paper, 2 shutting down
    max_print_width: int = 40
    protocol_version: str = "2.00"


@_register
@dataclass(frozen=True, kw_only=True)
class ACSStatus(Message):
    COMMAND = "98"
    FIXED = (Fixed("online_status", "yn", 1), Fixed("checkin_ok", "yn", 1), Fixed("checkout_ok", "yn", 1),
             Fixed("acs_renewal_policy", "yn", 1), Fixed("status_update_ok", "yn", 1),
             Fixed("offline_ok", "yn", 1), Fixed("timeout_period", "int", 3),
             Fixed("retries_allowed", "int", 3), Fixed("date_time_sync", "date", 18),
             Fixed("protocol_version", "str", 4))
    FIELDS = (AO, Var("AM", "library_name"), Var("BX", "supported_messages", required=True),
              Var("AN", "terminal_location"), AF, AG)
    OK_FIELD = "online_status"
    online_status: bool = True
    checkin_ok: bool = True
    checkout_ok: bool = True
    acs_renewal_policy: bool = True
    status_update_ok: bool = False
    offline_ok: bool = False
    timeout_period: int = 0  # tenths of a second; 0 = the ACS never times out
    retries_allowed: int = 999  # 999 = unknown
    date_time_sync: datetime | None = None
    protocol_version: str = "2.00"
    institution_id: str = ""
    library_name: str = ""
    supported_messages: str = ""  # 16 Y/N positions, see ACSStatus.supports()
    terminal_location: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()

    SUPPORTED_ORDER: ClassVar[tuple[str, ...]] = (
        "patron_status", "checkout", "checkin", "block_patron", "sc_acs_status", "request_resend",
        "login", "patron_information", "end_patron_session", "fee_paid", "item_information",
        "item_status_update", "patron_enable", "hold", "renew", "renew_all")

    def supports(self, name: str) -> bool | None:
        """Whether the ACS announced support for ``name`` in BX (None: not said)."""
        pos = self.SUPPORTED_ORDER.index(name)
        if pos >= len(self.supported_messages):
            return None
        return self.supported_messages[pos] in "Yy"


# ----------------------------------------------------- 23 / 24 patron status
@_register
@dataclass(frozen=True, kw_only=True)
class PatronStatusRequest(Message):
    COMMAND = "23"
    FIXED = (_LANG, _DATE)
    FIELDS = (AO, AA, AC, Var("AD", "patron_password", required=True))
    language: str = "000"
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True)
class PatronStatusResponse(Message):
    COMMAND = "24"
    FIXED = (_STATUS, _LANG, _DATE)
    FIELDS = (AO, AA, AE, BL, CQ, BH, BV, AF, AG)
    OK_FIELD = "valid_patron"
    patron_status: PatronStatus = field(default_factory=PatronStatus)
    language: str = "000"
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    personal_name: str = ""
    valid_patron: bool | None = None
    valid_patron_password: bool | None = None
    currency_type: str = ""
    fee_amount: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ------------------------------------------------------------ 11 / 12 checkout
@_register
@dataclass(frozen=True, kw_only=True)
class CheckoutRequest(Message):
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


@dataclass(frozen=True, kw_only=True)
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
@dataclass(frozen=True, kw_only=True)
class CheckoutResponse(_CirculationResult):
    COMMAND = "12"


# ------------------------------------------------------------- 09 / 10 checkin
@_register
@dataclass(frozen=True, kw_only=True)
class CheckinRequest(Message):
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
@dataclass(frozen=True, kw_only=True)
class CheckinResponse(Message):
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


# ------------------------------------------------------------ 01 block patron
@_register
@dataclass(frozen=True, kw_only=True)
class BlockPatron(Message):
    COMMAND = "01"
    FIXED = (Fixed("card_retained", "yn", 1), _DATE)
    FIELDS = (AO, Var("AL", "blocked_card_msg", required=True), AA, AC)
    card_retained: bool = False
    transaction_date: datetime | None = None
    institution_id: str = ""
    blocked_card_msg: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)


# ---------------------------------------------------- 63 / 64 patron information
@_register
@dataclass(frozen=True, kw_only=True)
class PatronInformationRequest(Message):
    COMMAND = "63"
    FIXED = (_LANG, _DATE, Fixed("summary", "str", 10))
    FIELDS = (AO, AA, AC_OPT, AD_OPT, Var("BP", "start_item", "int"), Var("BQ", "end_item", "int"))
    language: str = "000"
    transaction_date: datetime | None = None
    summary: str = " " * 10
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)
    start_item: int | None = None
    end_item: int | None = None


@_register
@dataclass(frozen=True, kw_only=True)
class PatronInformationResponse(Message):
    COMMAND = "64"
    FIXED = (_STATUS, _LANG, _DATE, Fixed("hold_items_count", "int", 4),
             Fixed("overdue_items_count", "int", 4), Fixed("charged_items_count", "int", 4),
             Fixed("fine_items_count", "int", 4), Fixed("recall_items_count", "int", 4),
             Fixed("unavailable_holds_count", "int", 4))
    FIELDS = (AO, AA, AE, Var("BZ", "hold_items_limit", "int", width=4),
              Var("CA", "overdue_items_limit", "int", width=4),
              Var("CB", "charged_items_limit", "int", width=4), BL, CQ, BH, BV, Var("CC", "fee_limit"),
              Var("AS", "hold_items", "list"), Var("AT", "overdue_items", "list"),
              Var("AU", "charged_items", "list"), Var("AV", "fine_items", "list"),
              Var("BU", "recall_items", "list"), Var("CD", "unavailable_hold_items", "list"),
              Var("BD", "home_address"), Var("BE", "email_address"), Var("BF", "home_phone_number"),
              AF, AG)
    OK_FIELD = "valid_patron"
    patron_status: PatronStatus = field(default_factory=PatronStatus)
    language: str = "000"
    transaction_date: datetime | None = None
    hold_items_count: int = 0
    overdue_items_count: int = 0
    charged_items_count: int = 0
    fine_items_count: int = 0
    recall_items_count: int = 0
    unavailable_holds_count: int = 0
    institution_id: str = ""
    patron_identifier: str = ""
    personal_name: str = ""
    hold_items_limit: int | None = None
    overdue_items_limit: int | None = None
    charged_items_limit: int | None = None
    valid_patron: bool | None = None
    valid_patron_password: bool | None = None
    currency_type: str = ""
    fee_amount: str = ""
    fee_limit: str = ""
    hold_items: tuple[str, ...] = ()
    overdue_items: tuple[str, ...] = ()
    charged_items: tuple[str, ...] = ()
    fine_items: tuple[str, ...] = ()
    recall_items: tuple[str, ...] = ()
    unavailable_hold_items: tuple[str, ...] = ()
    home_address: str = ""
    email_address: str = ""
    home_phone_number: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ---------------------------------------------------------- 35 / 36 end session
@_register
@dataclass(frozen=True, kw_only=True)
class EndPatronSessionRequest(Message):
    COMMAND = "35"
    FIXED = (_DATE,)
    FIELDS = (AO, AA, AC_OPT, AD_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True)
class EndSessionResponse(Message):
    COMMAND = "36"
    FIXED = (Fixed("end_session", "yn", 1), _DATE)
    FIELDS = (AO, AA, AF, AG)
    OK_FIELD = "end_session"
    end_session: bool = True
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ------------------------------------------------------------ 37 / 38 fee paid
@_register
@dataclass(frozen=True, kw_only=True)
class FeePaidRequest(Message):
    COMMAND = "37"
    FIXED = (_DATE, Fixed("fee_type", "str", 2), Fixed("payment_type", "str", 2),
             Fixed("currency_type", "str", 3))
    FIELDS = (Var("BV", "fee_amount", required=True), AO, AA, AC_OPT, AD_OPT,
              Var("CG", "fee_identifier"), BK)
    transaction_date: datetime | None = None
    fee_type: str = "01"
    payment_type: str = "00"
    currency_type: str = "USD"
    fee_amount: str = ""
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)
    fee_identifier: str = ""
    transaction_id: str = ""


@_register
@dataclass(frozen=True, kw_only=True)
class FeePaidResponse(Message):
    COMMAND = "38"
    FIXED = (Fixed("payment_accepted", "yn", 1), _DATE)
    FIELDS = (AO, AA, BK, AF, AG)
    OK_FIELD = "payment_accepted"
    payment_accepted: bool = False
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    transaction_id: str = ""
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ---------------------------------------------------- 17 / 18 item information
@_register
@dataclass(frozen=True, kw_only=True)
class ItemInformationRequest(Message):
    COMMAND = "17"
    FIXED = (_DATE,)
    FIELDS = (AO, AB, AC_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True)
class ItemInformationResponse(Message):
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
@dataclass(frozen=True, kw_only=True)
class ItemStatusUpdateRequest(Message):
    COMMAND = "19"
    FIXED = (_DATE,)
    FIELDS = (AO, AB, AC_OPT, Var("CH", "item_properties", required=True))
    transaction_date: datetime | None = None
    institution_id: str = ""
    item_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    item_properties: str = ""


@_register
@dataclass(frozen=True, kw_only=True)
class ItemStatusUpdateResponse(Message):
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


# ------------------------------------------------------ 25 / 26 patron enable
@_register
@dataclass(frozen=True, kw_only=True)
class PatronEnableRequest(Message):
    COMMAND = "25"
    FIXED = (_DATE,)
    FIELDS = (AO, AA, AC_OPT, AD_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True)
class PatronEnableResponse(Message):
    COMMAND = "26"
    FIXED = (_STATUS, _LANG, _DATE)
    FIELDS = (AO, AA, AE, BL, CQ, AF, AG)
    OK_FIELD = "valid_patron"
    patron_status: PatronStatus = field(default_factory=PatronStatus)
    language: str = "000"
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    personal_name: str = ""
    valid_patron: bool | None = None
    valid_patron_password: bool | None = None
    screen_message: tuple[str, ...] = ()
    print_line: tuple[str, ...] = ()


# ---------------------------------------------------------------- 15 / 16 hold
@_register
@dataclass(frozen=True, kw_only=True)
class HoldRequest(Message):
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
@dataclass(frozen=True, kw_only=True)
class HoldResponse(Message):
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


# --------------------------------------------------------------- 29 / 30 renew
@_register
@dataclass(frozen=True, kw_only=True)
class RenewRequest(Message):
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
@dataclass(frozen=True, kw_only=True)
class RenewResponse(_CirculationResult):
    COMMAND = "30"


# ----------------------------------------------------------- 65 / 66 renew all
@_register
@dataclass(frozen=True, kw_only=True)
class RenewAllRequest(Message):
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
@dataclass(frozen=True, kw_only=True)
class RenewAllResponse(Message):
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


# --------------------------------------------------------------- 96 / 97 resend
@_register
@dataclass(frozen=True, kw_only=True)
class RequestSCResend(Message):
    """96: the ACS asks us to send our last message again."""

    COMMAND = "96"


@_register
@dataclass(frozen=True, kw_only=True)
class RequestACSResend(Message):
    """97: we ask the ACS to send its last message again (bad checksum)."""

    COMMAND = "97"

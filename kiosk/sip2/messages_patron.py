"""SIP2 2.00 messages of the connection, the patron and fees: login (93/94),
status (99/98), resend (96/97), patron status (23/24), patron information
(63/64), patron enable (25/26), end session (35/36), block patron (01), fee
paid (37/38). Import them from :mod:`kiosk.sip2.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import ClassVar

from kiosk.sip2.fields import Fixed, PatronStatus, Var
from kiosk.sip2.messages_base import (
    AA, AC, AC_OPT, AD_OPT, AE, AF, AG, AO, BH, BK, BL, BV, CQ, _DATE, _LANG, _STATUS, Message, _register,
)


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


# ---------------------------------------------------- 63 / 64 patron information
@_register
@dataclass(frozen=True, kw_only=True)
class PatronInformationRequest(Message):
    COMMAND = "63"
    FIXED = (_LANG, _DATE, Fixed("summary", "summary", 10))
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


# ------------------------------------------------------------ 37 / 38 fee paid
@_register
@dataclass(frozen=True, kw_only=True)
class FeePaidRequest(Message):
    COMMAND = "37"
    FIXED = (_DATE, Fixed("fee_type", "digits", 2), Fixed("payment_type", "digits", 2),
             Fixed("currency_type", "upper", 3))
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

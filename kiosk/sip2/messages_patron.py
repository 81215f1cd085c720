"""SIP2 2.00 messages of the patron and fees: patron status (23/24), patron
information (63/64), patron enable (25/26), end session (35/36), block patron
(01), fee paid (37/38). Import them from :mod:`kiosk.sip2.messages`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.sip2.codes import PatronStatus
from kiosk.sip2.fields import Fixed, Var
from kiosk.sip2.messages_base import (
    AA, AC, AC_OPT, AD_OPT, AE, AF, AG, AO, BH, BK, BL, BV, CQ, _DATE, _LANG, _STATUS, Message, _register,
)


# ----------------------------------------------------- 23 / 24 patron status
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronStatusRequest(Message):
    """23 Patron Status Request (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronStatusResponse(Message):
    """24 Patron Status Response: the 14 patron flags and whether card and PIN are valid (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronInformationRequest(Message):
    """63 Patron Information: one item list in detail per the summary (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronInformationResponse(Message):
    """64 Patron Information Response: counts, limits, item lists (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronEnableRequest(Message):
    """25 Patron Enable: lift a block the SC set (3M SIP2 2.00)."""

    COMMAND = "25"
    FIXED = (_DATE,)
    FIELDS = (AO, AA, AC_OPT, AD_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class PatronEnableResponse(Message):
    """26 Patron Enable Response (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class EndPatronSessionRequest(Message):
    """35 End Patron Session (3M SIP2 2.00)."""

    COMMAND = "35"
    FIXED = (_DATE,)
    FIELDS = (AO, AA, AC_OPT, AD_OPT)
    transaction_date: datetime | None = None
    institution_id: str = ""
    patron_identifier: str = ""
    terminal_password: str = field(default="", repr=False)
    patron_password: str = field(default="", repr=False)


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class EndSessionResponse(Message):
    """36 End Session Response (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class BlockPatron(Message):
    """01 Block Patron: block a card (the ACS answers with a 24) (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class FeePaidRequest(Message):
    """37 Fee Paid: a payment the SC took (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class FeePaidResponse(Message):
    """38 Fee Paid Response (3M SIP2 2.00)."""

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

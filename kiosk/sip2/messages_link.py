"""SIP2 2.00 messages of the link itself: login (93/94), SC/ACS status
(99/98) and the resend requests (96/97). Import them from
:mod:`kiosk.sip2.messages`; this family is all that connecting needs, so
``kiosk sip2 status`` loads no other.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from kiosk.sip2.fields import Fixed, Var
from kiosk.sip2.messages_base import AF, AG, AO, Message, _register


# --------------------------------------------------------------- 93 / 94 login
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class LoginRequest(Message):
    """93 Login: the SC's SIP user and password (3M SIP2 2.00)."""

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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class LoginResponse(Message):
    """94 Login Response: ok=1 when the ACS accepted the login (3M SIP2 2.00)."""

    COMMAND = "94"
    FIXED = (Fixed("ok", "flag", 1),)
    OK_FIELD = "ok"
    ok: bool = False


# --------------------------------------------------------------- 99 / 98 status
@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class SCStatus(Message):
    """99 SC Status: the SC's state and the protocol version it speaks (3M SIP2 2.00)."""

    COMMAND = "99"
    FIXED = (Fixed("status_code", "str", 1, "012"), Fixed("max_print_width", "int", 3),
             Fixed("protocol_version", "str", 4))
    status_code: str = "0"  # 0 ok, 1 out of paper, 2 shutting down
    max_print_width: int = 40
    protocol_version: str = "2.00"


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class ACSStatus(Message):
    """98 ACS Status: what the ACS is able and allowed to do, its timeout and retries (3M SIP2 2.00)."""

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

    SUPPORTED_ORDER = (   # not annotated: a constant of the class, not a field
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
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RequestSCResend(Message):
    """96: the ACS asks us to send our last message again."""

    COMMAND = "96"


@_register
@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class RequestACSResend(Message):
    """97: we ask the ACS to send its last message again (bad checksum)."""

    COMMAND = "97"

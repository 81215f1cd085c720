"""The base of every SIP2 message class and the field descriptors they share.

See :mod:`kiosk.sip2.messages` for the contract; the classes themselves live in
:mod:`kiosk.sip2.messages_link` (login, status, resend),
:mod:`kiosk.sip2.messages_patron` (patron, fees) and
:mod:`kiosk.sip2.messages_items` (circulation and items), which register
themselves here as they are loaded.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kiosk.errors import LocalProtocolError
from kiosk.sip2.fields import Fixed, Var, check_fixed, check_var, fixed_check

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any, Callable

# Shared descriptors (same code, same meaning, in every message).
_DATE = Fixed("transaction_date", "date", 18)
_LANG = Fixed("language", "digits", 3)  # 000 unknown, 001 English ... (3M SIP2 2.00 table)
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


class MessageLayout:
    """What a message class says of itself: its identifier and its fields.
    A plain class, so its attributes are never dataclass fields (they would
    be ``ClassVar`` on the dataclass, which a dataclass recognises only with
    :mod:`typing` loaded, and nothing on the way to a reply needs typing)."""

    COMMAND: str = ""
    FIXED: tuple[Fixed, ...] = ()
    FIELDS: tuple[Var, ...] = ()
    OK_FIELD: str | None = None  # the field that says whether the ILS said yes


@dataclass(frozen=True, kw_only=True, eq=False, repr=False)
class Message(MessageLayout):
    """Base of every SIP2 message; see :mod:`kiosk.sip2.messages`. Every
    message class is ``@dataclass(frozen=True, kw_only=True, eq=False,
    repr=False)`` and inherits ``__eq__``, ``__hash__`` and ``__repr__`` from here."""

    extensions: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        values = self.__dict__
        fixed, typed = _CHECKS.get(self.__class__) or _checks_for(self.__class__)
        for fspec, ok in fixed:
            if not ok(values[fspec.name]):
                check_fixed(fspec, values[fspec.name])  # says what is wrong (a str subclass passes here)
        for vspec in self.FIELDS:
            value = values[vspec.name]
            if type(value) is str and vspec.kind == "str" and "|" not in value \
                    and "\r" not in value and "\n" not in value:
                continue  # the common case, checked inline: building requests is on the hot path
            if value is None and vspec in typed:
                continue  # an optional typed field left out
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

    # Equality, hash and repr are written once here rather than generated for
    # each of the ~30 classes (eq=False, repr=False): generating them is most
    # of what defining a dataclass costs, and they mean the same: same class,
    # same field values; secrets (``field(repr=False)``) left out of the repr.
    def __eq__(self, other: object) -> bool:
        if other.__class__ is not self.__class__:
            return NotImplemented
        return self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash((self.__class__, frozenset(self.__dict__.items())))

    def __repr__(self) -> str:
        values = self.__dict__
        shown = ", ".join(f"{f.name}={values[f.name]!r}" for f in dataclasses.fields(self) if f.repr)
        return f"{self.__class__.__qualname__}({shown})"

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
            return getattr(self, vspec.name)  # the layout table names the field that holds the code
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


# Per class: each fixed field with its predicate, and the typed variable fields
# that may be None; worked out on the first message of the class.
_CHECKS: dict[type, tuple[tuple[tuple[Fixed, Callable[[Any], bool]], ...], frozenset[Var]]] = {}


def _checks_for(cls: type[Message]) -> tuple[tuple[tuple[Fixed, Callable[[Any], bool]], ...], frozenset[Var]]:
    checks = _CHECKS[cls] = (tuple((spec, fixed_check(spec)) for spec in cls.FIXED),
                             frozenset(v for v in cls.FIELDS if v.kind in ("yn", "int", "date")))
    return checks


# ------------------------------------------------------------------ the catalogue
#: Request command -> the command of the reply that answers it (3M SIP2 2.00 message pairs).
REPLY_TO: dict[str, str] = {
    "93": "94", "99": "98", "23": "24", "01": "24", "63": "64", "11": "12", "09": "10", "17": "18",
    "29": "30", "65": "66", "35": "36", "37": "38", "15": "16", "19": "20", "25": "26",
}
#: Requests whose effect on the ILS is uncertain when no reply arrives.
STATE_CHANGING: frozenset[str] = frozenset({"11", "09", "29", "65", "37", "15", "01", "19", "25"})

#: Command -> class, for every family loaded so far (see kiosk.sip2.messages.message_type).
MESSAGE_TYPES: dict[str, type[Message]] = {}


def _register(cls: type[Message]) -> type[Message]:
    MESSAGE_TYPES[cls.COMMAND] = cls
    return cls

"""Field kinds of SIP2 2.00: how one fixed or variable field maps to a Python value.

The message classes in :mod:`kiosk.sip2.messages` declare their layout as a
tuple of :class:`Fixed` (by position and the spec's length) and :class:`Var`
(by two-letter code) descriptors; this module converts single values both ways
and validates them. Nothing here knows about framing (see :mod:`kiosk.sip2.codec`).

Dates (3M SIP2 2.00, "Date and time format"): ``YYYYMMDDZZZZHHMMSS`` where
``ZZZZ`` is four blanks for the station's local time or ``   Z`` for UTC. We
decode to timezone-aware :class:`datetime` (local time gets the system's
offset), and encode UTC datetimes (``tzinfo is timezone.utc``) with ``Z``,
everything else converted to local time with a blank zone, which is what
every ILS we know of expects. Eighteen blanks mean "no date" (``None``).
"""

from __future__ import annotations

from datetime import datetime, timezone

from kiosk.errors import FieldError, LocalProtocolError

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from enum import StrEnum
    from typing import Any, Callable

DATE_LENGTH = 18
BLANK_DATE = " " * DATE_LENGTH


# --------------------------------------------------------------------- dates
def format_date(value: datetime | None) -> str:
    """Encode a timezone-aware datetime as ``YYYYMMDDZZZZHHMMSS``."""
    if value is None:
        return BLANK_DATE
    if value.tzinfo is None or value.utcoffset() is None:
        raise LocalProtocolError(f"SIP2 dates must be timezone-aware, got naive {value!r}")
    if value.tzinfo is timezone.utc:
        zone = "   Z"
    else:
        zone = "    "
        if _LOCAL_ZONES.get((value.year, value.month, value.day, value.hour)) is not value.tzinfo:
            value = value.astimezone()  # not one of our local datetimes: convert
    return (f"{value.year:04d}{value.month:02d}{value.day:02d}{zone}"
            f"{value.hour:02d}{value.minute:02d}{value.second:02d}")


def _zone(text: str) -> Any:
    zone = text.strip().upper()
    if zone in ("", "L", "LOC", "LOCAL"):
        return None  # local time
    if zone in ("Z", "UTC", "GMT", "UT"):
        return timezone.utc
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError  # rare: most ILSes send blanks or Z

    try:
        return ZoneInfo(text.strip())
    except (ZoneInfoNotFoundError, ValueError):
        # An abbreviation we cannot resolve: the digits are the server's wall
        # clock, which for a kiosk is almost always our own local time.
        return None


_LOCAL_ZONES: dict[tuple[int, int, int, int], Any] = {}


def _local(naive: datetime) -> datetime:
    """Attach the system's offset for that local wall-clock time. Offsets only
    change on the hour (DST), so they are cached per hour: ``astimezone``
    asks the C library each time and costs more than the rest of a parse."""
    key = (naive.year, naive.month, naive.day, naive.hour)
    zone = _LOCAL_ZONES.get(key)
    if zone is None:
        if len(_LOCAL_ZONES) > 4096:
            _LOCAL_ZONES.clear()
        zone = _LOCAL_ZONES[key] = naive.astimezone().tzinfo
    return naive.replace(tzinfo=zone)


def local_now() -> datetime:
    """Now, timezone-aware in the system's zone (cheaper than ``now().astimezone()``)."""
    return _local(datetime.now())


def parse_date(text: str) -> datetime | None:
    """Decode a SIP2 date; blank gives ``None``. Liberal: accepts a 14-digit
    ``YYYYMMDDHHMMSS`` without zone, blanks for digits of the time, and zone
    names such as ``UTC`` or ``CET``."""
    known = _PARSED.get(text)
    if known is not None:
        return known
    value = _parse_date(text)
    if value is not None:
        if len(_PARSED) >= 1024:
            _PARSED.clear()
        _PARSED[text] = value
    return value


# The same dates come back again and again (a due date on every loan of a
# stack, the ACS clock within one second): datetimes are immutable, so each
# text is worked out once. Bounded; local-time offsets are settled per hour.
_PARSED: dict[str, datetime] = {}


def _parse_date(text: str) -> datetime | None:
    if len(text) == DATE_LENGTH:
        day, zone, clock = text[:8], text[8:12], text[12:]
        if day.isdigit() and clock.isdigit():  # the usual case, kept quick
            try:
                naive = datetime(int(day[:4]), int(day[4:6]), int(day[6:]),
                                 int(clock[:2]), int(clock[2:4]), int(clock[4:]))
            except ValueError as exc:
                raise FieldError(f"date {text!r}: {exc}") from None
            if zone == "    ":
                return _local(naive)
            if zone == "   Z":
                return naive.replace(tzinfo=timezone.utc)
            tz = _zone(zone)
            return _local(naive) if tz is None else naive.replace(tzinfo=tz)
    raw = text.strip("\r\n")
    if not raw.strip():
        return None
    if len(raw) == DATE_LENGTH:
        day, zone, clock = raw[:8], raw[8:12], raw[12:18]
    elif len(raw.strip()) == 14 and raw.strip().isdigit():
        raw = raw.strip()
        day, zone, clock = raw[:8], "", raw[8:]
    else:
        raise FieldError(f"date {text!r} is not YYYYMMDDZZZZHHMMSS")
    clock = clock.replace(" ", "0") if day.isdigit() else clock
    if not (day.isdigit() and clock.isdigit()):
        raise FieldError(f"date {text!r} has non-digits in its date or time")
    try:
        naive = datetime(int(day[:4]), int(day[4:6]), int(day[6:8]),
                         int(clock[:2]), int(clock[2:4]), int(clock[4:6]))
    except ValueError as exc:
        raise FieldError(f"date {text!r}: {exc}") from None
    tz = _zone(zone)
    if tz is None:
        return _local(naive)
    return naive.replace(tzinfo=tz)


# Summary positions of the Patron Information request (SIP2 2.00, message 63).
SUMMARY_POSITIONS = {"hold": 0, "overdue": 1, "charged": 2, "fine": 3, "recall": 4, "unavailable": 5}


def make_summary(which: str) -> str:
    """``"charged"`` -> ``"  Y       "``; a 10-character string passes through."""
    if len(which) == 10 and set(which) <= {" ", "Y"}:
        return which
    if not which.strip():
        return " " * 10
    try:
        pos = SUMMARY_POSITIONS[which.strip().lower()]
    except KeyError:
        raise LocalProtocolError(
            f"summary {which!r}: use one of {', '.join(SUMMARY_POSITIONS)} or 10 characters") from None
    return " " * pos + "Y" + " " * (9 - pos)


# ------------------------------------------------------------ descriptors
# Fixed kinds: "flag" 0/1 bool, "yn" Y/N bool, "ynu" Y/N/U -> True/False/None,
# "date" 18-char date, "int" zero-padded digits, "str" exact-length text,
# "status" the 14-char PatronStatus; and text with a shape, which we build
# strictly and read liberally (kept as received): "digits" (language, fee and
# payment types), "upper" (ISO 4217 currency), "summary" (10 characters,
# blanks and at most one Y).
# Variable kinds: "str", "list" (repeatable code), "yn", "int", "date".
class Fixed:
    """One fixed-length field: the attribute that holds it, its kind (above),
    its length in characters and, for a 1-character "str", the characters allowed."""

    __slots__ = ("name", "kind", "length", "choices")

    def __init__(self, name: str, kind: str, length: int, choices: str | None = None) -> None:
        self.name, self.kind, self.length, self.choices = name, kind, length, choices

    def __repr__(self) -> str:
        return f"Fixed({self.name!r}, {self.kind!r}, {self.length})"


class Var:
    """One variable-length field: its two-letter code, the attribute that
    holds it, its kind (above), whether it is always sent, and the width
    "int" values are zero-padded to (BZ, CA, CB are 4 characters)."""

    __slots__ = ("code", "name", "kind", "required", "width")

    def __init__(self, code: str, name: str, kind: str = "str", required: bool = False, width: int = 0) -> None:
        self.code, self.name, self.kind, self.required, self.width = code, name, kind, required, width

    def __repr__(self) -> str:
        return f"Var({self.code!r}, {self.name!r}, {self.kind!r})"


_FLAG: dict[str, bool | None] = {"1": True, "Y": True, "y": True, "0": False, "N": False, "n": False, " ": False}
_YNU: dict[str, bool | None] = {"Y": True, "y": True, "N": False, "n": False, "U": None, "u": None, " ": None}
_TABLES: dict[str, tuple[dict[str, bool | None], str]] = {
    "flag": (_FLAG, "0 or 1"), "yn": (_FLAG, "Y or N"), "ynu": (_YNU, "Y, N or U")}
_NOT_FOUND = object()
_TEXT_KINDS = ("str", "digits", "upper", "summary")


def fixed_decoder(spec: Fixed) -> Any:
    """A one-argument converter for ``spec`` (built once per layout, for speed)."""
    if spec.kind in _TABLES:
        table, expect = _TABLES[spec.kind]
        get = table.get

        def from_table(text: str) -> Any:
            value = get(text, _NOT_FOUND)
            if value is _NOT_FOUND:
                raise FieldError(f"{spec.name} {text!r} is not {expect}")
            return value
        return from_table
    if spec.kind == "date":
        return parse_date
    if spec.kind == "status":
        from kiosk.sip2.codes import PatronStatus

        return PatronStatus.parse
    if spec.kind in _TEXT_KINDS and spec.name not in _ENUM_NAMES:
        return None  # already a str of the right length: kept as it is
    if spec.kind == "int":
        def digits(text: str) -> int:
            if text.isdigit():
                return int(text)
            return int(decode_fixed(spec, text))  # blanks, or an error naming the field
        return digits
    return lambda text: decode_fixed(spec, text)


# ------------------------------------------------------------ per-spec functions
# Built once per message class (see kiosk.sip2.codec and messages_base), so
# encoding a request and checking its fields do no dispatch on the kind.
def _flag(value: Any) -> str:
    return "1" if value else "0"


def _yn(value: Any) -> str:
    return "Y" if value else "N"


def _ynu(value: Any) -> str:
    return "U" if value is None else "Y" if value else "N"


def _status(value: Any) -> str:
    flags: str = value.format()
    return flags


def fixed_encoder(spec: Fixed) -> Callable[[Any], str]:
    """A one-argument encoder for ``spec`` (values already checked)."""
    kind = spec.kind
    if kind == "int":
        width = spec.length
        return lambda value: str(value).zfill(width)
    encoders: dict[str, Callable[[Any], str]] = {
        "flag": _flag, "yn": _yn, "ynu": _ynu, "date": format_date, "status": _status}
    return encoders.get(kind, str)


def _is_bool(value: Any) -> bool:
    return value is True or value is False


def _is_ynu(value: Any) -> bool:
    return value is None or value is True or value is False


def _is_date(value: Any) -> bool:
    return value is None or (isinstance(value, datetime) and value.utcoffset() is not None)


def fixed_check(spec: Fixed) -> Callable[[Any], bool]:
    """A predicate: can ``value`` be sent in ``spec``? (:func:`check_fixed`
    says why not.)"""
    kind, length, choices = spec.kind, spec.length, spec.choices
    if kind in ("flag", "yn"):
        return _is_bool
    if kind == "ynu":
        return _is_ynu
    if kind == "date":
        return _is_date
    if kind == "int":
        top = 10 ** length
        return lambda value: type(value) is int and 0 <= value < top
    if kind == "status":
        from kiosk.sip2.codes import PatronStatus

        return lambda value: isinstance(value, PatronStatus)
    if kind in _SHAPES:
        shape = _SHAPES[kind]
        return lambda value: type(value) is str and len(value) == length and shape(value)

    def text(value: Any) -> bool:
        return (type(value) is str and len(value) == length and "|" not in value and "\r" not in value
                and "\n" not in value and (choices is None or value in choices))
    return text


def decode_fixed(spec: Fixed, text: str) -> Any:
    kind = spec.kind
    if kind == "flag":
        if text in ("1", "Y", "y"):
            return True
        if text in ("0", "N", "n", " "):
            return False
        raise FieldError(f"{spec.name} {text!r} is not 0 or 1")
    if kind == "yn":
        if text in ("Y", "y", "1"):
            return True
        if text in ("N", "n", "0", " "):
            return False
        raise FieldError(f"{spec.name} {text!r} is not Y or N")
    if kind == "ynu":
        if text in ("Y", "y"):
            return True
        if text in ("N", "n"):
            return False
        if text in ("U", "u", " "):
            return None
        raise FieldError(f"{spec.name} {text!r} is not Y, N or U")
    if kind == "date":
        return parse_date(text)
    if kind == "int":
        digits = text.strip()
        if not digits:
            return 0
        if not digits.isdigit():
            raise FieldError(f"{spec.name} {text!r} is not a number")
        return int(digits)
    if kind == "status":
        from kiosk.sip2.codes import PatronStatus

        return PatronStatus.parse(text)
    return _as_code(spec, text)


def _as_code(spec: Fixed, text: str) -> str:
    table = _enum_for(spec.name)
    if table is None:
        return text
    try:
        return table(text)
    except ValueError:
        return text  # a vendor code: keep it, do not refuse the reply


# Fixed fields read into a code table (kiosk.sip2.codes, loaded when one is first read:
# building its enums is a millisecond a command that reads none need not spend).
_ENUM_NAMES = frozenset({"circulation_status", "security_marker", "fee_type", "payment_type"})


_ENUMS: dict[str, type[StrEnum]] = {}


def _enum_for(name: str) -> type[StrEnum] | None:
    if name not in _ENUM_NAMES:
        return None
    if not _ENUMS:
        from kiosk.sip2 import codes

        _ENUMS.update(circulation_status=codes.CirculationStatus, security_marker=codes.SecurityMarker,
                      fee_type=codes.FeeType, payment_type=codes.PaymentType)
    return _ENUMS[name]


def encode_fixed(spec: Fixed, value: Any) -> str:
    kind = spec.kind
    if kind == "flag":
        return "1" if value else "0"
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "ynu":
        return "U" if value is None else "Y" if value else "N"
    if kind == "date":
        return format_date(value)
    if kind == "int":
        return str(value).zfill(spec.length)
    if kind == "status":
        flags: str = value.format()
        return flags
    return str(value)


def check_fixed(spec: Fixed, value: Any) -> None:
    """Raise :class:`LocalProtocolError` if ``value`` cannot be sent in ``spec``."""
    kind, name = spec.kind, spec.name
    if kind in ("flag", "yn"):
        ok = isinstance(value, bool)
    elif kind == "ynu":
        ok = value is None or isinstance(value, bool)
    elif kind == "date":
        ok = value is None or (isinstance(value, datetime) and value.utcoffset() is not None)
    elif kind == "int":
        ok = isinstance(value, int) and not isinstance(value, bool) and 0 <= value < 10 ** spec.length
    elif kind == "status":
        from kiosk.sip2.codes import PatronStatus

        ok = isinstance(value, PatronStatus)
    elif kind in _SHAPES:
        ok = isinstance(value, str) and len(value) == spec.length and _SHAPES[kind](value)
    else:
        ok = (isinstance(value, str) and len(value) == spec.length
              and "|" not in value and "\r" not in value and "\n" not in value)
        if ok and spec.choices is not None:
            ok = value in spec.choices
    if not ok:
        expect = {"flag": "a bool", "yn": "a bool", "ynu": "True, False or None (U)",
                  "date": "a timezone-aware datetime or None",
                  "int": f"an int of at most {spec.length} digits", "status": "a PatronStatus",
                  "digits": f"{spec.length} digits", "upper": f"{spec.length} capital letters",
                  "summary": "10 characters, blanks and at most one Y"}.get(
            kind, f"{spec.length} characters" + (f" from {spec.choices!r}" if spec.choices else ""))
        raise LocalProtocolError(f"fixed field {name}={value!r}: must be {expect}")


def _digits(text: str) -> bool:
    return text.isascii() and text.isdigit()


def _upper(text: str) -> bool:
    return text.isascii() and text.isalpha() and text.isupper()


def _summary(text: str) -> bool:
    return set(text) <= {" ", "Y"} and text.count("Y") <= 1


_SHAPES: dict[str, Callable[[str], bool]] = {"digits": _digits, "upper": _upper, "summary": _summary}


def decode_var(spec: Var, text: str) -> Any:
    kind = spec.kind
    if kind == "yn":
        flag = text.strip()[:1]
        if flag in ("Y", "y", "1"):
            return True
        if flag in ("N", "n", "0"):
            return False
        if flag == "":
            return None
        raise FieldError(f"{spec.code} {text!r} is not Y or N")
    if kind == "int":
        digits = text.strip()
        if not digits:
            return None
        if not digits.isdigit():
            raise FieldError(f"{spec.code} {text!r} is not a number")
        return int(digits)
    if kind == "date":
        return parse_date(text)
    return text


def encode_var(spec: Var, value: Any) -> str:
    kind = spec.kind
    if kind == "yn":
        return "Y" if value else "N"
    if kind == "int":
        return str(value).zfill(spec.width)
    if kind == "date":
        return format_date(value)
    return str(value)


def var_default(spec: Var) -> Any:
    if spec.kind == "list":
        return ()
    if spec.kind == "str":
        return ""
    return None


def check_var(spec: Var, value: Any) -> Any:
    """Validate (and normalise lists to tuples); returns the value to store."""
    kind, code = spec.kind, spec.code
    if kind == "list":
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            for v in value:
                _check_text(code, v)
            return tuple(value)
        raise LocalProtocolError(f"field {code} ({spec.name}) must be a tuple of str, got {value!r}")
    if kind == "str":
        if not isinstance(value, str):
            raise LocalProtocolError(f"field {code} ({spec.name}) must be str, got {value!r}")
        _check_text(code, value)
        return value
    if value is None:
        return None
    if kind == "yn" and not isinstance(value, bool):
        raise LocalProtocolError(f"field {code} ({spec.name}) must be a bool or None, got {value!r}")
    if kind == "int" and (not isinstance(value, int) or isinstance(value, bool) or value < 0):
        raise LocalProtocolError(f"field {code} ({spec.name}) must be a non-negative int, got {value!r}")
    if kind == "date" and not (isinstance(value, datetime) and value.utcoffset() is not None):
        raise LocalProtocolError(f"field {code} ({spec.name}) must be a timezone-aware datetime")
    return value


def _check_text(code: str, value: str) -> None:
    if "|" in value or "\r" in value or "\n" in value:
        raise LocalProtocolError(f"field {code}: value contains '|', CR or LF, which SIP2 cannot carry")

"""The simulator's seed data file: TOML, read once into typed records.

The format (every key, with defaults) is documented in README.md, section
"ILS simulator"; ``demo_data.toml`` next to this module is the shipped demo.
Dates in the file are relative (``due_in_days = -3``) so the demo always has
overdue loans and unexpired cards, whatever day it runs.

Every problem in a file is collected and raised at once as a
:class:`~kiosk.errors.ConfigError` whose lines read ``items[3].media_type: ...``.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field, fields
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Callable

from kiosk.errors import ConfigError
from kiosk.sip2.codes import FeeType, MediaType

DEMO_DATA = Path(__file__).with_name("demo_data.toml")

# Media types by friendly name (SIP2 2.00 CK codes); the 3-digit code works too.
MEDIA_NAMES = {m.name.lower(): m.value for m in MediaType}
FEE_NAMES = {f.name.lower(): f.value for f in FeeType}
# ISO 639-1 -> SIP2 2.00 language codes (fixed field "language", 3 digits).
SIP_LANGUAGES = {"en": "001", "fr": "002", "de": "003", "it": "004", "nl": "005", "sv": "006",
                 "fi": "007", "es": "008", "da": "009", "pt": "010", "no": "012", "nb": "012",
                 "he": "013", "ja": "014", "ru": "015", "ar": "016", "pl": "017", "el": "018",
                 "zh": "019", "ko": "020", "ta": "022", "ms": "023", "is": "025"}
ITEM_STATES = ("available", "in_transit", "lost", "missing", "in_process")
HOLD_STATES = ("pending", "waiting")


@dataclass(frozen=True)
class Library:
    institution: str = "DEMO"
    name: str = "Demo Library"
    currency: str = "USD"
    default_branch: str = "MAIN"
    timeout_period: int = 0       # 98 timeout period, tenths of a second (0 = none)
    retries_allowed: int = 3
    fee_limit_cents: int = 2000   # excessive outstanding fines above this
    no_pin_accepts: str = "any"   # patron without PIN: "any" PIN or only "empty"
    hold_shelf_days: int = 7
    require_login: bool = True    # drop connections that skip the 93 login (as Koha does)
    holds_sort_bin: str = "HOLDS"     # CL for an item trapped for a hold here
    transit_sort_bin: str = "TRANSIT"  # CL for an item that must travel to another branch
    overdue_fine_per_day_cents: int = 0
    overdue_fine_max_cents: int = 0


@dataclass(frozen=True)
class Login:
    user: str
    password: str
    location: str = ""


@dataclass(frozen=True)
class Branch:
    code: str
    name: str
    locations: tuple[str, ...] = ()


@dataclass(frozen=True)
class ItemType:
    code: str
    loan_days: int = 21
    renewals: int = 2
    loanable: bool = True
    rental_fee_cents: int = 0


@dataclass(frozen=True)
class Patron:
    id: str
    name: str
    pin: str = ""                # "" = no PIN set
    category: str = "ADULT"
    language: str = "en"
    email: str = ""
    phone: str = ""
    address: str = ""
    home_branch: str = "MAIN"
    expires_in_days: int = 365
    blocked: bool = False
    block_reason: str = ""
    card_lost: bool = False
    fee_limit_cents: int | None = None
    charged_limit: int = 50
    overdue_limit: int = 10
    hold_limit: int = 10
    message: str = ""            # shown on every patron status/information reply


@dataclass(frozen=True)
class Item:
    id: str
    title: str
    author: str = ""
    item_type: str = "BOOK"
    media_type: str = MediaType.BOOK.value
    branch: str = "MAIN"         # owning branch, the permanent location (AQ)
    collection: str = ""
    call_number: str = ""
    sort_bin: str = ""
    parts: int = 1
    not_for_loan: bool = False
    max_renewals: int | None = None   # overrides the item type's limit
    state: str = "available"
    transit_to: str = ""
    properties: str = ""         # CH item properties text


@dataclass(frozen=True)
class Loan:
    item: str
    patron: str
    due_in_days: int = 14
    checked_out_days_ago: int = 7
    renewals: int = 0


@dataclass(frozen=True)
class Hold:
    item: str
    patron: str
    pickup: str = "MAIN"
    status: str = "pending"
    expires_in_days: int = 7


@dataclass(frozen=True)
class Fine:
    id: str
    patron: str
    amount_cents: int
    fee_type: str = FeeType.OVERDUE.value
    description: str = ""
    item: str = ""


@dataclass(frozen=True)
class SeedData:
    library: Library = field(default_factory=Library)
    logins: tuple[Login, ...] = ()
    branches: tuple[Branch, ...] = ()
    item_types: tuple[ItemType, ...] = ()
    patrons: tuple[Patron, ...] = ()
    items: tuple[Item, ...] = ()
    loans: tuple[Loan, ...] = ()
    holds: tuple[Hold, ...] = ()
    fines: tuple[Fine, ...] = ()


def parse_amount(text: str | int | float) -> int:
    """``"12.50"`` -> 1250 cents, exactly (Decimal, never float arithmetic).

    Raises ValueError for anything that is not a non-negative amount with at
    most two decimals."""
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not an amount") from None
    if not value.is_finite() or value < 0:
        raise ValueError(f"{text!r} is not a non-negative amount")
    cents = value * 100
    if cents != cents.to_integral_value():
        raise ValueError(f"{text!r} has more than two decimals")
    return int(cents)


def format_amount(cents: int) -> str:
    """1250 -> ``"12.50"``."""
    sign = "-" if cents < 0 else ""
    cents = abs(cents)
    return f"{sign}{cents // 100}.{cents % 100:02d}"


class _Reader:
    """Collects errors while converting one TOML table into a record."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = errors

    def record(self, cls: type, where: str, table: Any, converters: dict[str, Callable[[Any], Any]],
               required: tuple[str, ...] = (), extra: dict[str, Any] | None = None) -> Any:
        if not isinstance(table, dict):
            self.errors.append(f"{where}: expected a table")
            return None
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = dict(extra or {})
        ok = True
        for key, raw in table.items():
            if key not in converters:
                hint = _nearest(key, converters)
                self.errors.append(f"{where}.{key}: unknown key" + (f" (did you mean {hint!r}?)" if hint else ""))
                ok = False
                continue
            try:
                name, value = _target(key, converters[key](raw))
            except (ValueError, TypeError) as exc:
                self.errors.append(f"{where}.{key}: {exc}")
                ok = False
                continue
            if name not in known:
                raise AssertionError(f"converter for {key} targets unknown field {name}")
            values[name] = value
        for key in required:
            if key not in table:
                self.errors.append(f"{where}.{key}: required")
                ok = False
        return cls(**values) if ok else None


def _target(key: str, value: Any) -> tuple[str, Any]:
    # Amount keys are stored in cents under a *_cents field.
    if key in ("fee_limit", "rental_fee", "amount", "overdue_fine_per_day", "overdue_fine_max"):
        return key + "_cents", value
    if key == "type":
        return "fee_type", value
    return key, value


def _nearest(key: str, choices: Any) -> str | None:
    import difflib

    found = difflib.get_close_matches(key, list(choices), n=1, cutoff=0.6)
    return found[0] if found else None


def _str(value: Any) -> str:
    if not isinstance(value, str):
        raise TypeError(f"expected a string, got {type(value).__name__}")
    if "|" in value or "\r" in value or "\n" in value:
        raise ValueError("must not contain '|' or line breaks (SIP2 cannot carry them)")
    return value


def _nonempty(value: Any) -> str:
    text = _str(value)
    if not text.strip():
        raise ValueError("must not be empty")
    return text


def _int(low: int, high: int) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        if not isinstance(value, int) or isinstance(value, bool):
            raise TypeError(f"expected an integer, got {type(value).__name__}")
        if not low <= value <= high:
            raise ValueError(f"must be between {low} and {high} (got {value})")
        return value
    return parse


def _bool(value: Any) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"expected true or false, got {type(value).__name__}")
    return value


def _choice(*choices: str) -> Callable[[Any], str]:
    def parse(value: Any) -> str:
        if value not in choices:
            raise ValueError(f"must be one of {', '.join(choices)} (got {value!r})")
        return str(value)
    return parse


def _amount(value: Any) -> int:
    if isinstance(value, float):
        raise TypeError("write amounts as strings (\"12.50\"), not floats")
    return parse_amount(value)


def _media(value: Any) -> str:
    text = _str(value).lower().replace(" ", "_").replace("-", "_")
    if text in MEDIA_NAMES:
        return MEDIA_NAMES[text]
    if text in MEDIA_NAMES.values():
        return text
    raise ValueError(f"unknown media type {value!r}; use one of {', '.join(MEDIA_NAMES)} or a 3-digit code")


def _fee_type(value: Any) -> str:
    text = _str(value).lower().replace(" ", "_")
    if text in FEE_NAMES:
        return FEE_NAMES[text]
    if text in FEE_NAMES.values():
        return text
    raise ValueError(f"unknown fee type {value!r}; use one of {', '.join(FEE_NAMES)} or a 2-digit code")


def _language(value: Any) -> str:
    text = _str(value)
    if len(text) != 2 or not text.isalpha():
        raise ValueError(f"{text!r} is not a two-letter language code")
    return text.lower()


def _strings(value: Any) -> tuple[str, ...]:
    if not isinstance(value, list):
        raise TypeError("expected a list of strings")
    return tuple(_nonempty(v) for v in value)


DAYS = _int(-36500, 36500)
COUNT = _int(0, 9999)

LIBRARY_KEYS = {"institution": _nonempty, "name": _str, "currency": _str, "default_branch": _nonempty,
                "timeout_period": _int(0, 999), "retries_allowed": _int(0, 999), "fee_limit": _amount,
                "no_pin_accepts": _choice("any", "empty"), "hold_shelf_days": _int(1, 365),
                "require_login": _bool, "holds_sort_bin": _nonempty, "transit_sort_bin": _nonempty,
                "overdue_fine_per_day": _amount, "overdue_fine_max": _amount}
LOGIN_KEYS = {"user": _nonempty, "password": _str, "location": _str}
BRANCH_KEYS = {"code": _nonempty, "name": _str, "locations": _strings}
ITEM_TYPE_KEYS = {"loan_days": _int(1, 3650), "renewals": COUNT, "loanable": _bool, "rental_fee": _amount}
PATRON_KEYS = {"id": _nonempty, "name": _nonempty, "pin": _str, "category": _str, "language": _language,
               "email": _str, "phone": _str, "address": _str, "home_branch": _nonempty,
               "expires_in_days": DAYS, "blocked": _bool, "block_reason": _str, "card_lost": _bool,
               "fee_limit": _amount, "charged_limit": COUNT, "overdue_limit": COUNT, "hold_limit": COUNT,
               "message": _str}
ITEM_KEYS = {"id": _nonempty, "title": _nonempty, "author": _str, "item_type": _nonempty, "media_type": _media,
             "branch": _nonempty, "collection": _str, "call_number": _str, "sort_bin": _str,
             "parts": _int(1, 99), "not_for_loan": _bool, "max_renewals": COUNT,
             "state": _choice(*ITEM_STATES), "transit_to": _str, "properties": _str}
LOAN_KEYS = {"item": _nonempty, "patron": _nonempty, "due_in_days": DAYS, "checked_out_days_ago": _int(0, 36500),
             "renewals": COUNT}
HOLD_KEYS = {"item": _nonempty, "patron": _nonempty, "pickup": _nonempty, "status": _choice(*HOLD_STATES),
             "expires_in_days": _int(0, 3650)}
FINE_KEYS = {"id": _nonempty, "patron": _nonempty, "amount": _amount, "type": _fee_type, "description": _str,
             "item": _str}
TOP_KEYS = ("library", "logins", "branches", "item_types", "patrons", "items", "loans", "holds", "fines")


def load_data(path: str | Path | None = None) -> SeedData:
    """Read and check a seed data file (``None``: the shipped demo data)."""
    source = Path(path) if path is not None else DEMO_DATA
    try:
        with source.open("rb") as handle:
            raw = tomllib.load(handle)
    except OSError as exc:
        raise ConfigError([f"{source}: cannot read ({exc.strerror or exc})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{source}: not valid TOML ({exc})"]) from None
    return parse_data(raw, str(source))


def parse_data(raw: dict[str, Any], source: str = "data") -> SeedData:
    errors: list[str] = []
    reader = _Reader(errors)
    for key in raw:
        if key not in TOP_KEYS:
            hint = _nearest(key, TOP_KEYS)
            errors.append(f"{key}: unknown table" + (f" (did you mean {hint!r}?)" if hint else ""))

    def many(name: str, cls: type, keys: dict[str, Any], required: tuple[str, ...]) -> tuple[Any, ...]:
        tables = raw.get(name, [])
        if not isinstance(tables, list):
            errors.append(f"{name}: expected an array of tables ([[{name}]])")
            return ()
        out = (reader.record(cls, f"{name}[{i}]", t, keys, required) for i, t in enumerate(tables))
        return tuple(r for r in out if r is not None)

    library = reader.record(Library, "library", raw.get("library", {}), LIBRARY_KEYS) or Library()
    item_types = []
    types_raw = raw.get("item_types", {})
    if isinstance(types_raw, dict):
        for code, table in types_raw.items():
            rec = reader.record(ItemType, f"item_types.{code}", table, ITEM_TYPE_KEYS, extra={"code": code})
            if rec is not None:
                item_types.append(rec)
    else:
        errors.append("item_types: expected a table of tables ([item_types.BOOK])")
    data = SeedData(
        library=library,
        logins=many("logins", Login, LOGIN_KEYS, ("user", "password")),
        branches=many("branches", Branch, BRANCH_KEYS, ("code",)),
        item_types=tuple(item_types),
        patrons=many("patrons", Patron, PATRON_KEYS, ("id", "name")),
        items=many("items", Item, ITEM_KEYS, ("id", "title")),
        loans=many("loans", Loan, LOAN_KEYS, ("item", "patron")),
        holds=many("holds", Hold, HOLD_KEYS, ("item", "patron")),
        fines=many("fines", Fine, FINE_KEYS, ("id", "patron", "amount")),
    )
    _cross_check(data, errors)
    if errors:
        raise ConfigError([f"{source}: {e}" for e in errors])
    return data


def _cross_check(data: SeedData, errors: list[str]) -> None:
    """References between tables, and duplicate ids."""
    def dupes(name: str, ids: list[str]) -> set[str]:
        seen: set[str] = set()
        for ident in ids:
            if ident in seen:
                errors.append(f"{name}: duplicate id {ident!r}")
            seen.add(ident)
        return seen

    patrons = dupes("patrons", [p.id for p in data.patrons])
    items = dupes("items", [i.id for i in data.items])
    dupes("fines", [f.id for f in data.fines])
    branches = {b.code for b in data.branches} | {data.library.default_branch}
    types = {t.code for t in data.item_types}
    for i, item in enumerate(data.items):
        if item.item_type not in types:
            errors.append(f"items[{i}].item_type: {item.item_type!r} is not in [item_types]")
        if item.branch not in branches:
            errors.append(f"items[{i}].branch: unknown branch {item.branch!r}")
        if item.state == "in_transit" and item.transit_to not in branches:
            errors.append(f"items[{i}].transit_to: an item in transit needs a known branch")
    for i, patron in enumerate(data.patrons):
        if patron.home_branch not in branches:
            errors.append(f"patrons[{i}].home_branch: unknown branch {patron.home_branch!r}")
    on_loan: set[str] = set()
    for i, loan in enumerate(data.loans):
        if loan.item not in items:
            errors.append(f"loans[{i}].item: unknown item {loan.item!r}")
        if loan.patron not in patrons:
            errors.append(f"loans[{i}].patron: unknown patron {loan.patron!r}")
        if loan.item in on_loan:
            errors.append(f"loans[{i}].item: {loan.item!r} is already on loan")
        on_loan.add(loan.item)
    for i, hold in enumerate(data.holds):
        if hold.item not in items:
            errors.append(f"holds[{i}].item: unknown item {hold.item!r}")
        if hold.patron not in patrons:
            errors.append(f"holds[{i}].patron: unknown patron {hold.patron!r}")
        if hold.pickup not in branches:
            errors.append(f"holds[{i}].pickup: unknown branch {hold.pickup!r}")
        if hold.status == "waiting" and hold.item in on_loan:
            errors.append(f"holds[{i}].status: a waiting hold's item cannot be on loan")
    for i, fine in enumerate(data.fines):
        if fine.patron not in patrons:
            errors.append(f"fines[{i}].patron: unknown patron {fine.patron!r}")
        if fine.item and fine.item not in items:
            errors.append(f"fines[{i}].item: unknown item {fine.item!r}")

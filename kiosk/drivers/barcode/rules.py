"""Barcode validation and patron/item classification by configurable rules.

A library decides what its barcodes look like; the kiosk only checks them so
that a misread (a smudged label, a shop EAN on a cereal box) is refused at the
scanner instead of producing a confusing ILS error. Each kind (patron, item)
has a rule: a regular expression, a length range and a check-digit scheme.

Check-digit schemes:

``codabar14``
    The 14-digit "Codabar library" barcode used by most North American ILSs
    (Dynix, Sirsi, Polaris, Koha sites migrated from them): digit 1 is the
    type (2 patron, 3 item), digits 2-5 the institution, 6-13 the serial and
    digit 14 a modulus-10 check digit over digits 1-13: digits in odd
    positions (1, 3, ... 13, counted from the left) are doubled and 9 is
    subtracted from any product above 9; digits in even positions are added
    as they are; the check digit is ``(10 - total % 10) % 10``. Worked
    examples: 3023400051786 -> 1 (JerseyCat, "Understanding the Bar Code
    Structure", jerseycat.org/faq/bar_codes.php) and 3319100010586 -> 4
    (Dynix "Barcode Format" handout).
``ean13``
    GS1 EAN-13 / ISBN-13: weights 1,3,1,3... from the left over 12 digits,
    check ``(10 - total % 10) % 10`` (GS1 General Specifications 7.9.1).
``isbn10``
    ISBN-10: weights 10..2 over 9 digits, check ``(11 - total % 11) % 11``,
    10 written as ``X`` (ISO 2108:1992).
``isbn``
    either ISBN-10 or an EAN-13 with the Bookland prefix 978/979.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, Literal, Protocol, runtime_checkable

CHECK_SCHEMES = ("none", "codabar14", "ean13", "isbn10", "isbn")
Kind = Literal["patron", "item"]
#: The Codabar library convention: type digit 2 = patron, 3 = item (the
#: defaults of the [barcodes] section).
DEFAULT_PATRON_PATTERN = r"2\d{13}"
DEFAULT_ITEM_PATTERN = r"3\d{13}"
#: Config spellings of the schemes (``codabar`` is the [barcodes] section's name).
ALIASES = {"codabar": "codabar14", "": "none"}

# Codabar start/stop characters some scanners transmit around the data.
_CODABAR_DELIMS = "ABCDTN*Eabcdtn*e"


def codabar_check_digit(first13: str) -> int:
    """Check digit of a 14-digit Codabar library barcode from its first 13 digits."""
    if len(first13) != 13 or not first13.isdigit():
        raise ValueError("need exactly 13 digits")
    total = 0
    for position, char in enumerate(first13, start=1):
        digit = int(char)
        if position % 2 == 1:
            digit *= 2
            if digit > 9:
                digit -= 9
        total += digit
    return (10 - total % 10) % 10


def ean13_check_digit(first12: str) -> int:
    if len(first12) != 12 or not first12.isdigit():
        raise ValueError("need exactly 12 digits")
    total = sum(int(c) * (3 if i % 2 else 1) for i, c in enumerate(first12))
    return (10 - total % 10) % 10


def isbn10_check_char(first9: str) -> str:
    if len(first9) != 9 or not first9.isdigit():
        raise ValueError("need exactly 9 digits")
    total = sum(int(c) * (10 - i) for i, c in enumerate(first9))
    check = (11 - total % 11) % 11
    return "X" if check == 10 else str(check)


def check_digit_ok(code: str, scheme: str) -> bool:
    """True when ``code`` is well formed and its check digit is right under ``scheme``."""
    if scheme == "none":
        return True
    if scheme == "codabar14":
        return len(code) == 14 and code.isdigit() and codabar_check_digit(code[:13]) == int(code[13])
    if scheme == "ean13":
        return len(code) == 13 and code.isdigit() and ean13_check_digit(code[:12]) == int(code[12])
    if scheme == "isbn10":
        return (len(code) == 10 and code[:9].isdigit() and code[9] in "0123456789Xx"
                and isbn10_check_char(code[:9]) == code[9].upper())
    if scheme == "isbn":
        if len(code) == 13:
            return code[:3] in ("978", "979") and check_digit_ok(code, "ean13")
        return check_digit_ok(code, "isbn10")
    raise ValueError(f"unknown check-digit scheme {scheme!r}; known: {', '.join(CHECK_SCHEMES)}")


@dataclass(frozen=True)
class KindRule:
    """What one kind of barcode (patron or item) must look like.

    ``pattern`` is matched against the whole code (empty: anything);
    ``min_length``/``max_length`` bound its length (0: no bound).
    """

    kind: Kind
    pattern: str = ""
    min_length: int = 0
    max_length: int = 0
    check: str = "none"

    def __post_init__(self) -> None:
        object.__setattr__(self, "check", ALIASES.get(self.check, self.check))
        if self.check not in CHECK_SCHEMES:
            raise ValueError(f"barcodes.{self.kind}_check: unknown scheme {self.check!r}; "
                             f"known: {', '.join(CHECK_SCHEMES)}")
        try:
            re.compile(self.pattern)
        except re.error as exc:
            raise ValueError(f"barcodes.{self.kind}_pattern: invalid regular expression: {exc}") from exc
        if self.min_length < 0 or self.max_length < 0 or (
                self.max_length and self.min_length > self.max_length):
            raise ValueError(f"barcodes.{self.kind}: bad length bounds {self.min_length}..{self.max_length}")

    def problems(self, code: str) -> list[str]:
        """Why ``code`` is not a valid barcode of this kind (empty list: it is)."""
        found: list[str] = []
        if self.min_length and len(code) < self.min_length:
            found.append(f"too short for a {self.kind} barcode ({len(code)} < {self.min_length})")
        if self.max_length and len(code) > self.max_length:
            found.append(f"too long for a {self.kind} barcode ({len(code)} > {self.max_length})")
        if self.pattern and not re.fullmatch(self.pattern, code):
            found.append(f"does not look like a {self.kind} barcode")
        if not found and not check_digit_ok(code, self.check):
            found.append(f"{self.check} check digit is wrong (misread?)")
        return found


@dataclass(frozen=True)
class BarcodeCheck:
    """Outcome of :meth:`BarcodeRules.check`: the normalised code, its kind
    (``None`` when it matches neither rule) and, per kind, what failed."""

    code: str
    kind: Kind | None
    problems: dict[str, list[str]]

    @property
    def reason(self) -> str:
        if self.kind:
            return ""
        if not self.code:
            return "empty barcode"
        return "; ".join(f"{k}: {', '.join(p)}" for k, p in self.problems.items() if p)


class BarcodeKeys(Protocol):
    """The ``[barcodes]`` keys as a section or a mapping offers them."""

    def get(self, name: str, default: Any = None) -> Any: ...


@runtime_checkable
class HasBarcodeKeys(Protocol):
    """A whole config (:class:`kiosk.config.Config`): drivers are handed it, never load it."""

    @property
    def barcodes(self) -> BarcodeKeys: ...


@dataclass(frozen=True)
class BarcodeRules:
    """Patron and item rules; patron is tried first, so a code that fits both
    (a library with one numbering) is a patron only if it fits nothing else
    better: set ``prefer`` to choose."""

    patron: KindRule = KindRule("patron", DEFAULT_PATRON_PATTERN)
    item: KindRule = KindRule("item", DEFAULT_ITEM_PATTERN)
    prefer: Kind = "patron"
    strip_codabar_delimiters: bool = True

    @classmethod
    def from_config(cls, cfg: HasBarcodeKeys | BarcodeKeys) -> "BarcodeRules":
        """Build from a loaded config (``cfg.barcodes``), the section itself, or
        a mapping with some of its keys (tools and tests)."""
        section = cfg.barcodes if isinstance(cfg, HasBarcodeKeys) else cfg

        def get(name: str, default: Any) -> Any:
            return section.get(name, default)

        shared_check = get("check_digit", "none")

        def rule(kind: Kind) -> KindRule:
            default = DEFAULT_PATRON_PATTERN if kind == "patron" else DEFAULT_ITEM_PATTERN
            check = get(f"{kind}_check", "") or shared_check
            return KindRule(kind, get(f"{kind}_pattern", default), int(get(f"{kind}_min_length", 0)),
                            int(get(f"{kind}_max_length", 0)), ALIASES.get(check, check))

        return cls(rule("patron"), rule("item"), get("prefer", "patron"),
                   bool(get("strip_codabar_delimiters", True)))

    def normalise(self, code: str) -> str:
        """Trim whitespace and control characters and, for all-digit Codabar
        labels, the start/stop characters (A-D) some scanners send."""
        code = "".join(ch for ch in code if ch.isprintable()).strip()
        if (self.strip_codabar_delimiters and len(code) >= 3 and code[0] in _CODABAR_DELIMS
                and code[-1] in _CODABAR_DELIMS and code[1:-1].isdigit()):
            code = code[1:-1]
        return code

    def check(self, code: str) -> BarcodeCheck:
        code = self.normalise(code)
        if not code:
            return BarcodeCheck(code, None, {})
        problems = {"patron": self.patron.problems(code), "item": self.item.problems(code)}
        fits = [k for k in ("patron", "item") if not problems[k]]
        kind: Kind | None = None
        if len(fits) == 2:
            kind = self.prefer
        elif fits:
            kind = fits[0]  # type: ignore[assignment]
        return BarcodeCheck(code, kind, problems)

    def classify(self, code: str) -> Kind | None:
        """``"patron"``, ``"item"`` or ``None`` (matches neither rule)."""
        return self.check(code).kind

    def is_valid(self, code: str, kind: Kind) -> bool:
        rule = self.patron if kind == "patron" else self.item
        return not rule.problems(self.normalise(code))

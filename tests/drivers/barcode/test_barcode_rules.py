"""Barcode rules: check digits from published worked examples, and
patron/item classification by configured rule."""

from __future__ import annotations

import pytest

from kiosk.drivers.barcode.rules import (BarcodeRules, KindRule, check_digit_ok, codabar_check_digit,
                                         ean13_check_digit, isbn10_check_char)

# (first digits, check) from public sources, cited per row.
CODABAR = [
    ("3023400051786", 1),   # JerseyCat "Understanding the Bar Code Structure" worked example
    ("3319100010586", 4),   # Dynix "Barcode Format" handout worked example
]
EAN = [
    ("978030640615", 7),    # ISBN-13 978-0-306-40615-7 (the ISBN article's example)
    ("400638133393", 1),    # GS1 example EAN-13 4006381333931
    ("590123412345", 7),    # GS1 example 5901234123457
]
ISBN10 = [("030640615", "2"), ("080442957", "X")]  # ISBN-10 examples 0-306-40615-2, 0-8044-2957-X


@pytest.mark.parametrize("first, check", CODABAR)
def test_codabar_check_digit(first: str, check: int) -> None:
    assert codabar_check_digit(first) == check
    assert check_digit_ok(first + str(check), "codabar14")
    assert not check_digit_ok(first + str((check + 1) % 10), "codabar14")


@pytest.mark.parametrize("first, check", EAN)
def test_ean13_check_digit(first: str, check: int) -> None:
    assert ean13_check_digit(first) == check
    assert check_digit_ok(first + str(check), "ean13")
    assert not check_digit_ok(first + str((check + 3) % 10), "ean13")


@pytest.mark.parametrize("first, check", ISBN10)
def test_isbn10_check(first: str, check: str) -> None:
    assert isbn10_check_char(first) == check
    assert check_digit_ok(first + check, "isbn10")
    assert check_digit_ok(first + check.lower(), "isbn10")
    assert check_digit_ok(first + check, "isbn")


def test_isbn_scheme_needs_bookland_prefix() -> None:
    assert check_digit_ok("9780306406157", "isbn")
    assert not check_digit_ok("4006381333931", "isbn")   # valid EAN, not a book
    assert check_digit_ok("4006381333931", "ean13")


def test_every_single_digit_error_is_caught_by_codabar() -> None:
    good = "30234000517861"
    for position in range(14):
        for digit in "0123456789":
            if digit != good[position]:
                bad = good[:position] + digit + good[position + 1:]
                assert not check_digit_ok(bad, "codabar14"), bad


@pytest.mark.parametrize("code", ["", "1234", "3023400051786x", "302340005178612", "ABCDEFGHIJKLMN"])
def test_malformed_codes_fail_not_raise(code: str) -> None:
    for scheme in ("codabar14", "ean13", "isbn10", "isbn"):
        assert not check_digit_ok(code, scheme)


def test_unknown_scheme_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="unknown check-digit scheme"):
        check_digit_ok("1", "luhn2")
    with pytest.raises(ValueError, match="barcodes.item_check"):
        KindRule("item", check="luhn2")
    with pytest.raises(ValueError, match="regular expression"):
        KindRule("patron", pattern="2[0-9")


DEFAULTS = BarcodeRules()


@pytest.mark.parametrize("code, kind", [
    ("21000000000001", "patron"),      # demo patron
    ("31000000000001", "item"),        # demo item
    (" 21000000000002\r\n", "patron"),  # whitespace and terminators trimmed
    ("A21000000000001B", "patron"),    # Codabar start/stop characters stripped
    ("9780306406157", None),           # an ISBN is not an item barcode unless configured
    ("", None),
])
def test_default_classification(code: str, kind: str | None) -> None:
    assert DEFAULTS.classify(code) == kind


class Section(dict):
    """A config section as the loader gives it (``get`` access)."""


def configured() -> BarcodeRules:
    return BarcodeRules.from_config(Section(
        patron_pattern=r"2\d{13}", patron_check="codabar14",
        item_pattern=r"3\d{13}|97[89]\d{10}", item_min_length=13, item_max_length=14, item_check="none"))


@pytest.mark.parametrize("code, kind", [
    ("23023400051781", None),     # patron-looking but the check digit is wrong
    ("30234000517861", "item"),
    ("9780306406157", "item"),
    ("12345", None),
])
def test_configured_classification(code: str, kind: str | None) -> None:
    assert configured().classify(code) == kind


def test_patron_with_good_check_digit() -> None:
    first = "2023400051786"
    code = first + str(codabar_check_digit(first))
    assert configured().classify(code) == "patron"
    assert configured().is_valid(code, "patron")
    assert not configured().is_valid(code, "item")


def test_reason_says_why_for_each_kind() -> None:
    check = configured().check("12345")
    assert check.kind is None
    assert "patron: does not look like a patron barcode" in check.reason
    assert "too short for a item barcode" in check.reason
    bad = configured().check("23023400051781")
    assert "codabar14 check digit is wrong" in bad.reason


def test_overlapping_rules_use_prefer() -> None:
    rules = BarcodeRules(KindRule("patron", r"\d+"), KindRule("item", r"\d+"), prefer="item")
    assert rules.classify("1234") == "item"


def test_from_config_object_with_barcodes_attribute() -> None:
    class Cfg:
        barcodes = Section(patron_pattern=r"P\d+", item_pattern=r"I\d+")

    rules = BarcodeRules.from_config(Cfg())
    assert rules.classify("P12") == "patron" and rules.classify("I12") == "item"
    assert rules.classify("X12") is None


def test_from_loaded_config() -> None:
    from kiosk.config import load_config

    rules = BarcodeRules.from_config(load_config(None))
    assert rules.classify("21000000000001") == "patron"
    assert rules.classify("31000000000001") == "item"
    assert rules.classify("41000000000001") is None


def test_shared_check_digit_and_per_kind_override() -> None:
    rules = BarcodeRules.from_config(Section(check_digit="codabar", item_check="none"))
    assert rules.patron.check == "codabar14" and rules.item.check == "none"
    assert rules.classify("21000000000001") is None      # demo patron fails the Codabar check
    assert rules.classify("21000000000005") == "patron"  # ... this one passes it
    assert rules.classify("31000000000001") == "item"


from hypothesis import given, strategies as st  # noqa: E402


@given(st.text("0123456789", min_size=13, max_size=13), st.integers(0, 12), st.integers(1, 9))
def test_codabar_catches_any_single_digit_error(first13: str, position: int, delta: int) -> None:
    code = first13 + str(codabar_check_digit(first13))
    assert check_digit_ok(code, "codabar14")
    wrong = code[:position] + str((int(code[position]) + delta) % 10) + code[position + 1:]
    assert not check_digit_ok(wrong, "codabar14")


@given(st.text("0123456789", min_size=12, max_size=12))
def test_ean13_round_trip(first12: str) -> None:
    assert check_digit_ok(first12 + str(ean13_check_digit(first12)), "ean13")

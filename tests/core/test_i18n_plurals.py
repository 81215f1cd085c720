"""Counts agree with their number in every language: plural forms on the
receipt and the screens, Plural-Forms headers that match CLDR, and catalogs
that give every form the header asks for."""

from __future__ import annotations

import gettext
from datetime import datetime, timezone
from pathlib import Path

import pytest
from babel.messages.plurals import get_plural

from kiosk.i18n import LANGUAGES, NP_, translator
from kiosk.i18n_tools import check, extract_messages, read_catalog
from kiosk.receipts.model import ItemOutcome, Receipt, ReceiptItem, layout

OFFERED = [code for code in LANGUAGES if code != "en"]


def headings(lang: str, borrowed: int, holds: int = 0) -> list[str]:
    receipt = Receipt.build(library_name="Riverside", lang=lang, created=datetime(2026, 12, 7, tzinfo=timezone.utc),
                            items=[ReceiptItem(f"3100000000{i:04d}", f"Book {i}", ItemOutcome.BORROWED)
                                   for i in range(borrowed)],
                            holds_ready=[f"Hold {i}" for i in range(holds)])
    return [line.text for line in layout(receipt, 42) if line.style == "heading"]


@pytest.mark.parametrize("lang, count, expected", [
    ("en", 1, "Borrowed (1)"), ("en", 2, "Borrowed (2)"),
    ("es", 1, "Prestado (1)"), ("es", 2, "Prestados (2)"),
    ("tl", 2, "Hiniram (2)"),
    ("ar", 1, "المادة المستعارة (1)"), ("ar", 2, "المادتان المستعارتان (2)"), ("ar", 3, "المواد المستعارة (3)"),
    ("ar", 11, "المواد المستعارة (11)"),
])
def test_receipt_headings_agree_with_the_count(lang: str, count: int, expected: str) -> None:
    assert headings(lang, count)[0] == expected


@pytest.mark.parametrize("lang, count, expected", [
    ("en", 1, "Hold ready for pickup (1)"), ("en", 3, "Holds ready for pickup (3)"),
    ("es", 1, "Reserva lista para recoger (1)"), ("es", 2, "Reservas listas para recoger (2)"),
    ("tl", 1, "Reserbang handa nang kunin (1)"), ("tl", 2, "Mga reserbang handa nang kunin (2)"),
    ("ar", 2, "حجزان جاهزان للاستلام (2)"), ("ar", 12, "حجزًا جاهزًا للاستلام (12)"),
])
def test_holds_heading_agrees_with_the_count(lang: str, count: int, expected: str) -> None:
    assert headings(lang, 1, holds=count)[-1] == expected


def test_nformat_writes_the_number_the_locale_way() -> None:
    assert translator("es").nformat("{n} item borrowed", "{n} items borrowed", 1234) == "1.234 ejemplares prestados"
    assert translator("en").plural(NP_("{n} item", "{n} items"), 1) == "1 item"
    arabic = translator("ar")
    forms = [arabic.nformat("{n} item borrowed", "{n} items borrowed", n) for n in (0, 1, 2, 3, 11, 100)]
    assert forms[1:4] == ["استُعيرت مادة واحدة", "استُعيرت مادتان", "استُعيرت 3 مواد"]   # one, two (dual), few
    assert forms[4:] == ["استُعيرت 11 مادة", "استُعيرت 100 مادة"]                      # many, other


def _plural(lang: str) -> object:
    return gettext.c2py(read_catalog(lang).plural_expr)


@pytest.mark.parametrize("lang", OFFERED)
def test_plural_forms_header_matches_cldr(lang: str) -> None:
    ours = _plural(lang)
    cldr = gettext.c2py(get_plural(lang).plural_expr)
    numbers = range(0, 1001)
    if lang == "tl":
        # Tagalog marks the plural of a noun with "mga" for more than one; CLDR's
        # fil categories are about the linker after number words (apat na,
        # dalawang) that digits do not take. One form for 1, the other for the rest.
        assert [ours(n) for n in numbers] == [int(n != 1) for n in numbers]   # type: ignore[operator]
        return
    if lang == "es":
        # CLDR's third Spanish form is for millions ("un millón de"): two forms cover a kiosk's counts.
        cldr_es = [cldr(n) for n in numbers]   # type: ignore[operator]
        assert [ours(n) for n in numbers] == [0 if c == 0 else 1 for c in cldr_es]   # type: ignore[operator]
        return
    assert read_catalog(lang).num_plurals == get_plural(lang).num_plurals
    assert [ours(n) for n in numbers] == [cldr(n) for n in numbers]   # type: ignore[operator]


def test_check_reports_missing_plural_forms(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text("tr.nformat('{n} item', '{n} items', n)\nNP_('{n} hold', '{n} holds')\n",
                              encoding="utf-8")
    (pkg / "s.kv").write_text("<S>:\n    Label:\n        text: app.nformat('{n} second', '{n} seconds', 3)\n",
                              encoding="utf-8")
    found = extract_messages(pkg)
    assert {e.msgid for e in found.values()} == {("{n} item", "{n} items"), ("{n} hold", "{n} holds"),
                                                 ("{n} second", "{n} seconds")}
    po = tmp_path / "locale" / "ar" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n'
                  'Plural-Forms: nplurals=6; plural=(n==0 ? 0 : n==1 ? 1 : n==2 ? 2 : n%100>=3 && n%100<=10 ? 3 : '
                  'n%100>=11 ? 4 : 5);\\n"\n\n'
                  'msgid "{n} item"\nmsgid_plural "{n} items"\nmsgstr[0] "{n} a"\nmsgstr[1] "{n} b"\n\n'
                  'msgid "{n} hold"\nmsgstr "{n} c"\n\n', encoding="utf-8")
    problems = {(p.msgid, p.what) for p in check(["ar"], tmp_path / "locale", pkg)}
    assert problems == {("{n} item", "untranslated"),      # Babel pads the four forms not given
                        ("{n} hold", "plural in the source, not in the catalog"),
                        ("{n} second", "missing")}


def test_patron_strings_never_write_counts_without_plural_forms() -> None:
    single = [key for (_, key), entry in extract_messages().items() if isinstance(entry.msgid, str)]
    assert not [k for k in single if "(s)" in k]
    # A heading with its count in brackets ("Borrowed (2)") agrees with it only as a plural message.
    assert not [k for k in single if "({n})" in k or "({count})" in k]

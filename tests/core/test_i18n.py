"""Languages: catalogs complete for every patron-facing string, formatting per locale."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from pathlib import Path

import pytest

from kiosk import i18n
from kiosk.i18n import (LANGUAGES, N_, format_date, format_money, is_rtl, language, normalize,
                        translator)
from kiosk.i18n_tools import check, extract_messages, read_catalog, template

OFFERED = [code for code in LANGUAGES if code != "en"]


# -- completeness: the test that fails when a string is added and not translated --

def test_every_marked_string_is_translated_in_every_language() -> None:
    problems = check(OFFERED)
    assert not problems, "run `tools/i18n.py update` and translate:\n" + "\n".join(map(str, problems[:50]))


def test_sources_have_patron_strings() -> None:
    # Guards the guard: if extraction silently found nothing, the test above would pass vacuously.
    messages = extract_messages()
    assert len(messages) >= 20, f"only {len(messages)} marked strings found"


@pytest.mark.parametrize("lang", OFFERED)
def test_catalogs_load_and_translate(lang: str) -> None:
    catalog = read_catalog(lang)
    translated = [m for m in catalog if m.id and m.string and not isinstance(m.id, tuple)]
    assert translated, f"{lang} catalog is empty"
    tr = translator(lang)
    sample = translated[0]
    assert tr.gettext(str(sample.id)) == sample.string


def test_languages_are_named_in_themselves() -> None:
    assert LANGUAGES == {"en": "English", "es": "Español", "tl": "Tagalog", "ar": "العربية"}
    assert language("ar").rtl and language("ar").english_name == "Arabic"
    assert language("tl").name == "Tagalog"


# -- extraction ---------------------------------------------------------------------

def test_kv_and_python_markers_are_extracted(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "screen.kv").write_text(
        "#:import Clock kivy.clock.Clock\n"
        "<BorrowScreen>:\n"
        "    BoxLayout:\n"
        "        # Translators: the big green button\n"
        "        Button:\n"
        "            text: app.tr('Borrow')\n"
        "            color: 1, 1, 1, 1\n"
        "        Label:\n"
        "            text: _(\"Return items\") if root.ok else app.tr(\n"
        "                'Ask at the desk')\n", encoding="utf-8")
    (pkg / "core.py").write_text(
        "from kiosk.i18n import N_\n"
        "DUE = N_('Due {date}')\n"
        "def f(tr, n):\n"
        "    return tr.ngettext('{n} item', '{n} items', n) + tr.gettext('Borrow')\n"
        "ILS = 'not marked'\n", encoding="utf-8")
    found = extract_messages(pkg)
    keys = {key for _, key in found}
    assert keys == {"Borrow", "Return items", "Ask at the desk", "Due {date}", "{n} item"}
    assert found[(None, "{n} item")].msgid == ("{n} item", "{n} items")
    assert len(found[(None, "Borrow")].locations) == 2
    assert len(template(pkg)) == 5


def test_check_reports_missing_fuzzy_and_placeholders(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    pkg.mkdir()
    (pkg / "m.py").write_text("_('Due {date}')\n_('Hello')\n_('Bye')\n", encoding="utf-8")
    locale = tmp_path / "locale"
    po = locale / "es" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n\n'
                  'msgid "Due {date}"\nmsgstr "Vence {fecha}"\n\n'
                  '#, fuzzy\nmsgid "Hello"\nmsgstr "Hola"\n', encoding="utf-8")
    problems = {(p.msgid, p.what.split(" ")[0]) for p in check(["es"], locale, pkg)}
    assert problems == {("Due {date}", "placeholders"), ("Hello", "fuzzy"), ("Bye", "missing")}


def test_po_loads_without_compiling(tmp_path: Path) -> None:
    po = tmp_path / "es" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n'
                  'Plural-Forms: nplurals=2; plural=(n != 1);\\n"\n\n'
                  'msgid "Borrow"\nmsgstr "Pedir prestado"\n\n'
                  'msgid "{n} item"\nmsgid_plural "{n} items"\nmsgstr[0] "{n} ejemplar"\nmsgstr[1] "{n} ejemplares"\n',
                  encoding="utf-8")
    tr = i18n.translator("es", locale_dir=tmp_path)
    assert tr("Borrow") == "Pedir prestado"
    assert tr.ngettext("{n} item", "{n} items", 3).format(n=3) == "3 ejemplares"
    assert tr("Not in the catalog") == "Not in the catalog"


def test_broken_catalog_falls_back_to_english(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    po = tmp_path / "tl" / "LC_MESSAGES" / "kiosk.po"
    po.parent.mkdir(parents=True)
    po.write_bytes(b'msgid "Borrow"\nmsgstr "\xff\xfe broken\n')
    tr = i18n.translator("tl", locale_dir=tmp_path)
    assert tr("Borrow") == "Borrow"


# -- languages and formatting -------------------------------------------------------

@pytest.mark.parametrize("given, expected", [
    ("es", "es"), ("es_MX", "es"), ("es-MX", "es"), ("fil", "tl"), ("fil_PH", "tl"), ("ar_EG", "ar"),
    ("xx", "en"), ("", "en"), (None, "en"), ("en_US.UTF-8", "en"),
])
def test_normalize(given: str | None, expected: str) -> None:
    assert normalize(given) == expected


def test_rtl() -> None:
    assert is_rtl("ar") and is_rtl("ar_EG") and is_rtl("he")
    assert not is_rtl("es") and not is_rtl(None)
    assert translator("ar").direction == "rtl" and translator("en").direction == "ltr"


@pytest.mark.parametrize("lang, expected", [
    ("en", "Dec 7, 2026"), ("es", "7 dic 2026"), ("tl", "Dis 7, 2026"),
])
def test_dates_per_locale(lang: str, expected: str) -> None:
    assert format_date(date(2026, 12, 7), lang) == expected
    assert format_date(datetime(2026, 12, 7, 23, 0, tzinfo=timezone.utc), lang) == expected


def test_arabic_date_and_missing_date() -> None:
    text = format_date(date(2026, 12, 7), "ar")
    assert "2026" in text and "12" in text
    assert format_date(None, "ar") == ""


@pytest.mark.parametrize("lang, amount, expected", [
    ("en", "12.50", "$12.50"), ("es", Decimal("12.5"), "12,50\xa0US$"), ("tl", 3, "$3.00"),
    ("en", "1234.5", "$1,234.50"),
])
def test_money_per_locale(lang: str, amount: object, expected: str) -> None:
    assert format_money(amount, "USD", lang) == expected  # type: ignore[arg-type]


def test_money_other_currency_and_bad_amount() -> None:
    assert format_money("2", "EUR", "es") == "2,00\xa0€"
    assert "12.50" in format_money("12.50", "USD", "ar")
    with pytest.raises(ValueError, match="not an amount"):
        format_money("twelve", "USD", "en")


def test_deferred_marker_returns_source() -> None:
    assert N_("Due {date}") == "Due {date}"


def test_translator_is_cached_and_reloadable() -> None:
    assert translator("es") is translator("es_ES")
    i18n.reload_catalogs()
    assert translator("es").lang == "es"


def test_extractor_finds_every_literal_marker_in_kv_files() -> None:
    """Guards the .kv extractor: every ``app.tr('...')`` / ``_('...')`` with a
    literal in a screen file must reach the catalogs."""
    import re

    from kiosk.i18n_tools import PACKAGE_DIR

    marker = re.compile(r"""(?<![\w.])(?:app\.tr|root\.tr|_)\(\s*['"]""")
    found = extract_messages()
    for kv in sorted(PACKAGE_DIR.rglob("*.kv")):
        relative = str(kv.relative_to(PACKAGE_DIR.parent))
        expected = sum(len(marker.findall(line)) for line in kv.read_text(encoding="utf-8").splitlines()
                       if not line.strip().startswith("#"))
        extracted = sum(1 for entry in found.values() for path, _ in entry.locations if path == relative)
        assert extracted >= expected, f"{relative}: {expected} markers, {extracted} extracted"


def test_patron_screens_have_no_unmarked_words() -> None:
    """A literal ``text: 'Borrow'`` in a patron screen would never be translated;
    symbols, digits and two-character icons (keypad, "A+", "Aa") need no marker."""
    import re

    from kiosk.i18n_tools import PACKAGE_DIR

    literal = re.compile(r"""^\s*text:\s*(['"])(?P<text>.*)\1\s*$""")
    python_literal = re.compile(r"""\btext\s*=\s*(['"])(?P<text>[^'"]*)\1""")
    unmarked = []
    for path in sorted((PACKAGE_DIR / "screens").glob("*.kv")) + sorted((PACKAGE_DIR / "screens").glob("*.py")):
        pattern = literal if path.suffix == ".kv" else python_literal
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            for match in pattern.finditer(line):
                text = match.group("text")
                if len(text) > 2 and re.search(r"[^\W\d_]{2,}", text):   # "Aa", "A+": icons, not words
                    unmarked.append(f"{path.name}:{number}: {match.group('text')!r}")
    assert not unmarked, "wrap in app.tr(...) / _(...):\n" + "\n".join(unmarked)


@pytest.mark.parametrize("code, lang", [
    ("001", "en"), ("008", "es"), ("021", "es"), ("016", "ar"), ("000", None), ("002", None),  # French: not offered
    ("", None), ("abc", None), ("999", None), (None, None), ("024", "en"),
])
def test_patron_language_from_sip2(code: str | None, lang: str | None) -> None:
    from kiosk.i18n import from_sip2_language

    assert from_sip2_language(code) == lang


def test_sip2_language_to_send() -> None:
    from kiosk.i18n import to_sip2_language

    assert [to_sip2_language(x) for x in ("en", "es", "ar", "tl", None)] == ["001", "008", "016", "000", "001"]

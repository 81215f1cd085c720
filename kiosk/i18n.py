"""Languages: gettext catalogs, per-session translators, locale formatting.

Markers (what the extractor in ``tools/i18n.py`` finds; use nothing else for
patron-facing text):

* Python: ``_("Borrow")`` where ``_ = translator(lang).gettext`` (or a
  station's/session's current translator), and ``N_("...")`` for strings
  defined at import time and translated later
  (``translator(lang).gettext(MESSAGE)``). ``tr(...)``/``app.tr(...)`` are
  extracted too.
* Counts: wherever a number of things is shown, use the plural forms, never
  ``"item(s)"`` or a bare ``"(2)"`` after a singular word:
  ``tr.nformat("{n} item", "{n} items", n)`` picks the language's form for
  ``n`` (Arabic has six) and fills ``{n}`` with the number written the
  locale's way (and any other ``{field}`` from keywords). A count defined at
  import time is ``NP_("Borrowed ({n})", "Borrowed ({n})")``, shown with
  ``tr.plural(MESSAGE, n)``. ``ngettext`` (unformatted) works as usual.
* Kivy ``.kv`` files: ``app.tr("Borrow")`` or ``_("Borrow")`` (string literal
  argument; the UI decides how it re-renders on a language switch), and
  ``app.nformat("{n} second", "{n} seconds", n)`` for counts.

Placeholders use ``str.format`` names (``"Due {date}"``), never positional
``%s``, so translators may reorder them; catalogs must keep every placeholder
(``tests/core/test_i18n*.py`` checks it).

Text that comes from the ILS (SIP2 screen messages AF, print lines AG, titles)
is shown as it is: never pass it through ``gettext``.

Catalogs live in ``kiosk/locale/<lang>/LC_MESSAGES/kiosk.po``. The ``.po``
files are read directly (compiled in memory with Babel) unless an up-to-date
``.mo`` sits beside them, so a fresh checkout works without a compile step.
"""

from __future__ import annotations

import functools
import gettext as _gettext
import io
import logging
import re
import threading
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Callable

from babel import Locale, UnknownLocaleError
from babel import dates as _dates
from babel import numbers as _numbers

__all__ = [
    "LANGUAGES", "DEFAULT_LANGUAGE", "DOMAIN", "LOCALE_DIR", "Language", "Translator",
    "N_", "NP_", "Plural", "translator", "language", "available_languages", "reload_catalogs", "from_sip2_language",
    "to_sip2_language", "normalize", "is_rtl", "direction",
    "format_date", "format_datetime", "format_time", "format_money", "format_number", "parse_due_date",
]

log = logging.getLogger(__name__)

DOMAIN = "kiosk"
LOCALE_DIR = Path(__file__).with_name("locale")
DEFAULT_LANGUAGE = "en"

#: Languages offered to patrons: code -> the language's name in itself (what a
#: language button shows).
LANGUAGES: dict[str, str] = {
    "en": "English",
    "es": "Español",
    "tl": "Tagalog",
    "ar": "العربية",
}

_RTL = frozenset({"ar", "he", "fa", "ur", "yi", "ps", "dv", "ckb"})
# Babel/CLDR locales used for dates and numbers where the code differs
# (CLDR files Tagalog under Filipino).
_BABEL_LOCALE = {"tl": "fil"}


# SIP2 2.00 language codes (the 3-digit "language" field of messages 23/24,
# 63/64, 93): position in the spec's table -> ISO 639-1.
_SIP2_LANGUAGES = ("", "en", "fr", "de", "it", "nl", "sv", "fi", "es", "da", "pt", "fr_CA", "no", "he", "ja",
                   "ru", "ar", "pl", "el", "zh", "ko", "es", "ta", "ms", "en_GB", "is", "nl_BE", "zh_TW")


def from_sip2_language(code: str | None) -> str | None:
    """The patron's preferred language from a SIP2 language code (``"008"`` ->
    ``"es"``), or None when unknown (``"000"``) or not offered by this kiosk."""
    try:
        index = int(str(code or "").strip())
    except ValueError:
        return None
    if not 0 < index < len(_SIP2_LANGUAGES):
        return None
    lang = normalize(_SIP2_LANGUAGES[index])
    return lang if lang.split("_")[0] == _SIP2_LANGUAGES[index].split("_")[0] else None


def to_sip2_language(lang: str | None) -> str:
    """The SIP2 language code to send for ``lang`` (``"000"`` when SIP2 has none, e.g. Tagalog)."""
    code = normalize(lang)
    for index, candidate in enumerate(_SIP2_LANGUAGES):
        if index and candidate == code:
            return f"{index:03d}"
    return "000"


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it now (deferred)."""
    return message


@dataclass(frozen=True)
class Plural:
    """A count message with its English singular and plural (see :func:`NP_`)."""

    singular: str
    plural: str


def NP_(singular: str, plural: str) -> Plural:
    """Mark a count message for extraction, translated later with
    ``tr.plural(MESSAGE, n)``."""
    return Plural(singular, plural)


@dataclass(frozen=True)
class Language:
    code: str
    name: str          # in the language itself
    english_name: str
    rtl: bool


def available_languages(locale_dir: Path | None = None) -> list[str]:
    """Codes with a catalog under ``locale_dir`` plus English, sorted."""
    folder = locale_dir or LOCALE_DIR
    found = {p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{DOMAIN}.po")}
    return sorted(found | {DEFAULT_LANGUAGE})


def normalize(lang: str | None) -> str:
    """The supported code closest to ``lang`` (``es_MX`` -> ``es``, ``fil`` ->
    ``tl``); unknown or empty -> :data:`DEFAULT_LANGUAGE`. Languages with a
    catalog in ``kiosk/locale`` count as supported even if not in :data:`LANGUAGES`."""
    if not lang:
        return DEFAULT_LANGUAGE
    code = lang.replace("-", "_").split(".")[0]
    known = set(LANGUAGES) | set(available_languages())
    if code in known:
        return code
    base = code.split("_")[0].lower()
    if base == "fil":
        base = "tl"
    return base if base in known else DEFAULT_LANGUAGE


def is_rtl(lang: str | None) -> bool:
    """True for right-to-left scripts (Arabic, Hebrew, ...)."""
    return (lang or "").replace("-", "_").split("_")[0].lower() in _RTL


def direction(lang: str | None) -> str:
    """``"rtl"`` or ``"ltr"``."""
    return "rtl" if is_rtl(lang) else "ltr"


def language(code: str) -> Language:
    """Details of one offered language (its own name, English name, direction)."""
    code = normalize(code)
    try:
        english = Locale.parse(_BABEL_LOCALE.get(code, code)).get_display_name("en") or code
    except (UnknownLocaleError, ValueError):
        english = code
    if code == "tl":
        english = "Tagalog"
    own = LANGUAGES.get(code)
    if own is None:
        try:
            own = Locale.parse(code).get_display_name(code) or code
        except (UnknownLocaleError, ValueError):
            own = code
    return Language(code, own, english, is_rtl(code))


def _babel_locale(lang: str | None) -> Locale:
    code = normalize(lang)
    raw = (lang or "").replace("-", "_")
    for candidate in (raw if raw.split("_")[0] == code else "", code):
        if not candidate:
            continue
        try:
            return Locale.parse(_BABEL_LOCALE.get(candidate, candidate))
        except (UnknownLocaleError, ValueError):
            continue
    return Locale.parse(DEFAULT_LANGUAGE)


# -- formatting -------------------------------------------------------------------

_SIP2_DATE = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:\s{4}|[A-Z ]{4}|)(?:(\d{2})(\d{2})(\d{2}))?$")
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


def parse_due_date(text: str | date | None) -> date | str | None:
    """A due date from an ILS: SIP2's ``YYYYMMDDZZZZHHMMSS`` or ISO ``2026-12-07``
    become a :class:`date` (formatted per language later); anything else is
    kept as the ILS's own text and printed unchanged."""
    if text is None or isinstance(text, date):
        return text
    value = text.strip()
    for pattern in (_SIP2_DATE, _ISO_DATE):
        match = pattern.match(value)
        if match:
            try:
                return date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                break
    return value or None


def format_date(value: date | datetime | None, lang: str | None, format: str = "medium") -> str:
    """A date as people of ``lang`` write it (``Dec 7, 2026``, ``7 dic 2026``);
    ``None`` -> ``""``. ``format``: short, medium, long, full or a CLDR pattern."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = value.date()
    return _dates.format_date(value, format=format, locale=_babel_locale(lang))


def format_datetime(value: datetime | None, lang: str | None, format: str = "medium",
                    tzinfo: object | None = None) -> str:
    if value is None:
        return ""
    return _dates.format_datetime(value, format=format, tzinfo=tzinfo, locale=_babel_locale(lang))  # type: ignore[arg-type]


def format_time(value: datetime | None, lang: str | None, format: str = "short") -> str:
    if value is None:
        return ""
    return _dates.format_time(value, format=format, locale=_babel_locale(lang))


def _decimal(amount: Decimal | float | int | str) -> Decimal:
    if isinstance(amount, Decimal):
        return amount
    try:
        return Decimal(str(amount).strip() or "0")
    except InvalidOperation as exc:
        raise ValueError(f"not an amount: {amount!r}") from exc


def format_money(amount: Decimal | float | int | str, currency: str, lang: str | None) -> str:
    """An amount with its currency per locale (``$12.50``, ``12,50 US$``).
    Accepts SIP2's text amounts (``"12.50"``); a bad amount raises ValueError."""
    return _numbers.format_currency(_decimal(amount), currency or "USD", locale=_babel_locale(lang))


def format_number(value: Decimal | float | int, lang: str | None) -> str:
    return _numbers.format_decimal(value, locale=_babel_locale(lang))


# -- catalogs ---------------------------------------------------------------------

def _load_catalog(code: str, locale_dir: Path) -> _gettext.NullTranslations:
    """The compiled ``.mo`` if current, else the ``.po`` compiled in memory."""
    folder = locale_dir / code / "LC_MESSAGES"
    po, mo = folder / f"{DOMAIN}.po", folder / f"{DOMAIN}.mo"
    try:
        if mo.is_file() and (not po.is_file() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fp:
                return _gettext.GNUTranslations(fp)
        if po.is_file():
            from babel.messages.mofile import write_mo
            from babel.messages.pofile import read_po

            with po.open("rb") as fp:
                catalog = read_po(fp, locale=_BABEL_LOCALE.get(code, code), domain=DOMAIN)
            buffer = io.BytesIO()
            write_mo(buffer, catalog, use_fuzzy=False)
            buffer.seek(0)
            return _gettext.GNUTranslations(buffer)
    except (OSError, ValueError, UnknownLocaleError) as exc:
        # A broken catalog must not take the kiosk down: fall back to English.
        log.warning("catalog %s for %s unreadable, using English: %s", DOMAIN, code, exc)
    return _gettext.NullTranslations()


class Translator:
    """Translations and formatting for one language. Thread-safe, immutable.

    ``tr("text")`` is ``tr.gettext("text")``. Missing translations fall back
    to the English source text.
    """

    def __init__(self, lang: str, catalog: _gettext.NullTranslations) -> None:
        self.lang = lang
        self.rtl = is_rtl(lang)
        self.direction = direction(lang)
        self._catalog = catalog

    def gettext(self, message: str) -> str:
        return self._catalog.gettext(message) if message else message

    __call__ = gettext

    def ngettext(self, singular: str, plural: str, n: int) -> str:
        return self._catalog.ngettext(singular, plural, n)

    def nformat(self, singular: str, plural: str, n: int, **fields: object) -> str:
        """The form of this language for ``n`` things, with ``{n}`` written the
        locale's way and the other ``{field}`` s filled from ``fields``."""
        return self._catalog.ngettext(singular, plural, n).format(n=self.format_number(n), **fields)

    def plural(self, message: Plural, n: int, **fields: object) -> str:
        """:meth:`nformat` for a message marked with :func:`NP_`."""
        return self.nformat(message.singular, message.plural, n, **fields)

    def pgettext(self, context: str, message: str) -> str:
        return self._catalog.pgettext(context, message)

    def format_date(self, value: date | datetime | None, format: str = "medium") -> str:
        return format_date(value, self.lang, format)

    def format_datetime(self, value: datetime | None, format: str = "medium") -> str:
        return format_datetime(value, self.lang, format)

    def format_money(self, amount: Decimal | float | int | str, currency: str) -> str:
        return format_money(amount, currency, self.lang)

    def format_number(self, value: Decimal | float | int) -> str:
        return format_number(value, self.lang)

    def __repr__(self) -> str:
        return f"Translator({self.lang!r})"


_cache_lock = threading.Lock()


@functools.lru_cache(maxsize=32)
def _translator(code: str, locale_dir: str) -> Translator:
    catalog = NullCatalog() if code == "en" and not (Path(locale_dir) / "en").is_dir() \
        else _load_catalog(code, Path(locale_dir))
    return Translator(code, catalog)


class NullCatalog(_gettext.NullTranslations):
    """English: the source strings are the English text."""


def translator(lang: str | None = None, locale_dir: str | Path | None = None) -> Translator:
    """The :class:`Translator` for ``lang`` (normalised; cached). Unknown
    languages get English."""
    code = normalize(lang)
    with _cache_lock:
        return _translator(code, str(locale_dir or LOCALE_DIR))


def reload_catalogs() -> None:
    """Forget loaded catalogs (after a catalog update on a running kiosk)."""
    with _cache_lock:
        _translator.cache_clear()


Gettext = Callable[[str], str]

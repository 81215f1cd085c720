"""Catalog tooling with Babel: extract patron-facing strings from the sources
(Python and Kivy ``.kv``), update the ``.po`` catalogs, compile ``.mo`` files
and check that every catalog is complete.

Used by ``tools/i18n.py`` (the command line) and by the completeness test. The
markers it understands are documented in :mod:`kiosk.i18n`.
"""

from __future__ import annotations

import io
import re
import string
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any, Iterable, Iterator, Mapping

from babel.messages.catalog import Catalog, Message
from babel.messages.extract import extract, extract_python
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

from kiosk.i18n import _BABEL_LOCALE, DOMAIN, LANGUAGES, LOCALE_DIR

PACKAGE_DIR = Path(__file__).resolve().parent
KEYWORDS: dict[str, Any] = {
    "_": None, "gettext": None, "N_": None, "tr": None,
    "ngettext": (1, 2), "nformat": (1, 2), "NP_": (1, 2), "pgettext": ((1, "c"), 2), "npgettext": ((1, "c"), 2, 3),
}
COMMENT_TAGS = ("Translators:", "TRANSLATORS:")
# Source folders that never hold patron-facing text (protocol codecs, tools).
SKIP_PARTS = frozenset({"__pycache__", "locale"})

_KV_KEY = re.compile(r"^\s*[A-Za-z_][\w.]*\s*:(?!:)\s?(?P<value>.*)$")


def _kv_as_python(text: str) -> str:
    """Turn a ``.kv`` file into Python-tokenizable text, line for line: each
    property value stays, rule/widget headers and directives become blank."""
    out = []
    for line in text.splitlines():
        stripped = line.strip()
        if stripped.startswith("#") and not stripped.startswith("#:"):
            out.append(stripped)  # comments carry "Translators:" notes
            continue
        if not stripped or stripped.startswith(("#", "<", "[")):
            out.append("")
            continue
        match = _KV_KEY.match(line)
        out.append(match.group("value") if match else stripped)
    return "\n".join(out) + "\n"


def extract_kv(fileobj: IO[bytes], keywords: Mapping[str, Any], comment_tags: Iterable[str],
               options: Mapping[str, Any]) -> Iterator[Any]:
    """Babel extraction method for Kivy ``.kv`` files (``app.tr("...")``, ``_("...")``)."""
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    source = io.BytesIO(_kv_as_python(text).encode("utf-8"))
    yield from extract_python(source, keywords, tuple(comment_tags), {})


def source_files(root: Path = PACKAGE_DIR) -> list[Path]:
    """Every ``.py`` and ``.kv`` file of the package, sorted."""
    files = [p for p in root.rglob("*") if p.suffix in (".py", ".kv") and not SKIP_PARTS & set(p.parts)]
    return sorted(files)


@dataclass
class Extracted:
    msgid: str | tuple[str, str]
    context: str | None
    locations: list[tuple[str, int]] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return self.msgid if isinstance(self.msgid, str) else self.msgid[0]


def extract_messages(root: Path = PACKAGE_DIR) -> dict[tuple[str | None, str], Extracted]:
    """Marked strings in the sources, keyed by (context, msgid)."""
    found: dict[tuple[str | None, str], Extracted] = {}
    base = root.parent
    for path in source_files(root):
        method: Any = extract_kv if path.suffix == ".kv" else "python"
        with path.open("rb") as fp:
            try:
                results = list(extract(method, fp, keywords=KEYWORDS, comment_tags=COMMENT_TAGS,
                                       strip_comment_tags=True))
            except SyntaxError:
                continue
        for lineno, message, comments, context in results:
            if not message or (isinstance(message, tuple) and not message[0]):
                continue
            msgid: str | tuple[str, str] = message if isinstance(message, str) else (message[0], message[1])
            key = (context, msgid if isinstance(msgid, str) else msgid[0])
            entry = found.setdefault(key, Extracted(msgid, context))
            entry.locations.append((str(path.relative_to(base)), lineno))
            entry.comments.extend(c for c in comments if c not in entry.comments)
    return found


def template(root: Path = PACKAGE_DIR) -> Catalog:
    """A ``.pot`` catalog of every marked string."""
    catalog = Catalog(domain=DOMAIN, project="kiosk", version="0.1", msgid_bugs_address="",
                      copyright_holder="kiosk contributors", charset="utf-8")
    for entry in extract_messages(root).values():
        catalog.add(entry.msgid, locations=entry.locations, auto_comments=entry.comments, context=entry.context)
    return catalog


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


def read_catalog(lang: str, locale_dir: Path = LOCALE_DIR) -> Catalog:
    path = po_path(lang, locale_dir)
    if not path.is_file():
        return Catalog(locale=_BABEL_LOCALE.get(lang, lang), domain=DOMAIN, charset="utf-8")
    with path.open("rb") as fp:
        return read_po(fp, locale=_BABEL_LOCALE.get(lang, lang), domain=DOMAIN)


def write_catalog(catalog: Catalog, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as fp:
        write_po(fp, catalog, width=100, sort_output=False, include_previous=False)


def update(languages: Iterable[str] | None = None, locale_dir: Path = LOCALE_DIR,
           root: Path = PACKAGE_DIR) -> Catalog:
    """Write ``kiosk.pot`` and merge it into each language's ``.po``; returns the template."""
    pot = template(root)
    write_catalog(pot, locale_dir / f"{DOMAIN}.pot")
    for lang in languages or [code for code in LANGUAGES if code != "en"]:
        catalog = read_catalog(lang, locale_dir)
        catalog.update(pot, no_fuzzy_matching=True)
        catalog.obsolete.clear()
        write_catalog(catalog, po_path(lang, locale_dir))
    return pot


def compile_all(locale_dir: Path = LOCALE_DIR) -> list[Path]:
    """Write a ``.mo`` beside every ``.po`` (optional: ``.po`` files load directly)."""
    written = []
    for po in sorted(locale_dir.glob(f"*/LC_MESSAGES/{DOMAIN}.po")):
        catalog = read_catalog(po.parent.parent.name, locale_dir)
        mo = po.with_suffix(".mo")
        with mo.open("wb") as fp:
            write_mo(fp, catalog, use_fuzzy=False)
        written.append(mo)
    return written


def _fields(text: str) -> set[str]:
    try:
        return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}
    except ValueError:
        return {"<malformed>"}


@dataclass
class Problem:
    lang: str
    msgid: str
    what: str

    def __str__(self) -> str:
        return f"{self.lang}: {self.what}: {self.msgid!r}"


def check(languages: Iterable[str] | None = None, locale_dir: Path = LOCALE_DIR,
          root: Path = PACKAGE_DIR) -> list[Problem]:
    """Every marked source string must be translated (not fuzzy) in every
    language, keeping the same ``{placeholders}``; each plural form filled."""
    problems: list[Problem] = []
    extracted = extract_messages(root)
    for lang in languages or [code for code in LANGUAGES if code != "en"]:
        catalog = read_catalog(lang, locale_dir)
        for (context, key), entry in extracted.items():
            message: Message | None = catalog.get(key, context=context)
            if message is None:
                problems.append(Problem(lang, key, "missing"))
                continue
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.fuzzy or not all(strings):
                problems.append(Problem(lang, key, "untranslated" if not message.fuzzy else "fuzzy"))
                continue
            if isinstance(entry.msgid, tuple) != isinstance(message.id, tuple):
                problems.append(Problem(lang, key, "plural in the source, not in the catalog"
                                        if isinstance(entry.msgid, tuple) else "plural in the catalog only"))
                continue
            if isinstance(entry.msgid, tuple) and len(strings) != catalog.num_plurals:
                problems.append(Problem(lang, key, f"{len(strings)} plural forms, Plural-Forms says "
                                                   f"{catalog.num_plurals}"))
                continue
            sources = entry.msgid if isinstance(entry.msgid, tuple) else (entry.msgid,)
            wanted = set().union(*(_fields(s) for s in sources))
            for text in strings:
                # A plural form may drop {n} (Arabic says "one item" in words).
                got = _fields(str(text))
                if not got <= wanted or (len(sources) == 1 and got != wanted):
                    problems.append(Problem(lang, key, f"placeholders {sorted(got)} != {sorted(wanted)}"))
                    break
    return problems

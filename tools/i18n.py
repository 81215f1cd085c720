#!/usr/bin/env python3
"""Translation catalogs: extract, update, compile, check.

    tools/i18n.py update     # sources -> kiosk/locale/kiosk.pot -> merge into every <lang>/LC_MESSAGES/kiosk.po
    tools/i18n.py check      # list strings missing, fuzzy or with wrong {placeholders}; exit 1 if any
    tools/i18n.py compile    # write .mo files (optional: the kiosk reads .po files directly)
    tools/i18n.py stats      # translated / total per language
    tools/i18n.py fill LANG FILE.json   # set translations from {"msgid": "msgstr" | ["form0", ...]}
    tools/i18n.py todo LANG  # untranslated msgids as a JSON skeleton for `fill`

Markers are documented in kiosk/i18n.py (Python: _(), N_(), ngettext(); .kv: app.tr(), _()).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.i18n import LANGUAGES  # noqa: E402
from kiosk.i18n_tools import (check, compile_all, extract_messages, po_path, read_catalog,  # noqa: E402
                              update, write_catalog)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("update", "check", "compile", "stats", "fill", "todo"))
    parser.add_argument("languages", nargs="*", help="language codes (default: every offered language but en)")
    args = parser.parse_args(argv)
    if args.command == "fill":
        lang, source = args.languages
        mapping = json.loads(Path(source).read_text(encoding="utf-8"))
        catalog = read_catalog(lang)
        changed = 0
        for message in catalog:
            key = message.id if isinstance(message.id, str) else message.id[0]
            if not key or key not in mapping:
                continue
            value = mapping[key]
            message.string = tuple(value) if isinstance(value, list) else value
            message.flags.discard("fuzzy")
            changed += 1
        write_catalog(catalog, po_path(lang))
        print(f"{lang}: {changed} translations set")
        return 0
    if args.command == "todo":
        (lang,) = args.languages
        catalog = read_catalog(lang)
        todo = {}
        for message in catalog:
            strings = message.string if isinstance(message.string, tuple) else (message.string,)
            if message.id and (message.fuzzy or not all(strings)):
                key = message.id if isinstance(message.id, str) else message.id[0]
                todo[key] = [""] * len(strings) if isinstance(message.id, tuple) else ""
        print(json.dumps(todo, ensure_ascii=False, indent=1))
        return 0
    langs = args.languages or [code for code in LANGUAGES if code != "en"]
    if args.command == "update":
        pot = update(langs)
        print(f"{len(pot)} messages; updated {', '.join(langs)}")
    elif args.command == "compile":
        for path in compile_all():
            print(path)
    elif args.command == "stats":
        total = extract_messages()
        for lang in langs:
            catalog = read_catalog(lang)
            done = sum(1 for key in total
                       if (m := catalog.get(key[1], context=key[0])) is not None and not m.fuzzy
                       and all(m.string if isinstance(m.string, tuple) else (m.string,)))
            print(f"{lang}: {done}/{len(total)}")
    else:
        problems = check(langs)
        for problem in problems:
            print(problem)
        print(f"{len(problems)} problem(s)")
        return 1 if problems else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())

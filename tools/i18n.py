#!/usr/bin/env python3
"""Translation catalogs: extract, update, compile, check.

    tools/i18n.py update     # sources -> kiosk/locale/kiosk.pot -> merge into every <lang>/LC_MESSAGES/kiosk.po
    tools/i18n.py check      # list strings missing, fuzzy or with wrong {placeholders}; exit 1 if any
    tools/i18n.py compile    # write .mo files (optional: the kiosk reads .po files directly)
    tools/i18n.py stats      # translated / total per language

Markers are documented in kiosk/i18n.py (Python: _(), N_(), ngettext(); .kv: app.tr(), _()).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.i18n import LANGUAGES  # noqa: E402
from kiosk.i18n_tools import check, compile_all, extract_messages, read_catalog, update  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("command", choices=("update", "check", "compile", "stats"))
    parser.add_argument("languages", nargs="*", help="language codes (default: every offered language but en)")
    args = parser.parse_args(argv)
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

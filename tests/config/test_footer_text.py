"""``[ui] footer_text`` per language: a ``[ui.footer_text_by_language]`` table,
validated code by code and text by text, and picked with the base language as
a fallback (the app shows it on every screen, switching with the language)."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.config.sections import TextByLanguage
from kiosk.errors import ConfigError


def load(tmp_path: Path, toml: str):  # type: ignore[no-untyped-def]
    path = tmp_path / "station.toml"
    path.write_text(toml, encoding="utf-8")
    return load_config(path, check_devices=False, apply_override_file=False)


def test_a_table_of_languages(tmp_path: Path) -> None:
    ui = load(tmp_path, '[ui]\nfooter_text = "Need help? Ask at the desk."\n'
                        '[ui.footer_text_by_language]\nes = "¿Necesita ayuda? Pregunte en el mostrador."\n'
                        'ar = "هل تحتاج إلى مساعدة؟ اسأل في مكتب الخدمة."\n').ui
    table = ui.footer_text_by_language
    assert TextByLanguage.pick(table, ui.footer_text, "es") == "¿Necesita ayuda? Pregunte en el mostrador."
    assert TextByLanguage.pick(table, ui.footer_text, "es_MX") == "¿Necesita ayuda? Pregunte en el mostrador."
    assert TextByLanguage.pick(table, ui.footer_text, "tl") == "Need help? Ask at the desk."   # no entry: as written
    assert load(tmp_path, "").ui.footer_text_by_language == {}


@pytest.mark.parametrize("toml, error", [
    ('[ui.footer_text_by_language]\nspanish = "Hola"\n', "ui.footer_text_by_language: spanish: 'spanish' is not a language code"),
    ('[ui.footer_text_by_language]\nes = 3\n', "ui.footer_text_by_language: es: expected a string"),
    (f'[ui.footer_text_by_language]\nes = "{"x" * 201}"\n', "ui.footer_text_by_language: es: at most 200 characters"),
    ('[ui]\nfooter_text_by_language = "Hola"\n', "ui.footer_text_by_language: expected a table"),
    ('[ui]\nfooter_texts = "Hola"\n', "did you mean 'footer_text'"),
])
def test_mistakes_are_reported_with_the_key(tmp_path: Path, toml: str, error: str) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, toml)
    assert any(error in line for line in info.value.errors), info.value.errors

"""Pieces of the UI that need no window: Arabic shaping, theme sizes, sounds."""

from __future__ import annotations

import wave
from pathlib import Path

import pytest

from kiosk.screens.theme import ASSETS, PALETTES, TOUCH_TARGET_MM, Theme, shape


def test_latin_text_is_untouched() -> None:
    assert shape("Cien años de soledad") == "Cien años de soledad"
    assert shape("") == ""


def test_arabic_is_joined_into_presentation_forms_and_put_in_visual_order() -> None:
    text = "العربية"
    shaped = shape(text)
    assert shaped != text
    # Joined letters come from the Arabic Presentation Forms-B block...
    assert all(0xFE70 <= ord(c) <= 0xFEFF for c in shaped)
    # ...and the first logical letter (alef) is drawn last, at the right edge.
    assert shaped[-1] in "\uFE8D\uFE8E\uFEFB\uFEFC"


def test_shaping_is_idempotent_so_labels_can_shape_what_they_are_given() -> None:
    for text in ("موسم الهجرة إلى الشمال", "Total: 12,50 US$ — المجموع", "رجال في الشمس\nسطر ثان"):
        once = shape(text)
        assert shape(once) == once


def test_mixed_lines_are_shaped_line_by_line() -> None:
    shaped = shape("English line\nسطر")
    first, second = shaped.split("\n")
    assert first == "English line" and second != "سطر"


@pytest.mark.parametrize("dpi, minimum", [(96, 56.6), (160, 94.4), (300, 177.1)])
def test_touch_target_is_15_mm_at_the_screen_density(dpi: int, minimum: float) -> None:
    theme = Theme(dpi=dpi)
    theme.resize(1280, 800)
    assert theme.touch == pytest.approx(max(minimum, 44.0), abs=0.2)
    assert theme.target >= theme.touch
    assert TOUCH_TARGET_MM == 15.0


def test_large_text_scales_every_font_and_sizes_follow_the_shorter_side() -> None:
    theme = Theme()
    theme.resize(1920, 1080)
    body, title = theme.f_body, theme.f_title
    theme.large_text = True
    assert theme.f_body == pytest.approx(body * 1.3) and theme.f_title == pytest.approx(title * 1.3)
    portrait = Theme()
    portrait.resize(1080, 1920)
    assert portrait.unit == theme.unit       # same shorter side, same sizes


def test_high_contrast_palette_and_brand_colours() -> None:
    theme = Theme(primary="#123456")
    assert [round(c * 255) for c in theme.primary[:3]] == [0x12, 0x34, 0x56]
    theme.name = "high-contrast"
    assert list(theme.bg[:3]) == [0, 0, 0] and list(theme.text[:3]) == [1, 1, 1]
    theme.name = "default"
    assert [round(c * 255) for c in theme.primary[:3]] == [0x12, 0x34, 0x56]
    assert set(PALETTES["default"]) == set(PALETTES["high-contrast"])


@pytest.mark.parametrize("name", ["success", "error", "notice"])
def test_sounds_are_small_valid_wav_files(name: str) -> None:
    path = Path(ASSETS) / "sounds" / f"{name}.wav"
    with wave.open(str(path)) as wav:
        assert wav.getnchannels() == 1 and wav.getsampwidth() == 2
        seconds = wav.getnframes() / wav.getframerate()
    assert 0.1 < seconds < 2.0
    assert path.stat().st_size < 100_000


def test_bundled_fonts_have_a_licence() -> None:
    fonts = Path(ASSETS) / "fonts"
    assert (fonts / "DejaVuSans.ttf").is_file() and (fonts / "LICENSE-DejaVu.txt").is_file()

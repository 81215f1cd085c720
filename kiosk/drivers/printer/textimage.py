"""Text a printer's code pages cannot print, rendered as a bitmap with Pillow.

ESC/POS printers carry a few dozen 8-bit code pages. Latin, Greek and
Cyrillic fit (python-escpos's magic encoding switches pages per character);
CJK does not, and Arabic or Hebrew would come out in isolated letter forms
and left-to-right order even on a printer that has CP864. Such text is drawn
right here: Pillow with libraqm (FriBiDi + HarfBuzz) shapes Arabic and lays
right-to-left text out properly; the line is right-aligned for RTL scripts.

Font: the configured ``font``, else DejaVu Sans (system copy, or the one Kivy
ships in ``kivy/data/fonts``; it has Latin, Greek, Cyrillic, Hebrew and
Arabic glyphs). CJK needs a CJK font configured (e.g. Noto Sans CJK).
"""

from __future__ import annotations

import importlib.util
import logging
import unicodedata
from functools import lru_cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont, features

log = logging.getLogger(__name__)

FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
    "/usr/share/fonts/TTF/DejaVuSans.ttf",
    "/usr/share/fonts/dejavu/DejaVuSans.ttf",
)
CJK_FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",   # Debian/Ubuntu fonts-noto-cjk
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",        # Arch, Fedora
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
)
RTL_LANGUAGES = {"ar", "he", "fa", "ur", "yi", "ps", "sd", "ug", "dv"}


def has_cjk(text: str) -> bool:
    """Wide (East Asian) characters, which DejaVu Sans has no glyphs for."""
    return any(unicodedata.east_asian_width(c) in ("W", "F") for c in text)


def is_rtl_text(text: str) -> bool:
    """True when the first strong character is right-to-left (UAX #9 P2)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return True
        if kind == "L":
            return False
    return False


def has_rtl(text: str) -> bool:
    return any(unicodedata.bidirectional(c) in ("R", "AL") for c in text)


def find_font(configured: str | Path | None = None, cjk: bool = False) -> str:
    """Path of the font to draw with; raises FileNotFoundError naming what was tried.

    A configured font always wins; for CJK text an installed Noto Sans CJK /
    WenQuanYi font is preferred over DejaVu (which would print empty boxes)."""
    candidates = [str(configured)] if configured else []
    if cjk:
        candidates += list(CJK_FONT_CANDIDATES)
    candidates += list(FONT_CANDIDATES)
    kivy = importlib.util.find_spec("kivy")  # located, not imported: importing Kivy starts its logger
    if kivy is not None and kivy.origin:
        candidates.append(str(Path(kivy.origin).parent / "data" / "fonts" / "DejaVuSans.ttf"))
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    raise FileNotFoundError(f"no font for printing non-code-page text; tried {', '.join(candidates)}")


@lru_cache(maxsize=8)
def _font(path: str, size: int) -> ImageFont.FreeTypeFont:
    layout = ImageFont.Layout.RAQM if features.check("raqm") else ImageFont.Layout.BASIC
    return ImageFont.truetype(path, size, layout_engine=layout)


def _direction(rtl: bool) -> str | None:
    """Pillow's ``direction`` argument; only libraqm layout accepts one."""
    if not features.check("raqm"):
        return None
    return "rtl" if rtl else "ltr"


def _wrap(text: str, font: ImageFont.FreeTypeFont, width: int, rtl: bool) -> list[str]:
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words, line = paragraph.split(" "), ""
        for word in words:
            candidate = f"{line} {word}" if line else word
            if line and font.getlength(candidate, direction=_direction(rtl)) > width:
                lines.append(line)
                line = word
            else:
                line = candidate
        lines.append(line)
    return lines


def render_text(text: str, width_px: int, *, font_path: str | None = None, size: int = 24,
                align: str = "left", language: str | None = None, bold: bool = False) -> Image.Image:
    """A 1-bit image of ``text`` wrapped to ``width_px`` dots.

    RTL text (by content, or ``language`` in :data:`RTL_LANGUAGES`) is shaped,
    laid out right to left and right-aligned unless ``align`` says centre.
    """
    rtl = is_rtl_text(text) or (language or "").split("-")[0] in RTL_LANGUAGES
    if rtl and not features.check("raqm"):
        # Without libraqm Pillow neither shapes nor reorders: Hebrew reads
        # acceptably reversed, Arabic stays unjoined. Said once, loudly.
        log.warning("Pillow lacks libraqm: right-to-left receipt text is reversed but not shaped")
        text = "\n".join(line[::-1] for line in text.split("\n"))
    cjk = has_cjk(text)
    font_file = find_font(font_path, cjk=cjk)
    if cjk and not font_path and "DejaVu" in font_file:
        log.warning("no CJK font installed (apt install fonts-noto-cjk, or set [devices.printer] font): "
                    "CJK receipt text will print as boxes")
    font = _font(font_file, size)
    lines = _wrap(text, font, width_px, rtl)
    ascent, descent = font.getmetrics()
    line_height = ascent + descent + 2
    image = Image.new("L", (width_px, max(1, line_height * len(lines))), 255)
    draw = ImageDraw.Draw(image)
    for index, line in enumerate(lines):
        y = index * line_height
        length = font.getlength(line, direction=_direction(rtl))
        if align in ("center", "centre"):
            x = (width_px - length) / 2
        elif align == "right" or (rtl and align == "left"):
            x = width_px - length
        else:
            x = 0
        draw.text((x, y), line, font=font, fill=0, stroke_width=1 if bold else 0,
                  stroke_fill=0, direction=_direction(rtl))
    return image.point(lambda v: 0 if v < 160 else 255, mode="1")

"""Look and feel shared by every screen: colours (default and high contrast),
sizes that follow the window (landscape, portrait, small panels), 15 mm touch
targets from the screen's density, the font, and right-to-left text.

Kivy renders text glyph by glyph, left to right, with no shaping: Arabic is
shaped into its presentation forms (``arabic_reshaper``) and put in visual
order (``python-bidi``) before it reaches a Label. DejaVu Sans (shipped under
``kiosk/assets/fonts``, Bitstream Vera licence) has the Latin, Arabic
presentation forms and symbol glyphs the kiosk uses; Kivy's Roboto has no Arabic.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from kivy.event import EventDispatcher
from kivy.properties import AliasProperty, BooleanProperty, ColorProperty, NumericProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout
from kivy.utils import get_color_from_hex

ASSETS = Path(__file__).resolve().parent.parent / "assets"
FONT_REGULAR = ASSETS / "fonts" / "DejaVuSans.ttf"
FONT_BOLD = ASSETS / "fonts" / "DejaVuSans-Bold.ttf"
FONT_MONO = ASSETS / "fonts" / "DejaVuSansMono.ttf"

_ARABIC = re.compile("[\u0600-\u06FF\u0750-\u077F\u08A0-\u08FF]")
_MM_PER_INCH = 25.4
TOUCH_TARGET_MM = 15.0


def register_fonts() -> None:
    """Make DejaVu Sans the default font of every Label (Kivy's default is Roboto)."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    LabelBase.register(DEFAULT_FONT, str(FONT_REGULAR), fn_bold=str(FONT_BOLD))


_SHAPED: dict[str, str] = {}       # input -> shaped, bounded
_OUTPUTS: set[str] = set()         # shaped results: shaping them again is a no-op
_CACHE_LIMIT = 20000


SHAPED_OUTPUTS = _OUTPUTS


def needs_shaping(text: str) -> bool:
    """True for text with Arabic letters not yet shaped by :func:`shape`."""
    return bool(text) and text not in _OUTPUTS and bool(_ARABIC.search(text))


def shape(text: str) -> str:
    """``text`` ready for Kivy: Arabic runs joined and in visual order; other
    text unchanged. Multi-line text is shaped line by line. Idempotent:
    shaping an already shaped string returns it unchanged."""
    if not text or text in _OUTPUTS or not _ARABIC.search(text):
        return text
    done = _SHAPED.get(text)
    if done is None:
        done = _shape(text)
        if len(_SHAPED) > _CACHE_LIMIT:
            _SHAPED.clear()
            _OUTPUTS.clear()
        _SHAPED[text] = done
        _OUTPUTS.add(done)
    return done


def shape_uncached(text: str) -> str:
    """:func:`shape` without remembering the result (for measuring candidates)."""
    return text if not _ARABIC.search(text) else _shape(text)


def _shape(text: str) -> str:
    try:
        import arabic_reshaper
        from bidi.algorithm import get_display
    except ImportError:  # without the libraries: at least the right order of letters
        return "\n".join(line[::-1] if _ARABIC.search(line) else line for line in text.split("\n"))
    return "\n".join(get_display(arabic_reshaper.reshape(line)) for line in text.split("\n"))


PALETTES: dict[str, dict[str, str]] = {
    # Calm, warm-neutral background; the brand colour only on actions.
    "default": {"bg": "#F4F1EC", "surface": "#FFFFFF", "text": "#1F2A30", "muted": "#5A6A72",
                "primary_text": "#FFFFFF", "ok": "#2E7D4F", "error": "#B3261E", "warn": "#8A5A00",
                "warn_bg": "#FFF1D6", "line": "#D9D3CA", "secondary": "#E7EEF1", "secondary_text": "#143F52",
                "accent_text": "#1F2A30"},
    # WCAG AAA-level contrast: white on black, yellow actions.
    "high-contrast": {"bg": "#000000", "surface": "#000000", "text": "#FFFFFF", "muted": "#FFFFFF",
                      "primary_text": "#000000", "ok": "#7CFF9B", "error": "#FF8A80", "warn": "#FFE066",
                      "warn_bg": "#3A2E00", "line": "#FFFFFF", "secondary": "#1A1A1A", "secondary_text": "#FFFFFF",
                      "accent_text": "#000000"},
}


class Theme(EventDispatcher):
    """Observable look: kv rules bind to ``app.theme.<name>`` and re-draw on change."""

    name = StringProperty("default")
    large_text = BooleanProperty(False)
    rtl = BooleanProperty(False)
    dpi = NumericProperty(96.0)
    unit = NumericProperty(8.0)          # 1 % of the window's shorter side, in pixels
    touch = NumericProperty(57.0)        # 15 mm in pixels at ``dpi``
    scale = NumericProperty(1.0)         # 1.0, or 1.3 in large-text mode
    # Magnification beyond large text (EN 301 549 5.1.4): text and graphics
    # ``zoom`` times larger; the screen area becomes a pannable view (shell).
    zoom = NumericProperty(1.0)

    bg = ColorProperty("#F4F1EC")
    surface = ColorProperty("#FFFFFF")
    text = ColorProperty("#1F2A30")
    muted = ColorProperty("#5A6A72")
    primary = ColorProperty("#1B5E7A")
    primary_text = ColorProperty("#FFFFFF")
    accent = ColorProperty("#F2A541")
    ok = ColorProperty("#2E7D4F")
    error = ColorProperty("#B3261E")
    warn = ColorProperty("#8A5A00")
    warn_bg = ColorProperty("#FFF1D6")
    line = ColorProperty("#D9D3CA")
    secondary = ColorProperty("#E7EEF1")
    secondary_text = ColorProperty("#143F52")
    accent_text = ColorProperty("#1F2A30")   # text on the accent colour (selected, pressed)

    # font sizes in pixels (recomputed from unit and scale)
    f_small = NumericProperty(14.0)
    f_body = NumericProperty(20.0)
    f_button = NumericProperty(24.0)
    f_title = NumericProperty(34.0)
    f_hero = NumericProperty(48.0)

    def __init__(self, primary: str = "#1B5E7A", accent: str = "#F2A541", **kwargs: Any) -> None:
        self._brand = (primary, accent)
        super().__init__(**kwargs)
        self._window = (800.0, 800.0)
        self.bind(name=self._apply, unit=self._sizes, scale=self._sizes, large_text=self._sizes,
                  zoom=lambda *_: self.resize(*self._window))
        self._apply()
        self._sizes()

    def _apply(self, *_: Any) -> None:
        palette = PALETTES.get(self.name, PALETTES["default"])
        for key, value in palette.items():
            setattr(self, key, get_color_from_hex(value))
        if self.name == "high-contrast":
            self.primary = get_color_from_hex("#FFE066")
            self.accent = get_color_from_hex("#FFE066")
        else:
            self.primary = get_color_from_hex(self._brand[0])
            self.accent = get_color_from_hex(self._brand[1])

    def _sizes(self, *_: Any) -> None:
        scale = 1.3 if self.large_text else 1.0
        u, z = self.unit, self.zoom
        # Text never shrinks below what is readable at arm's length on a small panel.
        self.f_small = max(14.0 * z, 1.9 * u) * scale
        self.f_body = max(17.0 * z, 2.5 * u) * scale
        self.f_button = max(19.0 * z, 2.9 * u) * scale
        self.f_title = max(24.0 * z, 4.0 * u) * scale
        self.f_hero = max(30.0 * z, 5.6 * u) * scale

    def resize(self, width: float, height: float) -> None:
        self._window = (width, height)
        self.unit = max(4.0, min(width, height) / 100.0) * self.zoom
        self.touch = max(TOUCH_TARGET_MM / _MM_PER_INCH * self.dpi, 44.0) * self.zoom
        self._sizes()

    def _target(self) -> float:
        return max(self.touch, 9.0 * self.unit)

    #: Height of a primary button: at least 15 mm, more on big screens. A Kivy
    #: property, so kv rules follow it when the zoom or the window changes.
    target = AliasProperty(_target, None, bind=("touch", "unit"), cache=True)


class DirBox(BoxLayout):
    """A BoxLayout that mirrors its horizontal order when the language reads
    right to left (Arabic): the first child sits at the right edge."""

    rtl = BooleanProperty(False)

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.bind(rtl=self._trigger_layout)

    def do_layout(self, *args: Any) -> None:
        super().do_layout(*args)
        if self.rtl and self.orientation == "horizontal":
            for child in self.children:
                child.x = self.x + (self.right - child.right)

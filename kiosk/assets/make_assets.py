"""Generate the kiosk's own sounds and built-in logo (run once; the results
are committed): ``python -m kiosk.assets.make_assets``.

Sounds are short sine chimes with a soft attack and decay so they are heard
in a busy library without startling anyone: ``success`` rises (C6 -> E6),
``error`` falls (E5 -> A4, twice, longer), ``notice`` is one soft tone.
16-bit mono 22.05 kHz PCM keeps each file a few kilobytes.
"""

from __future__ import annotations

import math
import struct
import wave
from pathlib import Path

HERE = Path(__file__).parent
RATE = 22050


def _tone(freq: float, seconds: float, volume: float = 0.45) -> list[float]:
    n = int(RATE * seconds)
    out = []
    for i in range(n):
        t = i / RATE
        attack = min(1.0, t / 0.01)
        decay = math.exp(-4.0 * t / seconds)
        # A little second harmonic makes it sound like a chime, not a test tone.
        sample = math.sin(2 * math.pi * freq * t) + 0.25 * math.sin(4 * math.pi * freq * t)
        out.append(volume * attack * decay * sample / 1.25)
    return out


def _silence(seconds: float) -> list[float]:
    return [0.0] * int(RATE * seconds)


def write_wav(path: Path, samples: list[float]) -> None:
    with wave.open(str(path), "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(RATE)
        wav.writeframes(b"".join(struct.pack("<h", int(max(-1.0, min(1.0, s)) * 32767)) for s in samples))


SOUNDS = {
    "success": lambda: _tone(1046.5, 0.12) + _tone(1318.5, 0.25),
    "error": lambda: _tone(659.3, 0.18) + _tone(440.0, 0.3) + _silence(0.08) + _tone(659.3, 0.18) + _tone(440.0, 0.3),
    "notice": lambda: _tone(880.0, 0.3, 0.35),
}


def make_logo(path: Path, size: int = 256) -> None:
    """An open book in a rounded square: neutral enough for any library."""
    from PIL import Image, ImageDraw

    img = Image.new("RGBA", (size, size), (0, 0, 0, 0))
    d = ImageDraw.Draw(img)
    d.rounded_rectangle((8, 8, size - 8, size - 8), radius=size // 5, fill=(27, 94, 122, 255))
    cx, top, bottom = size // 2, int(size * 0.28), int(size * 0.74)
    page = (255, 255, 255, 255)
    d.polygon([(cx, top + 14), (int(size * 0.2), top), (int(size * 0.2), bottom - 14), (cx, bottom)], fill=page)
    d.polygon([(cx, top + 14), (int(size * 0.8), top), (int(size * 0.8), bottom - 14), (cx, bottom)],
              fill=(235, 242, 245, 255))
    d.line([(cx, top + 14), (cx, bottom)], fill=(242, 165, 65, 255), width=6)
    img.save(path)


def main() -> None:
    (HERE / "sounds").mkdir(exist_ok=True)
    for name, build in SOUNDS.items():
        write_wav(HERE / "sounds" / f"{name}.wav", build())
    make_logo(HERE / "logo.png")


if __name__ == "__main__":
    main()

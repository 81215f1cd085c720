"""The ``[accessibility]`` settings as one typed value, and the speaker they build.

Timeouts (WCAG 2.2.1 through EN 301 549 11.2.2.1): in speech mode and in
large-text mode every inactivity timeout and the warning countdown are
multiplied by :meth:`AccessibilitySettings.timeout_factor`; when both modes
are on the larger factor applies (they are not multiplied together).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from kiosk.speech.engine import EspeakEngine
from kiosk.speech.output import AudioOutput, open_output
from kiosk.speech.speaker import Speaker


@dataclass(frozen=True)
class AccessibilitySettings:
    speech_default: bool = False
    speech_on_keypad: bool = True
    speech_rate: int = 175
    speech_volume: float = 0.8
    audio_device: str = "aplay"
    voices: tuple[str, ...] = ()
    speech_timeout_factor: float = 2.0
    large_text_timeout_factor: float = 1.5
    zoom_max: float = 2.0
    zoom_step: float = 0.5
    low_layout: bool = False

    @classmethod
    def from_config(cls, cfg: Any) -> "AccessibilitySettings":
        """From a loaded :class:`~kiosk.config.loader.Config` (its ``[accessibility]`` section)."""
        section = cfg.accessibility
        return cls(**{name: section[name] for name in cls.__dataclass_fields__})

    def timeout_factor(self, *, speech: bool, large_text: bool) -> float:
        """How much longer the inactivity timeouts are for this patron."""
        return max(1.0, self.speech_timeout_factor if speech else 1.0,
                   self.large_text_timeout_factor if large_text else 1.0)

    def zoom_levels(self) -> tuple[float, ...]:
        """The magnifications a patron steps through: 1.0, 1.0 + step, ... up to ``zoom_max``."""
        levels = [1.0]
        while levels[-1] + self.zoom_step <= self.zoom_max + 1e-9:
            levels.append(round(levels[-1] + self.zoom_step, 3))
        if levels[-1] < self.zoom_max:
            levels.append(self.zoom_max)
        return tuple(levels)

    def preferred_voices(self) -> dict[str, str]:
        """``("en=gmw/en-US",)`` -> ``{"en": "gmw/en-US"}``."""
        return dict(entry.split("=", 1) for entry in self.voices)


def build_speaker(settings: AccessibilitySettings, fallback_language: str,
                  output: AudioOutput | None = None) -> Speaker:
    """The kiosk's speaker: espeak-ng to ``audio_device`` (or ``output``, the
    demo's recorder). Never raises for a missing engine or a broken device;
    :meth:`Speaker.status` says what is wrong."""
    preferred = settings.preferred_voices()
    return Speaker(lambda: EspeakEngine(preferred), output or open_output(settings.audio_device),
                   rate=settings.speech_rate, volume=settings.speech_volume, fallback_language=fallback_language)

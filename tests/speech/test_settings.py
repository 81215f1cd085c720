"""The [accessibility] section: typed keys with bounds and defaults, the
audio device checked by the parser the output uses, timeouts and zoom."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.config.sections import SECTIONS
from kiosk.errors import ConfigError
from kiosk.speech.output import PipeOutput, RecordingOutput
from kiosk.speech.settings import AccessibilitySettings, build_speaker


def load(tmp_path: Path, text: str) -> AccessibilitySettings:
    path = tmp_path / "station.toml"
    path.write_text(text, encoding="utf-8")
    return AccessibilitySettings.from_config(load_config(path, check_devices=False, apply_override_file=False))


def test_defaults(tmp_path: Path) -> None:
    settings = load(tmp_path, "")
    assert settings == AccessibilitySettings()
    assert (settings.speech_default, settings.speech_rate, settings.speech_volume, settings.audio_device) == (
        False, 175, 0.8, "aplay")
    assert (settings.speech_timeout_factor, settings.large_text_timeout_factor, settings.low_layout) == (2.0, 1.5, False)


def test_every_key_has_type_default_and_one_line_doc() -> None:
    section = next(s for s in SECTIONS if s.name == "accessibility")
    assert {k.name for k in section.keys} == set(AccessibilitySettings.__dataclass_fields__)
    for key in section.keys:
        assert key.doc and "\n" not in key.doc and key.type.describe()
        default = list(key.default) if isinstance(key.default, tuple) else key.default   # TOML lists
        assert key.type.parse(default) == key.default


def test_settings_are_read(tmp_path: Path) -> None:
    settings = load(tmp_path, """
[accessibility]
speech_default = true
speech_rate = 140
speech_volume = 0.5
audio_device = "aplay:plughw:CARD=Headphones,DEV=0"
voices = ["en=gmw/en-US"]
speech_timeout_factor = 3
zoom_max = 3.0
zoom_step = 0.5
""")
    assert settings.speech_default and settings.speech_rate == 140 and settings.speech_volume == 0.5
    assert settings.audio_device == "aplay:plughw:CARD=Headphones,DEV=0"
    assert settings.preferred_voices() == {"en": "gmw/en-US"}
    assert settings.zoom_levels() == (1.0, 1.5, 2.0, 2.5, 3.0)


def test_bad_values_are_reported_together(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        load(tmp_path, """
[accessibility]
speech_rate = 1000
speech_volume = 2
audio_device = "pulse:default"
voices = ["english"]
speech_timeout_factor = 0.5
zoom_max = 9
speach_default = true
""")
    errors = "\n".join(info.value.errors)
    assert "accessibility.speech_rate: must be at most 450 (got 1000)" in errors
    assert "accessibility.speech_volume: must be at most 1 (got 2)" in errors
    assert "accessibility.audio_device: 'pulse:default' is not an audio device; use aplay" in errors
    assert "accessibility.voices: entry 1: 'english' is not LANG=VOICE" in errors
    assert "accessibility.speech_timeout_factor: must be at least 1 (got 0.5)" in errors
    assert "accessibility.zoom_max: must be at most 4 (got 9)" in errors
    assert "accessibility.speach_default: unknown key; did you mean 'speech_default'?" in errors


@pytest.mark.parametrize("speech, large_text, factor", [
    (False, False, 1.0), (True, False, 2.0), (False, True, 1.5), (True, True, 2.0),
])
def test_timeout_factor(speech: bool, large_text: bool, factor: float) -> None:
    assert AccessibilitySettings().timeout_factor(speech=speech, large_text=large_text) == factor


@pytest.mark.parametrize("step, maximum, levels", [
    (0.5, 2.0, (1.0, 1.5, 2.0)), (0.3, 2.0, (1.0, 1.3, 1.6, 1.9, 2.0)), (0.5, 1.0, (1.0,)),
])
def test_zoom_levels(step: float, maximum: float, levels: tuple[float, ...]) -> None:
    assert AccessibilitySettings(zoom_step=step, zoom_max=maximum).zoom_levels() == levels


def test_build_speaker_uses_the_configured_device() -> None:
    speaker = build_speaker(AccessibilitySettings(audio_device="sim", speech_rate=150, speech_volume=0.4), "es")
    try:
        assert isinstance(speaker.output, RecordingOutput)
        assert (speaker.rate, speaker.volume, speaker.fallback_language) == (150, 0.4, "es")
        assert speaker.language_for("tl") == "es" and speaker.status().ok
    finally:
        speaker.close()
    aplay = build_speaker(AccessibilitySettings(audio_device="aplay:null"), "en")
    try:
        assert isinstance(aplay.output, PipeOutput) and aplay.output.command == ["aplay", "-q", "-D", "null", "-"]
    finally:
        aplay.close()

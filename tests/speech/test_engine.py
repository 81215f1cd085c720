"""The espeak-ng engine that installs with the project: voices per language,
text -> WAV, cancellation, and a clear error when the library is missing."""

from __future__ import annotations

import io
import struct
import wave

import pytest

from kiosk.speech.engine import MAX_RATE, EspeakEngine, SpeechUnavailable, Voice, wav_seconds

SAMPLES = {
    "en": "You are on the home screen. Press Select to borrow.",
    "es": "Está en la pantalla de inicio. Pulse Seleccionar para tomar prestado.",
    "ar": "أنت في الشاشة الرئيسية. اضغط على زر الاختيار للاستعارة.",
}


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


def peak(wav: bytes) -> int:
    with wave.open(io.BytesIO(wav), "rb") as reader:
        frames = reader.readframes(reader.getnframes())
    return max((abs(v) for (v,) in struct.iter_unpack("<h", frames)), default=0)


@pytest.mark.parametrize("lang, identifier", [("en", "gmw/en"), ("es", "roa/es"), ("ar", "sem/ar"),
                                              ("en_US", "gmw/en-US"), ("es_MX", "roa/es-419")])
def test_offered_languages_have_voices(engine: EspeakEngine, lang: str, identifier: str) -> None:
    voice = engine.voice_for(lang)
    assert voice is not None and voice.identifier == identifier


@pytest.mark.parametrize("lang", ["tl", "fil", "xx"])
def test_tagalog_has_no_voice_and_says_so(engine: EspeakEngine, lang: str) -> None:
    assert engine.voice_for(lang) is None


def test_preferred_voice_wins(engine: EspeakEngine) -> None:
    american = EspeakEngine(preferred={"en": "gmw/en-US"})
    assert american.voice_for("en") == engine.voice_for("en_US")


@pytest.mark.parametrize("lang", sorted(SAMPLES))
def test_speaks_each_voiced_language_as_wav(engine: EspeakEngine, lang: str) -> None:
    voice = engine.voice_for(lang)
    assert voice is not None
    wav = engine.synthesize(SAMPLES[lang], voice)
    assert wav is not None and wav[:4] == b"RIFF" and wav[8:12] == b"WAVE"
    with wave.open(io.BytesIO(wav), "rb") as reader:
        assert (reader.getnchannels(), reader.getsampwidth(), reader.getframerate()) == (1, 2, engine.sample_rate)
    assert 1.0 < wav_seconds(wav) < 15.0      # a sentence, not silence and not a runaway
    assert peak(wav) > 3000                    # audible


def test_rate_and_volume_change_the_sound(engine: EspeakEngine) -> None:
    voice = engine.voice_for("en")
    assert voice is not None
    normal = engine.synthesize(SAMPLES["en"], voice, rate=175, volume=1.0)
    fast = engine.synthesize(SAMPLES["en"], voice, rate=MAX_RATE + 100, volume=1.0)   # clamped, not an error
    quiet = engine.synthesize(SAMPLES["en"], voice, rate=175, volume=0.2)
    assert normal and fast and quiet
    assert wav_seconds(fast) < wav_seconds(normal) * 0.7
    assert peak(quiet) < peak(normal) * 0.5


def test_cancelled_synthesis_returns_nothing(engine: EspeakEngine) -> None:
    voice = engine.voice_for("en")
    assert voice is not None
    calls = []

    def cancelled() -> bool:
        calls.append(1)
        return len(calls) > 1

    assert engine.synthesize(SAMPLES["en"] * 10, voice, cancelled=cancelled) is None


def test_missing_library_is_a_clear_error() -> None:
    with pytest.raises(SpeechUnavailable) as info:
        EspeakEngine(library_path="/nonexistent/libespeak-ng.so", data_path="/nonexistent")
    assert "cannot load /nonexistent/libespeak-ng.so" in str(info.value)
    assert info.value.device == "speech"


def test_voice_list_is_plain_data(engine: EspeakEngine) -> None:
    voices = engine.voices()
    assert len(voices) > 50 and all(isinstance(v, Voice) and v.languages for v in voices)

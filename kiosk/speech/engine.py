"""Offline speech synthesis with eSpeak NG, through ctypes.

The library (``libespeak-ng.so``) and its voice data come inside the
``espeakng-loader`` wheel, so ``pip install`` is the whole set-up: no system
package, no network, no model download. We call espeak-ng's C API
(``speak_lib.h``) directly:

* ``espeak_Initialize(AUDIO_OUTPUT_SYNCHRONOUS, ...)``: synthesis runs in the
  calling thread and hands 16-bit mono PCM to our callback (22 050 Hz);
* ``espeak_SetVoiceByName``, ``espeak_SetParameter(espeakRATE | espeakVOLUME)``;
* ``espeak_Synth(text, ..., espeakCHARS_UTF8)``; the callback returning 1
  abandons the utterance, which is how a new announcement cuts an old one
  short while it is still being synthesised.

espeak-ng keeps global state (one current voice, one callback), so every
call in the process goes through :data:`_LOCK`; the :class:`Speaker`'s worker
thread is the only caller in the kiosk.

Voices: espeak-ng has voices for English, Spanish and Arabic, none for
Tagalog/Filipino. :meth:`EspeakEngine.voice_for` answers ``None`` for a
language without a voice; the speaker then falls back to the configured
language and says so in its status. (Arabic is read from undiacritised text
as espeak-ng can: understandable, not natural.)
"""

from __future__ import annotations

import ctypes
import io
import logging
import threading
import wave
from dataclasses import dataclass, field
from typing import Callable, Protocol

from kiosk.errors import DeviceError

log = logging.getLogger(__name__)

# speak_lib.h constants
_AUDIO_OUTPUT_SYNCHRONOUS = 2
_POS_CHARACTER = 1
_CHARS_UTF8 = 1
_PARAM_RATE, _PARAM_VOLUME = 1, 2
_EE_OK = 0

MIN_RATE, MAX_RATE, DEFAULT_RATE = 80, 450, 175   # words per minute (espeak-ng's own bounds)
SAMPLE_WIDTH = 2                                  # bytes: signed 16-bit PCM


class SpeechUnavailable(DeviceError):
    """The speech engine cannot run here (library or voice data missing)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "speech")


@dataclass(frozen=True)
class Voice:
    """One espeak-ng voice: ``identifier`` is what selects it (``gmw/en-US``);
    ``languages`` are the codes it speaks, best first (``("en-us", "en")``)."""

    name: str
    identifier: str
    languages: tuple[str, ...]
    priorities: tuple[int, ...] = field(default=(), repr=False)   # espeak-ng's, per language; lower = better


class Synthesizer(Protocol):
    """What the :class:`~kiosk.speech.speaker.Speaker` needs from an engine."""

    sample_rate: int

    def voice_for(self, language: str) -> Voice | None: ...

    def synthesize(self, text: str, voice: Voice, rate: int = DEFAULT_RATE, volume: float = 1.0,
                   cancelled: Callable[[], bool] | None = None) -> bytes | None: ...


class _VoiceStruct(ctypes.Structure):
    _fields_ = [("name", ctypes.c_char_p), ("languages", ctypes.c_void_p), ("identifier", ctypes.c_char_p),
                ("gender", ctypes.c_ubyte), ("age", ctypes.c_ubyte), ("variant", ctypes.c_ubyte),
                ("xx1", ctypes.c_ubyte), ("score", ctypes.c_int), ("spare", ctypes.c_void_p)]


_CALLBACK = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.POINTER(ctypes.c_short), ctypes.c_int, ctypes.c_void_p)
_LOCK = threading.Lock()


class _Library:
    """The process's one initialised libespeak-ng (loaded on first use)."""

    _instances: "dict[tuple[str, str], _Library]" = {}

    def __init__(self, library_path: str, data_path: str) -> None:
        try:
            self.lib = ctypes.CDLL(library_path)
        except OSError as exc:
            raise SpeechUnavailable(f"speech: cannot load {library_path}: {exc}") from exc
        self.lib.espeak_Initialize.restype = ctypes.c_int
        self.lib.espeak_Initialize.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_char_p, ctypes.c_int]
        self.lib.espeak_ListVoices.restype = ctypes.POINTER(ctypes.POINTER(_VoiceStruct))
        self.lib.espeak_SetVoiceByName.argtypes = [ctypes.c_char_p]
        self.lib.espeak_SetParameter.argtypes = [ctypes.c_int, ctypes.c_int, ctypes.c_int]
        self.lib.espeak_Synth.argtypes = [ctypes.c_void_p, ctypes.c_size_t, ctypes.c_uint, ctypes.c_int,
                                          ctypes.c_uint, ctypes.c_uint, ctypes.c_void_p, ctypes.c_void_p]
        self.sample_rate = self.lib.espeak_Initialize(_AUDIO_OUTPUT_SYNCHRONOUS, 200, data_path.encode(), 0)
        if self.sample_rate <= 0:
            raise SpeechUnavailable(f"speech: espeak-ng could not start with the voice data in {data_path}")
        self.pcm = bytearray()
        self.cancelled: Callable[[], bool] = lambda: False
        self._callback = _CALLBACK(self._on_audio)   # kept alive as long as the library
        self.lib.espeak_SetSynthCallback(self._callback)
        self.voices = self._list_voices()

    def _on_audio(self, wav: "ctypes._Pointer[ctypes.c_short]", count: int, _events: int) -> int:
        if wav and count > 0:
            self.pcm.extend(ctypes.string_at(wav, count * SAMPLE_WIDTH))
        return 1 if self.cancelled() else 0

    def _list_voices(self) -> tuple[Voice, ...]:
        found = []
        table = self.lib.espeak_ListVoices(None)
        index = 0
        while table[index]:
            entry = table[index].contents
            ranked = sorted(_languages(entry.languages))
            found.append(Voice(entry.name.decode("utf-8", "replace"), entry.identifier.decode("utf-8", "replace"),
                               tuple(code for _, code in ranked), tuple(priority for priority, _ in ranked)))
            index += 1
        return tuple(found)

    @classmethod
    def get(cls, library_path: str | None, data_path: str | None) -> "_Library":
        if library_path is None or data_path is None:
            try:
                import espeakng_loader
            except ImportError as exc:
                raise SpeechUnavailable("speech: espeakng-loader is not installed (pip install -e . brings it)") from exc
            library_path = library_path or espeakng_loader.get_library_path()
            try:
                data_path = data_path or espeakng_loader.get_data_path()
            except RuntimeError as exc:
                raise SpeechUnavailable(f"speech: voice data missing: {exc}") from exc
        with _LOCK:
            key = (library_path, data_path)
            if key not in cls._instances:
                cls._instances[key] = cls(library_path, data_path)
            return cls._instances[key]


def _languages(address: int | None) -> list[tuple[int, str]]:
    """espeak_VOICE.languages: ``<priority byte><code>\\0`` pairs ending in a 0 byte."""
    pairs: list[tuple[int, str]] = []
    while address:
        priority = ctypes.c_ubyte.from_address(address).value
        if priority == 0:
            break
        code = ctypes.string_at(address + 1)
        pairs.append((priority, code.decode("ascii", "replace")))
        address += len(code) + 2
    return pairs


def wav_bytes(pcm: bytes, sample_rate: int) -> bytes:
    """16-bit mono PCM as a complete RIFF/WAVE file."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(SAMPLE_WIDTH)
        out.setframerate(sample_rate)
        out.writeframes(pcm)
    return buffer.getvalue()


def wav_seconds(wav: bytes) -> float:
    """How long a WAV file made by :func:`wav_bytes` plays."""
    with wave.open(io.BytesIO(wav), "rb") as reader:
        return reader.getnframes() / float(reader.getframerate() or 1)


class EspeakEngine:
    """Text in, WAV bytes out. ``EspeakEngine()`` uses the library and data
    shipped by espeakng-loader; raises :class:`SpeechUnavailable` when they
    cannot load. ``preferred`` picks a voice per language (``{"en": "gmw/en-US"}``);
    otherwise the voice espeak-ng ranks first for the language is used."""

    def __init__(self, preferred: dict[str, str] | None = None, library_path: str | None = None,
                 data_path: str | None = None) -> None:
        self._lib = _Library.get(library_path, data_path)
        self.sample_rate = self._lib.sample_rate
        self.preferred = dict(preferred or {})

    def voices(self) -> tuple[Voice, ...]:
        return self._lib.voices

    def voice_for(self, language: str) -> Voice | None:
        """The voice for ``language`` (``en``, ``es_MX``, ``ar``), or ``None``
        when espeak-ng has none (``tl``)."""
        code = language.replace("_", "-").lower()
        base = code.split("-")[0]
        wanted = self.preferred.get(language) or self.preferred.get(base)
        if wanted:
            for voice in self._lib.voices:
                if wanted.lower() in (voice.identifier.lower(), voice.name.lower()) or wanted.lower() in voice.languages:
                    return voice
            log.warning("speech: preferred voice %r for %s not found; using espeak-ng's choice", wanted, language)
        # An exact match (es-419 for es_419) beats the base language; then espeak-ng's priority.
        best: tuple[tuple[int, int], Voice] | None = None
        for voice in self._lib.voices:
            for spoken, priority in zip(voice.languages, voice.priorities):
                rank = (0 if spoken == code else 1, priority)
                if spoken in (code, base) and (best is None or rank < best[0]):
                    best = (rank, voice)
        return best[1] if best else None

    def synthesize(self, text: str, voice: Voice, rate: int = DEFAULT_RATE, volume: float = 1.0,
                   cancelled: Callable[[], bool] | None = None) -> bytes | None:
        """``text`` spoken by ``voice`` as a WAV file; ``None`` when
        ``cancelled()`` turned true during synthesis. ``rate`` is words per
        minute (80-450), ``volume`` 0-1 (1 = espeak-ng's full, unclipped level)."""
        data = text.encode("utf-8") + b"\0"
        lib = self._lib
        with _LOCK:
            if lib.lib.espeak_SetVoiceByName(voice.identifier.encode()) != _EE_OK:
                raise SpeechUnavailable(f"speech: voice {voice.identifier} failed to load")
            lib.lib.espeak_SetParameter(_PARAM_RATE, max(MIN_RATE, min(MAX_RATE, int(rate))), 0)
            lib.lib.espeak_SetParameter(_PARAM_VOLUME, max(0, min(100, round(volume * 100))), 0)
            lib.pcm = bytearray()
            lib.cancelled = cancelled or (lambda: False)
            try:
                result = lib.lib.espeak_Synth(data, len(data), 0, _POS_CHARACTER, 0, _CHARS_UTF8, None, None)
            finally:
                lib.cancelled = lambda: False
            pcm = bytes(lib.pcm)
            lib.pcm = bytearray()
        if cancelled is not None and cancelled():
            return None
        if result != _EE_OK:
            raise SpeechUnavailable(f"speech: espeak-ng failed to synthesise (error {result})")
        return wav_bytes(pcm, self.sample_rate)

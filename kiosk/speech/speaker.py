"""The speaker: says announcements off the caller's thread.

``speak(text, language)`` only queues and returns (microseconds; see
``benchmarks/speech.py``); one worker thread synthesises and plays. A new
announcement replaces the one being said (``queue=True`` adds it after
instead); ``stop()`` silences it; ``repeat()`` says the last one again; rate
and volume apply from the next announcement.

Languages without a voice (Tagalog with espeak-ng) are spoken with the
fallback language's voice, and :meth:`Speaker.language_for` tells the caller
which language to write the announcement in, so the script can be produced in
a language the voice can read. :meth:`Speaker.status` says so for staff.

Nothing raises into the caller: an engine that cannot load or an audio
device that fails is a logged warning and a failed :class:`SpeechStatus`;
the kiosk goes on silently and recovers when the device does. Announcement
texts are never logged (they carry names and titles).
"""

from __future__ import annotations

import logging
import threading
from collections import OrderedDict, deque
from dataclasses import dataclass
from typing import Callable

from kiosk.errors import DeviceError
from kiosk.speech.engine import DEFAULT_RATE, MAX_RATE, MIN_RATE, Synthesizer, Voice
from kiosk.speech.output import AudioOutput, Utterance

log = logging.getLogger(__name__)

RATE_STEP = 25          # words per minute per "faster"/"slower"
VOLUME_STEP = 0.1


@dataclass(frozen=True)
class SpeechStatus:
    """For staff mode and ``kiosk diag``: ``ok`` false when the engine or the
    audio device failed (``detail`` says how); ``no_voice`` lists requested
    languages that were spoken with the fallback voice."""

    ok: bool
    detail: str
    no_voice: tuple[str, ...] = ()


@dataclass
class _Job:
    utterance: Utterance
    halt: threading.Event


class Speaker:
    """``Speaker(engine, output)``. ``engine`` may be a factory (such as
    :class:`~kiosk.speech.engine.EspeakEngine`): one that raises
    :class:`DeviceError` leaves a speaker that says nothing and reports why."""

    def __init__(self, engine: Synthesizer | Callable[[], Synthesizer], output: AudioOutput, *,
                 rate: int = DEFAULT_RATE, volume: float = 0.8, fallback_language: str = "en",
                 cache_size: int = 32) -> None:
        self.output = output
        self.fallback_language = fallback_language
        self._engine: Synthesizer | None = None
        self._rate = _clamp_rate(rate)
        self._volume = _clamp_volume(volume)
        self._cond = threading.Condition()
        self._pending: deque[_Job] = deque()
        self._current: _Job | None = None
        self._last: Utterance | None = None
        self._closed = False
        self._status = SpeechStatus(True, f"speech: ready ({output.name})")
        if hasattr(engine, "synthesize"):
            self._engine = engine  # type: ignore[assignment]
        else:
            try:
                self._engine = engine()  # type: ignore[operator]
            except DeviceError as exc:
                log.warning("%s; speech is off", exc)
                self._status = SpeechStatus(False, str(exc))
        self._no_voice: set[str] = set()
        self._cache: OrderedDict[tuple[str, str, int, float], bytes] = OrderedDict()
        self._cache_size = cache_size
        self._listeners: list[Callable[[SpeechStatus], None]] = []
        self.spoken = 0                 # utterances played to the end
        self._thread = threading.Thread(target=self._run, name="speech", daemon=True)
        self._thread.start()

    # -- what callers use ----------------------------------------------------------
    def speak(self, text: str, language: str, *, queue: bool = False) -> None:
        """Say ``text`` in ``language``: replaces what is being said, or with
        ``queue=True`` follows it. Returns at once."""
        if not text.strip():
            return
        job = _Job(Utterance(text, language), threading.Event())
        with self._cond:
            if self._closed:
                return
            if not queue:
                self._silence_locked()
            self._pending.append(job)
            self._last = job.utterance
            self._cond.notify_all()

    def stop(self) -> None:
        """Silence now: the current announcement stops and queued ones are dropped."""
        with self._cond:
            self._silence_locked()
            self._cond.notify_all()

    def repeat(self) -> None:
        """Say the last announcement again (nothing when there was none)."""
        with self._cond:
            last = self._last
        if last is not None:
            self.speak(last.text, last.language)

    @property
    def last(self) -> Utterance | None:
        return self._last

    @property
    def rate(self) -> int:
        return self._rate

    @rate.setter
    def rate(self, words_per_minute: int) -> None:
        self._rate = _clamp_rate(words_per_minute)

    @property
    def volume(self) -> float:
        return self._volume

    @volume.setter
    def volume(self, level: float) -> None:
        self._volume = _clamp_volume(level)

    def faster(self, steps: int = 1) -> int:
        self.rate = self._rate + steps * RATE_STEP
        return self._rate

    def slower(self, steps: int = 1) -> int:
        return self.faster(-steps)

    def louder(self, steps: int = 1) -> float:
        self.volume = self._volume + steps * VOLUME_STEP
        return self._volume

    def quieter(self, steps: int = 1) -> float:
        return self.louder(-steps)

    def language_for(self, language: str) -> str:
        """``language`` when there is a voice for it, else the fallback
        language (remembered for :meth:`status`). Write the announcement in
        the language this returns."""
        if self._engine is None or self._voice(language) is not None:
            return language
        self._no_voice.add(language)
        return self.fallback_language

    def voices(self, languages: tuple[str, ...]) -> dict[str, Voice | None]:
        """The voice each of ``languages`` would get (``None``: no voice), for staff mode."""
        return {lang: self._voice(lang) for lang in languages}

    def status(self) -> SpeechStatus:
        return SpeechStatus(self._status.ok, self._status.detail, tuple(sorted(self._no_voice)))

    def on_status(self, callback: Callable[[SpeechStatus], None]) -> None:
        """``callback(status)`` (on the worker thread) when speech fails or recovers."""
        self._listeners.append(callback)

    def wait_idle(self, timeout: float) -> bool:
        """Block until nothing is queued or being said (bounded); True if idle."""
        with self._cond:
            return self._cond.wait_for(lambda: not self._pending and self._current is None, timeout)

    def close(self, timeout: float = 2.0) -> None:
        with self._cond:
            self._closed = True
            self._silence_locked()
            self._cond.notify_all()
        self._thread.join(timeout)
        self.output.close()

    # -- the worker ------------------------------------------------------------------
    def _silence_locked(self) -> None:
        for job in self._pending:
            job.halt.set()
        self._pending.clear()
        if self._current is not None:
            self._current.halt.set()

    def _run(self) -> None:
        while True:
            with self._cond:
                self._current = None
                self._cond.notify_all()
                self._cond.wait_for(lambda: self._pending or self._closed)
                if self._closed:
                    return
                job = self._current = self._pending.popleft()
            try:
                self._say(job)
            except DeviceError as exc:
                self._set_status(SpeechStatus(False, str(exc)))
            except Exception:  # a bug here must not kill speech for the rest of the day
                log.exception("speech: announcement failed")
                self._set_status(SpeechStatus(False, "speech: internal error (see the log)"))

    def _say(self, job: _Job) -> None:
        engine = self._engine
        if engine is None or job.halt.is_set():
            return
        voice = self._voice(job.utterance.language) or self._voice(self.fallback_language)
        if voice is None:
            self._set_status(SpeechStatus(False, f"speech: no voice for {job.utterance.language} "
                                                 f"nor {self.fallback_language}"))
            return
        key = (job.utterance.text, voice.identifier, self._rate, self._volume)
        wav = self._cache.get(key)
        if wav is None:
            wav = engine.synthesize(job.utterance.text, voice, self._rate, self._volume, job.halt.is_set)
            if wav is None:
                return  # replaced while being synthesised
            self._cache[key] = wav
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        else:
            self._cache.move_to_end(key)
        if self.output.play(wav, job.utterance, job.halt):
            self.spoken += 1
        if not self._status.ok:
            self._set_status(SpeechStatus(True, f"speech: working again ({self.output.name})"))

    def _voice(self, language: str) -> Voice | None:
        engine = self._engine
        if engine is None:
            return None
        return engine.voice_for(language)

    def _set_status(self, status: SpeechStatus) -> None:
        if status == self._status:
            return
        self._status = status
        (log.info if status.ok else log.warning)("%s", status.detail)
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a listener's bug must not stop speech
                log.exception("speech: status listener failed")


def _clamp_rate(value: int) -> int:
    return max(MIN_RATE, min(MAX_RATE, int(value)))


def _clamp_volume(value: float) -> float:
    return round(max(0.0, min(1.0, float(value))), 2)

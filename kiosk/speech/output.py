"""Where speech goes: one audio output, chosen by a device string.

Grammar (``[accessibility] audio_device``)::

    aplay                  ALSA's default device, through aplay (alsa-utils)
    aplay:DEVICE           an ALSA device as ``aplay -L`` names it, e.g.
                           aplay:plughw:CARD=Headphones,DEV=0 (the headphone jack)
    pipe:COMMAND [ARG...]  any program that plays a WAV file from its standard
                           input, e.g. pipe:pw-play - or pipe:paplay --device=jack
    sim                    plays nothing; keeps every utterance (text, language,
                           WAV) in memory, for tests
    sim:DIR                the same, and writes NNN-LANG.wav + NNN-LANG.txt to
                           DIR (the accessible demo tour)

Why a player process and not Kivy's audio: Kivy's SDL mixer plays files,
belongs to the UI thread's clock and has one output device per process (the
``AUDIODEV`` environment variable), so speech could not go to the headphone
jack while the success and error sounds stay on the loudspeaker. A player
process is off every thread we care about, stops at once when terminated
(speech is interruptible), and its exit status and stderr turn a broken
device into a one-line status instead of an exception in the kiosk. ALSA
device names are what staff see in ``aplay -L``.

:meth:`AudioOutput.play` blocks until the WAV has played or ``halt`` is set;
it raises :class:`AudioOutputError` when the device fails. Only the
:class:`~kiosk.speech.speaker.Speaker`'s worker thread calls it.
"""

from __future__ import annotations

import logging
import shlex
import subprocess
import threading
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.errors import DeviceError
from kiosk.speech.engine import wav_seconds

log = logging.getLogger(__name__)

SCHEMES = ("aplay", "pipe", "sim")
GRAMMAR = "aplay | aplay:DEVICE | pipe:COMMAND [ARG...] | sim | sim:DIR"


class AudioOutputError(DeviceError):
    """The audio device failed (player missing, device busy or absent)."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "audio")


@dataclass(frozen=True)
class Utterance:
    """One thing said: the text and the language of the voice that spoke it."""

    text: str
    language: str


def parse_output(spec: str) -> tuple[str, str]:
    """``"aplay:plughw:1,0"`` -> ``("aplay", "plughw:1,0")``; raises ValueError
    with the grammar when the string is not an audio device."""
    scheme, _, argument = spec.strip().partition(":")
    scheme, argument = scheme.strip().lower(), argument.strip()
    if scheme not in SCHEMES:
        raise ValueError(f"{spec!r} is not an audio device; use {GRAMMAR}")
    if scheme == "aplay" and any(ch.isspace() for ch in argument):
        raise ValueError(f"{spec!r}: an ALSA device name has no spaces (see aplay -L)")
    if scheme == "pipe":
        try:
            words = shlex.split(argument)
        except ValueError as exc:
            raise ValueError(f"{spec!r}: {exc}") from None
        if not words:
            raise ValueError(f"{spec!r}: pipe needs a command, e.g. pipe:pw-play -")
    return scheme, argument


class AudioOutput:
    """Base: ``play(wav, utterance, halt)`` -> True if played to the end."""

    name = "audio"

    def play(self, wav: bytes, utterance: Utterance, halt: threading.Event) -> bool:
        raise NotImplementedError

    def close(self) -> None:
        """Release the device."""


class PipeOutput(AudioOutput):
    """Writes the WAV to a player program's stdin; terminating the program stops the sound."""

    POLL = 0.02
    STOP_GRACE = 1.0

    def __init__(self, command: list[str]) -> None:
        self.command = list(command)
        self.name = command[0]

    def play(self, wav: bytes, utterance: Utterance, halt: threading.Event) -> bool:
        try:
            process = subprocess.Popen(self.command, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                       stderr=subprocess.PIPE)
        except FileNotFoundError:
            hint = " (install alsa-utils)" if self.name == "aplay" else ""
            raise AudioOutputError(f"audio: {self.name} not found{hint}") from None
        except OSError as exc:
            raise AudioOutputError(f"audio: cannot start {self.name}: {exc.strerror}") from None
        # The player reads as it plays: feeding it from another thread keeps this one free to stop it.
        feeder = threading.Thread(target=_feed, args=(process, wav), name="speech-feed", daemon=True)
        feeder.start()
        while process.poll() is None:
            if halt.wait(self.POLL):
                _end(process, self.STOP_GRACE)
                feeder.join(self.STOP_GRACE)
                _close_stderr(process)
                return False
        feeder.join(self.STOP_GRACE)
        error = _close_stderr(process)
        if process.returncode != 0:
            why = error.strip().splitlines()[-1] if error.strip() else "no message"
            raise AudioOutputError(f"audio: {self.name} failed (exit {process.returncode}): {why}")
        return True


def _feed(process: subprocess.Popen[bytes], wav: bytes) -> None:
    stdin = process.stdin
    assert stdin is not None
    try:
        stdin.write(wav)
        stdin.close()
    except (BrokenPipeError, ValueError, OSError):
        pass  # the player ended early (stopped, or failed: its exit status says which)


def _end(process: subprocess.Popen[bytes], grace: float) -> None:
    process.terminate()
    try:
        process.wait(grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(grace)


def _close_stderr(process: subprocess.Popen[bytes]) -> str:
    if process.stderr is None:
        return ""
    try:
        return process.stderr.read().decode("utf-8", "replace")[-400:]
    finally:
        process.stderr.close()


@dataclass(frozen=True)
class Recorded:
    """What the recording output received: the utterance, its WAV, and
    whether it was cut short (only a ``realtime`` recorder can be)."""

    text: str
    language: str
    wav: bytes
    interrupted: bool = False


class RecordingOutput(AudioOutput):
    """The ``sim`` output: keeps what would have been played.

    ``directory``: also write ``NNN-LANG.wav`` and ``NNN-LANG.txt`` there.
    ``realtime``: take as long as the WAV lasts (so stop() and replacement
    can be seen); else return at once. Fault injection: set ``fail`` to a
    reason and every play raises :class:`AudioOutputError` with it.
    """

    name = "sim"

    def __init__(self, directory: str | Path | None = None, realtime: bool = False) -> None:
        self.directory = Path(directory) if directory else None
        self.realtime = realtime
        self.fail: str | None = None
        self.spoken: list[Recorded] = []
        self._changed = threading.Condition()

    @property
    def texts(self) -> list[str]:
        with self._changed:
            return [r.text for r in self.spoken]

    def play(self, wav: bytes, utterance: Utterance, halt: threading.Event) -> bool:
        if self.fail:
            raise AudioOutputError(f"audio: {self.fail}")
        with self._changed:
            index = len(self.spoken)
            self.spoken.append(Recorded(utterance.text, utterance.language, wav))
            self._changed.notify_all()
        if self.directory is not None:
            self._write(index, utterance, wav)
        finished = not (self.realtime and halt.wait(wav_seconds(wav)))
        if not finished:
            with self._changed:
                self.spoken[index] = replace(self.spoken[index], interrupted=True)
                self._changed.notify_all()
        return finished

    def _write(self, index: int, utterance: Utterance, wav: bytes) -> None:
        assert self.directory is not None
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            stem = self.directory / f"{index + 1:03d}-{utterance.language}"
            stem.with_suffix(".wav").write_bytes(wav)
            stem.with_suffix(".txt").write_text(utterance.text + "\n", encoding="utf-8")
        except OSError as exc:
            raise AudioOutputError(f"audio: cannot write to {self.directory}: {exc.strerror}") from None

    def wait_for(self, count: int, timeout: float) -> bool:
        """Block until ``count`` utterances have started (bounded by ``timeout``)."""
        with self._changed:
            return self._changed.wait_for(lambda: len(self.spoken) >= count, timeout)


def open_output(spec: str) -> AudioOutput:
    """The output named by ``spec`` (see the module grammar); raises
    :class:`AudioOutputError` for a malformed string."""
    try:
        scheme, argument = parse_output(spec)
    except ValueError as exc:
        raise AudioOutputError(f"audio: {exc}") from None
    if scheme == "sim":
        return RecordingOutput(argument or None)
    if scheme == "pipe":
        return PipeOutput(shlex.split(argument))
    return PipeOutput(["aplay", "-q", *(["-D", argument] if argument else []), "-"])

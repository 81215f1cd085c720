"""The speaker: queues and returns, replaces, stops, repeats, adjusts, falls
back for languages without a voice, and never raises into the caller."""

from __future__ import annotations

import logging
import shutil
import sys
import threading
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.speech.engine import EspeakEngine
from kiosk.speech.output import (AudioOutputError, PipeOutput, RecordingOutput, Utterance, open_output,
                                 parse_output)
from kiosk.speech.speaker import SpeechStatus, Speaker

WAIT = 20.0
LONG = "This announcement is long enough to be interrupted before it ends. " * 6


@pytest.fixture(scope="module")
def engine() -> EspeakEngine:
    return EspeakEngine()


@pytest.fixture
def recorder() -> RecordingOutput:
    return RecordingOutput()


@pytest.fixture
def speaker(engine: EspeakEngine, recorder: RecordingOutput) -> Iterator[Speaker]:
    spk = Speaker(engine, recorder, fallback_language="en")
    yield spk
    spk.close()


def test_speak_queues_and_the_worker_says_it(speaker: Speaker, recorder: RecordingOutput) -> None:
    speaker.speak("Welcome to the library.", "en")
    assert speaker.wait_idle(WAIT)
    assert recorder.texts == ["Welcome to the library."]
    assert recorder.spoken[0].wav[:4] == b"RIFF" and not recorder.spoken[0].interrupted
    assert speaker.spoken == 1 and speaker.status().ok


def test_speech_runs_on_its_own_thread(engine: EspeakEngine) -> None:
    seen: list[str] = []

    class ThreadNoting(RecordingOutput):
        def play(self, wav: bytes, utterance: Utterance, halt: threading.Event) -> bool:
            seen.append(threading.current_thread().name)
            return super().play(wav, utterance, halt)

    spk = Speaker(engine, ThreadNoting())
    try:
        spk.speak("Hello.", "en")
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert seen == ["speech"] != [threading.current_thread().name]


def test_a_new_announcement_replaces_the_current_one(engine: EspeakEngine) -> None:
    recorder = RecordingOutput(realtime=True)
    spk = Speaker(engine, recorder)
    try:
        spk.speak(LONG, "en")
        assert recorder.wait_for(1, WAIT)
        spk.speak("Borrow.", "en")
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert [(r.text, r.interrupted) for r in recorder.spoken] == [(LONG, True), ("Borrow.", False)]


def test_queued_announcements_follow_each_other(speaker: Speaker, recorder: RecordingOutput) -> None:
    speaker.speak("Borrowing.", "en")
    speaker.speak("The Hobbit: borrowed.", "en", queue=True)
    speaker.speak("Dune: borrowed.", "en", queue=True)
    assert speaker.wait_idle(WAIT)
    assert recorder.texts == ["Borrowing.", "The Hobbit: borrowed.", "Dune: borrowed."]


def test_stop_silences_now_and_drops_the_queue(engine: EspeakEngine) -> None:
    recorder = RecordingOutput(realtime=True)
    spk = Speaker(engine, recorder)
    try:
        spk.speak(LONG, "en")
        spk.speak("never said", "en", queue=True)
        assert recorder.wait_for(1, WAIT)
        spk.stop()
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert [(r.text, r.interrupted) for r in recorder.spoken] == [(LONG, True)]


def test_repeat_says_the_last_announcement_again(speaker: Speaker, recorder: RecordingOutput) -> None:
    speaker.repeat()                       # nothing said yet: nothing to repeat
    speaker.speak("You are on the home screen.", "en")
    assert speaker.wait_idle(WAIT)
    speaker.repeat()
    assert speaker.wait_idle(WAIT)
    assert recorder.texts == ["You are on the home screen."] * 2
    assert recorder.spoken[0].wav == recorder.spoken[1].wav
    assert speaker.last == Utterance("You are on the home screen.", "en")


def test_rate_and_volume_are_adjustable_and_bounded(speaker: Speaker, recorder: RecordingOutput) -> None:
    speaker.speak("One two three four five six.", "en")
    assert speaker.wait_idle(WAIT)
    before = len(recorder.spoken[0].wav)
    assert speaker.slower(2) == 125
    speaker.repeat()
    assert speaker.wait_idle(WAIT)
    assert len(recorder.spoken[1].wav) > before       # slower speech is a longer WAV
    assert speaker.faster(100) == 450 and speaker.slower(100) == 80
    assert speaker.louder(100) == 1.0 and speaker.quieter(100) == 0.0
    speaker.volume = 0.55
    assert speaker.volume == 0.55


def test_a_language_without_a_voice_falls_back_and_says_so(speaker: Speaker, recorder: RecordingOutput) -> None:
    assert speaker.language_for("es") == "es"
    assert speaker.language_for("tl") == "en"
    assert speaker.status().no_voice == ("tl",)
    voices = speaker.voices(("en", "es", "tl", "ar"))
    assert voices["tl"] is None and all(voices[lang] for lang in ("en", "es", "ar"))
    speaker.speak("Kumusta.", "tl")      # said anyway, with the fallback voice
    assert speaker.wait_idle(WAIT)
    assert recorder.texts == ["Kumusta."]


def test_a_failing_audio_device_is_a_status_not_a_crash(speaker: Speaker, recorder: RecordingOutput,
                                                        caplog: pytest.LogCaptureFixture) -> None:
    changes: list[SpeechStatus] = []
    speaker.on_status(changes.append)
    recorder.fail = "headphone jack unplugged"
    with caplog.at_level(logging.WARNING):
        speaker.speak("Hello.", "en")          # must not raise
        assert speaker.wait_idle(WAIT)
    status = speaker.status()
    assert not status.ok and "headphone jack unplugged" in status.detail
    assert any("headphone jack unplugged" in r.getMessage() for r in caplog.records)
    recorder.fail = None
    speaker.speak("Hello again.", "en")
    assert speaker.wait_idle(WAIT)
    assert speaker.status().ok and recorder.texts == ["Hello again."]
    assert [c.ok for c in changes] == [False, True]


def test_an_engine_that_cannot_load_leaves_a_silent_speaker(recorder: RecordingOutput) -> None:
    spk = Speaker(lambda: EspeakEngine(library_path="/nonexistent/libespeak-ng.so", data_path="/nonexistent"),
                  recorder)
    try:
        spk.speak("Hello.", "en")
        spk.repeat()
        spk.stop()
        assert spk.wait_idle(WAIT)
        assert not spk.status().ok and "cannot load" in spk.status().detail
        assert spk.language_for("tl") == "tl"
    finally:
        spk.close()
    assert recorder.spoken == []


def test_recording_output_writes_wav_and_text_files(engine: EspeakEngine, tmp_path: Path) -> None:
    spk = Speaker(engine, open_output(f"sim:{tmp_path}"))
    try:
        spk.speak("Welcome.", "en")
        spk.speak("Bienvenido.", "es", queue=True)
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["001-en.txt", "001-en.wav", "002-es.txt", "002-es.wav"]
    assert (tmp_path / "002-es.txt").read_text(encoding="utf-8") == "Bienvenido.\n"
    assert (tmp_path / "001-en.wav").read_bytes()[:4] == b"RIFF"


# -- a real player process on the other end of a pipe ------------------------------------------

def player(tmp_path: Path, body: str) -> str:
    script = tmp_path / "player.py"
    script.write_text("import sys, time\n" + body, encoding="utf-8")
    return f"pipe:{sys.executable} {script}"


def test_pipe_output_hands_the_wav_to_the_player(engine: EspeakEngine, tmp_path: Path) -> None:
    received = tmp_path / "received.wav"
    spk = Speaker(engine, open_output(player(tmp_path, f"open({str(received)!r}, 'wb').write(sys.stdin.buffer.read())\n")))
    try:
        spk.speak("Your items are borrowed.", "en")
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert received.read_bytes()[:4] == b"RIFF" and spk.status().ok and spk.spoken == 1


def test_pipe_output_stops_a_playing_player(engine: EspeakEngine, tmp_path: Path) -> None:
    started = tmp_path / "started"
    spk = Speaker(engine, open_output(player(tmp_path, f"open({str(started)!r}, 'w').close()\ntime.sleep(60)\n")))
    try:
        spk.speak("Hello.", "en")
        for _ in range(400):
            if started.exists():
                break
            threading.Event().wait(0.05)
        spk.stop()
        assert spk.wait_idle(WAIT)              # the player was terminated, not waited out
    finally:
        spk.close()
    assert spk.spoken == 0 and spk.status().ok


def test_player_failure_becomes_the_status(engine: EspeakEngine, tmp_path: Path) -> None:
    spk = Speaker(engine, open_output(player(
        tmp_path, "sys.stdin.buffer.read()\nsys.stderr.write('aplay: main:850: audio open error: No such device')\n"
                  "sys.exit(1)\n")))
    try:
        spk.speak("Hello.", "en")
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert not spk.status().ok
    assert spk.status().detail.endswith("failed (exit 1): aplay: main:850: audio open error: No such device")


def test_missing_player_is_named(engine: EspeakEngine) -> None:
    output = PipeOutput(["aplay-not-installed-here"])
    with pytest.raises(AudioOutputError, match="aplay-not-installed-here not found"):
        output.play(b"RIFF", Utterance("x", "en"), threading.Event())


@pytest.mark.parametrize("spec, parsed", [
    ("aplay", ("aplay", "")),
    ("aplay:plughw:CARD=Headphones,DEV=0", ("aplay", "plughw:CARD=Headphones,DEV=0")),
    ("pipe:pw-play -", ("pipe", "pw-play -")),
    ("sim", ("sim", "")),
    ("SIM:/tmp/out", ("sim", "/tmp/out")),
])
def test_audio_device_strings(spec: str, parsed: tuple[str, str]) -> None:
    assert parse_output(spec) == parsed


@pytest.mark.parametrize("spec, why", [
    ("pulse:default", "is not an audio device; use aplay"),
    ("aplay:my device", "has no spaces"),
    ("pipe:", "pipe needs a command"),
    ("pipe:play 'unclosed", "No closing quotation"),
])
def test_bad_audio_device_strings_say_why(spec: str, why: str) -> None:
    with pytest.raises(ValueError, match=why):
        parse_output(spec)
    with pytest.raises(AudioOutputError, match=why):
        open_output(spec)


@pytest.mark.skipif(shutil.which("aplay") is None, reason="aplay (alsa-utils) is not installed on this machine")
def test_aplay_plays_to_the_alsa_null_device(engine: EspeakEngine) -> None:
    spk = Speaker(engine, open_output("aplay:null"))
    try:
        spk.speak("Hello.", "en")
        assert spk.wait_idle(WAIT)
    finally:
        spk.close()
    assert spk.status().ok and spk.spoken == 1

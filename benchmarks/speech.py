"""Speech figures: what it costs to say things, and what it costs the caller.

* synthesis: espeak-ng (the wheel's libespeak-ng through ctypes) turning
  real announcements into WAV, per language: median and worst of N runs,
  with the length of the audio it made (real-time factor = audio / time);
* speak(): the time the caller's thread spends in ``Speaker.speak`` (it only
  queues; the worker thread synthesises and plays), median and worst;
* first word: from speak() until the output receives the WAV (synthesis on
  the worker plus the hand-over), the delay a patron hears;
* engine start: loading the library and the voice list, once per process.

The output is the recording ``sim`` output, so no sound card is involved;
a real aplay adds its own start-up (tens of ms) to "first word" only.

Run: .venv/bin/python benchmarks/speech.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.events import PatronView, SessionState, SessionView  # noqa: E402
from kiosk.i18n import translator  # noqa: E402
from kiosk.speech.engine import EspeakEngine, wav_seconds  # noqa: E402
from kiosk.speech.focus import Screen, controls_for, focus_on  # noqa: E402
from kiosk.speech.output import RecordingOutput, Utterance  # noqa: E402
from kiosk.speech.script import announce_screen  # noqa: E402
from kiosk.speech.speaker import Speaker  # noqa: E402

VIEWS = {
    Screen.ATTRACT: SessionView(SessionState.IDLE),
    Screen.HOME: SessionView(SessionState.READY, PatronView("Ana Lopez", "****0001", holds_ready=2)),
    Screen.PIN_ENTRY: SessionView(SessionState.PIN_ENTRY, PatronView("Ana Lopez", "****0001")),
}


def announcements(lang: str) -> list[str]:
    tr = translator(lang)
    said = []
    for screen, view in VIEWS.items():
        focus = focus_on(screen, controls_for(screen, view, tr, languages=("en", "es", "tl", "ar")))
        said.append(announce_screen(focus, view, tr))
    return said + [tr.gettext("Digit entered.")]


def ms(seconds: float) -> str:
    return f"{seconds * 1000:8.2f} ms"


class Stamping(RecordingOutput):
    """Notes when each WAV reaches the output."""

    def __init__(self) -> None:
        super().__init__()
        self.arrived: list[float] = []

    def play(self, wav: bytes, utterance: Utterance, halt: threading.Event) -> bool:
        self.arrived.append(time.perf_counter())
        return super().play(wav, utterance, halt)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()

    started = time.perf_counter()
    engine = EspeakEngine()
    print(f"engine start (library + {len(engine.voices())} voices): {ms(time.perf_counter() - started)}")
    print()
    print("synthesis per announcement (median / worst of %d), audio length, real-time factor" % args.repeat)
    for lang in ("en", "es", "ar"):
        voice = engine.voice_for(lang)
        assert voice is not None
        for text in announcements(lang):
            times, audio = [], 0.0
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                wav = engine.synthesize(text, voice)
                times.append(time.perf_counter() - t0)
                assert wav is not None
                audio = wav_seconds(wav)
            median = statistics.median(times)
            print(f"  {lang} {len(text):4d} chars {ms(median)} / {ms(max(times))}  audio {audio:5.1f} s"
                  f"  x{audio / median:6.0f}   {text[:38]!r}")
    print(f"  tl: voice {engine.voice_for('tl')} -> spoken with the fallback language's voice")

    print()
    output = Stamping()
    speaker = Speaker(engine, output)
    texts = announcements("en")
    calls, first_word = [], []
    for i in range(args.repeat * 4):
        text = f"{texts[i % len(texts)]} ({i})"      # never a cache hit: every call synthesises
        t0 = time.perf_counter()
        speaker.speak(text, "en")
        calls.append(time.perf_counter() - t0)
        speaker.wait_idle(30.0)
        first_word.append(output.arrived[-1] - t0)
    speaker.close()
    print(f"speak() in the caller's thread (median / worst of {len(calls)}): "
          f"{calls and statistics.median(calls) * 1e6:.1f} us / {max(calls) * 1e6:.1f} us")
    print(f"speak() -> WAV at the output (median / worst): {ms(statistics.median(first_word))} / "
          f"{ms(max(first_word))}")


if __name__ == "__main__":
    main()

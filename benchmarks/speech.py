"""Speech figures: what it costs to say things, and what it costs the caller.

* synthesis: espeak-ng (the wheel's libespeak-ng through ctypes) turning
  real announcements into WAV, per language: median and worst of N runs,
  with the length of the audio it made (real-time factor = audio / time);
* speak(): the time the caller's thread spends in ``Speaker.speak`` (it only
  queues; the worker thread synthesises and plays), median and worst;
* first word: from speak() until the output receives the WAV (synthesis on
  the worker plus the hand-over), the delay a patron hears;
* engine start: loading the library and the voice list, once per process;
* in the app (``--ui-runs``, each run its own process, like
  ``benchmarks/ui_startup.py``): a patron signs in and puts a stack of 10
  items on the pad, with speech off and then on (every item announced; the
  recorder takes each WAV at once, so all the synthesis falls inside the
  borrow: the worst case for the UI): frame times (target: no frame over
  50 ms) and the borrow pipeline's time from the stack landing to all 10
  listed (speech must add no pause).

The output is the recording ``sim`` output, so no sound card is involved;
a real aplay adds its own start-up (tens of ms) to "first word" only.

Run: .venv/bin/python benchmarks/speech.py [--repeat N] [--ui-runs N]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
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


ITEMS = [f"310000000000{n:02d}" for n in range(1, 11)]
CHILD_TIMEOUT = 180.0


def child_borrow(speech: bool) -> int:
    """One app run: sign in, speech on or off, a stack of 10 on the pad; prints RESULT json."""
    from kivy.clock import Clock

    from kiosk.demo.run import run_demo

    def script(d, rig) -> int:  # type: ignore[no-untyped-def]
        frames: list[float] = []
        recording = {"on": False}

        def tick(_dt: float) -> None:
            if recording["on"]:        # once per frame: the gap between ticks is the frame's time
                frames.append(time.perf_counter())
        d.call(lambda: Clock.schedule_interval(tick, 0))
        access = d.app.access
        spent: list[float] = []           # UI-thread time of the speech glue while the stack is borrowed
        inside = {"event": False}
        on_event, refresh = access.on_event, access.refresh

        def timed_event(event: object) -> None:
            t0 = time.perf_counter()
            inside["event"] = True
            try:
                on_event(event)
            finally:
                inside["event"] = False
            if recording["on"]:
                spent.append(time.perf_counter() - t0)

        def timed_refresh(prefix: str = "") -> None:
            if inside["event"]:
                return refresh(prefix)
            t0 = time.perf_counter()
            refresh(prefix)
            if recording["on"]:
                spent.append(time.perf_counter() - t0)
        access.on_event, access.refresh = timed_event, timed_refresh
        if speech:
            d.call(lambda: access.set_speech(True))
        rig.scan_card("21000000000001")
        d.wait_screen("pin")
        for digit in "1234":
            d.tap_text(digit)
        d.tap_text("OK")
        d.wait_screen("home")
        d.tap_id("home", "borrow")
        d.wait_screen("items")
        d.settle(0.5)
        recording["on"] = True
        started = time.perf_counter()
        for item in ITEMS:
            rig.put_item(item)
        d.wait_text("10 items borrowed", timeout=60)
        elapsed = time.perf_counter() - started
        access.speaker.wait_idle(10.0)  # frames while the last announcements are made count too
        recording["on"] = False
        gaps = [(b - a) * 1000 for a, b in zip(frames, frames[1:])]
        said = [t for t in access.speaker.output.texts if "Due" in t]
        print("RESULT " + json.dumps({
            "frames": len(gaps), "longest_ms": max(gaps), "over_50": sum(g > 50 for g in gaps),
            "median_ms": statistics.median(gaps), "p95_ms": sorted(gaps)[max(0, int(len(gaps) * 0.95) - 1)],
            "borrow_s": elapsed, "items_said": len(said),
            "glue_ms_max": max(spent, default=0.0) * 1000, "glue_ms_total": sum(spent) * 1000}), flush=True)
        return 0
    return run_demo(True, Path("/tmp/kiosk-speech-bench"), script=script, panel=False, limit=120.0)


def ui_figures(runs: int) -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_NO_ARGS="1", KIVY_NO_FILELOG="1", KIVY_LOG_MODE="PYTHON", PYTHONPATH=str(ROOT))
    print()
    print("the app while 10 items are borrowed (1280x800 offscreen, software GL): speech off vs on")
    print("  speech  run  frames  median  p95    longest  >50ms  10 items in  items spoken  UI-thread glue (worst/total)")
    for run in range(runs):
        for mode in ("off", "on"):
            proc = subprocess.run([sys.executable, __file__, "--child", mode], cwd=ROOT, env=env, text=True,
                                  stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, timeout=CHILD_TIMEOUT)
            lines = [line for line in proc.stdout.splitlines() if line.startswith("RESULT ")]
            if proc.returncode != 0 or not lines:
                raise SystemExit(f"benchmark child failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}")
            f = json.loads(lines[-1][7:])
            print(f"  {mode:<7} {run + 1:<4} {f['frames']:<7} {f['median_ms']:5.1f}  {f['p95_ms']:5.1f}  "
                  f"{f['longest_ms']:6.1f}   {f['over_50']:<6} {f['borrow_s']:5.2f} s      {f['items_said']:<13} "
                  f"{f['glue_ms_max']:.2f} / {f['glue_ms_total']:.1f} ms")
    print("  (ms; target: no frame over 50 ms, and the same borrow time with speech on)")
    print(f"  machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--ui-runs", type=int, default=2, help="app runs per mode (0: skip the app figures)")
    parser.add_argument("--child", choices=("on", "off"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        raise SystemExit(child_borrow(args.child == "on"))

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
    if args.ui_runs > 0:
        ui_figures(args.ui_runs)


if __name__ == "__main__":
    main()

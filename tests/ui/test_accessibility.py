"""Accessibility on the real app (EN 301 549 5.1.3, 5.1.6, 11.2.2.1, 5.1.4,
8.3): keypad-only operation with a focus ring, speech in every language,
More time, zoom, the low layout, and the accessible demo tour. Each runs in
a child process (see access_scenarios.py); screenshots, spoken texts and
WAVs go under the test's tmp dir."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from uihelpers import ROOT, run_child

from kiosk.i18n import translator
from kiosk.speech.script import PLACES
from kiosk.speech.focus import Screen

LANGS = ("en", "es", "tl", "ar")


def run(tmp_path: Path, name: str, size: str = "1280x800", timeout: float = 200.0) -> Path:
    out = tmp_path / name
    result = run_child([str(ROOT / "tests" / "ui" / "access_scenarios.py"), name, str(out), size], timeout=timeout)
    tail = "\n".join(line for line in result.stdout.splitlines()
                     if "ALSA" not in line and "mtdev" not in line.lower())[-4000:]
    assert result.returncode == 0 and f"scenario {name} passed" in result.stdout, \
        f"scenario {name} failed (screenshots in {out}):\n{tail}"
    assert "1234" not in result.stdout, "a PIN reached the console"
    return out


def png(path: Path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"\x89PNG") and len(data) > 5000


@pytest.mark.timeout(240)
def test_every_control_on_every_patron_screen_is_reachable_by_keypad(tmp_path: Path) -> None:
    out = run(tmp_path, "keypad_walk")
    for shot in ("attract", "card-typed", "home", "borrowing", "returning", "account", "receipt", "goodbye",
                 "account-holds"):
        assert png(out / f"{shot}.png"), shot


@pytest.mark.timeout(240)
def test_the_ring_scrolls_every_row_of_a_long_stack_into_view(tmp_path: Path) -> None:
    # Kivy's ScrollView.scroll_to raised on the item list (a RecycleView) and
    # took the app down mid key press, now and then in CI.
    out = run(tmp_path, "long_list")
    assert png(out / "long-list.png")


@pytest.mark.timeout(240)
def test_the_warning_offers_more_time_by_key_in_every_language_and_modes_lengthen_timeouts(tmp_path: Path) -> None:
    out = run(tmp_path, "more_time")
    assert all(png(out / f"warning-{lang}.png") for lang in LANGS)


@pytest.mark.timeout(240)
def test_low_layout_keeps_controls_low_and_zoom_magnifies(tmp_path: Path) -> None:
    out = run(tmp_path, "zoom_low", "1080x1920")
    assert all(png(out / f"{shot}.png") for shot in ("attract-low", "home-low", "home-zoom"))


@pytest.mark.timeout(240)
def test_staff_see_the_voice_fallback_and_make_speech_the_default_and_a_long_press_starts_it(tmp_path: Path) -> None:
    out = run(tmp_path, "staff_speech")
    assert png(out / "staff-speech-status.png") and png(out / "staff-speech-default.png")


@pytest.mark.timeout(300)
def test_accessible_tour_borrows_returns_renews_and_prints_in_every_language_by_keypad(tmp_path: Path) -> None:
    out = run(tmp_path, "accessible_tour", timeout=280.0)
    steps = json.loads((out / "script.json").read_text(encoding="utf-8"))
    assert tuple(steps) == LANGS
    for lang in LANGS:
        said = [text for step in steps[lang] for text in step["spoken"]]
        for step in steps[lang][:-1]:                  # the last: the next patron's silent welcome screen
            assert step["spoken"], f"{lang}: nothing said at {step['step']}"
            assert all((out / wav).is_file() and (out / wav).stat().st_size > 1000 for wav in step["wav"])
            assert png(out / step["screenshot"])
        # Every patron screen of the visit is announced, in the language spoken (Tagalog: with the English voice).
        tr = translator("en" if lang == "tl" else lang)
        for screen in (Screen.ATTRACT, Screen.PIN_ENTRY, Screen.HOME, Screen.BORROWING, Screen.RETURNING,
                       Screen.ACCOUNT, Screen.RECEIPT, Screen.GOODBYE):
            place = tr.gettext(PLACES[screen])
            assert any(text.startswith(place) or f" {place}" in text for text in said), f"{lang}: {screen}"
        assert sum(text == tr.gettext("Digit entered.") for text in said) == 4
    everything = (out / "script.txt").read_text(encoding="utf-8") + (out / "log.txt").read_text(encoding="utf-8")
    assert "1234" not in everything, "a PIN was spoken or logged"
    assert "session" in (out / "log.txt").read_text(encoding="utf-8")

"""Whole patron and staff flows, driven by touching widgets on the real app
(SDL offscreen, real GL), with screenshots saved under the test's tmp dir."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import pytest
from uihelpers import ROOT, console_noise, headless_env, left_behind, run_child


def png_ok(path) -> bool:
    data = path.read_bytes()
    return data.startswith(b"\x89PNG") and len(data) > 5000


@pytest.mark.parametrize("size", ["1920x1080", "1080x1920", "1280x800"])
def test_layouts_fit_and_touch_targets_are_15mm(scenario, size: str) -> None:
    _, out = scenario("layout", size)
    for name in ("attract", "pin", "home", "borrow"):
        assert png_ok(out / f"{name}.png"), name


def test_patron_wrong_pin_multipart_accessibility_and_anonymous_return(scenario) -> None:
    _, out = scenario("patron")
    for name in ("wrong-pin", "multipart", "large-high-contrast", "goodbye", "return-hold"):
        assert png_ok(out / f"{name}.png"), name


def test_inactivity_warning_counts_down_and_session_times_out(scenario) -> None:
    _, out = scenario("inactivity")
    assert png_ok(out / "inactivity.png")


def test_staff_mode_lockdown_sign_in_sections_and_saved_settings(scenario) -> None:
    _, out = scenario("staff")
    for name in ("staff-wrong", "staff-devices", "staff-ils", "staff-queue", "staff-transactions",
                 "staff-settings", "staff-system"):
        assert png_ok(out / f"{name}.png"), name


def test_arabic_is_shaped_and_laid_out_right_to_left(scenario) -> None:
    _, out = scenario("arabic", "1080x1920")
    assert png_ok(out / "attract-ar.png") and png_ok(out / "borrow-ar.png")


def test_offline_banner_while_the_ils_is_away(scenario) -> None:
    _, out = scenario("offline")
    assert png_ok(out / "offline-banner.png")


def test_out_of_service_with_the_reason_when_offline_service_is_off(scenario) -> None:
    _, out = scenario("out_of_service")
    assert png_ok(out / "out-of-service.png")


def test_a_settling_stack_is_spread_over_frames_in_order(scenario) -> None:
    scenario("burst")


def test_a_long_stack_reuses_rows_and_changes_lines_in_place(scenario) -> None:
    _, out = scenario("long_stack")
    assert png_ok(out / "long-stack.png")


def test_fines_total_and_payment(scenario) -> None:
    _, out = scenario("fines")
    assert png_ok(out / "fines.png") and png_ok(out / "paid.png") and png_ok(out / "account-loading.png")


def test_headless_demo_tour(tmp_path) -> None:
    out = tmp_path / "demo-out"
    result = run_child(["-m", "kiosk.cli", "demo", "--headless", "--out", str(out)], tmpdir=tmp_path / "tmp")
    assert result.returncode == 0, result.stdout[-4000:]
    # A successful demo keeps the console to the tour (stdout and stderr are merged here).
    assert console_noise(result.stdout) == [], result.stdout[-4000:]
    assert left_behind(tmp_path / "tmp") == []
    steps = [line for line in result.stdout.splitlines() if line.startswith("step ")]
    assert len(steps) == 11, result.stdout[-3000:]
    shots = sorted(p.name for p in out.glob("*.png"))
    assert len(shots) == 11 and all(png_ok(out / s) for s in shots)
    escpos = (out / "receipt.bin").read_bytes()
    assert escpos.startswith(b"\x1b@")              # ESC @ initialise: real ESC/POS
    text = (out / "receipt.txt").read_text(encoding="utf-8")
    assert "Cien años de soledad" in text and "Synnøve Solbakken" in text
    assert "1234" not in text                       # the PIN never reaches a receipt
    assert "2 borrowed, 1 refused" in result.stdout
    assert ROOT.is_dir()


def test_sigterm_stops_the_locked_down_kiosk(tmp_path) -> None:
    """Lock-down refuses window-close requests, but systemd's SIGTERM must stop the kiosk."""
    proc = subprocess.Popen([sys.executable, str(ROOT / "tests" / "ui" / "scenarios.py"), "idle", str(tmp_path)],
                            cwd=ROOT, env=headless_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 60
        assert proc.stdout is not None
        for line in proc.stdout:
            if line.startswith("READY") or time.monotonic() > deadline:
                break
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=20)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
    assert proc.returncode is not None and proc.returncode != -signal.SIGKILL


def test_words_on_the_screen(scenario) -> None:
    """Issue 12's words, read off the real screens (screenshots in the test's tmp dir)."""
    _, out = scenario("words")
    for name in ("attract-es", "home", "return-hold", "renew", "receipt", "staff-devices", "staff-transactions"):
        assert png_ok(out / f"{name}.png"), name

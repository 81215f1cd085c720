"""``kiosk run --config FILE``, the production kiosk, as systemd starts it:
headless (SDL offscreen, no DISPLAY), with the FEIG reader, the serial
scanner and the printer on emulators and the ILS simulator. It must log in
to the ILS, poll the pad, take a card from the scanner, and stop cleanly on
SIGTERM (``systemctl stop``), closing its journal and the SIP2 session.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import pytest

from system_rig import ANA, KIOSK_CMD, Rig, eventually
from test_system_kiosk import kiosk_devices


def test_kiosk_run_serves_patrons_and_stops_on_sigterm(rig: Rig, tmp_path: Path) -> None:
    ils = rig.start_ils()
    reader, port = rig.feig()
    scanner, printer = rig.scanner(), rig.printer()
    path = rig.write_config(kiosk_devices(f"feig:{port}", scanner.path, printer.port),
                            extra="[ui]\nfullscreen = false\nwidth = 800\nheight = 600\nsounds = false\n")
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env.update(KIVY_NO_ARGS="1", KIVY_HOME=str(tmp_path / "kivy"), NOTIFY_SOCKET="")
    log = open(tmp_path / "kiosk.log", "w+", encoding="utf-8")
    proc = subprocess.Popen([*KIOSK_CMD, "-v", "run", "--config", str(path)], stdout=log, stderr=subprocess.STDOUT,
                            env=env)

    def finish() -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log.close()
    rig.closers.append(finish)

    def alive() -> bool:
        assert proc.poll() is None, (tmp_path / "kiosk.log").read_text(encoding="utf-8")
        return True
    eventually(lambda: alive() and ils.requests["93"] >= 1, 30, what="the kiosk logged in to the ILS")
    polls = reader.requests
    eventually(lambda: alive() and reader.requests > polls + 3, 10, what="the kiosk polling the pad")
    scanner.scan(ANA)
    eventually(lambda: alive() and ils.requests["63"] >= 1, 10, what="the card asked about at the ILS")

    proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        pytest.fail("kiosk run did not stop within 5 s of SIGTERM")
    assert code == 0, (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    # The card was asked about (63) but no PIN was entered: the session is
    # ended locally (35 is only sent for a patron the ILS verified).
    text = (tmp_path / "kiosk.log").read_text(encoding="utf-8")
    assert "ended (staff)" in text, text

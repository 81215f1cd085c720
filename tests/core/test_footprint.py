"""What a station carries (issue 13, peak RSS): libraries for hardware or
services it does not use are not loaded. nfcpy loads with an nfcpy reader,
requests with the first webhook receiver; a station with sim devices and no
receivers has neither (2.6 MB and 5 MB of the 200 MB budget)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PROBE = r'''
import sys, tempfile, time
from pathlib import Path
from kiosk.config import load_config
from kiosk.sip2.ils import ILSSimulator
from kiosk.station.facade import Station

with ILSSimulator() as ils, tempfile.TemporaryDirectory() as state:
    path = Path(state) / "kiosk.toml"
    path.write_text(f"""
[station]
data_dir = "{Path(state).as_posix()}"
[sip2]
host = "127.0.0.1"
port = {ils.port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
[devices.rfid]
driver = "sim"
[devices.scanner]
driver = "sim"
[devices.nfc]
driver = "sim"
[devices.printer]
driver = "sim"
{sys.argv[1]}
""", encoding="utf-8")
    station = Station(load_config(path, apply_override_file=False))
    station.start()
    assert station.wait_started(30)
    time.sleep(0.5)
    loaded = [name for name in ("nfc", "requests") if name in sys.modules]
    station.stop()
print("LOADED", *loaded)
'''


def loaded_by_station(extra: str = "") -> list[str]:
    done = subprocess.run([sys.executable, "-c", PROBE, extra], capture_output=True, text=True, timeout=120,
                          cwd=ROOT)
    lines = [line for line in done.stdout.splitlines() if line.startswith("LOADED")]
    assert done.returncode == 0 and lines, done.stdout[-2000:] + done.stderr[-2000:]
    return lines[-1].split()[1:]


def test_a_station_without_an_nfcpy_reader_or_receivers_loads_neither_library() -> None:
    assert loaded_by_station() == []


def test_a_webhook_receiver_loads_requests() -> None:
    assert loaded_by_station('[monitoring]\nwebhook_url = "http://127.0.0.1:9/hook"') == ["requests"]

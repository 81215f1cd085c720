"""python-escpos's capabilities cache: kept in the station's state folder and
reused at the next start, and nothing left in the temp directory, whether a
cache folder is named or not. Each case is a fresh interpreter (python-escpos
loads once per process) with its own empty temp directory."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]

OPEN_PRINTER = textwrap.dedent("""
    import sys
    from kiosk.config import load_config
    from kiosk.services.devices import Devices
    config = load_config(sys.argv[1], apply_override_file=False)
    devices = Devices.from_config(config, families=("printer",))
    assert devices.printer is not None, devices.errors
    devices.close_owned()
    print("opened")
""")

RENDER_ONLY = textwrap.dedent("""
    from kiosk.drivers.printer.render import escpos_to_text
    print(escpos_to_text(b"\\x1bt\\x02caf\\x82"))
""")


def run(code: str, tmpdir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "TMPDIR": str(tmpdir), "PYTHONPATH": str(ROOT)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    return subprocess.run([sys.executable, "-c", code, *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=60)


def test_the_printer_keeps_its_cache_in_the_state_folder_and_leaves_no_temp_folder(tmp_path: Path) -> None:
    tmpdir, state = tmp_path / "tmp", tmp_path / "state"
    tmpdir.mkdir()
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[station]\ndata_dir = "{state.as_posix()}"\n[devices.printer]\ndriver = "sim"\n',
                      encoding="utf-8")
    first = run(OPEN_PRINTER, tmpdir, str(config))
    assert first.returncode == 0 and "opened" in first.stdout, first.stderr[-2000:]
    (pickle,) = (state / "cache" / "escpos").glob("*.capabilities.pickle")
    written = pickle.stat().st_mtime_ns
    assert list(tmpdir.iterdir()) == []
    second = run(OPEN_PRINTER, tmpdir, str(config))          # the next start reads the pickle, writes nothing
    assert second.returncode == 0, second.stderr[-2000:]
    assert pickle.stat().st_mtime_ns == written
    assert list(tmpdir.iterdir()) == []


def test_without_a_state_folder_python_escpos_leaves_nothing_behind(tmp_path: Path) -> None:
    tmpdir = tmp_path / "tmp"
    tmpdir.mkdir()
    result = run(RENDER_ONLY, tmpdir)
    assert result.returncode == 0 and "café" in result.stdout, result.stderr[-2000:]
    assert list(tmpdir.iterdir()) == []


def test_an_unwritable_cache_folder_is_refused(tmp_path: Path) -> None:
    from kiosk.drivers.printer import escpos_import

    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    assert escpos_import.use_cache_folder(blocker / "escpos") is False

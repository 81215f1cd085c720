"""``kiosk journal status|list`` on a station, run as staff run them: the
installed station's config by default (never the demo settings), the journal
file named, and no journal created by a command that only reads."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk.config.installed import INSTALLED_CONFIG
from kiosk.store.journal import Journal, Kind

KIOSK = [sys.executable, "-m", "kiosk.cli", "journal"]


def journal(*args: str, cwd: Path, config: Path | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "KIOSK_CONFIG"}
    if config is not None:
        env["KIOSK_CONFIG"] = str(config)
    return subprocess.run([*KIOSK, *args], capture_output=True, text=True, timeout=60, cwd=cwd, env=env)


def station(tmp_path: Path) -> tuple[Path, Path]:
    data = tmp_path / "data"
    config = tmp_path / "kiosk.toml"
    config.write_text(f'[station]\ndata_dir = "{data}"\n', encoding="utf-8")
    return config, data / "journal.sqlite3"


@pytest.mark.skipif(INSTALLED_CONFIG.exists(), reason="this machine is an installed station")
@pytest.mark.parametrize("action", ["status", "list"])
def test_without_config_it_names_the_missing_station_config(tmp_path: Path, action: str) -> None:
    done = journal(action, cwd=tmp_path)
    assert done.returncode == 2
    assert f"the installed station's config {INSTALLED_CONFIG} does not exist" in done.stderr
    assert "--config FILE" in done.stderr and done.stdout == ""
    assert list(tmp_path.iterdir()) == []            # no ./var/demo/journal.sqlite3


@pytest.mark.parametrize("action", ["status", "list"])
def test_a_read_only_command_never_creates_a_journal(tmp_path: Path, action: str) -> None:
    config, path = station(tmp_path)
    done = journal(action, cwd=tmp_path, config=config)
    assert done.returncode == 2
    assert f"no journal at {path} (station.data_dir of {config})" in done.stderr
    assert not path.parent.exists()


def test_status_says_which_journal_it_read(tmp_path: Path) -> None:
    config, path = station(tmp_path)
    with Journal(path) as store:
        store.record_intent(Kind.CHECKIN, "", "31000000000002")
    done = journal("status", cwd=tmp_path, config=config)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [f"journal {path} (config {config})",
                                        "unfinished: 1  queued offline: 0  waiting for staff: 0"]
    listing = journal("list", "--json", cwd=tmp_path, config=config)
    assert listing.returncode == 0 and json.loads(listing.stdout)[0]["item"] == "31000000000002"
    assert f"journal {path}" in listing.stderr            # JSON stays pure on stdout


def test_a_journal_file_alone_needs_no_config(tmp_path: Path) -> None:
    path = tmp_path / "copy.sqlite3"
    with Journal(path):
        pass
    done = journal("--journal", str(path), "status", cwd=tmp_path, config=tmp_path / "absent.toml")
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[0] == f"journal {path}"

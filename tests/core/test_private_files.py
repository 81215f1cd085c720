"""Every file holding patron data is private to the kiosk's user whatever the
umask: the journal with its SQLite ``-wal`` and ``-shm`` files (transactions
and stored receipts), the staff override file, and a journal an older version
left wider. Each case runs in a child process so the umask is its own."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from kiosk.store.journal import Journal
from kiosk.private_files import create_private

ROOT = Path(__file__).resolve().parents[2]

JOURNAL_CHILD = textwrap.dedent("""
    import os, sys
    os.umask(int(sys.argv[2], 8))
    from kiosk.store.journal import Journal, Kind
    journal = Journal(sys.argv[1])
    journal.record_intent(Kind.CHECKIN, "21000000000001", "31000000000001", {"uid": "E004010000000001"})
    journal.store_receipt({"lines": ["Ana Garcia", "31000000000001"]}, session_id="s1")
    # the connection is still open: the -wal and -shm files exist now
    print(" ".join(oct(os.stat(sys.argv[1] + s).st_mode & 0o777) for s in ("", "-wal", "-shm")))
""")

def run_child(script: str, *args: str) -> list[str]:
    result = subprocess.run([sys.executable, "-c", script, *args], cwd=ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr[-2000:]
    return result.stdout.split()


@pytest.mark.parametrize("umask", ["022", "0"])
def test_the_journal_and_its_wal_and_shm_are_private(tmp_path: Path, umask: str) -> None:
    modes = run_child(JOURNAL_CHILD, str(tmp_path / "data" / "journal.sqlite3"), umask)
    assert modes == ["0o600", "0o600", "0o600"]


@pytest.mark.parametrize("umask", ["022", "0"])
def test_the_staff_override_file_is_private(tmp_path: Path, umask: str) -> None:
    config = tmp_path / "station.toml"
    config.write_text(f'[station]\ndata_dir = "{tmp_path / "data"}"\n', encoding="utf-8")
    script = textwrap.dedent("""
        import os, sys
        os.umask(int(sys.argv[2], 8))
        from kiosk.config import load_config, save_overrides
        path = save_overrides(load_config(sys.argv[1], apply_override_file=False, check_devices=False),
                              {"ui": {"volume": 0.5}})
        print(oct(os.stat(path).st_mode & 0o777))
    """)
    assert run_child(script, str(config), umask) == ["0o600"]


def test_a_journal_left_wider_by_an_older_version_is_tightened_with_its_side_files(tmp_path: Path) -> None:
    path = tmp_path / "journal.sqlite3"
    Journal(path).close()
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        side.touch()
        side.chmod(0o644)
    Journal(path).close()
    for suffix in ("", "-wal", "-shm"):
        side = Path(f"{path}{suffix}")
        if side.exists():  # SQLite may remove the side files on the last close
            assert side.stat().st_mode & 0o777 == 0o600, suffix


def test_create_private_makes_the_folder_and_keeps_what_is_in_the_file(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "file.sqlite3"
    create_private(path)
    assert path.stat().st_mode & 0o777 == 0o600 and path.read_bytes() == b""
    path.write_bytes(b"kept")
    create_private(path)
    assert path.read_bytes() == b"kept"

"""``kiosk journal``: status, listing (masked ids), resolving, replay and recovery
through the real command-line parser, against the ILS simulator."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from kiosk.cli import journal as journal_cli
from kiosk.store.journal import Journal, Kind, Outcome
from kiosk.store.offline import OfflineDesk, OfflinePolicy
from kiosk.sip2.ils import ILSSimulator

PATRON = "21000000000001"


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="kiosk")
    journal_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def station_config(tmp_path: Path, port: int = 6001) -> Path:
    path = tmp_path / "station.toml"
    path.write_text(
        f'[station]\ninstitution_id = "DEMO"\ndata_dir = "{tmp_path / "data"}"\n'
        f'[sip2]\nhost = "127.0.0.1"\nport = {port}\nusername = "kiosk"\npassword = "kiosk-pass"\n'
        'encoding = "utf-8"\nconnect_timeout = 1.0\nread_timeout = 2.0\nkeepalive_interval = 0\n'
        '[devices.printer]\ndriver = "sim"\n', encoding="utf-8")
    return path


def test_status_list_and_resolve(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = station_config(tmp_path)
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        flagged = journal.record_intent(Kind.CHECKOUT, PATRON, "31000000000001", {"uid": "E0"})
        journal.record_outcome(flagged, Outcome.STAFF, "tag not on the pad")
        journal.record_intent(Kind.CHECKIN, "", "31000000000002")
    assert run(["journal", "--config", str(cfg), "status"]) == 0
    assert "unfinished: 1" in capsys.readouterr().out
    assert run(["journal", "--config", str(cfg), "list"]) == 0
    out = capsys.readouterr().out
    assert "**********0001" in out and PATRON not in out and "tag not on the pad" in out
    assert run(["journal", "--config", str(cfg), "list", "--staff", "--full-ids", "--json"]) == 0
    [row] = json.loads(capsys.readouterr().out)
    assert row["patron"] == PATRON and row["id"] == flagged
    assert run(["journal", "--config", str(cfg), "resolve", str(flagged), "found it on the trolley",
                "--staff", "jo"]) == 0
    capsys.readouterr()
    run(["journal", "--config", str(cfg), "list", "--staff"])
    assert "(none)" in capsys.readouterr().out


def test_replay_and_recover_against_the_ils(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with ILSSimulator(encoding="utf-8") as ils:
        cfg = station_config(tmp_path, ils.port)
        with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
            loan = OfflineDesk(journal, OfflinePolicy()).borrow(PATRON, "31000000000001")
            journal.record_outcome(loan.entry_id, Outcome.DONE)
            journal.record_intent(Kind.CHECKOUT, PATRON, "31000000000002")   # never sent
        assert run(["journal", "--config", str(cfg), "replay"]) == 0
        assert "replayed 1" in capsys.readouterr().out
        assert ils.store.loan("31000000000001").patron == PATRON
        run(["journal", "--config", str(cfg), "recover"])       # too young: a running kiosk may own it
        assert "0 settled" in capsys.readouterr().out
        assert run(["journal", "--config", str(cfg), "recover", "--min-age", "0"]) == 0
        assert "1 settled" in capsys.readouterr().out


def test_reprint_uses_the_configured_printer(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = station_config(tmp_path)
    assert run(["journal", "--config", str(cfg), "reprint"]) == 1
    assert "no stored receipt" in capsys.readouterr().out
    with Journal(tmp_path / "data" / "journal.sqlite3") as journal:
        journal.store_receipt({"library_name": "Riverside", "created": "2026-11-23T10:00:00+00:00",
                               "items": [], "fines_total": "1.00"})
    assert run(["journal", "--config", str(cfg), "reprint"]) == 0


def test_purge(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    cfg = station_config(tmp_path)
    assert run(["journal", "--config", str(cfg), "purge", "--days", "30"]) == 0
    assert "0 settled entries deleted" in capsys.readouterr().out

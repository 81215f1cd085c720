"""State in a file survives a restart; `kiosk ils-sim` runs, checks data and
reports bad options; the kiosk's own SIP2 client works against the simulator."""

from __future__ import annotations

from pathlib import Path

import pytest
from ils_helpers import RawSIP

from kiosk.cli import main
from kiosk.sip2 import messages as m
from kiosk.sip2.ils import ILSSimulator

ANA = "21000000000001"


def test_file_database_keeps_state_across_restarts(tmp_path: Path) -> None:
    db = tmp_path / "ils.sqlite"
    with ILSSimulator(db_path=db) as sim:
        conn = RawSIP(sim.port)
        try:
            assert conn.login()
            assert conn.ask(m.CheckoutRequest(patron_identifier=ANA, item_identifier="31000000000001")).ok  # type: ignore[attr-defined]
            assert conn.ask(m.FeePaidRequest(patron_identifier="21000000000005", fee_amount="2.50")).payment_accepted  # type: ignore[attr-defined]
        finally:
            conn.close()
    with ILSSimulator(db_path=db) as sim:
        assert sim.store.loan("31000000000001") is not None
        assert sim.store.balance("21000000000005") == 1000
    with ILSSimulator(db_path=db, reset=True) as sim:
        assert sim.store.loan("31000000000001") is None
        assert sim.store.balance("21000000000005") == 1250


def test_custom_data_file(tmp_path: Path) -> None:
    data = tmp_path / "tiny.toml"
    data.write_text("""
[library]
institution = "TINY"
[[logins]]
user = "u"
password = "p"
[item_types.BOOK]
loan_days = 3
[[patrons]]
id = "P1"
name = "Zoë"
[[items]]
id = "I1"
title = "Één boek"
""", encoding="utf-8")
    with ILSSimulator(data) as sim:
        conn = RawSIP(sim.port)
        try:
            assert conn.login("u", "p")
            out = conn.ask(m.CheckoutRequest(institution_id="TINY", patron_identifier="P1", item_identifier="I1"))
            assert out.ok and out.institution_id == "TINY" and out.title_identifier == "Één boek"  # type: ignore[attr-defined]
        finally:
            conn.close()


def test_cli_check(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ils-sim", "--check"]) == 0
    assert "10 patrons, 30 items" in capsys.readouterr().out


def test_cli_reports_a_broken_data_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text('[[patrons]]\nid = "P1"\n', encoding="utf-8")
    assert main(["ils-sim", "--data", str(bad), "--check"]) == 1
    assert "patrons[0].name: required" in capsys.readouterr().err


def test_cli_reports_bad_faults(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ils-sim", "--port", "0", "--fault", "explode"]) == 1
    assert "--fault explode: unknown fault" in capsys.readouterr().err


def test_cli_serves_for_a_bounded_time(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["ils-sim", "--port", "0", "--duration", "0.5", "--fault", "jitter=0.01",
                 "--terminator", "crlf"]) == 0
    out = capsys.readouterr()
    assert "ILS simulator on 127.0.0.1:" in out.out and "stopped" in out.err


def test_sip2_client_against_the_simulator(ils: ILSSimulator) -> None:
    from kiosk.sip2.client import SIP2Client, SIP2Settings

    settings = SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk", password="kiosk-pass",
                            institution_id="DEMO", location_code="KIOSK1", encoding="utf-8",
                            connect_timeout=2, read_timeout=2, keepalive_interval=0)
    client = SIP2Client(settings, supervise=False)
    try:
        client.connect()
        assert client.state == "online"
        info = client.patron_information(ANA, pin="1234", summary="charged")
        assert info.valid_patron_password and len(info.charged_items) == 3
        out = client.checkout(ANA, "31000000000005", pin="1234")
        assert out.ok and out.due_date
        back = client.checkin("31000000000011")
        assert back.alert and back.sort_bin == "HOLDS"
        paid = client.fee_paid("21000000000005", "2.50")
        assert paid.payment_accepted
    finally:
        client.close()


def test_cli_process_stops_cleanly_on_sigterm() -> None:
    import signal
    import subprocess
    import sys

    proc = subprocess.Popen([sys.executable, "-m", "kiosk.cli", "ils-sim", "--port", "0", "--duration", "60"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()  # printed once listening
        port = int(line.split("127.0.0.1:")[1].split()[0])
        conn = RawSIP(port)
        try:
            assert conn.login()
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0
            assert conn.is_closed()
        finally:
            conn.close()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=5)


def test_cli_dump_shows_state_with_pins_masked(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import json

    db = tmp_path / "state.sqlite"
    with ILSSimulator(db_path=db) as sim:
        sim.circulation.checkout(ANA, "31000000000002")
    assert main(["ils-sim", "--db", str(db), "--dump"]) == 0
    state = json.loads(capsys.readouterr().out)
    assert {"item": "31000000000002", "patron": ANA}.items() <= next(
        loan for loan in state["loans"] if loan["item"] == "31000000000002").items()
    ana = next(p for p in state["patrons"] if p["id"] == ANA)
    assert ana["pin"] == "****" and ana["name"] == "Ana García"

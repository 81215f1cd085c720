"""``kiosk sip2`` against the ILS simulator: the --json shape, the table, exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Callable, Iterator

import pytest

from kiosk.cli import main
from kiosk.sip2.ils import ILSSimulator

from sip2_servers import Conn, ScriptedServer, free_port, good_ils

ROOT = Path(__file__).resolve().parents[2]
ANA, BOOK, ON_HOLD, NOT_FOR_LOAN = "21000000000001", "31000000000001", "31000000000011", "31000000000013"
FINES = "21000000000005"


@pytest.fixture(scope="module")
def ils() -> Iterator[ILSSimulator]:
    with ILSSimulator(encoding="cp850") as sim:
        yield sim


@pytest.fixture(autouse=True)
def clean_faults(ils: ILSSimulator) -> Iterator[None]:
    ils.faults.clear()
    yield
    ils.faults.clear()


Run = Callable[..., tuple[int, str, str]]


@pytest.fixture
def sip2(ils: ILSSimulator, capsys: pytest.CaptureFixture[str]) -> Run:
    def run(*command: str, server: str | None = None, password: str = "kiosk-pass",
            options: tuple[str, ...] = ()) -> tuple[int, str, str]:
        argv = ["sip2", "--server", server or f"127.0.0.1:{ils.port}", "--user", "kiosk", "--password", password,
                "--institution", "DEMO", "--location", "MAIN", "--timeout", "2", *options, *command]
        code = main(argv)
        out, err = capsys.readouterr()
        return code, out, err
    return run


def as_json(out: str) -> dict[str, object]:
    lines = [line for line in out.splitlines() if line.strip()]
    assert len(lines) == 1, out  # exactly one JSON object
    data = json.loads(lines[0])
    assert set(data) == {"message", "ok", "fixed", "fields"}
    return data


def test_status_json(sip2: Run) -> None:
    code, out, err = sip2("status", options=("--json",))
    data = as_json(out)
    assert code == 0 and err == ""
    assert data["message"] == "98" and data["ok"] is True
    fixed = data["fixed"]
    assert isinstance(fixed, dict) and fixed["online_status"] is True and fixed["protocol_version"] == "2.00"
    fields = data["fields"]
    assert isinstance(fields, dict) and fields["AO"] == "DEMO" and len(fields["BX"]) == 16


def test_status_table(sip2: Run) -> None:
    code, out, _ = sip2("status")
    assert code == 0
    assert out.splitlines()[0].startswith("98 ACSStatus")
    assert "AO institution_id" in out and "DEMO" in out and "kiosk-pass" not in out


def test_patron_json_never_shows_the_pin(sip2: Run) -> None:
    code, out, err = sip2("patron", ANA, "--pin", "1234", "--summary", "charged", options=("--json",))
    data = as_json(out)
    assert code == 0 and data["message"] == "64" and data["ok"] is True
    fields = data["fields"]
    assert isinstance(fields, dict) and fields["AE"] == "Ana García" and fields["CQ"] == "Y"
    assert "1234" not in out + err
    assert isinstance(data["fixed"], dict) and isinstance(data["fixed"]["patron_status"], dict)


def test_checkout_refused_still_exits_zero(sip2: Run) -> None:
    code, out, _ = sip2("checkout", ANA, NOT_FOR_LOAN, "--pin", "1234", options=("--json",))
    data = as_json(out)
    assert code == 0 and data["message"] == "12" and data["ok"] is False
    assert isinstance(data["fields"], dict) and data["fields"]["AF"]


def test_checkout_then_patron_lists_the_loan_as_a_list(sip2: Run) -> None:
    code, out, _ = sip2("checkout", ANA, BOOK, "--pin", "1234", options=("--json",))
    assert code == 0 and as_json(out)["ok"] is True
    code, out, _ = sip2("patron", ANA, "--pin", "1234", "--summary", "charged", options=("--json",))
    fields = as_json(out)["fields"]
    assert isinstance(fields, dict) and isinstance(fields["AU"], list) and any(BOOK in x for x in fields["AU"])
    code, out, _ = sip2("checkin", BOOK, options=("--json",))
    assert code == 0 and as_json(out)["ok"] is True


def test_checkin_of_a_held_item_shows_the_sort_bin(sip2: Run) -> None:
    code, out, _ = sip2("checkin", ON_HOLD)
    assert code == 0 and "CL sort_bin" in out and "HOLDS" in out and "alert" in out


@pytest.mark.parametrize("command,message", [
    (("login",), "94"), (("item", BOOK), "18"), (("renew", ANA, BOOK), "30"), (("renew-all", ANA), "66"),
    (("pay", FINES, "2.50"), "38"), (("hold", ANA, BOOK), "16"), (("hold", ANA, BOOK, "--cancel"), "16"),
    (("end", ANA), "36")])
def test_every_command(sip2: Run, command: tuple[str, ...], message: str) -> None:
    code, out, err = sip2(*command, options=("--json",))
    assert (code, as_json(out)["message"], err) == (0, message, "")


def test_no_checksum_and_crlf(sip2: Run) -> None:
    code, out, _ = sip2("item", BOOK, options=("--json", "--no-checksum", "--terminator", "crlf"))
    assert code == 0 and as_json(out)["message"] == "18"


def test_wrong_password_exits_3(sip2: Run) -> None:
    code, out, err = sip2("status", password="nope")
    assert code == 3 and out == "" and len(err.strip().splitlines()) == 1 and "login refused" in err
    assert "nope" not in err


def test_server_down_exits_1(sip2: Run) -> None:
    code, out, err = sip2("status", server=f"127.0.0.1:{free_port()}")
    assert code == 1 and out == "" and len(err.strip().splitlines()) == 1 and "cannot reach" in err


def test_bad_arguments_exit_2(sip2: Run) -> None:
    assert sip2("status", server="no-port")[0] == 2
    assert sip2("pay", ANA, "lots")[0] == 2


def test_no_reply_to_a_query_exits_1_and_to_a_checkout_5(sip2: Run, ils: ILSSimulator) -> None:
    ils.faults.fail_next("no_reply", command="17")
    code, _, err = sip2("item", BOOK, options=("--timeout", "0.3"))
    assert code == 1 and "no reply" in err
    ils.faults.fail_next("no_reply", command="11")
    code, _, err = sip2("checkout", ANA, BOOK, "--pin", "1234", options=("--timeout", "0.3"))
    assert code == 5 and "unknown" in err


def test_malformed_replies_exit_4(capsys: pytest.CaptureFixture[str]) -> None:
    def garbage(frame: bytes, conn: Conn) -> bytes | None:
        if frame.startswith((b"17", b"97")):
            return b"18XX not sip\r"
        return good_ils(frame, conn)

    with ScriptedServer(garbage) as server:
        code = main(["sip2", "--server", f"127.0.0.1:{server.port}", "--user", "kiosk", "--password",
                     "kiosk-pass", "item", BOOK])
    _, err = capsys.readouterr()
    assert code == 4 and "malformed" in err and len(err.strip().splitlines()) == 1


def test_password_from_the_environment(ils: ILSSimulator) -> None:
    env = dict(os.environ, KIOSK_SIP2_PASSWORD="kiosk-pass", PYTHONPATH=str(ROOT))
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "sip2", "--server", f"127.0.0.1:{ils.port}", "--user", "kiosk",
         "--json", "item", BOOK], capture_output=True, text=True, timeout=60, env=env, cwd=ROOT)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["message"] == "18"


def test_real_process_exit_code_and_one_line_error() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "kiosk.cli", "sip2", "--server", f"127.0.0.1:{free_port()}", "--user", "kiosk",
         "--password", "x", "status"], capture_output=True, text=True, timeout=60, cwd=ROOT,
        env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert result.returncode == 1 and result.stdout == ""
    assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr

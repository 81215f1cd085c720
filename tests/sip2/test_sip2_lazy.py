"""The catalogue is cheap to import (issue 13): each command loads the
message families, code tables and standard modules it uses, and no more.
Checked in a fresh process; the figures are in benchmarks/cli_startup.py."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.sip2 import messages as m
from kiosk.sip2.ils import ILSSimulator

ROOT = Path(__file__).resolve().parents[2]
PROBE = r'''
import contextlib, io, sys
from kiosk.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
print(code, *sorted(sys.modules))
'''
NOT_FOR_STATUS = ["kiosk.sip2.messages_patron", "kiosk.sip2.messages_items", "kiosk.sip2.ils",
                  "ssl", "json", "decimal", "zoneinfo",
                  "kiosk.sip2.codes",       # code tables, patron status: no 94 or 98 field holds one
                  "kiosk.sip2.api",         # the client's protocol class: for type checking
                  "typing",                 # annotations only (TYPE_CHECKING = False in each module)
                  "shutil",                 # argparse's terminal width (kiosk.cli.parser asks os)
                  "encodings.idna"]         # an ASCII host goes to the resolver as bytes


def modules_after(*argv: str) -> tuple[int, list[str]]:
    done = subprocess.run([sys.executable, "-c", PROBE, *argv], capture_output=True, text=True, timeout=60,
                          cwd=ROOT)
    code, *modules = done.stdout.split()
    return int(code), modules


def test_sip2_status_loads_the_link_family_only() -> None:
    with ILSSimulator() as ils:
        code, modules = modules_after("sip2", "--server", f"127.0.0.1:{ils.port}", "--user", "kiosk",
                                      "--password", "kiosk-pass", "status")
    assert code == 0
    assert "kiosk.sip2.messages_link" in modules
    assert [name for name in NOT_FOR_STATUS if name in modules] == []


def test_help_is_as_wide_as_the_terminal_says() -> None:
    env = {"COLUMNS": "40", "PATH": "/usr/bin:/bin"}
    narrow = subprocess.run([sys.executable, "-m", "kiosk.cli", "--help"], capture_output=True, text=True,
                            timeout=60, cwd=ROOT, env=env).stdout
    env["COLUMNS"] = "160"
    wide = subprocess.run([sys.executable, "-m", "kiosk.cli", "--help"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, env=env).stdout
    assert "check-config" in narrow and max(len(line) for line in narrow.splitlines()) <= 40
    assert max(len(line) for line in wide.splitlines()) > 60


def test_a_checkout_loads_the_items_family() -> None:
    with ILSSimulator() as ils:
        code, modules = modules_after("sip2", "--server", f"127.0.0.1:{ils.port}", "--user", "kiosk",
                                      "--password", "kiosk-pass", "--institution", "DEMO", "checkout",
                                      "21000000000002", "31000000000003")
    assert code == 0
    assert "kiosk.sip2.messages_items" in modules
    assert "kiosk.sip2.messages_patron" not in modules and "ssl" not in modules


def test_every_family_is_reachable_by_name_and_by_identifier() -> None:
    assert len(m.MESSAGE_TYPES) == 31
    for command, cls in m.MESSAGE_TYPES.items():
        assert m.message_type(command) is cls and getattr(m, cls.__name__) is cls
    assert m.message_type("XX") is None

"""The package type-checks (mypy, settings in pyproject.toml): plain mypy on
all of kiosk/, ``mypy --strict`` on the protocol and core packages, and the
SIP2 client satisfies the ILSClient protocol the core depends on."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from kiosk.sip2.api import ILSClient
from kiosk.sip2.client import SIP2Client, SIP2Settings

ROOT = Path(__file__).resolve().parents[1]
# Held to --strict; everything else in kiosk/ to plain mypy.
STRICT_PACKAGES = ["kiosk/sip2", "kiosk/tags", "kiosk/circulation", "kiosk/store"]
# Checked with the strict packages: a SIP2Client is an ILSClient to mypy, and
# the config and the session fit the protocols drivers and receipts declare
# instead of importing them.
CONFORMANCE = '''
from kiosk.circulation.session import Session
from kiosk.config import Config
from kiosk.drivers.barcode.rules import HasBarcodeKeys
from kiosk.drivers.barcode.wedge import HasScannerKeys
from kiosk.drivers.diag import HasDevices
from kiosk.receipts.session import FinishedSession
from kiosk.sip2.api import ILSClient
from kiosk.sip2.client import SIP2Client, SIP2Settings

def as_ils_client(client: SIP2Client) -> ILSClient:
    return client

def as_barcode_config(config: Config) -> HasBarcodeKeys:
    return config

def as_scanner_config(config: Config) -> HasScannerKeys:
    return config

def as_diag_config(config: Config) -> HasDevices:
    return config

def as_finished_session(session: Session) -> FinishedSession:
    return session

as_ils_client(SIP2Client(SIP2Settings(), supervise=False))
'''


def mypy(*args: str, cache: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "mypy", "--cache-dir", str(cache), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_mypy_is_clean(tmp_path: Path) -> None:
    result = mypy("kiosk", cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_mypy_strict_on_protocol_and_core_packages(tmp_path: Path) -> None:
    """--strict on exactly these packages: modules they import (drivers, config,
    receipts ...) are analysed for their types but their own errors are not
    reported here (follow-imports=silent); plain mypy covers them."""
    conformance = tmp_path / "ils_client_conformance.py"
    conformance.write_text(CONFORMANCE, encoding="utf-8")
    result = mypy("--strict", "--follow-imports=silent", *STRICT_PACKAGES, str(conformance),
                  cache=tmp_path / "cache")
    assert result.returncode == 0, result.stdout + result.stderr


def test_sip2_client_is_an_ils_client_at_run_time() -> None:
    client = SIP2Client(SIP2Settings(), supervise=False)
    assert isinstance(client, ILSClient)
    # Every member the protocol lists is there (runtime_checkable checks presence only).
    members = [name for name in dir(ILSClient) if not name.startswith("_")]
    assert {"checkout", "checkin", "item_information", "renew", "renew_all", "patron_information",
            "patron_status", "fee_paid", "end_session", "request", "connect", "close", "add_listener",
            "state", "settings", "last_error", "last_rtt"} <= set(members) | set(ILSClient.__annotations__)
    for name in members:
        assert hasattr(client, name), name

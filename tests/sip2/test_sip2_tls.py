"""TLS to the ILS with a self-signed certificate made for the test (openssl CLI)."""

from __future__ import annotations

import shutil
import ssl
import subprocess
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.errors import TransportError
from kiosk.sip2.client import SIP2Client, SIP2Settings

from sip2_servers import ScriptedServer, good_ils

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes",
         "-keyout", str(key), "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1"],
        check=True, capture_output=True, timeout=60)
    return cert, key


@pytest.fixture
def tls_server(certificate: tuple[Path, Path]) -> Iterator[ScriptedServer]:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(certificate[0]), str(certificate[1]))
    with ScriptedServer(good_ils, ssl_context=context) as server:
        yield server


def client_for(port: int, **overrides: object) -> SIP2Client:
    base: dict[str, object] = dict(host="127.0.0.1", port=port, tls=True, username="kiosk", password="kiosk-pass",
                                   institution_id="DEMO", read_timeout=2, connect_timeout=2, keepalive_interval=0)
    base.update(overrides)
    return SIP2Client(SIP2Settings(**base), supervise=False)  # type: ignore[arg-type]


def test_tls_with_the_ca_file(tls_server: ScriptedServer, certificate: tuple[Path, Path]) -> None:
    client = client_for(tls_server.port, cafile=str(certificate[0]))
    try:
        client.connect()
        assert client.checkout("2100", "3100").ok
        assert client.patron_information("2100").charged_items_count == 3
    finally:
        client.close()


def test_untrusted_certificate_is_refused(tls_server: ScriptedServer) -> None:
    client = client_for(tls_server.port)
    with pytest.raises(TransportError, match="certificate"):
        client.connect()
    assert client.state == "offline" and "certificate" in (client.last_error or "")
    client.close()


def test_verification_can_be_switched_off(tls_server: ScriptedServer) -> None:
    client = client_for(tls_server.port, tls_verify=False)
    try:
        client.connect()
        assert client.item_information("3100").title_identifier == "Björn"
    finally:
        client.close()


def test_missing_ca_file_is_a_clear_error(tls_server: ScriptedServer, tmp_path: Path) -> None:
    client = client_for(tls_server.port, cafile=str(tmp_path / "nope.pem"))
    with pytest.raises(TransportError, match="CA file"):
        client.connect()
    client.close()


def test_plain_client_against_a_tls_server_fails_cleanly(tls_server: ScriptedServer) -> None:
    client = client_for(tls_server.port, tls=False, read_timeout=0.3)
    with pytest.raises(TransportError):
        client.connect()
    client.close()


def test_cli_over_tls(tls_server: ScriptedServer, certificate: tuple[Path, Path],
                      capsys: pytest.CaptureFixture[str]) -> None:
    from kiosk.cli import main

    base = ["sip2", "--server", f"127.0.0.1:{tls_server.port}", "--user", "kiosk", "--password", "kiosk-pass",
            "--tls", "--timeout", "2"]
    assert main(base + ["--cafile", str(certificate[0]), "--json", "item", "3100"]) == 0
    out, _ = capsys.readouterr()
    assert '"message": "18"' in out
    assert main(base + ["status"]) == 1
    _, err = capsys.readouterr()
    assert "certificate not trusted" in err and len(err.strip().splitlines()) == 1

"""SIP2 over TLS, end to end: the ILS simulator serves TLS with a self-signed
certificate made here (openssl CLI), the kiosk's config names it as the CA,
and a patron borrows through the FEIG driver. A kiosk that does not trust the
certificate must not talk to the ILS at all (it goes offline, it does not fall
back to plain text).
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from kiosk.events import ItemStatus, SessionState
from system_rig import AFI_ON_LOAN, ITEMS, Rig, afi_of, eventually, put_item
from test_system_kiosk import KioskRig

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="needs the openssl command")


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "ils.pem", folder / "ils-key.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                    "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
                    "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True, timeout=60)
    return cert, key


def test_borrow_over_tls_with_a_self_signed_certificate(rig: Rig, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    ils = rig.start_ils(tls_certfile=cert, tls_keyfile=key)
    kiosk = KioskRig(rig, "feig", sip2_extra=f'tls = true\ntls_verify = true\ncafile = "{cert.as_posix()}"')
    assert kiosk.station.sip2_status().state == "online", kiosk.station.sip2_status()
    kiosk.log_in()
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    put_item(kiosk.field, ITEMS[7])
    result = kiosk.results(1)[ITEMS[7]]
    assert result.status is ItemStatus.BORROWED and not result.offline, result
    assert afi_of(kiosk.field, ITEMS[7]) == AFI_ON_LOAN
    assert ils.requests["11"] >= 1            # the checkout reached the ILS, over TLS


def test_an_untrusted_certificate_keeps_the_kiosk_off_the_ils(rig: Rig, certificate: tuple[Path, Path]) -> None:
    cert, key = certificate
    ils = rig.start_ils(tls_certfile=cert, tls_keyfile=key)
    kiosk = KioskRig(rig, "feig", sip2_extra="tls = true\ntls_verify = true")   # system CA store only
    eventually(lambda: kiosk.station.offline, 10, what="offline")
    status = kiosk.station.sip2_status()
    assert status.state != "online"
    assert "certif" in (status.last_error or "").lower(), status
    assert ils.requests["93"] == 0             # no login was ever sent in the clear


def test_ils_sim_command_serves_tls(rig: Rig, certificate: tuple[Path, Path], tmp_path: Path) -> None:
    """``kiosk ils-sim --tls-cert`` as a process: what a library's test rig runs."""
    import re
    import signal

    from kiosk.sip2.client import SIP2Client, SIP2Settings
    from system_rig import KIOSK_CMD

    cert, key = certificate
    out = open(tmp_path / "ils.log", "w+", encoding="utf-8")
    proc = subprocess.Popen([*KIOSK_CMD, "ils-sim", "--port", "0", "--tls-cert", str(cert), "--tls-key", str(key),
                             "--duration", "60"], stdout=out, stderr=subprocess.STDOUT, text=True)

    def finish() -> None:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        out.close()
    rig.closers.append(finish)
    found = eventually(lambda: re.search(r"on 127\.0\.0\.1:(\d+) \(TLS\)", (tmp_path / "ils.log").read_text()),
                       20, what="the simulator listening")
    client = SIP2Client(SIP2Settings(host="127.0.0.1", port=int(found.group(1)), tls=True, cafile=str(cert),
                                     username="kiosk", password="kiosk-pass", institution_id="DEMO",
                                     encoding="utf-8", connect_timeout=3.0, read_timeout=3.0,
                                     keepalive_interval=0.0))
    client.connect()
    rig.closers.append(client.close)
    assert client.patron_status("21000000000001", "1234").valid_patron
    proc.send_signal(signal.SIGTERM)
    assert proc.wait(15) == 0

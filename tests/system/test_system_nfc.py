"""A patron taps a library card on the NFC reader of a running kiosk: the
reader is opened from ``[devices.nfc] driver = "nfc:udp:127.0.0.1:PORT"``
through nfcpy's own UDP driver, and the card is a separate process playing
an NFC Forum Type 3 tag whose NDEF text record holds the patron barcode
(the NFC drivers' card emulator, tests/drivers/nfc/card_emulator.py).
"""

from __future__ import annotations

import socket
import subprocess
import sys
from pathlib import Path

from kiosk.events import ItemStatus, SessionState
from system_rig import ANA, ANA_PIN, ITEMS, Rig, put_item
from test_system_kiosk import KioskRig

CARD = Path(__file__).resolve().parents[1] / "drivers" / "nfc" / "card_emulator.py"


def free_udp_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_card_tapped_on_the_nfc_reader_opens_a_session(rig: Rig) -> None:
    port = free_udp_port()
    nfc = (f'\n[devices.nfc]\ndriver = "nfc:udp:127.0.0.1:{port}"\nmode = "ndef"\ntargets = "212F"\n'
           'poll_interval = 0.05\nremoval_time = 0.3\n')
    kiosk = KioskRig(rig, "feig", extra=nfc)
    card = subprocess.Popen([sys.executable, str(CARD), "--port", str(port), "--seconds", "8", "--text", ANA],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)

    def take_card_away() -> None:
        if card.poll() is None:
            card.kill()
        card.wait(10)
        if card.stdout is not None:
            card.stdout.close()
    rig.closers.append(take_card_away)
    assert card.stdout is not None and card.stdout.readline().strip() == b"listening"
    kiosk.state_reached(SessionState.PIN_ENTRY, timeout=10)
    kiosk.station.enter_pin(ANA_PIN)
    kiosk.state_reached(SessionState.READY)
    view = kiosk.station.session_view()
    assert view.patron is not None and view.patron.masked_id.endswith(ANA[-4:])
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    put_item(kiosk.field, ITEMS[3])
    assert kiosk.results(1)[ITEMS[3]].status is ItemStatus.BORROWED

"""The card side of the NFC tests: a separate process that plays a library
card through nfcpy's own UDP driver (nfc/clf/udp.py).

It emulates an NFC Forum Type 3 Tag (FeliCa, 212 kbit/s) with nfcpy's
Type3TagEmulation: system code 12FC, NDEF attribute block and data in
service 0x000B, as NFC Forum Type 3 Tag Operation Specification 1.1
section 6 lays them out. ``--text`` puts an NDEF text record (the patron
barcode) on it; ``--raw`` puts arbitrary NDEF bytes (e.g. a URI record).
It serves presentations until ``--seconds`` pass, then exits (the card is
"taken away"). Prints ``listening`` when it starts listening.

nfcpy's UDP listener binds 0.0.0.0; the tests use loopback only, so this
process binds 127.0.0.1 instead.
"""

from __future__ import annotations

import argparse
import socket
import sys
import time

import ndef
import nfc
import nfc.clf
import nfc.clf.udp


def bind_loopback(self: nfc.clf.udp.Device, time_to_return: float) -> bool:
    try:
        self.socket.bind(("127.0.0.1", self.addr[1]))
        return True
    except OSError:
        return False


nfc.clf.udp.Device._bind_socket = bind_loopback


def attribute_block(ndef_length: int, blocks: int) -> bytes:
    """Type 3 Tag attribute information block (T3T spec 6.2)."""
    head = bytes([0x10, 4, 1]) + blocks.to_bytes(2, "big") + bytes(4) + bytes([0x00, 0x00]) \
        + ndef_length.to_bytes(3, "big")
    return head + sum(head).to_bytes(2, "big")


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--idm", default="03FEFFE011223344")
    parser.add_argument("--text", default=None)
    parser.add_argument("--raw", default=None, help="NDEF message as hex")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--uid", default=None,
                        help="be an ISO 14443 type A card with this NFCID1 (hex) instead of FeliCa")
    args = parser.parse_args()

    if args.raw is not None:
        message = bytes.fromhex(args.raw)
    elif args.text is not None:
        message = b"".join(ndef.message_encoder([ndef.TextRecord(args.text, "en")]))
    else:
        message = b""
    blocks = max(1, (len(message) + 15) // 16)
    memory = attribute_block(len(message), blocks) + message.ljust(blocks * 16, b"\0")

    def read_block(block: int, rb: bool, re: bool) -> bytes | None:
        start = block * 16
        return memory[start:start + 16] if start < len(memory) else None

    def on_startup(target: nfc.clf.LocalTarget) -> nfc.clf.LocalTarget:
        target.brty = "212F"
        target.sensf_res = bytearray.fromhex("01" + args.idm + "01E0000000FFFF00" + "12FC")
        print("listening", flush=True)
        return target

    def on_connect(tag: object) -> bool:
        tag.add_service(0x0009, read_block, None)   # type: ignore[attr-defined]
        tag.add_service(0x000B, read_block, None)   # type: ignore[attr-defined]
        return True

    deadline = time.monotonic() + args.seconds
    if args.uid:
        # Type A: nfcpy's udp listen_tta answers SENS_REQ and the SDD/SEL
        # anticollision cascade with this UID; any later command (a reader
        # trying Type 2 READ) goes unanswered, like a MIFARE Classic card.
        with nfc.ContactlessFrontend(f"udp:127.0.0.1:{args.port}") as clf:
            print("listening", flush=True)
            while time.monotonic() < deadline:
                target = nfc.clf.LocalTarget("106A", sens_res=bytearray.fromhex("4400"),
                                             sdd_res=bytearray.fromhex(args.uid), sel_res=bytearray.fromhex("08"))
                clf.listen(target, min(0.5, max(0.05, deadline - time.monotonic())))
        return 0
    with nfc.ContactlessFrontend(f"udp:127.0.0.1:{args.port}") as clf:
        while time.monotonic() < deadline:
            clf.connect(card={"on-startup": on_startup, "on-connect": on_connect, "timeout": 0.5},
                        terminate=lambda: time.monotonic() >= deadline)
    return 0


if __name__ == "__main__":
    sys.exit(main())

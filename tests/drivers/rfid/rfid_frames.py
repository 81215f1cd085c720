"""Frame builders for the RFID driver tests: write expected wire bytes from
readable pieces, so a test reads like the manual's frame tables.

Sources of the byte layouts (cited again where a test checks them):
  * FEIG: ID ISC.MR/PR/PRH101 system manual (H60301-3e-ID-B) and ID CPR30.xx
    manual (H01114-0e-ID-B), "Protocol frames", "CRC16 calculation", "[0xB0]";
    dpavlin/Biblio-RFID lib/RFID/Biblio/Reader/CPRM02.pm (FEIG CPR-M02 driver).
  * 3M 810: dpavlin/Biblio-RFID lib/Biblio/RFID/Reader/3M810.pm and the capture
    log 3m-810.pl of the same author (frames with checksums).
"""

from __future__ import annotations


def hexb(text: str) -> bytes:
    """``"D6 00 05 | FE 00 05"`` -> bytes (spaces and bars ignored)."""
    return bytes.fromhex(text.replace("|", " "))


def feig_crc(data: bytes) -> bytes:
    """The manual's C example, transcribed independently of the driver's."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 0x0001 else crc >> 1
    return bytes([crc & 0xFF, crc >> 8])


def feig_request(address: int, command: int, data: str | bytes = b"") -> bytes:
    body = bytes([address, command]) + (hexb(data) if isinstance(data, str) else data)
    head = bytes([len(body) + 3]) + body
    return head + feig_crc(head)


def feig_reply(address: int, command: int, status: int, data: str | bytes = b"") -> bytes:
    return feig_request(address, command, bytes([status]) + (hexb(data) if isinstance(data, str) else data))


def feig_advanced(address: int, command: int, data: bytes) -> bytes:
    body = bytes([address, command]) + data
    length = len(body) + 5
    head = bytes([0x02, length >> 8, length & 0xFF]) + body
    return head + feig_crc(head)


def m3_crc(data: bytes) -> bytes:
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    crc ^= 0xFFFF
    return bytes([crc >> 8, crc & 0xFF])


def m3_frame(payload: str | bytes, prefix: int = 0xD6) -> bytes:
    body = hexb(payload) if isinstance(payload, str) else payload
    head = bytes([(len(body) + 2) >> 8, (len(body) + 2) & 0xFF]) + body
    return bytes([prefix]) + head + m3_crc(head)


UID_BIBLIO = hexb("E0 04 01 00 31 23 AA 26")      # the tag in the 3M capture log

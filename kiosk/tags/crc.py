"""CRC-16/CCITT as used by the ISO 28560-3 (Danish) basic block.

Polynomial 0x1021, initial value 0xFFFF, no reflection, no final XOR (the
"CCITT-FALSE" parameter set). ISO 28560-3:2014 annex C and the Danish "RFID Data
Model for Libraries" (2005) section 3.2.1.6 give the check value 0x1AEE for the
ASCII string ``RFID tag data model``.
"""

from __future__ import annotations


def _table() -> tuple[int, ...]:
    table = []
    for byte in range(256):
        crc = byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) if crc & 0x8000 else (crc << 1)
        table.append(crc & 0xFFFF)
    return tuple(table)


_TABLE = _table()


def crc16_ccitt(data: bytes, crc: int = 0xFFFF) -> int:
    """CRC-16/CCITT-FALSE of ``data`` (table driven, one lookup per byte)."""
    for byte in data:
        crc = ((crc << 8) & 0xFFFF) ^ _TABLE[((crc >> 8) ^ byte) & 0xFF]
    return crc

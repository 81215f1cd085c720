"""3M 810 pad protocol, sans-I/O: frames, CRC and the commands a library pad uses.

3M never published this protocol; it is documented by the open-source drivers
written from serial captures: dpavlin/Biblio-RFID
``lib/Biblio/RFID/Reader/3M810.pm`` (and its earlier ``3m-810.pl`` capture
log, which lists whole frames with their checksums), and dpavlin/koha-rfid-go
``internal/rfid/reader.go``.

Frame: ``D6 LEN-MSB LEN-LSB PAYLOAD... CRC-MSB CRC-LSB`` where LEN counts the
payload and the CRC, and the CRC is CRC-16/CCITT (polynomial 0x1021, preset
0xFFFF, not reflected) with a final XOR of 0xFFFF, over LEN and PAYLOAD.
The version probe uses prefix ``D5`` with the same layout. Replies repeat the
command byte, then a status (00 ok, 06 tag error), then the UID (8 bytes,
MSB first as printed on tags). Data blocks are 4 bytes in tag-memory order,
each preceded by its block number (16 bits, little-endian).

    probe       D5 | 04 00 11                 -> 04 00 11 HW(4)
    setup       13 | 04 01 00 02 00 03 00 04 00 -> 13 00 02 01 01 03 02 02 03 00
    inventory   FE 00 05                      -> FE 00 00 05 N UID*N
    read        02 UID FIRST COUNT            -> 02 00 UID N (BLK-LE16 DATA4)*N | 02 06 UID
    write       04 UID FIRST COUNT 00 DATA    -> 04 00 UID COUNT                | 04 06 UID
    read AFI    0A UID                        -> 0A 00 UID AFI                  | 0A 06 UID
    write AFI   09 UID AFI                    -> 09 00 UID                      | 09 06 UID
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

PREFIX = 0xD6
PROBE_PREFIX = 0xD5
OK, TAG_ERROR = 0x00, 0x06

CMD_PROBE = 0x04
CMD_SETUP = 0x13
CMD_INVENTORY = 0xFE
CMD_READ = 0x02
CMD_WRITE = 0x04
CMD_READ_AFI = 0x0A
CMD_WRITE_AFI = 0x09

PROBE = bytes([0x04, 0x00, 0x11])
SETUP = bytes.fromhex("13 04 01 00 02 00 03 00 04 00")
SETUP_REPLY = bytes.fromhex("13 00 02 01 01 03 02 02 03 00")
INVENTORY = bytes.fromhex("FE 00 05")
INVENTORY_REPLY_HEAD = bytes.fromhex("FE 00 00 05")


def crc16(data: bytes) -> int:
    """CRC-16/CCITT, preset 0xFFFF, MSB first, final XOR 0xFFFF."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte << 8
        for _ in range(8):
            crc = ((crc << 1) ^ 0x1021) & 0xFFFF if crc & 0x8000 else (crc << 1) & 0xFFFF
    return crc ^ 0xFFFF


def encode(payload: bytes, prefix: int = PREFIX) -> bytes:
    length = len(payload) + 2
    if length > 0xFFFF:
        raise ValueError("3M frame too long")
    body = bytes([length >> 8, length & 0xFF]) + payload
    crc = crc16(body)
    return bytes([prefix]) + body + bytes([crc >> 8, crc & 0xFF])


@dataclass(frozen=True)
class Frame:
    prefix: int
    payload: bytes


class FrameReader:
    """Incremental splitter: skips bytes that cannot start a frame and frames
    whose CRC fails (one byte of slip each, counted in :attr:`garbage`)."""

    MAX_LEN = 1024

    def __init__(self) -> None:
        self._buf = bytearray()
        self.garbage = 0

    def feed(self, data: bytes) -> None:
        self._buf += data

    def pending(self) -> int:
        return len(self._buf)

    def frames(self) -> Iterator[Frame]:
        buf = self._buf
        while buf:
            verdict = self._try(0)
            if isinstance(verdict, Frame):
                del buf[:5 + len(verdict.payload)]
                yield verdict
                continue
            if verdict == "wait":
                # A noise D6 with a large length must not hide a complete
                # valid frame that follows it.
                for start in range(1, len(buf)):
                    if isinstance(self._try(start), Frame):
                        self.garbage += start
                        del buf[:start]
                        break
                else:
                    return
                continue
            del buf[0]
            self.garbage += 1

    def _try(self, start: int) -> "Frame | str":
        buf = self._buf
        if buf[start] not in (PREFIX, PROBE_PREFIX):
            return "bad"
        if len(buf) - start < 3:
            return "wait"
        length = buf[start + 1] << 8 | buf[start + 2]
        if not 3 <= length <= self.MAX_LEN:
            return "bad"
        if len(buf) - start < 3 + length:
            return "wait"
        raw = bytes(buf[start + 1:start + 3 + length])           # LEN, payload, CRC
        if crc16(raw[:-2]) != raw[-2] << 8 | raw[-1]:
            return "bad"
        return Frame(buf[start], raw[2:-2])


# -- payload builders ---------------------------------------------------------

def read_blocks(uid: bytes, first: int, count: int) -> bytes:
    return bytes([CMD_READ]) + uid + bytes([first, count])


def write_blocks(uid: bytes, first: int, data: bytes) -> bytes:
    return bytes([CMD_WRITE]) + uid + bytes([first, len(data) // 4, 0x00]) + data


def read_afi(uid: bytes) -> bytes:
    return bytes([CMD_READ_AFI]) + uid


def write_afi(uid: bytes, afi: int) -> bytes:
    return bytes([CMD_WRITE_AFI]) + uid + bytes([afi])


# -- reply parsers (raise ValueError on malformed replies) -------------------

def parse_inventory(payload: bytes) -> list[bytes]:
    if payload[:4] != INVENTORY_REPLY_HEAD or len(payload) < 5:
        raise ValueError(f"not an inventory reply: {payload.hex(' ')}")
    count, rest = payload[4], payload[5:]
    if len(rest) != 8 * count:
        raise ValueError(f"inventory reply announces {count} tags but carries {len(rest)} bytes")
    return [bytes(rest[i:i + 8]) for i in range(0, len(rest), 8)]


def parse_blocks(payload: bytes, first: int) -> bytes:
    """Payload after ``02 00 UID``: ``N (BLK-LE16 DATA4)*N`` -> data in block order."""
    count = payload[0]
    if len(payload) != 1 + 6 * count:
        raise ValueError(f"read reply announces {count} blocks but carries {len(payload) - 1} bytes")
    blocks: dict[int, bytes] = {}
    for i in range(count):
        at = 1 + 6 * i
        blocks[payload[at] | payload[at + 1] << 8] = bytes(payload[at + 2:at + 6])
    expected = list(range(first, first + count))
    if sorted(blocks) != expected:
        raise ValueError(f"read reply has blocks {sorted(blocks)}, expected {expected}")
    return b"".join(blocks[b] for b in expected)

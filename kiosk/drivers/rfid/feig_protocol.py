"""FEIG ISO host protocol, sans-I/O: frames, CRC, status bytes, ISO 15693 commands.

Source: FEIG ELECTRONIC system manuals for the OBID i-scan / classic-pro
readers (ID ISC.MR/PR/PRH101 H60301-3e-ID-B, ID ISC.MR102 H01113-4e-ID-B,
ID ISC.LR200 H90692-16e-ID-B, ID CPR30.xx H01114-0e-ID-B), sections
"Protocol frames", "CRC16 calculation algorithm", "[0xB0] ISO host commands",
"[0xB1] ... custom commands" and annex "Index of status bytes"; cross-checked
with the open-source CPR-M02 driver in dpavlin/Biblio-RFID
(lib/RFID/Biblio/Reader/CPRM02.pm), which drives a FEIG reader, and with the
frames published in the tests of Amarok79/InlayTester.Drivers.FeigReader.

Standard frame, host -> reader: ``LEN COM-ADR CMD DATA... CRC-LSB CRC-MSB``
and reader -> host: ``LEN COM-ADR CMD STATUS DATA... CRC-LSB CRC-MSB``, with
LEN (6..255) counting every byte including itself and the CRC. The advanced
frame replaces LEN with ``STX(0x02) ALEN-MSB ALEN-LSB`` (8..65535). The CRC16
is CCITT reflected: polynomial 0x8408, preset 0xFFFF, over every byte before
it, sent low byte first. In ISO host mode data goes MSB first: UIDs as printed
(E0 ...) and each data block with its bytes reversed relative to tag memory.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

STX = 0x02
BROADCAST = 0xFF

CMD_BAUD_DETECT = 0x52
CMD_SOFTWARE_VERSION = 0x65
CMD_READER_INFO = 0x66
CMD_RF_RESET = 0x69
CMD_ISO = 0xB0
CMD_ISO_CUSTOM = 0xB1

ISO_INVENTORY = 0x01
ISO_READ_MULTIPLE = 0x23
ISO_WRITE_MULTIPLE = 0x24
ISO_WRITE_AFI = 0x27
ISO_WRITE_DSFID = 0x29
ISO_SYSTEM_INFO = 0x2B
MFR_NXP = 0x04
NXP_SET_EAS = 0xA2
NXP_RESET_EAS = 0xA3

MODE_ADDRESSED = 0x01
INVENTORY_MORE = 0x80
INVENTORY_AFI = 0x10
TR_TYPE_ISO15693 = 0x03

# Annex "Index of status bytes".
STATUS: dict[int, str] = {
    0x00: "OK",
    0x01: "no transponder in the field",
    0x02: "data false (CRC error in the tag's reply)",
    0x03: "write error (read-only area, tag too far or noise)",
    0x04: "address error (block outside the tag's memory)",
    0x05: "wrong transponder type for this command",
    0x08: "reader EEPROM failure",
    0x10: "parameter range error",
    0x11: "login request",
    0x12: "login error",
    0x13: "read protected",
    0x14: "write protected",
    0x15: "firmware activation required",
    0x80: "unknown command",
    0x81: "length error",
    0x82: "command not available",
    0x83: "RF communication error",
    0x84: "RF warning (antenna or noise)",
    0x93: "data buffer overflow",
    0x94: "more data (further tags follow)",
    0x95: "ISO 15693 error reported by the tag",
    0x96: "ISO 14443 error",
    0xF1: "hardware warning",
}
#: Statuses about one tag (the reader itself is fine).
TAG_STATUSES = frozenset({0x01, 0x02, 0x03, 0x04, 0x05, 0x13, 0x14, 0x95})
#: Statuses that carry data in the reply.
DATA_STATUSES = frozenset({0x00, 0x83, 0x94, 0x95})


def status_text(status: int) -> str:
    return STATUS.get(status, f"unknown status 0x{status:02X}")


def crc16(data: bytes) -> int:
    """FEIG CRC16: reflected CCITT, polynomial 0x8408, preset 0xFFFF, no final XOR."""
    crc = 0xFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x8408 if crc & 1 else crc >> 1
    return crc


@dataclass(frozen=True)
class Frame:
    """One frame: ``body`` is everything after CMD (for replies: STATUS, DATA)."""

    address: int
    command: int
    body: bytes = b""
    advanced: bool = False

    def encode(self) -> bytes:
        inner = bytes([self.address, self.command]) + self.body
        if self.advanced:
            length = len(inner) + 5
            if length > 0xFFFF:
                raise ValueError("frame too long for the advanced protocol")
            head = bytes([STX, length >> 8, length & 0xFF])
        else:
            length = len(inner) + 3
            if length > 0xFF:
                raise ValueError(f"frame of {length} bytes needs the advanced protocol frame")
            head = bytes([length])
        raw = head + inner
        crc = crc16(raw)
        return raw + bytes([crc & 0xFF, crc >> 8])

    @property
    def status(self) -> int:
        return self.body[0] if self.body else -1

    @property
    def data(self) -> bytes:
        return self.body[1:]


class FrameReader:
    """Incremental frame splitter with resynchronisation.

    Feed bytes in any pieces; complete frames come out of :meth:`frames`.
    A byte that cannot start a frame, or a frame whose CRC fails, costs one
    byte of slip and is counted in :attr:`garbage` so the caller can report
    noise on the line. ``min_body`` is 0 for requests, 1 for replies.
    """

    def __init__(self, min_body: int = 0) -> None:
        self._buf = bytearray()
        self.garbage = 0
        self._min = 5 + min_body

    def feed(self, data: bytes) -> None:
        self._buf += data

    def frames(self) -> Iterator[Frame]:
        while True:
            frame = self._next()
            if frame is None:
                return
            yield frame

    def pending(self) -> int:
        return len(self._buf)

    def _next(self) -> Frame | None:
        buf = self._buf
        while buf:
            verdict = self._try(0)
            if isinstance(verdict, Frame):
                return verdict
            if verdict == "wait":
                # A noise byte can look like the length of a long frame; if a
                # complete valid frame already sits further on, that wins.
                for start in range(1, len(buf)):
                    if isinstance(self._try(start, peek=True), Frame):
                        self.garbage += start
                        del buf[:start]
                        break
                else:
                    return None
                continue
            del buf[0]
            self.garbage += 1
        return None

    def _try(self, start: int, peek: bool = False) -> "Frame | str":
        """The frame at ``start``, or "wait" (could be one, incomplete), or "bad"."""
        buf = self._buf
        if buf[start] == STX:
            if len(buf) - start < 3:
                return "wait"
            length, head, advanced = (buf[start + 1] << 8) | buf[start + 2], 3, True
            valid = length >= self._min + 2
        else:
            length, head, advanced = buf[start], 1, False
            valid = length >= self._min
        if not valid:
            return "bad"
        if len(buf) - start < length:
            return "wait"
        raw = bytes(buf[start:start + length])
        if crc16(raw[:-2]) != raw[-2] | raw[-1] << 8:
            return "bad"
        if not peek:
            del buf[:length]
        return Frame(raw[head], raw[head + 1], raw[head + 2:-2], advanced)


# -- ISO host command payloads (DATA after CMD 0xB0 / 0xB1) ---------------

def inventory(more: bool = False, afi: int | None = None) -> bytes:
    mode = (INVENTORY_MORE if more else 0) | (INVENTORY_AFI if afi is not None else 0)
    return bytes([ISO_INVENTORY, mode]) + (bytes([afi]) if afi is not None else b"")


def read_multiple(uid: bytes, first: int, count: int) -> bytes:
    return bytes([ISO_READ_MULTIPLE, MODE_ADDRESSED]) + uid + bytes([first, count])


def write_multiple(uid: bytes, first: int, data: bytes, block_size: int = 4) -> bytes:
    count = len(data) // block_size
    blocks = b"".join(data[i:i + block_size][::-1] for i in range(0, len(data), block_size))
    return bytes([ISO_WRITE_MULTIPLE, MODE_ADDRESSED]) + uid + bytes([first, count, block_size]) + blocks


def write_afi(uid: bytes, afi: int) -> bytes:
    return bytes([ISO_WRITE_AFI, MODE_ADDRESSED]) + uid + bytes([afi])


def write_dsfid(uid: bytes, dsfid: int) -> bytes:
    return bytes([ISO_WRITE_DSFID, MODE_ADDRESSED]) + uid + bytes([dsfid])


def system_info(uid: bytes) -> bytes:
    return bytes([ISO_SYSTEM_INFO, MODE_ADDRESSED]) + uid


def nxp_eas(uid: bytes, on: bool) -> bytes:
    return bytes([MFR_NXP, NXP_SET_EAS if on else NXP_RESET_EAS, MODE_ADDRESSED]) + uid


@dataclass(frozen=True)
class InventoryRecord:
    tr_type: int
    dsfid: int
    uid: bytes


def parse_inventory(data: bytes) -> list[InventoryRecord]:
    """``DATA-SETS`` then per set ``TR-TYPE DSFID UID(8)``. Raises ValueError."""
    if not data:
        raise ValueError("inventory reply without DATA-SETS")
    count, rest = data[0], data[1:]
    if len(rest) != count * 10:
        raise ValueError(f"inventory reply announces {count} tags but carries {len(rest)} bytes")
    return [InventoryRecord(rest[i], rest[i + 1], bytes(rest[i + 2:i + 10])) for i in range(0, len(rest), 10)]


def parse_blocks(data: bytes) -> tuple[bytes, list[int]]:
    """``DB-N DB-SIZE`` then per block ``SEC-STATUS DB`` (DB MSB first).

    Returns the blocks in tag-memory byte order and their security statuses.
    """
    if len(data) < 2:
        raise ValueError("read reply without DB-N and DB-SIZE")
    count, size = data[0], data[1]
    if size == 0 or len(data) != 2 + count * (size + 1):
        raise ValueError(f"read reply announces {count} blocks of {size} bytes but carries {len(data) - 2}")
    out, security = bytearray(), []
    for i in range(count):
        at = 2 + i * (size + 1)
        security.append(data[at])
        out += data[at + 1:at + 1 + size][::-1]
    return bytes(out), security


@dataclass(frozen=True)
class SystemInfo:
    dsfid: int
    uid: bytes
    afi: int
    block_size: int
    blocks: int
    ic_ref: int


def parse_system_info(data: bytes) -> SystemInfo:
    """``DSFID UID(8) AFI MEM-SIZE(2: block size - 1, blocks - 1) IC-REF``."""
    if len(data) != 13:
        raise ValueError(f"system information reply of {len(data)} bytes, expected 13")
    return SystemInfo(data[0], bytes(data[1:9]), data[9], (data[10] & 0x1F) + 1, data[11] + 1, data[12])

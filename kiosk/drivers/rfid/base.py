"""The RFID reader contract every pad driver implements.

An ISO 15693 reader does five things to the tags in its field: inventory
(UID, DSFID, AFI of each), read blocks, write blocks, write the AFI byte and,
where the chip has one, set or reset the EAS bit (NXP ICODE SLI custom
commands). Everything has a deadline; a failure of one tag raises
:class:`~kiosk.errors.TagError` (carrying the ISO 15693 error code when the
tag answered with one), a failure of the reader raises
:class:`~kiosk.errors.DeviceError`.

UIDs are 8 bytes, most significant byte first (``E0 04 01 ...``), as printed
on tags and in every reader manual; drivers convert at their wire boundary.
"""

from __future__ import annotations

import abc
import threading
from dataclasses import dataclass
from typing import Any

from kiosk.drivers.selftest import SelfTestResult, tags_on_pad
from kiosk.errors import DeviceError, RemoteProtocolError, TagError, TransportTimeout

__all__ = [
    "TagInfo", "RFIDReader", "ReaderTimeout", "ReaderGarbled", "TagError", "TagFailed", "DeviceError",
    "ISO15693_ERRORS", "iso_error_text", "uid_hex", "parse_uid",
]

BLOCK_SIZE = 4
USER_BLOCKS = 8          # 32 bytes: the ISO 28560-3 record of most library tags

# ISO/IEC 15693-3 table 7: response error codes.
ISO15693_ERRORS: dict[int, str] = {
    0x01: "command not supported",
    0x02: "command not recognised (format error)",
    0x03: "option not supported",
    0x0F: "unknown error",
    0x10: "block not available",
    0x11: "block already locked",
    0x12: "block locked, content cannot change",
    0x13: "block was not programmed",
    0x14: "block was not locked",
}


def iso_error_text(code: int) -> str:
    if 0xA0 <= code <= 0xDF:
        return f"custom error 0x{code:02X}"
    return ISO15693_ERRORS.get(code, f"error 0x{code:02X}")


class ReaderTimeout(DeviceError, TransportTimeout):
    """The reader did not answer within the deadline (unplugged, wrong port or baud)."""


class ReaderGarbled(DeviceError, RemoteProtocolError):
    """The reader sent bytes that are not a valid frame (noise, wrong protocol)."""


PARTIAL_HINT = "; the tag may be partly written and must be written again"


class TagFailed(TagError):
    """One tag failed, with what the reader knows: the reader's ``status``, the
    tag's ISO 15693 ``iso_error`` code, and ``partial`` when a multi-block write
    was interrupted (some blocks may hold new data, some old)."""

    def __init__(self, message: str, uid: bytes, *, status: int | None = None,
                 iso_error: int | None = None, partial: bool = False) -> None:
        super().__init__(message + (PARTIAL_HINT if partial else ""), uid)
        self.status, self.iso_error, self.partial = status, iso_error, partial


def uid_hex(uid: bytes) -> str:
    return uid.hex().upper()


def parse_uid(value: str | bytes) -> bytes:
    """``"E004010012345678"`` (or 8 bytes) -> 8 bytes; :class:`ValueError` otherwise."""
    uid = bytes.fromhex(value.replace(" ", "").replace(":", "")) if isinstance(value, str) else bytes(value)
    if len(uid) != 8:
        raise ValueError(f"an ISO 15693 UID has 8 bytes, got {len(uid)}")
    return uid


@dataclass(frozen=True)
class TagInfo:
    """One tag seen by an inventory: UID (8 bytes, MSB first), DSFID, AFI."""

    uid: bytes
    dsfid: int = 0
    afi: int = 0

    def __post_init__(self) -> None:
        if not isinstance(self.uid, bytes) or len(self.uid) != 8:
            raise ValueError(f"TagInfo.uid must be 8 bytes, got {self.uid!r}")
        for name, value in (("dsfid", self.dsfid), ("afi", self.afi)):
            if not 0 <= value <= 0xFF:
                raise ValueError(f"TagInfo.{name} must be a byte, got {value!r}")

    @property
    def uid_hex(self) -> str:
        return uid_hex(self.uid)


class RFIDReader(abc.ABC):
    """Base of every pad driver. Thread-safe: one command at a time.

    Subclasses implement the ``_``-prefixed primitives; the public methods
    validate arguments and hold :attr:`lock` so a pad watcher thread and the
    circulation core can share a reader.
    """

    name = "rfid"
    #: Blocks per read command; drivers lower it when frames are short.
    max_blocks_per_read = 32

    def __init__(self) -> None:
        self.lock = threading.RLock()

    # -- public API -------------------------------------------------------
    def inventory(self) -> list[TagInfo]:
        with self.lock:
            return self._inventory()

    def read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        _check_uid(uid)
        if not (0 <= first <= 255 and 1 <= count <= 256 and first + count <= 256):
            raise ValueError(f"cannot read blocks {first}..{first + count - 1}")
        with self.lock:
            out = bytearray()
            while count > 0:
                step = min(count, self.max_blocks_per_read)
                out += self._read_blocks(uid, first, step)
                first, count = first + step, count - step
            return bytes(out)

    def write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        _check_uid(uid)
        if not data or len(data) % BLOCK_SIZE:
            raise ValueError(f"data must be whole {BLOCK_SIZE}-byte blocks, got {len(data)} bytes")
        if not 0 <= first <= 255 or first + len(data) // BLOCK_SIZE > 256:
            raise ValueError(f"cannot write from block {first}")
        with self.lock:
            self._write_blocks(uid, first, bytes(data))

    def write_afi(self, uid: bytes, afi: int) -> None:
        _check_uid(uid)
        if not 0 <= afi <= 0xFF:
            raise ValueError(f"AFI must be a byte, got {afi!r}")
        with self.lock:
            self._write_afi(uid, afi)

    def set_eas(self, uid: bytes, on: bool) -> None:
        """Set (``on``) or reset the EAS bit; :class:`DeviceError` if the reader cannot."""
        _check_uid(uid)
        with self.lock:
            self._set_eas(uid, bool(on))

    def write_dsfid(self, uid: bytes, dsfid: int) -> None:
        """Write the DSFID byte (ISO 28560-2 tags carry 0x06); :class:`DeviceError` if unsupported."""
        _check_uid(uid)
        if not 0 <= dsfid <= 0xFF:
            raise ValueError(f"DSFID must be a byte, got {dsfid!r}")
        with self.lock:
            self._write_dsfid(uid, dsfid)

    def read_user_memory(self, uid: bytes, blocks: int = USER_BLOCKS) -> bytes:
        return self.read_blocks(uid, 0, blocks)

    def self_test(self) -> SelfTestResult:
        """Safe check: identify the reader and run one inventory."""
        try:
            with self.lock:
                ident = self._identify()
                tags = self._inventory()
        except DeviceError as exc:
            text = str(exc)   # driver errors usually name the reader already
            return SelfTestResult.failed(text if self.describe() in text else f"{self.describe()}: {text}")
        return SelfTestResult.passed(f"{self.describe()}: {ident}; inventory ok, {tags_on_pad(len(tags))}")

    def close(self) -> None:
        """Release the port; further calls raise :class:`DeviceError`."""

    def describe(self) -> str:
        return self.name

    def __enter__(self) -> "RFIDReader":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    # -- driver primitives --------------------------------------------------
    @abc.abstractmethod
    def _inventory(self) -> list[TagInfo]: ...

    @abc.abstractmethod
    def _read_blocks(self, uid: bytes, first: int, count: int) -> bytes: ...

    @abc.abstractmethod
    def _write_blocks(self, uid: bytes, first: int, data: bytes) -> None: ...

    @abc.abstractmethod
    def _write_afi(self, uid: bytes, afi: int) -> None: ...

    def _set_eas(self, uid: bytes, on: bool) -> None:
        raise DeviceError(f"{self.describe()}: this reader cannot set or reset EAS; use AFI security", self.name)

    def _write_dsfid(self, uid: bytes, dsfid: int) -> None:
        raise DeviceError(f"{self.describe()}: this reader cannot write the DSFID", self.name)

    def _identify(self) -> str:
        return self.describe()


def _check_uid(uid: bytes) -> None:
    if not isinstance(uid, (bytes, bytearray)) or len(uid) != 8:
        raise ValueError(f"a UID is 8 bytes, got {uid!r}")

"""3M 810 pad driver (the most common legacy library pad) over pyserial.

Device string: ``3m810:PORT[,baud=N]``, e.g. ``3m810:/dev/ttyUSB0``; the pad
talks 19200 baud 8N1. Protocol: :mod:`kiosk.drivers.rfid.m3_protocol`
(from dpavlin/Biblio-RFID ``lib/Biblio/RFID/Reader/3M810.pm``; 3M's own
specification is not public).

The pad has no DSFID in its inventory reply and no EAS command; the AFI of a
newly seen tag is read once with command 0x0A and cached while the tag stays
in the field (only this driver changes it then). ``set_eas`` raises
:class:`DeviceError`: configure ``security = "afi"`` for 3M pads.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kiosk.drivers import arguments
from kiosk.drivers.registry import register
from kiosk.drivers.rfid import m3_protocol as mp
from kiosk.drivers.rfid.base import (RFIDReader, ReaderGarbled, ReaderTimeout, TagError, TagFailed, TagInfo,
                                     uid_hex)
from kiosk.drivers.rfid.serial_link import SerialLink
from kiosk.errors import DeviceError


class M3Reader(RFIDReader):
    name = "3m810"
    max_blocks_per_read = 8           # what 3M's own software asks for

    def __init__(self, port: str, baud: int = 19200, timeout: float = 1.0, setup: bool = True) -> None:
        super().__init__()
        self.port, self.timeout = port, timeout
        self._link = SerialLink(port, baud, "none", "rfid")
        self._afi: dict[bytes, int] = {}
        self.garbage_bytes = 0
        self.hardware_version = ""
        if setup:
            try:
                self._start_up()
            except DeviceError:
                self.close()
                raise
            # A pad that lost power or its cable forgot the setup: do it again on reconnecting.
            self._link.on_reopen = self._start_up

    def _start_up(self) -> None:
        """Version probe and the setup command 3M's software sends before anything else."""
        with self.lock:
            self._afi.clear()
            self.hardware_version = self._probe()
            self._expect(self.exchange(mp.SETUP), mp.SETUP_REPLY, "setup")

    def describe(self) -> str:
        return f"3M 810 pad on {self.port}"

    def exchange(self, payload: bytes, prefix: int = mp.PREFIX) -> bytes:
        """Send one command, return the reply payload for that command."""
        with self.lock:
            self._link.discard_input()
            self._link.write(mp.encode(payload, prefix))
            reader = mp.FrameReader()
            deadline = time.monotonic() + self.timeout
            while time.monotonic() < deadline:
                reader.feed(self._link.read_some(deadline))
                for frame in reader.frames():
                    if frame.payload[:1] == payload[:1]:
                        self.garbage_bytes += reader.garbage
                        return frame.payload
            noise = reader.garbage + reader.pending()
            self.garbage_bytes += noise
            if noise:
                raise ReaderGarbled(f"{self.describe()} sent {noise} bytes that are not a valid reply to "
                                    f"command 0x{payload[0]:02X} (wrong baud rate or not a 3M pad?)", "rfid")
            raise ReaderTimeout(f"no reply from {self.describe()} within {self.timeout:.1f} s "
                                f"(check cable, port and that the pad is powered)", "rfid")

    def _expect(self, got: bytes, expected: bytes, what: str) -> None:
        if got != expected:
            raise ReaderGarbled(f"{self.describe()}: unexpected {what} reply {got.hex(' ')}", "rfid")

    def _tag_reply(self, payload: bytes, uid: bytes, what: str, partial: bool = False) -> bytes:
        """Check ``CMD STATUS UID`` and return what follows."""
        reply = self.exchange(payload)
        if len(reply) < 10:
            raise ReaderGarbled(f"{self.describe()}: short {what} reply {reply.hex(' ')}", "rfid")
        if reply[1] == mp.TAG_ERROR:
            raise TagFailed(f"tag {uid_hex(uid)}: {what} failed (tag not in the field or not answering)", uid,
                            status=mp.TAG_ERROR, partial=partial)
        if reply[1] != mp.OK or reply[2:10] != uid:
            raise ReaderGarbled(f"{self.describe()}: {what} reply for another tag or status: {reply.hex(' ')}", "rfid")
        return reply[10:]

    def _probe(self) -> str:
        reply = self.exchange(mp.PROBE, mp.PROBE_PREFIX)
        if reply[:3] != mp.PROBE or len(reply) != 7:
            raise ReaderGarbled(f"{self.describe()}: unexpected version reply {reply.hex(' ')}", "rfid")
        return ".".join(str(b) for b in reply[3:7])

    # -- RFIDReader primitives ---------------------------------------------------
    def _inventory(self) -> list[TagInfo]:
        try:
            uids = mp.parse_inventory(self.exchange(mp.INVENTORY))
        except ValueError as exc:
            raise ReaderGarbled(f"{self.describe()}: {exc}", "rfid") from exc
        self._afi = {uid: afi for uid, afi in self._afi.items() if uid in uids}
        tags = []
        for uid in uids:
            if uid not in self._afi:
                try:
                    self._afi[uid] = self.read_afi(uid)
                except TagError:
                    continue                  # lifted between the two commands
            tags.append(TagInfo(uid, 0, self._afi[uid]))
        return tags

    def read_afi(self, uid: bytes) -> int:
        rest = self._tag_reply(mp.read_afi(uid), uid, "read of AFI")
        if len(rest) != 1:
            raise ReaderGarbled(f"{self.describe()}: AFI reply of {len(rest)} bytes", "rfid")
        return rest[0]

    def _read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        rest = self._tag_reply(mp.read_blocks(uid, first, count), uid, f"read of blocks {first}-{first + count - 1}")
        try:
            return mp.parse_blocks(rest, first)
        except ValueError as exc:
            raise ReaderGarbled(f"{self.describe()}: {exc}", "rfid") from exc

    def _write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        count = len(data) // 4
        rest = self._tag_reply(mp.write_blocks(uid, first, data), uid, f"write of blocks {first}-{first + count - 1}",
                               partial=count > 1)
        if rest != bytes([count]):
            raise TagFailed(f"tag {uid_hex(uid)}: pad acknowledged {rest.hex()} of {count} blocks", uid, partial=True)

    def _write_afi(self, uid: bytes, afi: int) -> None:
        self._afi.pop(uid, None)
        rest = self._tag_reply(mp.write_afi(uid, afi), uid, f"write of AFI 0x{afi:02X}")
        if rest:
            raise ReaderGarbled(f"{self.describe()}: unexpected AFI write reply tail {rest.hex(' ')}", "rfid")
        self._afi[uid] = afi

    def _identify(self) -> str:
        return f"hardware version {self._probe()}"

    def close(self) -> None:
        self._link.close()


@dataclass(frozen=True)
class M3Settings:
    port: str
    baud: int = 19200
    timeout: float = 1.0


def parse_3m810(argument: str, options: dict[str, Any]) -> M3Settings:
    """``PORT[,baud=N]`` -> settings (pure)."""
    port, opts = arguments.parse_port(argument, {"baud": arguments.baud})
    return M3Settings(port, timeout=float(options.get("timeout", 1.0)), **opts)


@register("rfid", "3m810", "3m810:PORT[,baud=N]", "3M 810 library RFID pad", parse_3m810)
def open_3m810(settings: M3Settings, options: dict[str, Any]) -> M3Reader:
    return M3Reader(settings.port, baud=settings.baud, timeout=settings.timeout)

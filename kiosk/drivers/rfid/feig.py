"""FEIG ISO host protocol reader driver (ID ISC.MR/PR/LR, CPR series) over pyserial.

Device string: ``feig:PORT[,baud=N][,bus=ADDR][,parity=even|none|odd][,frame=standard|advanced]``,
e.g. ``feig:/dev/ttyUSB0``, ``feig:socket://127.0.0.1:7000,baud=38400,bus=0``.
Defaults are FEIG's factory settings: 38400 baud, 8E1, bus address 255
(broadcast, which any reader on a point-to-point line answers).

Every command is one request and one reply (manual section "Protocol
frames"); the driver discards stale input before it asks, skips noise and
frames meant for another bus address, and fails with a clear
:class:`ReaderTimeout` or :class:`ReaderGarbled` if no valid reply arrives in
time. Tag failures become :class:`TagError` with the FEIG status and, for
status 0x95, the tag's ISO 15693 error code.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from kiosk.drivers import arguments
from kiosk.drivers.registry import register
from kiosk.drivers.rfid import feig_protocol as fp
from kiosk.drivers.rfid.base import (RFIDReader, ReaderGarbled, ReaderTimeout, TagError, TagFailed, TagInfo,
                                     iso_error_text, uid_hex)
from kiosk.drivers.rfid.serial_link import SerialLink
from kiosk.errors import DeviceError

MAX_INVENTORY_PAGES = 32


class FeigReader(RFIDReader):
    name = "feig"
    max_blocks_per_read = 24        # 24 * 5 + 10 bytes fits a standard frame

    def __init__(self, port: str, baud: int = 38400, bus: int = fp.BROADCAST, timeout: float = 1.0,
                 parity: str = "even", frame: str = "standard") -> None:
        super().__init__()
        if not 0 <= bus <= 255:
            raise ValueError(f"bus address must be 0..255, got {bus}")
        if frame not in ("standard", "advanced"):
            raise ValueError(f"frame must be standard or advanced, got {frame!r}")
        self.port, self.bus, self.timeout = port, bus, timeout
        self.advanced = frame == "advanced"
        self._link = SerialLink(port, baud, parity, "rfid")
        self.garbage_bytes = 0     # noise seen on the line, for diagnostics
        self._afi: dict[bytes, int] = {}
        # A reader that was unplugged may have met other tags meanwhile: ask them afresh.
        self._link.on_reopen = self.forget_afi

    def describe(self) -> str:
        return f"FEIG reader on {self.port}"

    # -- one exchange --------------------------------------------------------
    def command(self, command: int, data: bytes = b"", timeout: float | None = None) -> fp.Frame:
        """Send one request and return the reply frame (any status)."""
        with self.lock:
            request = fp.Frame(self.bus, command, data, self.advanced).encode()
            self._link.discard_input()
            self._link.write(request)
            reader = fp.FrameReader(min_body=1)
            deadline = time.monotonic() + (self.timeout if timeout is None else timeout)
            while time.monotonic() < deadline:
                reader.feed(self._link.read_some(deadline))
                for frame in reader.frames():
                    if frame.command == command and (self.bus == fp.BROADCAST or frame.address == self.bus):
                        self.garbage_bytes += reader.garbage
                        return frame
            self.garbage_bytes += reader.garbage + reader.pending()
            noise = reader.garbage + reader.pending()
            if noise:
                raise ReaderGarbled(f"{self.describe()} sent {noise} bytes that are not a valid reply to "
                                    f"command 0x{command:02X} (wrong baud rate, parity or protocol?)", "rfid")
            raise ReaderTimeout(f"no reply from {self.describe()} within {self.timeout:.1f} s "
                                f"(check cable, port, baud rate and bus address {self.bus})", "rfid")

    def _iso(self, data: bytes, uid: bytes | None, what: str, custom: bool = False, partial: bool = False) -> bytes:
        reply = self.command(fp.CMD_ISO_CUSTOM if custom else fp.CMD_ISO, data)
        status = reply.status
        if status == 0x00:
            return reply.data
        if status in fp.TAG_STATUSES and uid is not None:
            code = reply.data[0] if status == 0x95 and reply.data else None
            detail = f"ISO 15693 {iso_error_text(code)}" if code is not None else fp.status_text(status)
            raise TagFailed(f"tag {uid_hex(uid)}: {what} failed: {detail}", uid, status=status, iso_error=code,
                            partial=partial)
        raise DeviceError(f"{self.describe()}: {what} failed: status 0x{status:02X} {fp.status_text(status)}", "rfid")

    # -- RFIDReader primitives ---------------------------------------------------
    def _inventory(self) -> list[TagInfo]:
        tags: dict[bytes, TagInfo] = {}
        more = False
        for _ in range(MAX_INVENTORY_PAGES):
            reply = self.command(fp.CMD_ISO, fp.inventory(more=more))
            if reply.status == 0x01:          # no transponder: an empty pad
                break
            if reply.status not in (0x00, 0x94):
                raise DeviceError(f"{self.describe()}: inventory failed: status 0x{reply.status:02X} "
                                  f"{fp.status_text(reply.status)}", "rfid")
            try:
                records = fp.parse_inventory(reply.data)
            except ValueError as exc:
                raise ReaderGarbled(f"{self.describe()}: malformed inventory reply: {exc}", "rfid") from exc
            for rec in records:
                if rec.tr_type == fp.TR_TYPE_ISO15693:
                    tags[rec.uid] = TagInfo(rec.uid, rec.dsfid, 0)
            if reply.status == 0x00:
                break
            more = True
        # The inventory reply has no AFI: ask each newly seen tag for its
        # system information once. A tag's AFI only changes through us while
        # it stays in the field, so the cache lives as long as the tag does.
        self._afi = {uid: afi for uid, afi in self._afi.items() if uid in tags}
        out = []
        for uid, tag in tags.items():
            if uid not in self._afi:
                try:
                    self._afi[uid] = self.system_info(uid).afi
                except TagError:
                    continue                  # left the field between the two commands
            out.append(TagInfo(uid, tag.dsfid, self._afi[uid]))
        return out

    def system_info(self, uid: bytes) -> fp.SystemInfo:
        data = self._iso(fp.system_info(uid), uid, "get system information")
        try:
            return fp.parse_system_info(data)
        except ValueError as exc:
            raise ReaderGarbled(f"{self.describe()}: {exc}", "rfid") from exc

    def _read_blocks(self, uid: bytes, first: int, count: int) -> bytes:
        data = self._iso(fp.read_multiple(uid, first, count), uid, f"read of blocks {first}-{first + count - 1}")
        try:
            blocks, _ = fp.parse_blocks(data)
        except ValueError as exc:
            raise ReaderGarbled(f"{self.describe()}: {exc}", "rfid") from exc
        if len(blocks) != count * 4:
            raise ReaderGarbled(f"{self.describe()}: asked for {count} blocks, got {len(blocks) // 4}", "rfid")
        return blocks

    def _write_blocks(self, uid: bytes, first: int, data: bytes) -> None:
        for at in range(0, len(data), 4 * self.max_blocks_per_read):
            chunk = data[at:at + 4 * self.max_blocks_per_read]
            block = first + at // 4
            # A single-block write either happened or not; anything longer, or a
            # later chunk, can leave the tag half old, half new.
            self._iso(fp.write_multiple(uid, block, chunk), uid, f"write of blocks {block}-{block + len(chunk) // 4 - 1}",
                      partial=bool(at) or len(chunk) > 4)

    def _write_afi(self, uid: bytes, afi: int) -> None:
        self._afi.pop(uid, None)
        self._iso(fp.write_afi(uid, afi), uid, f"write of AFI 0x{afi:02X}")
        self._afi[uid] = afi

    def _write_dsfid(self, uid: bytes, dsfid: int) -> None:
        self._iso(fp.write_dsfid(uid, dsfid), uid, f"write of DSFID 0x{dsfid:02X}")

    def _set_eas(self, uid: bytes, on: bool) -> None:
        self._iso(fp.nxp_eas(uid, on), uid, "set EAS" if on else "reset EAS", custom=True)

    def _identify(self) -> str:
        reply = self.command(fp.CMD_SOFTWARE_VERSION)      # every FEIG reader answers [0x65]
        if reply.status != 0x00 or len(reply.data) < 5:
            raise DeviceError(f"{self.describe()}: software version query failed: status 0x{reply.status:02X}", "rfid")
        d = reply.data
        return f"firmware {d[0]}.{d[1]:02d}, hardware type 0x{d[3]:02X}, software type 0x{d[4]:02X}"

    def forget_afi(self) -> None:
        """Drop the cached AFIs: the next inventory asks every tag again."""
        with self.lock:
            self._afi.clear()

    def rf_reset(self) -> None:
        """Switch the RF field off and on: every tag returns to the ready state."""
        reply = self.command(fp.CMD_RF_RESET)
        if reply.status != 0x00:
            raise DeviceError(f"{self.describe()}: RF reset failed: {fp.status_text(reply.status)}", "rfid")

    def close(self) -> None:
        self._link.close()


@dataclass(frozen=True)
class FeigSettings:
    port: str
    baud: int = 38400
    bus: int = fp.BROADCAST
    parity: str = "even"
    frame: str = "standard"
    timeout: float = 1.0


FEIG_OPTIONS = {"baud": arguments.baud, "bus": arguments.integer(0, 255),
                "parity": arguments.choice("even", "none", "odd"), "frame": arguments.choice("standard", "advanced")}


def parse_feig(argument: str, options: dict[str, Any]) -> FeigSettings:
    """``PORT[,baud=N][,bus=ADDR][,parity=...][,frame=...]`` -> settings (pure)."""
    port, opts = arguments.parse_port(argument, FEIG_OPTIONS)
    return FeigSettings(port, timeout=float(options.get("timeout", 1.0)), **opts)


@register("rfid", "feig", "feig:PORT[,baud=N][,bus=ADDR][,parity=even|none|odd][,frame=standard|advanced]",
          "FEIG ISO host protocol reader", parse_feig)
def open_feig(settings: FeigSettings, options: dict[str, Any]) -> FeigReader:
    return FeigReader(settings.port, baud=settings.baud, bus=settings.bus, timeout=settings.timeout,
                      parity=settings.parity, frame=settings.frame)

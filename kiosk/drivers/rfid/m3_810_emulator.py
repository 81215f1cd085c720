"""A 3M 810 pad in software, speaking :mod:`kiosk.drivers.rfid.m3_protocol`
over a pty or loopback socket, backed by a :class:`~kiosk.drivers.rfid.field.TagField`.

The replies are the ones captured from real pads in dpavlin/Biblio-RFID
(version probe ``0A 05 00 02``, the fixed setup reply), so a driver that
works here sends what 3M's own software sends. A frame with a bad CRC gets no
reply, as on the pad.
"""

from __future__ import annotations

from kiosk.drivers.rfid import m3_protocol as mp
from kiosk.drivers.rfid.emulator_io import SerialEmulator, serve_main
from kiosk.drivers.rfid.field import NoTag, TagFault, TagField

HARDWARE_VERSION = bytes([0x0A, 0x05, 0x00, 0x02])


class M3Emulator(SerialEmulator):
    name = "3m810-emulator"

    def __init__(self, field: TagField | None = None) -> None:
        super().__init__()
        self.field = field if field is not None else TagField()
        self._reader = mp.FrameReader()

    @property
    def garbage(self) -> int:
        return self._reader.garbage

    def feed(self, data: bytes) -> bytes:
        self._reader.feed(data)
        out = b""
        for frame in self._reader.frames():
            self.requests += 1
            self.frames_in.append(mp.encode(frame.payload, frame.prefix))
            reply = self.handle(frame.prefix, frame.payload)
            if reply is not None:
                out += mp.encode(reply, frame.prefix)
        return out

    def handle(self, prefix: int, p: bytes) -> bytes | None:
        if prefix == mp.PROBE_PREFIX:
            return mp.PROBE + HARDWARE_VERSION if p == mp.PROBE else None
        if p == mp.SETUP:
            return mp.SETUP_REPLY
        if p == mp.INVENTORY:
            uids = [t.uid for t in self.field.inventory()]
            return mp.INVENTORY_REPLY_HEAD + bytes([len(uids)]) + b"".join(uids)
        if len(p) < 9:
            return None
        cmd, uid, args = p[0], bytes(p[1:9]), p[9:]
        fail = bytes([cmd, mp.TAG_ERROR]) + uid
        try:
            if cmd == mp.CMD_READ and len(args) == 2:
                first, count = args
                data, _ = self.field.read_blocks(uid, first, count)
                blocks = b"".join(bytes([(first + i) & 0xFF, (first + i) >> 8]) + data[i * 4:i * 4 + 4]
                                  for i in range(count))
                return bytes([cmd, mp.OK]) + uid + bytes([count]) + blocks
            if cmd == mp.CMD_WRITE and len(args) >= 3:
                first, count = args[0], args[1]
                data = bytes(args[3:])
                if len(data) != 4 * count:
                    return fail
                self.field.write_blocks(uid, first, data)
                return bytes([cmd, mp.OK]) + uid + bytes([count])
            if cmd == mp.CMD_READ_AFI and not args:
                tag = self.field.system_info(uid)
                return bytes([cmd, mp.OK]) + uid + bytes([tag.afi])
            if cmd == mp.CMD_WRITE_AFI and len(args) == 1:
                self.field.write_afi(uid, args[0])
                return bytes([cmd, mp.OK]) + uid
        except (NoTag, TagFault):
            return fail
        return None


if __name__ == "__main__":        # python -m kiosk.drivers.rfid.m3_810_emulator --port 7000
    import sys

    sys.exit(serve_main(M3Emulator, "3m810"))

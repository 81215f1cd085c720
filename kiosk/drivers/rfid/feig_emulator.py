"""A FEIG ISO host reader in software, for tests, the benchmark and demos.

Speaks the protocol of :mod:`kiosk.drivers.rfid.feig_protocol` (standard and
advanced frames, replying in the frame type it was asked in) over a pty or a
loopback socket, backed by a :class:`~kiosk.drivers.rfid.field.TagField`.
Implements: [0x52] baud detection, [0x65]/[0x66] version and reader info,
[0x69] RF reset, [0xB0] inventory (with MORE paging when more tags are in the
field than fit in one reply), read/write multiple blocks, write AFI, get
system information, and [0xB1] NXP set/reset EAS. Wrong CRCs are ignored as
a real reader does (the host times out); unknown commands get 0x80.

    with FeigEmulator(field) as emu:
        reader = FeigReader(emu.start_pty())
"""

from __future__ import annotations

from kiosk.drivers.rfid import feig_protocol as fp
from kiosk.drivers.rfid.emulator_io import SerialEmulator, serve_main
from kiosk.drivers.rfid.field import NoTag, TagFault, TagField

# [0x65] / [0x66] mode 0x00: SW-REV(2) D-REV HW-TYPE SW-TYPE TR-TYPE(2); the
# values of a real reader's reply published in Amarok79/InlayTester.Drivers.FeigReader
# (Test_FeigResponse.cs). The host only displays them.
READER_INFO = bytes([0x03, 0x03, 0x00, 0x44, 0x53, 0x0D, 0x30])


class FeigEmulator(SerialEmulator):
    name = "feig-emulator"

    def __init__(self, field: TagField | None = None, address: int = 0x00,
                 max_data_sets: int = 24, max_blocks: int = 32) -> None:
        super().__init__()
        self.field = field if field is not None else TagField()
        self.address = address
        self.max_data_sets = max_data_sets
        self.max_blocks = max_blocks
        self._reader = fp.FrameReader(min_body=0)
        self._pending_tags: list[tuple[int, bytes]] = []   # for MORE paging

    @property
    def garbage(self) -> int:
        return self._reader.garbage

    def feed(self, data: bytes) -> bytes:
        self._reader.feed(data)
        out = b""
        for frame in self._reader.frames():
            if frame.address not in (self.address, fp.BROADCAST):
                continue                       # another reader on the bus
            self.requests += 1
            self.frames_in.append(frame.encode())
            status, reply = self._handle(frame.command, frame.body)
            out += fp.Frame(self.address, frame.command, bytes([status]) + reply, frame.advanced).encode()
        return out

    # -- commands ---------------------------------------------------------
    def _handle(self, command: int, body: bytes) -> tuple[int, bytes]:
        if command == fp.CMD_BAUD_DETECT:
            return 0x00, b""
        if command in (fp.CMD_SOFTWARE_VERSION, fp.CMD_READER_INFO):
            return 0x00, READER_INFO
        if command == fp.CMD_RF_RESET:
            self._pending_tags = []
            return 0x00, b""
        if command == fp.CMD_ISO:
            return self._iso(body)
        if command == fp.CMD_ISO_CUSTOM:
            return self._custom(body)
        return 0x80, b""

    def _iso(self, body: bytes) -> tuple[int, bytes]:
        if not body:
            return 0x81, b""
        sub = body[0]
        try:
            if sub == fp.ISO_INVENTORY:
                return self._inventory(body)
            if len(body) < 10 or body[1] & 0x07 != fp.MODE_ADDRESSED:
                return 0x10, b""               # we only emulate addressed mode
            uid, args = bytes(body[2:10]), body[10:]
            if sub == fp.ISO_READ_MULTIPLE and len(args) == 2:
                first, count = args
                if count == 0 or count > self.max_blocks:
                    return 0x10, b""
                data, locks = self.field.read_blocks(uid, first, count)
                blocks = b"".join(bytes([lk]) + data[i * 4:i * 4 + 4][::-1] for i, lk in enumerate(locks))
                return 0x00, bytes([count, 4]) + blocks
            if sub == fp.ISO_WRITE_MULTIPLE and len(args) >= 3:
                first, count, size = args[:3]
                payload = args[3:]
                if size != 4 or count == 0 or len(payload) != count * size:
                    return 0x10 if size != 4 else 0x81, b""
                data = b"".join(payload[i:i + 4][::-1] for i in range(0, len(payload), 4))
                self.field.write_blocks(uid, first, data)
                return 0x00, b""
            if sub == fp.ISO_WRITE_AFI and len(args) == 1:
                self.field.write_afi(uid, args[0])
                return 0x00, b""
            if sub == fp.ISO_WRITE_DSFID and len(args) == 1:
                self.field.write_dsfid(uid, args[0])
                return 0x00, b""
            if sub == fp.ISO_SYSTEM_INFO and not args:
                tag = self.field.system_info(uid)
                return 0x00, bytes([tag.dsfid]) + tag.uid + bytes([tag.afi, 0x03, tag.blocks - 1, tag.ic_ref])
            return 0x81 if sub in (0x23, 0x24, 0x27, 0x29, 0x2B) else 0x82, b""
        except NoTag:
            return 0x01, b""
        except TagFault as fault:
            return 0x95, bytes([fault.code])

    def _inventory(self, body: bytes) -> tuple[int, bytes]:
        mode = body[1] if len(body) > 1 else 0
        if not mode & fp.INVENTORY_MORE:
            afi = body[2] if mode & fp.INVENTORY_AFI and len(body) > 2 else None
            self._pending_tags = [(t.dsfid, t.uid) for t in self.field.inventory(afi)]
            if not self._pending_tags:
                return 0x01, b""               # "no transponder"
        page, self._pending_tags = (self._pending_tags[:self.max_data_sets],
                                    self._pending_tags[self.max_data_sets:])
        records = b"".join(bytes([fp.TR_TYPE_ISO15693, dsfid]) + uid for dsfid, uid in page)
        return (0x94 if self._pending_tags else 0x00), bytes([len(page)]) + records

    def _custom(self, body: bytes) -> tuple[int, bytes]:
        if len(body) != 11 or body[0] != fp.MFR_NXP or body[1] not in (fp.NXP_SET_EAS, fp.NXP_RESET_EAS):
            return 0x82, b""
        try:
            self.field.set_eas(bytes(body[3:11]), body[1] == fp.NXP_SET_EAS)
        except NoTag:
            return 0x01, b""
        except TagFault as fault:
            return 0x95, bytes([fault.code])
        return 0x00, b""


if __name__ == "__main__":        # python -m kiosk.drivers.rfid.feig_emulator --tags 31000000000001
    import sys

    sys.exit(serve_main(FeigEmulator, "feig"))

"""Plain-text rendering of ESC/POS bytes: what the printer would print, as text.

Used by the demo's receipt view and by tests to read receipts. Commands are
interpreted where they change the text (code page ``ESC t``, alignment
``ESC a``, feeds ``ESC d``, tabs) and dropped otherwise; graphics become a
placeholder line (``[image 512x62]``), barcodes and 2D codes a line naming
their data (``[barcode CODE128: 31000000000001]``, ``[QR: https://...]``) and
cuts a dashed line. Parameters and data lengths follow the Epson ESC/POS
command reference, so a command's payload is never mistaken for text; an
unknown command is skipped as two bytes. Never raises on any input.
"""

from __future__ import annotations

from functools import lru_cache

ESC, GS, DLE, FS = 0x1B, 0x1D, 0x10, 0x1C

# ESC x -> number of fixed parameter bytes (Epson ESC/POS command reference).
ESC_PARAMS = {
    ord("@"): 0, ord("!"): 1, ord("E"): 1, ord("G"): 1, ord("-"): 1, ord("a"): 1, ord("d"): 1,
    ord("J"): 1, ord("e"): 1, ord("t"): 1, ord("M"): 1, ord("R"): 1, ord("V"): 1, ord("{"): 1,
    ord("2"): 0, ord("3"): 1, ord(" "): 1, ord("$"): 2, ord("\\"): 2, ord("c"): 2, ord("p"): 3,
    ord("r"): 1, ord("U"): 1, ord("%"): 1, ord("="): 1, ord("i"): 0, ord("m"): 0, ord("L"): 0,
    ord("S"): 0, ord("T"): 1, ord("W"): 8, ord("?"): 1,
}
# GS x -> number of fixed parameter bytes.
GS_PARAMS = {
    ord("!"): 1, ord("B"): 1, ord("H"): 1, ord("f"): 1, ord("h"): 1, ord("w"): 1, ord("L"): 2,
    ord("W"): 2, ord("b"): 1, ord("a"): 1, ord("r"): 1, ord("I"): 1, ord("P"): 2, ord("$"): 2,
    ord("\\"): 2, ord("T"): 1, ord("/"): 1, ord("^"): 3, ord(":"): 0, ord("C"): 1, ord("E"): 1,
    ord("g"): 1, ord("j"): 1, ord("z"): 1,
}
BARCODE_NAMES = {
    0: "UPC-A", 1: "UPC-E", 2: "EAN13", 3: "EAN8", 4: "CODE39", 5: "ITF", 6: "CODABAR",
    65: "UPC-A", 66: "UPC-E", 67: "EAN13", 68: "EAN8", 69: "CODE39", 70: "ITF", 71: "CODABAR",
    72: "CODE93", 73: "CODE128", 74: "GS1-128", 75: "GS1 DataBar", 76: "GS1 DataBar",
    77: "GS1 DataBar", 78: "GS1 DataBar", 79: "CODE128 auto",
}
TWO_D_NAMES = {48: "PDF417", 49: "QR", 50: "MaxiCode", 51: "GS1 DataBar", 52: "Aztec", 53: "DataMatrix"}


@lru_cache(maxsize=64)
def _high_half(slot: int, profile: str | None = None) -> tuple[str, ...]:
    """Characters 0x80-0xFF of code page ``slot`` in a python-escpos profile
    (slot numbers differ by maker: Star's PC858 is Epson's PC860)."""
    try:
        from kiosk.drivers.printer import escpos_import

        escpos_import.load()     # no basicConfig side effect, no temp folder left
        from escpos.capabilities import get_profile
        from escpos.magicencode import Encoder

        name = get_profile(profile).codePages.get(str(slot))
        if name and name != "Unknown":
            return tuple(Encoder._get_codepage_char_list(name))
    except Exception:  # unknown or undecodable page: show placeholders, never fail
        pass
    return tuple("?" * 128)


class _Renderer:
    def __init__(self, data: bytes, width: int, profile: str | None = None) -> None:
        self.data, self.width, self.i = data, width, 0
        self.profile = profile
        self.lines: list[str] = []
        self.line: list[str] = []
        self.align = 0
        self.page = 0
        self.magnify = 1      # character width multiplier (ESC ! / GS !)
        self.qr_data: dict[int, bytes] = {}

    # -- output --------------------------------------------------------------
    def newline(self) -> None:
        text = "".join(self.line).rstrip()
        columns = max(1, self.width // self.magnify)   # double-width text fills twice the room
        if self.align == 1:
            text = text.center(columns).rstrip()
        elif self.align == 2:
            text = text.rjust(columns)
        self.lines.append(text)
        self.line = []

    def block(self, text: str) -> None:
        """A whole-line element (image, barcode, cut) on its own line."""
        if self.line:
            self.newline()
        self.lines.append(text.center(self.width).rstrip() if self.align == 1 else text)

    # -- parsing -------------------------------------------------------------
    def take(self, count: int) -> bytes:
        chunk = self.data[self.i:self.i + count]
        self.i += count
        return chunk

    def byte(self) -> int:
        chunk = self.take(1)
        return chunk[0] if chunk else -1

    def run(self) -> str:
        while self.i < len(self.data):
            b = self.byte()
            if b == 0x0A or b == 0x0C:
                self.newline()
            elif b == 0x09:
                self.line.append(" " * (8 - len(self.line) % 8))
            elif b == ESC:
                self.esc(self.byte())
            elif b == GS:
                self.gs(self.byte())
            elif b == DLE:
                self.dle(self.byte())
            elif b == FS:
                self.fs(self.byte())
            elif b >= 0x80:
                self.line.append(_high_half(self.page, self.profile)[b - 0x80])
            elif b >= 0x20 and b != 0x7F:
                self.line.append(chr(b))
            # other control bytes (CR, CAN, NUL ...) print nothing
        if self.line:
            self.newline()
        return "\n".join(self.lines) + ("\n" if self.lines else "")

    def esc(self, cmd: int) -> None:
        if cmd == ord("*"):  # bit image: m nL nH, then columns of 1 or 3 bytes
            m, low, high = self.take(3).ljust(3, b"\0")
            columns = low + 256 * high
            self.take(columns * (3 if m in (32, 33) else 1))
            self.block(f"[image {columns}x{24 if m in (32, 33) else 8}]")
            return
        if cmd == ord("D"):  # tab positions, NUL terminated (at most 32)
            for _ in range(33):
                if self.byte() in (0, -1):
                    break
            return
        params = self.take(ESC_PARAMS.get(cmd, 0))
        if cmd == ord("@"):
            self.align, self.page, self.magnify = 0, 0, 1
        elif cmd == ord("!") and params:
            self.magnify = 2 if params[0] & 0x20 else 1
        elif cmd == ord("a") and params:
            self.align = params[0] % 48 if params[0] >= 48 else params[0]
        elif cmd == ord("t") and params:
            self.page = params[0]
        elif cmd == ord("d") and params:
            if self.line:
                self.newline()
            self.lines.extend([""] * min(params[0], 3))
        elif cmd in (ord("i"), ord("m")):
            self.block(" cut ".center(self.width, "-"))

    def gs(self, cmd: int) -> None:
        if cmd == ord("V"):
            m = self.byte()
            if m in (65, 66, 97, 98, 103, 104):
                self.take(1)
            partial = m in (1, 49, 66, 98, 104)
            self.block((" partial cut " if partial else " cut ").center(self.width, "-"))
        elif cmd == ord("v"):   # GS v 0 m xL xH yL yH raster image
            head = self.take(6).ljust(6, b"\0")
            width_bytes, height = head[2] + 256 * head[3], head[4] + 256 * head[5]
            self.take(width_bytes * height)
            self.block(f"[image {width_bytes * 8}x{height}]")
        elif cmd == ord("("):
            self.gs_paren(self.byte())
        elif cmd == ord("8"):   # GS 8 L p1..p4: graphics with a 32-bit length
            self.take(1)
            size = int.from_bytes(self.take(4).ljust(4, b"\0"), "little")
            payload = self.take(size)
            self.graphics(payload)
        elif cmd == ord("k"):
            self.barcode()
        elif cmd == ord("*"):   # define downloaded bit image: x y, x*y*8 bytes
            x, y = self.take(2).ljust(2, b"\0")
            self.take(x * y * 8)
        elif cmd == ord("/"):
            self.take(1)
            self.block("[image]")
        else:
            params = self.take(GS_PARAMS.get(cmd, 0))
            if cmd == ord("!") and params:
                self.magnify = (params[0] >> 4 & 0x07) + 1

    def gs_paren(self, kind: int) -> None:
        low, high = self.take(2).ljust(2, b"\0")
        payload = self.take(low + 256 * high)
        if kind == ord("k") and len(payload) >= 2:
            symbol, fn = payload[0], payload[1]
            if fn == 80:                      # store the symbol data (after m)
                self.qr_data[symbol] = payload[3:]
            elif fn == 81:                    # print the stored symbol
                data = self.qr_data.pop(symbol, b"").decode("utf-8", "replace")
                self.block(f"[{TWO_D_NAMES.get(symbol, '2D code')}: {data}]")
        elif kind == ord("L"):
            self.graphics(payload)

    def graphics(self, payload: bytes) -> None:
        # GS ( L / GS 8 L function 112: m fn a bx by c xL xH yL yH data
        if len(payload) >= 10 and payload[1] == 112:
            width, height = payload[6] + 256 * payload[7], payload[8] + 256 * payload[9]
            self.block(f"[image {width}x{height}]")

    def barcode(self) -> None:
        m = self.byte()
        if 0 <= m <= 6:
            data = bytearray()
            while self.i < len(self.data) and len(data) < 255:
                b = self.byte()
                if b == 0:
                    break
                data.append(b)
        else:
            data = bytearray(self.take(max(self.byte(), 0)))
        text = data.decode("latin-1")
        if m == 73 and text[:1] == "{":
            text = text[2:]   # CODE128 code-set selector
        self.block(f"[barcode {BARCODE_NAMES.get(m, 'barcode')}: {text}]")

    def dle(self, cmd: int) -> None:
        self.take({0x04: 1, 0x05: 1, 0x14: 3}.get(cmd, 0))

    def fs(self, cmd: int) -> None:
        if cmd == ord("("):
            low, high = self.take(2).ljust(2, b"\0")
            self.take(low + 256 * high)
        elif cmd == ord("p"):
            self.take(2)
            self.block("[logo]")
        else:
            self.take({ord("!"): 1, ord("C"): 1, ord("-"): 1, ord("S"): 2, ord("W"): 1}.get(cmd, 0))


def escpos_to_text(data: bytes, width: int = 42, profile: str | None = None) -> str:
    """Plain text of what ``data`` would print on a ``width``-column printer
    whose code page slots are those of python-escpos ``profile`` (None: default)."""
    return _Renderer(bytes(data), width, profile).run()

"""Printer status from ESC/POS real-time status replies (DLE EOT n).

Sans-I/O: :func:`status_query` gives the bytes to send, :func:`check_reply`
validates a reply byte and :func:`decode_status` folds the replies into a
:class:`PrinterStatus`.

Epson "ESC/POS Application Programming Guide", DLE EOT (transmit real-time
status): every reply byte has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0, so
``byte & 0x93 == 0x12`` tells a status byte from noise. Then

* n=1 printer status:      bit 3 = offline
* n=2 offline cause:       bit 2 = cover open, bit 3 = paper fed by the FEED
                           button, bit 5 = stopped at paper end, bit 6 = error
* n=4 roll paper sensor:   bits 2-3 = near end, bits 5-6 = paper end

The real-time commands are executed even while the printer is offline, which
is when they matter.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.errors import RemoteProtocolError

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER = 1, 2, 3, 4
FIXED_MASK, FIXED_BITS = 0x93, 0x12


@dataclass(frozen=True)
class PrinterStatus:
    """What the printer reported. ``known`` is False for transports that
    cannot read (CUPS, a write-only file) or when the printer did not answer;
    then the other flags are our best guess (assume it works)."""

    online: bool = True
    paper_out: bool = False
    near_end: bool = False
    cover_open: bool = False
    error: bool = False
    known: bool = True
    detail: str = ""

    @property
    def ready(self) -> bool:
        """Can a receipt be printed now (as far as we know)?"""
        return self.online and not self.paper_out and not self.cover_open and not self.error

    def describe(self) -> str:
        if not self.known:
            return f"status unknown ({self.detail})" if self.detail else "status unknown"
        problems = [text for flag, text in ((self.paper_out, "paper out"), (self.cover_open, "cover open"),
                                            (self.error, "printer error"), (not self.online, "offline"))
                    if flag]
        if self.near_end and not self.paper_out:
            problems.append("paper near end")
        text = ", ".join(problems) or "ready"
        return f"{text} ({self.detail})" if self.detail else text


def status_query(n: int) -> bytes:
    if n not in (PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER):
        raise ValueError(f"DLE EOT {n} is not a status query")
    return DLE_EOT + bytes([n])


def check_reply(n: int, reply: bytes) -> int:
    """The status byte in ``reply`` (the last byte that looks like one: a
    printer with automatic status back may have queued other bytes first)."""
    for byte in reversed(reply):
        if byte & FIXED_MASK == FIXED_BITS:
            return byte
    if not reply:
        raise RemoteProtocolError(f"printer did not answer status query DLE EOT {n}")
    raise RemoteProtocolError(f"printer answered DLE EOT {n} with {reply.hex()}, not a status byte")


def decode_status(printer: int, offline_cause: int | None, paper: int | None) -> PrinterStatus:
    online = not printer & 0x08
    cover_open = bool(offline_cause is not None and offline_cause & 0x04)
    error = bool(offline_cause is not None and offline_cause & 0x40)
    paper_out = bool(paper is not None and paper & 0x60) or bool(offline_cause is not None and offline_cause & 0x20)
    near_end = bool(paper is not None and paper & 0x0C)
    return PrinterStatus(online=online, paper_out=paper_out, near_end=near_end,
                         cover_open=cover_open, error=error)


def encode_status(status: PrinterStatus) -> dict[int, int]:
    """Reply bytes a printer in ``status`` gives (for emulators and the simulator)."""
    printer = FIXED_BITS | (0x08 if not status.online else 0)
    offline = FIXED_BITS | (0x04 if status.cover_open else 0) | (0x20 if status.paper_out else 0) \
        | (0x40 if status.error else 0)
    paper = FIXED_BITS | (0x60 if status.paper_out else 0) | (0x0C if status.near_end or status.paper_out else 0)
    return {PRINTER: printer, OFFLINE_CAUSE: offline, ERROR_CAUSE: FIXED_BITS, PAPER: paper}

"""Peer bytes as text a person can safely look at (errors, logs, the
``kiosk sip2`` output): every control character escaped, secrets masked.

A SIP2 peer controls the bytes it sends; shown raw, ESC, BEL, VT, FF, NEL or a
C1 CSI would drive the operator's terminal, and a bidirectional override would
reorder what a log line seems to say (issue 11, case 6).
"""

from __future__ import annotations

from kiosk.logs import mask_secrets

__all__ = ["printable", "show_bytes"]


def show_bytes(raw: bytes, limit: int = 200, encoding: str = "latin-1") -> str:
    """Printable, secret-masked text of a frame for errors and logs: every
    control character escaped (see :func:`printable`)."""
    text = mask_secrets(printable(raw[:limit * 4].decode(encoding, "replace")))
    return text if len(text) <= limit else text[:limit] + f"...({len(raw)} bytes)"


# Characters a peer could use to drive a terminal or reorder what it shows:
# C0 (NUL, BEL, ESC, VT, FF ...), DEL, C1 (NEL, CSI ...), the Unicode line and
# paragraph separators and the bidirectional controls.
_ESCAPES = {code: f"\\x{code:02x}" for code in (*range(0x20), *range(0x7F, 0xA0))}
_ESCAPES.update({0x0D: "\\r", 0x0A: "\\n", 0x09: "\\t"})
_ESCAPES.update({code: f"\\u{code:04x}" for code in (0x061C, 0x200E, 0x200F, 0x2028, 0x2029,
                                                        *range(0x202A, 0x202F), *range(0x2066, 0x206A))})


def printable(text: str) -> str:
    """``text`` with every control character escaped (``\\r``, ``\\x1b``,
    ``\\x85``, ``\\u202e`` ...): peer text shown in errors, logs and the
    ``kiosk sip2`` output must never reach a terminal as a control sequence."""
    return text.translate(_ESCAPES)

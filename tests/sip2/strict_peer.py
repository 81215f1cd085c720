"""Strict SIP2 peers for the test suite, written from 3M SIP2 2.00 and not from
our codec: a server that checks the format of every fixed-length field of
every request and hangs up on the first violation, as an ILS built on a typed
codec does; and a client-side reply check that insists on AY/AZ.

Two independent judges look at each request frame:

* :data:`REQUEST_LAYOUT`, the fixed fields of each request message in spec
  order, each with its length and the pattern its characters must match;
* ``pysip2`` (a third-party typed codec, ``msgspec`` structs), which also
  checks the required variable fields and Y/N values.

A frame either passes both or the connection is closed without an answer,
and :attr:`StrictILS.violations` says why.
"""

from __future__ import annotations

import re
import threading

import pysip2
from pysip2.errors import SIP2CodecError

from sip2_servers import HANG_UP, Conn, ScriptedServer, good_answer, reply

# --------------------------------------------------------------- fixed fields
# 3M SIP2 2.00, "Date and time format": YYYYMMDDZZZZHHMMSS, ZZZZ four blanks
# (local time) or a zone such as "   Z"; every digit position a digit.
DATE = (r"\d{4}(?:0[1-9]|1[0-2])(?:0[1-9]|[12]\d|3[01])[ A-Z]{4}(?:[01]\d|2[0-3])[0-5]\d[0-5]\d", 18)
YN = (r"[YN]", 1)
LANGUAGE = (r"\d{3}", 3)                       # language codes 000-999 (spec table: 000 unknown ...)
FEE_TYPE = (r"0[1-9]|[1-9]\d", 2)             # 01 other ... 09 hold fee (and later additions)
PAYMENT_TYPE = (r"\d{2}", 2)                  # 00 cash, 01 VISA, 02 credit card
CURRENCY = (r"[A-Z]{3}", 3)                   # ISO 4217
SUMMARY = (r" *Y? *", 10)                     # at most one Y, else blanks
ALGORITHM = (r"[0-9A-Za-z]", 1)               # 0 = not encrypted
STATUS_CODE = (r"[012]", 1)
PRINT_WIDTH = (r"\d{3}", 3)
PROTOCOL = (r"\d\.\d\d", 4)
HOLD_MODE = (r"[-+*]", 1)

REQUEST_LAYOUT: dict[str, tuple[tuple[str, tuple[str, int]], ...]] = {
    "01": (("card retained", YN), ("transaction date", DATE)),
    "09": (("no block", YN), ("transaction date", DATE), ("return date", DATE)),
    "11": (("SC renewal policy", YN), ("no block", YN), ("transaction date", DATE), ("nb due date", DATE)),
    "15": (("hold mode", HOLD_MODE), ("transaction date", DATE)),
    "17": (("transaction date", DATE),),
    "19": (("transaction date", DATE),),
    "23": (("language", LANGUAGE), ("transaction date", DATE)),
    "25": (("transaction date", DATE),),
    "29": (("third party allowed", YN), ("no block", YN), ("transaction date", DATE), ("nb due date", DATE)),
    "35": (("transaction date", DATE),),
    "37": (("transaction date", DATE), ("fee type", FEE_TYPE), ("payment type", PAYMENT_TYPE),
           ("currency type", CURRENCY)),
    "63": (("language", LANGUAGE), ("transaction date", DATE), ("summary", SUMMARY)),
    "65": (("transaction date", DATE),),
    "93": (("UID algorithm", ALGORITHM), ("PWD algorithm", ALGORITHM)),
    "97": (),
    "99": (("status code", STATUS_CODE), ("max print width", PRINT_WIDTH), ("protocol version", PROTOCOL)),
}
_TRAILER = re.compile(rb"AY(\d)AZ([0-9A-F]{4})$|AZ([0-9A-F]{4})$")


def fixed_field_violation(frame: bytes) -> str | None:
    """Why ``frame`` (no terminator) breaks the fixed-field layout, or None."""
    command = frame[:2].decode("ascii", "replace")
    layout = REQUEST_LAYOUT.get(command)
    if layout is None:
        return f"{command!r} is not a request an SC sends"
    text = frame.decode("latin-1")
    pos = 2
    for name, (pattern, length) in layout:
        value = text[pos:pos + length]
        if len(value) != length or not re.fullmatch(pattern, value):
            return f"{command} {name} {value!r} is not {length} characters matching {pattern}"
        pos += length
    rest = frame[pos:]
    if rest and not re.match(rb"[A-Z]{2}", rest):
        return f"{command}: {rest[:12]!r} after the fixed fields is no field code (a fixed field is too long)"
    return None


def checksum_violation(frame: bytes) -> str | None:
    """A frame that carries AZ must carry the right one, and AY unless it is a 96/97."""
    if b"AZ" not in frame[-6:]:
        return None
    found = _TRAILER.search(frame)
    if found is None:
        return f"malformed AY/AZ trailer {frame[-12:]!r}"
    if (sum(frame[:-4]) + int(frame[-4:], 16)) & 0xFFFF:
        return f"wrong checksum {frame[-4:]!r}"
    if found.group(3) is not None and frame[:2] not in (b"96", b"97"):
        return "checksum without a sequence number (AY)"
    return None


def pysip2_violation(frame: bytes, encoding: str = "cp850") -> str | None:
    try:
        pysip2.decode_message(frame + b"\r", encoding=encoding)
    except SIP2CodecError as exc:
        return f"pysip2: {exc}"
    return None


class StrictILS(ScriptedServer):
    """A well-behaved ILS that answers only well-formed requests; on the
    first malformed one it records why and closes the connection."""

    def __init__(self, *, encoding: str = "cp850") -> None:
        self.encoding = encoding
        self.violations: list[str] = []
        self.accepted: list[bytes] = []
        self._guard = threading.Lock()
        super().__init__(self._judge)

    def _judge(self, frame: bytes, conn: Conn) -> bytes | None:
        problem = (checksum_violation(frame) or fixed_field_violation(frame)
                   or pysip2_violation(frame, self.encoding))
        with self._guard:
            if problem:
                self.violations.append(f"{frame[:2].decode('latin-1')}: {problem}")
                return HANG_UP
            self.accepted.append(frame)
        if frame.startswith(b"97"):
            return None  # nothing was lost: the scripted ILS has no last reply to resend
        return reply(good_answer(frame, self.encoding), frame, encoding=self.encoding)


# --------------------------------------------------------------- replies
def strict_reply_problem(reply_frame: bytes, request: bytes) -> str | None:
    """What a checksum-verifying SC objects to in ``reply_frame`` (no
    terminator), the answer to ``request``: when the request carried AY/AZ
    the reply must carry a valid AZ, and AY with the request's number unless
    it is a 96/97; pysip2 must decode it."""
    if b"AZ" in request[-6:]:
        if b"AZ" not in reply_frame[-6:]:
            return f"reply {reply_frame[:16]!r} has no AZ checksum although the request had one"
        problem = checksum_violation(reply_frame)
        if problem:
            return problem
        if reply_frame[:2] not in (b"96", b"97") and reply_frame[-7:-6] != request[-7:-6]:
            return f"reply sequence {reply_frame[-7:-6]!r} does not match the request's {request[-7:-6]!r}"
    try:
        pysip2.decode_message(reply_frame + b"\r", encoding="utf-8")
    except SIP2CodecError as exc:
        return f"pysip2 rejects the reply: {exc}"
    return None

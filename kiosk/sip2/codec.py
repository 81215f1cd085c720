"""Sans-I/O SIP2 codec: typed messages to bytes and back (3M SIP2 2.00,
"Message format" and "Error detection"). No sockets here; the client and the
ILS simulator bring their own I/O, so the same code serves both directions.

Exact in what we send: fields in spec order, required fields always present,
``AY<seq>AZ<checksum>`` with four upper-case hex digits, one terminator.
Liberal in what we accept: CR, LF or CRLF, a missing trailing ``|``, lower-case
checksum hex, blank dates, stray blanks between fields, ``|`` before ``AY``,
unknown field codes (kept as ``extensions``).

Peer bytes in errors go through :func:`~kiosk.sip2.display.show_bytes`
(every control character escaped, secrets masked; re-exported here).

Whose fault: :class:`MalformedMessage`, :class:`UnknownMessageType` and
:class:`ChecksumError` (all :class:`RemoteProtocolError`) for bytes the peer
sent; :class:`LocalProtocolError` for a message we cannot send. Error texts
carry the offending bytes with PINs and passwords masked.
"""

from __future__ import annotations

import re

from kiosk.errors import FieldError, LocalProtocolError, RemoteProtocolError
from kiosk.sip2.display import printable as printable, show_bytes as show_bytes  # re-exported
from kiosk.sip2.fields import (
    Var, decode_var, encode_var, fixed_decoder, fixed_encoder, var_default,
)
from kiosk.sip2.messages import Message, message_type

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any, Iterator

ENCODINGS = ("cp850", "utf-8", "latin-1")
DEFAULT_ENCODING = "cp850"
TERMINATORS = {"cr": b"\r", "crlf": b"\r\n"}
_TERMINATOR_BYTES: dict[str | bytes, bytes] = {"cr": b"\r", "crlf": b"\r\n", b"\r": b"\r", b"\r\n": b"\r\n"}
MAX_FRAME = 64 * 1024  # no real SIP2 message comes close; protects against a runaway peer


class MalformedMessage(RemoteProtocolError):
    """The peer sent a frame we cannot parse. ``data`` is the frame as text,
    secrets masked, cut to a readable length."""

    def __init__(self, reason: str, raw: bytes = b"") -> None:
        self.reason = reason
        self.raw = raw  # the bytes themselves, for the peer's error detection: never log these
        self.data = show_bytes(raw)
        super().__init__(f"malformed SIP2 message: {reason}" + (f": {self.data}" if raw else ""))


class UnknownMessageType(MalformedMessage):
    """The frame's two-character identifier is no SIP2 2.00 message."""


class ChecksumError(RemoteProtocolError):
    """The AZ checksum does not match the bytes received; the right answer is
    to ask for a resend (97 from the kiosk, 96 from the ILS)."""

    def __init__(self, raw: bytes, sequence: int | None) -> None:
        self.raw = raw  # never log these: show ``data``
        self.data = show_bytes(raw)
        self.sequence = sequence
        super().__init__(f"SIP2 checksum mismatch: {self.data}")


def checksum(data: bytes) -> str:
    """AZ value for ``data`` (every byte from the first through ``AZ``): the
    two's complement of the 16-bit byte sum, four upper-case hex digits."""
    return f"{-sum(data) & 0xFFFF:04X}"


def terminator_bytes(terminator: str | bytes) -> bytes:
    known = _TERMINATOR_BYTES.get(terminator)
    if known is not None:
        return known
    if isinstance(terminator, bytes):
        if terminator not in (b"\r", b"\r\n"):
            raise LocalProtocolError(f"terminator {terminator!r}: use b'\\r' or b'\\r\\n'")
        return terminator
    try:
        return TERMINATORS[terminator.lower()]
    except KeyError:
        raise LocalProtocolError(f"terminator {terminator!r}: use 'cr' or 'crlf'") from None


# ------------------------------------------------------------------ layouts
class _Layout:
    """Per-class tables precomputed once, so decoding does no lookups."""

    __slots__ = ("cls", "fixed", "fixed_len", "by_code", "defaults")

    def __init__(self, cls: type[Message], fixed: tuple[tuple[str, int, int, Any, str | None], ...],
                 fixed_len: int, by_code: dict[str, tuple[str, Any]], defaults: dict[str, Any]) -> None:
        self.cls = cls
        self.fixed = fixed  # (name, start, end, converter, choices) per fixed field
        self.fixed_len = fixed_len
        self.by_code = by_code  # code -> (attribute, converter | _TEXT | _LIST)
        self.defaults = defaults


_TEXT, _LIST = "text", "list"  # variable fields kept as the text / collected into a tuple
_TEXT_KINDS = ("str", "digits", "upper", "summary")  # fixed fields written as they are


def _var_converter(var: Var) -> Any:
    if var.kind == "str":
        return _TEXT
    if var.kind == "list":
        return _LIST
    return lambda text: decode_var(var, text)


def _layout(cls: type[Message]) -> _Layout:
    fixed, pos = [], 2
    for spec in cls.FIXED:
        fixed.append((spec.name, pos, pos + spec.length, fixed_decoder(spec), spec.choices))
        pos += spec.length
    defaults: dict[str, Any] = {"extensions": ()}
    for var in cls.FIELDS:
        defaults[var.name] = var_default(var)
    by_code = {v.code: (v.name, _var_converter(v)) for v in cls.FIELDS}
    return _Layout(cls, tuple(fixed), pos, by_code, defaults)


# Built the first time a message type is decoded: a process that only ever
# sees four message types never pays for the other twenty-seven.
_LAYOUTS: dict[str, _Layout] = {}


def _layout_for(command: str) -> _Layout | None:
    cls = message_type(command)
    if cls is None:
        return None
    layout = _LAYOUTS[command] = _layout(cls)
    return layout


# ------------------------------------------------------------------ encoding
if TYPE_CHECKING:
    Plan = tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, str, Any, Any], ...]]


def _plan(cls: type[Message]) -> Plan:
    """How to write each field of ``cls``, worked out once per class."""
    fixed = tuple((spec.name, None if spec.kind in _TEXT_KINDS else fixed_encoder(spec)) for spec in cls.FIXED)
    fields: list[tuple[str, str, Any, Any]] = []
    for var in cls.FIELDS:
        if var.kind == "str":
            fields.append((var.code, var.name, _TEXT, var.required))
        elif var.kind == "list":
            fields.append((var.code, var.name, _LIST, None))
        else:
            fields.append((var.code, var.name, var.required, (lambda value, var=var: encode_var(var, value))))
    return fixed, tuple(fields)


_PLANS: dict[type, Plan] = {}

def encode(msg: Message, *, seq: int | None = None, checksum: bool = True,
           encoding: str = DEFAULT_ENCODING, terminator: str | bytes = b"\r",
           errors: str = "strict") -> bytes:
    """One complete frame for ``msg``. ``seq`` (0-9) adds ``AY``; ``checksum``
    adds ``AZ``. ``errors="replace"`` lets a server send titles the station's
    encoding cannot carry as ``?`` instead of refusing."""
    plan = _PLANS.get(type(msg))
    if plan is None:
        if not isinstance(msg, Message) or not msg.COMMAND:
            raise LocalProtocolError(f"cannot encode {msg!r}: not a SIP2 message")
        plan = _PLANS[type(msg)] = _plan(type(msg))
    values = msg.__dict__
    parts = [msg.COMMAND]
    for name, convert in plan[0]:
        parts.append(values[name] if convert is None else convert(values[name]))
    for code, name, mode, convert in plan[1]:
        value = values[name]
        if mode is _TEXT:
            if value or convert:  # convert doubles as "required" for text fields
                parts.append(f"{code}{value}|")
        elif mode is _LIST:
            for item in value:
                parts.append(f"{code}{item}|")
        elif value is not None:
            parts.append(f"{code}{convert(value)}|")
        elif mode:  # a required typed field left empty
            parts.append(f"{code}|")
    for code, value in msg.extensions:
        parts.append(f"{code}{value}|")
    if seq is not None:
        if type(seq) is not int or not 0 <= seq <= 9:
            raise LocalProtocolError(f"sequence number {seq!r} must be 0-9")
        parts.append(f"AY{seq}")
    text = "".join(parts)
    try:
        body = text.encode(encoding, errors)
    except UnicodeEncodeError as exc:
        raise LocalProtocolError(
            f"{type(msg).__name__}: {text[exc.start:exc.end]!r} cannot be sent in {encoding}") from None
    except LookupError:
        raise LocalProtocolError(f"unknown encoding {encoding!r}") from None
    if checksum:
        body += b"AZ"
        body += f"{-sum(body) & 0xFFFF:04X}".encode("ascii")
    return body + terminator_bytes(terminator)


# ------------------------------------------------------------------ decoding
class Frame:
    """A decoded frame: the message plus its error-detection trailer (read-only)."""

    __slots__ = ("message", "sequence", "checksum", "raw")

    def __init__(self, message: Message, sequence: int | None, checksum: str | None, raw: bytes) -> None:
        self.message = message
        self.sequence = sequence  # AY, None when absent
        self.checksum = checksum  # AZ as received, None when absent
        self.raw = raw  # the frame without its terminator

    def __repr__(self) -> str:
        return f"Frame({self.message!r}, sequence={self.sequence!r}, checksum={self.checksum!r})"


_TRAILER = re.compile(rb"(?:\|?AY([0-9]))?\|?AZ([0-9A-Fa-f]{4})\|?$")
_SEQ_ONLY = re.compile(rb"\|?AY([0-9])\|?$")


def decode_frame(raw: bytes, encoding: str = DEFAULT_ENCODING, *, verify: bool = True) -> Frame:
    """Decode one frame (terminator optional). Raises :class:`ChecksumError`
    when ``verify`` and the AZ checksum is wrong, :class:`MalformedMessage` for
    anything unparseable."""
    frame = raw.strip(b"\r\n\x00 \t")
    if not frame:
        raise MalformedMessage("empty frame", raw)
    if b"\r" in frame or b"\n" in frame:
        raise MalformedMessage("more than one frame (a terminator inside); use a Decoder", raw)
    sequence: int | None = None
    check: str | None = None
    tail = max(len(frame) - 12, 0)  # "|AY9AZXXXX|" is at most 11 bytes: search only there
    match = _TRAILER.search(frame, tail)
    if match:
        check = match.group(2).decode("ascii")
        if verify and (sum(frame[:match.start(2)]) + int(check, 16)) & 0xFFFF:
            seq_text = match.group(1)
            raise ChecksumError(frame, int(seq_text) if seq_text else None)
        body = frame[:match.start()]
    else:
        match = _SEQ_ONLY.search(frame, tail)
        body = frame[:match.start()] if match else frame
    if match and match.group(1):
        sequence = int(match.group(1))
    try:
        text = body.decode(encoding, "replace")
    except LookupError:
        raise LocalProtocolError(f"unknown encoding {encoding!r}") from None
    return Frame(_parse(text, frame), sequence, check, frame)


def _parse(text: str, frame: bytes) -> Message:
    layout = _LAYOUTS.get(text[:2]) or _layout_for(text[:2])
    if layout is None:
        raise UnknownMessageType(f"unknown message identifier {text[:2]!r}", frame)
    if len(text) < layout.fixed_len:
        raise MalformedMessage(
            f"{layout.cls.__name__} needs {layout.fixed_len - 2} characters of fixed fields, got "
            f"{max(len(text) - 2, 0)}", frame)
    values = layout.defaults.copy()
    extensions: list[tuple[str, str]] = []
    try:
        for name, start, end, convert, choices in layout.fixed:
            value = text[start:end] if convert is None else convert(text[start:end])
            if choices is not None and value not in choices:
                raise FieldError(f"{name} {value!r} is not one of {choices!r}")
            values[name] = value
        lists: dict[str, list[str]] = {}
        got: dict[str, Any] = {}
        by_code = layout.by_code
        for piece in text[layout.fixed_len:].split("|"):
            entry = by_code.get(piece[:2])
            if entry is None:
                if not piece or piece.isspace():
                    continue
                piece = piece.lstrip(" ")  # stray blanks before a code
                if len(piece) < 2:
                    raise FieldError(f"field {piece!r} has no two-character code")
                entry = by_code.get(piece[:2])
                if entry is None:
                    extensions.append((piece[:2], piece[2:]))
                    continue
            name, convert = entry
            if convert is _LIST:
                lists.setdefault(name, []).append(piece[2:])
            elif name in got:
                extensions.append((piece[:2], piece[2:]))  # a duplicate of a single field: keep, do not guess
            else:
                got[name] = piece[2:] if convert is _TEXT else convert(piece[2:])
        values.update(got)
        for name, items in lists.items():
            values[name] = tuple(items)
    except FieldError as exc:
        raise MalformedMessage(f"{layout.cls.__name__}: {exc}", frame) from None
    values["extensions"] = tuple(extensions)
    # Values are typed and valid by construction above; skip __post_init__.
    msg = object.__new__(layout.cls)
    msg.__dict__.update(values)
    return msg


def decode(raw: bytes, encoding: str = DEFAULT_ENCODING, *, verify: bool = True) -> Message:
    """Decode one complete frame to its message (see :func:`decode_frame`)."""
    return decode_frame(raw, encoding, verify=verify).message


class Decoder:
    """Incremental decoder: ``feed`` any chunk of bytes (one at a time works),
    then take frames with :meth:`next_frame` or iterate for messages.

    A frame ends at CR or LF (CRLF leaves an empty frame that is skipped). A
    bad frame raises from :meth:`next_frame` *after* being consumed, so the
    caller can carry on with the next one. Bytes after the last terminator stay
    in :attr:`trailing` until more arrive.
    """

    def __init__(self, encoding: str = DEFAULT_ENCODING, *, verify: bool = True,
                 max_frame: int = MAX_FRAME) -> None:
        try:
            "".encode(encoding)  # fail now, not on the first reply, for a bad name
        except LookupError:
            raise LocalProtocolError(f"unknown encoding {encoding!r}") from None
        self.encoding = encoding
        self.verify = verify
        self.max_frame = max_frame
        self._buffer = bytearray()
        self._whole = b""  # one complete frame that arrived alone, not yet copied into the buffer
        self._scan = 0  # bytes already searched for a terminator

    def feed(self, data: bytes) -> None:
        if not self._buffer and data.endswith(b"\r") and data.count(b"\r") == 1 and b"\n" not in data:
            self._whole = data  # the usual reply: exactly one frame in one read (see next_frame)
            return
        if self._whole:
            self._buffer += self._whole
            self._whole = b""
        self._buffer += data

    @property
    def trailing(self) -> bytes:
        """Bytes received but not yet part of a complete frame."""
        return bytes(self._buffer)

    def clear(self) -> None:
        """Drop buffered bytes (after a reconnect, stale halves are garbage)."""
        self._buffer.clear()
        self._whole = b""
        self._scan = 0

    def next_frame(self) -> Frame | None:
        """The next complete frame, or ``None`` until more bytes arrive."""
        if self._whole:
            raw, self._whole = self._whole[:-1], b""
            if raw.strip(b"\x00 \t"):
                return decode_frame(raw, self.encoding, verify=self.verify)
        while True:
            buf = self._buffer
            cr, lf = buf.find(b"\r", self._scan), buf.find(b"\n", self._scan)
            end = cr if lf < 0 else lf if cr < 0 else min(cr, lf)
            if end < 0:
                self._scan = len(buf)
                if len(buf) > self.max_frame:
                    raw = bytes(buf[:200])
                    self.clear()
                    raise MalformedMessage(f"no terminator within {self.max_frame} bytes", raw)
                return None
            raw = bytes(buf[:end])
            del buf[:end + 1]
            self._scan = 0
            if raw.strip(b"\x00 \t"):
                return decode_frame(raw, self.encoding, verify=self.verify)

    def next_message(self) -> Message | None:
        frame = self.next_frame()
        return None if frame is None else frame.message

    def __iter__(self) -> Iterator[Message]:
        while (msg := self.next_message()) is not None:
            yield msg

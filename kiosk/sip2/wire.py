"""One SIP2 exchange on the wire: frame a request, send it, read until its
reply arrives, with the error detection of 3M SIP2 2.00.

Error detection ("Error detection"): with ``checksums`` on, each request
carries ``AY`` 0-9 and ``AZ``. A reply with a bad checksum, or one that cannot
be parsed at all, is answered with 97 (request ACS resend) up to
``max_resends`` times; a 96 from the ILS makes us send our request again; a
reply whose ``AY`` does not match is stale and skipped. A hostile or broken
ILS cannot keep us busy with those: after ``max_bad_frames`` stale or
unexpected replies in a row the exchange fails (and the client cuts the
connection), and the warnings about them are rate-limited per connection
(:mod:`kiosk.sip2.ratelog`), so a flood costs a few log lines, not one each.

:class:`Wire` knows nothing of logins, states or reconnections: it raises
what went wrong and :class:`~kiosk.sip2.client.SIP2Client` decides what that
means for the link (see its failure contract).
"""

from __future__ import annotations

import logging
import time

from kiosk.errors import TransportError, TransportTimeout
from kiosk.sip2 import messages as m
from kiosk.sip2.codec import ChecksumError, Decoder, MalformedMessage, encode, show_bytes
from kiosk.sip2.ratelog import RateLimitedLog
from kiosk.sip2.settings import SIP2Settings
from kiosk.sip2.transport import SocketTransport

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from kiosk.sip2.transport import Transport

__all__ = ["Wire"]

log = logging.getLogger("kiosk.sip2.client")
wire_log = logging.getLogger("kiosk.sip2.wire")  # every byte, secrets masked (debug level)


class Wire:
    """The current transport, its decoder and the ``AY`` sequence counter.

    Not thread-safe on its own: the client calls it under its request lock.
    The sequence counter runs on across reconnections.
    """

    def __init__(self, settings: SIP2Settings) -> None:
        self.settings = settings
        self.transport: Transport | None = None
        self.decoder = Decoder(settings.encoding)
        self.warnings = RateLimitedLog(log)
        self._seq = 0

    def attach(self, transport: Transport) -> None:
        """Use ``transport`` from now on, with a fresh decoder."""
        self.transport = transport
        self.decoder = Decoder(self.settings.encoding)
        self.warnings = RateLimitedLog(log)

    def drop(self) -> None:
        """Close the transport (if any) and forget buffered bytes."""
        transport, self.transport = self.transport, None
        if transport is not None:
            transport.close()
        self.decoder.clear()

    def alive(self) -> bool:
        """Poll without waiting: drop stale bytes, detect a peer that hung up."""
        assert self.transport is not None
        self.decoder.clear()
        if isinstance(self.transport, SocketTransport) and not self.transport.readable():
            return True  # the common case, without an exception: nothing waiting, the peer still there
        for _ in range(16):  # bounded: a chatty peer cannot keep us here
            try:
                stale = self.transport.read(0)
            except TransportTimeout:
                return True
            except TransportError:
                self.drop()
                return False
            wire_log.debug("<- (stale, dropped) %s", show_bytes(stale, encoding=self.settings.encoding))
        return True

    def frame(self, request: m.Message) -> tuple[bytes, int | None]:
        """The request's bytes and the sequence number they carry (None: checksums off)."""
        s = self.settings
        seq = self._next_seq()
        return encode(request, seq=seq, checksum=s.checksums, encoding=s.encoding, terminator=s.terminator), seq

    def _next_seq(self) -> int | None:
        if not self.settings.checksums:
            return None
        seq = self._seq
        self._seq = (seq + 1) % 10
        return seq

    def send(self, data: bytes) -> None:
        assert self.transport is not None
        if wire_log.isEnabledFor(logging.DEBUG):  # masking costs more than the send itself
            wire_log.debug("-> %s", show_bytes(data, encoding=self.settings.encoding))
        self.transport.write(data)

    def await_reply(self, data: bytes, seq: int | None, expect: type[m.Message], *,
                    reply_timeout: float, max_resends: int) -> m.Message:
        """Read until the reply to ``data`` arrives; bounded by ``reply_timeout``
        (restarted after each resend) and by ``max_resends``."""
        assert self.transport is not None
        s = self.settings
        resends = stray = 0
        deadline = time.monotonic() + reply_timeout
        while True:
            try:
                frame = self.decoder.next_frame()
            except (ChecksumError, MalformedMessage):
                # Corrupted on the way (or garbled by the ILS): ask for it again
                # rather than give up on a reply that may say "checked out".
                if resends >= max_resends:
                    raise
                resends += 1
                self.send(encode(m.RequestACSResend(), checksum=s.checksums, encoding=s.encoding,
                                 terminator=s.terminator))
                deadline = time.monotonic() + reply_timeout
                continue
            if frame is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransportTimeout(f"no reply from the ILS within {reply_timeout:.1f} s")
                chunk = self.transport.read(remaining)
                if wire_log.isEnabledFor(logging.DEBUG):
                    wire_log.debug("<- %s", show_bytes(chunk, encoding=s.encoding))
                self.decoder.feed(chunk)
                continue
            reply = frame.message
            if isinstance(reply, m.RequestSCResend):
                if resends >= max_resends:
                    raise MalformedMessage("the ILS keeps asking for resends (96)", frame.raw)
                resends += 1
                self.send(data)
                deadline = time.monotonic() + reply_timeout
                continue
            stale = seq is not None and frame.sequence is not None and frame.sequence != seq
            if stale or (type(reply) is not expect and frame.sequence is None):
                stray += 1
                if stray > s.max_bad_frames:
                    raise MalformedMessage(f"{stray} stale or unexpected replies in a row while waiting for "
                                           f"{expect.__name__}; giving up on this connection", frame.raw)
                if stale:
                    self.warnings.warning("stale", "SIP2: skipped a reply with sequence %s (expected %s)",
                                          frame.sequence, seq)
                else:
                    self.warnings.warning("unexpected", "SIP2: skipped an unexpected %s", type(reply).__name__)
                continue
            if type(reply) is not expect:
                raise MalformedMessage(
                    f"expected {expect.__name__} ({expect.COMMAND}), got {type(reply).__name__}", frame.raw)
            return reply

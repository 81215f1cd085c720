"""One station's connection to the simulated ILS: framing, error detection,
faults and replies (3M SIP2 2.00, "Error detection"). The server
(:mod:`kiosk.sip2.ils.server`) owns the sockets and threads and hands each
connection the few things it needs (:class:`Ports`).

* Replies carry AY/AZ exactly when the request did.
* A request with a bad checksum, or one that cannot be parsed, gets a 96
  (request SC resend). Once the station uses checksums the 96 carries AZ,
  and AY too when the bad request's sequence number could be read, as Koha
  and Evergreen send it (``96AZFEF6``): a station that verifies checksums
  would take a bare ``96`` for a corrupted reply.
* A 97 gets the last message this connection sent, byte for byte: after a
  96 that is the 96, never the reply before it (which would answer an
  earlier request).
* ``max_bad_frames`` unparseable requests in a row close the connection, and
  warnings about one connection are rate-limited, so a flood costs bounded
  time and log lines.
"""

from __future__ import annotations

import logging
import re
import socket
import threading
from dataclasses import dataclass
from typing import Callable

from kiosk.errors import KioskError
from kiosk.logs import mask_secrets
from kiosk.sip2 import messages as m
from kiosk.sip2.codec import ChecksumError, Decoder, Frame, MalformedMessage, encode, show_bytes
from kiosk.sip2.fields import local_now
from kiosk.sip2.ils.faults import Faults
from kiosk.sip2.ils.handlers import LoginRequired, SessionHandler
from kiosk.sip2.ils.rules import Circulation
from kiosk.sip2.ratelog import RateLimitedLog

__all__ = ["Connection", "Ports", "busy_reply"]

log = logging.getLogger("kiosk.sip2.ils")
_TRAILER = re.compile(rb"(?:AY([0-9]))?AZ[0-9A-Fa-f]{4}\|?$")


@dataclass(frozen=True)
class Ports:
    """What a connection needs from the server, and nothing more."""

    circulation: Circulation
    faults: Faults
    encoding: str
    stopping: threading.Event         # set while the server shuts down
    count: Callable[[str], None]      # one request of this message type was answered
    max_bad_frames: int


class Connection:
    """Framing, faults and replies for one client socket."""

    def __init__(self, ports: Ports, conn: socket.socket) -> None:
        self.ports = ports
        self.conn = conn
        self.decoder = Decoder(ports.encoding)
        self.handler = SessionHandler(ports.circulation)
        self.last_sent: bytes | None = None
        self.checksums = False  # the station sends AY/AZ (seen on one of its requests)
        self.bad_in_a_row = 0
        self.warnings = RateLimitedLog(log)
        self.open = True

    def received(self, data: bytes) -> None:
        self.decoder.feed(data)
        while self.open:
            try:
                frame = self.decoder.next_frame()
            except (ChecksumError, MalformedMessage) as exc:
                self._bad_frame(exc)
                continue
            if frame is None:
                return
            self.bad_in_a_row = 0
            if frame.checksum is not None:
                self.checksums = True
            self._answer(frame)

    def _bad_frame(self, exc: ChecksumError | MalformedMessage) -> None:
        self.bad_in_a_row += 1
        if self.bad_in_a_row > self.ports.max_bad_frames:
            log.warning("closing the connection after %d unparseable requests in a row", self.bad_in_a_row)
            self._hang_up()
            return
        trailer = _TRAILER.search(exc.raw)
        sequence = int(trailer.group(1)) if trailer and trailer.group(1) else None
        if isinstance(exc, ChecksumError):
            self.warnings.warning("checksum", "bad checksum from SC, asking for a resend: %s", exc.data)
        else:
            self.warnings.warning("unparseable", "unparseable request, asking for a resend: %s", exc)
        with_checksum = self.checksums or trailer is not None
        self._send(encode(m.RequestSCResend(), seq=sequence if with_checksum else None, checksum=with_checksum,
                          terminator=self.ports.faults.terminator_bytes))

    def _answer(self, frame: Frame) -> None:
        ports, msg = self.ports, frame.message
        if log.isEnabledFor(logging.DEBUG):
            log.debug("SC -> ILS %s", show_bytes(frame.raw, encoding=ports.encoding))
        ports.count(msg.COMMAND)
        if isinstance(msg, m.RequestACSResend):
            self._send(self.last_sent or encode(m.RequestSCResend(), checksum=frame.checksum is not None,
                                                terminator=ports.faults.terminator_bytes))
            return
        decision = ports.faults.decide(msg.COMMAND)
        if decision.delay and ports.stopping.wait(decision.delay):
            return  # shutting down mid-delay
        if decision.mode in ("drop", "no_reply"):
            log.info("fault %s on %s", decision.mode, msg.COMMAND)
            if decision.mode == "drop":
                self._hang_up()
            return
        try:
            response = self.handler.handle(msg)
        except LoginRequired as exc:
            log.warning("dropping connection: %s", exc)
            self._hang_up()
            return
        except KioskError as exc:
            log.error("cannot answer %s: %s", msg.COMMAND, mask_secrets(str(exc)))
            self._hang_up()
            return
        except Exception:  # noqa: BLE001 - one bad request must not take the server down
            log.exception("internal error answering %s; closing the connection", msg.COMMAND)
            self._hang_up()
            return
        if response is None:
            return
        raw = self._encode(response, frame)
        if decision.mode is not None:
            log.info("fault %s on %s", decision.mode, msg.COMMAND)
        if decision.mode == "lost_reply":
            self.last_sent = raw  # the reply was "sent" and lost on the way
            self._hang_up()
        elif decision.mode == "garbage":
            self._send(ports.faults.garbage() + ports.faults.terminator_bytes)
            self.last_sent = raw  # what a 97 gets: the real reply, as from a real ACS
        elif decision.mode == "bad_checksum":
            self._send(_corrupt_checksum(self._encode(response, frame, force_checksum=True),
                                         ports.faults.terminator_bytes))
            self.last_sent = raw
        else:
            self._send(raw)

    def _encode(self, response: m.Message, frame: Frame, force_checksum: bool = False) -> bytes:
        # Mirror the station's error detection: AY/AZ only when it sent them.
        with_checksum = force_checksum or frame.checksum is not None
        return encode(response, seq=frame.sequence if with_checksum else None, checksum=with_checksum,
                      encoding=self.ports.encoding, terminator=self.ports.faults.terminator_bytes,
                      errors="replace")

    def _send(self, raw: bytes) -> None:
        if log.isEnabledFor(logging.DEBUG):
            log.debug("ILS -> SC %s", show_bytes(raw, encoding=self.ports.encoding))
        self.last_sent = raw
        try:
            self.conn.sendall(raw)
        except OSError:
            self.open = False

    def _hang_up(self) -> None:
        self.open = False
        try:
            self.conn.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass  # the peer beat us to it


def busy_reply(frame: Frame | None, why: str, encoding: str, terminator: bytes) -> bytes:
    """The answer to the first request of a connection over the limit: a
    login (93) gets ``940`` and an SC status (99) a 98 with online status N,
    each with ``why`` as screen message (AF); anything else a 96. AY/AZ as
    the request had them."""
    msg: m.Message
    if frame is not None and isinstance(frame.message, m.LoginRequest):
        msg = m.LoginResponse(ok=False, extensions=(("AF", why),))
    elif frame is not None and isinstance(frame.message, m.SCStatus):
        msg = m.ACSStatus(online_status=False, checkin_ok=False, checkout_ok=False, acs_renewal_policy=False,
                          timeout_period=0, retries_allowed=0, date_time_sync=local_now(),
                          supported_messages="N" * 16, screen_message=(why,))
    else:
        msg = m.RequestSCResend()
    with_checksum = frame is not None and frame.checksum is not None
    return encode(msg, seq=frame.sequence if with_checksum and frame is not None else None,
                  checksum=with_checksum, encoding=encoding, terminator=terminator, errors="replace")


def _corrupt_checksum(raw: bytes, terminator: bytes) -> bytes:
    """The same frame with its AZ off by one (still four hex digits)."""
    body = raw[: -len(terminator)]
    value = (int(body[-4:], 16) + 1) & 0xFFFF
    return body[:-4] + f"{value:04X}".encode("ascii") + terminator

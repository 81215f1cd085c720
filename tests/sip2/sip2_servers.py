"""Small scripted SIP2 servers on 127.0.0.1 for exact-byte client tests.

A :class:`ScriptedServer` calls ``handler(frame, conn)`` for every frame it
receives (terminator stripped) and sends back whatever bytes it returns;
``None`` sends nothing, :data:`HANG_UP` closes the connection. Every wait is
bounded and :meth:`ScriptedServer.stop` joins its threads.
"""

from __future__ import annotations

import socket
import ssl
import threading
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Callable

from kiosk.sip2 import codec
from kiosk.sip2 import messages as m

HANG_UP = b"<hang up>"
DATE = datetime(2026, 11, 23, 10, 30, 0).astimezone()


@dataclass
class Conn:
    number: int
    frames: list[bytes] = field(default_factory=list)
    sock: socket.socket | None = None


Handler = Callable[[bytes, Conn], "bytes | None"]


class ScriptedServer:
    def __init__(self, handler: Handler, *, port: int = 0, ssl_context: ssl.SSLContext | None = None) -> None:
        self.handler = handler
        self.ssl_context = ssl_context
        self.frames: list[bytes] = []  # every frame from every connection, in order
        self.connections = 0
        self._listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen(8)
        self._listener.settimeout(0.05)
        self.port = self._listener.getsockname()[1]
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._socks: list[socket.socket] = []
        self._lock = threading.Lock()

    def __enter__(self) -> "ScriptedServer":
        thread = threading.Thread(target=self._accept_loop, daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stop(self) -> None:
        self._stop.set()
        for sock in list(self._socks):
            try:
                sock.close()
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=2)
        self._listener.close()

    def _accept_loop(self) -> None:
        while not self._stop.is_set():
            try:
                sock, _ = self._listener.accept()
            except (socket.timeout, OSError):
                continue
            if self.ssl_context is not None:
                sock.settimeout(2.0)
                try:
                    sock = self.ssl_context.wrap_socket(sock, server_side=True)
                except (ssl.SSLError, OSError):
                    sock.close()  # the client refused our certificate
                    continue
            with self._lock:
                self.connections += 1
                conn = Conn(self.connections, sock=sock)
            self._socks.append(sock)
            thread = threading.Thread(target=self._serve, args=(sock, conn), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _serve(self, sock: socket.socket, conn: Conn) -> None:
        sock.settimeout(0.05)
        buffer = b""
        try:
            while not self._stop.is_set():
                try:
                    chunk = sock.recv(4096)
                except socket.timeout:
                    continue
                if not chunk:
                    return
                buffer += chunk
                while b"\r" in buffer:
                    frame, _, buffer = buffer.partition(b"\r")
                    frame = frame.lstrip(b"\n")
                    conn.frames.append(frame)
                    self.frames.append(frame)
                    reply = self.handler(frame, conn)
                    if reply is HANG_UP:
                        return
                    if reply:
                        sock.sendall(reply)
        except OSError:
            return
        finally:
            sock.close()


def reply(msg: m.Message, request: bytes, *, checksum: bool = True, terminator: bytes = b"\r",
          encoding: str = "cp850") -> bytes:
    """Encode ``msg`` echoing the request's AY sequence number."""
    frame = codec.decode_frame(request, encoding, verify=False)
    return codec.encode(msg, seq=frame.sequence, checksum=checksum, encoding=encoding, terminator=terminator)


def good_answer(request: bytes, encoding: str = "cp850") -> m.Message:
    """A plausible successful reply to any request the kiosk sends."""
    msg = codec.decode(request, encoding, verify=False)
    ident: dict[str, Any] = {"institution_id": "DEMO", "transaction_date": DATE}
    if isinstance(msg, m.LoginRequest):
        return m.LoginResponse(ok=msg.login_password == "kiosk-pass")
    if isinstance(msg, m.SCStatus):
        return m.ACSStatus(timeout_period=0, retries_allowed=3, date_time_sync=DATE,
                           supported_messages="YYYYYYYYYYYYYYYY", library_name="Demo Library",
                           institution_id="DEMO")
    if isinstance(msg, m.CheckoutRequest):
        return m.CheckoutResponse(ok=True, renewal_ok=False, magnetic_media=False, desensitize=True,
                                  patron_identifier=msg.patron_identifier, item_identifier=msg.item_identifier,
                                  title_identifier="Cien años de soledad", due_date="20261207    235900",
                                  **ident)
    if isinstance(msg, m.CheckinRequest):
        return m.CheckinResponse(ok=True, resensitize=True, magnetic_media=False, alert=False,
                                 item_identifier=msg.item_identifier, permanent_location="Main", **ident)
    if isinstance(msg, m.PatronStatusRequest):
        return m.PatronStatusResponse(patron_identifier=msg.patron_identifier, personal_name="Ana García",
                                      valid_patron=True, valid_patron_password=msg.patron_password == "1234",
                                      **ident)
    if isinstance(msg, m.PatronInformationRequest):
        items = tuple(f"3100000000{i:04d}" for i in range(1, 4))
        return m.PatronInformationResponse(patron_identifier=msg.patron_identifier, personal_name="Ana García",
                                           charged_items_count=3, charged_items=items, valid_patron=True,
                                           **ident)
    if isinstance(msg, m.ItemInformationRequest):
        return m.ItemInformationResponse(circulation_status="03", item_identifier=msg.item_identifier,
                                         title_identifier="Björn", transaction_date=DATE)
    if isinstance(msg, m.RenewRequest):
        return m.RenewResponse(ok=True, renewal_ok=True, patron_identifier=msg.patron_identifier,
                               item_identifier=msg.item_identifier, **ident)
    if isinstance(msg, m.RenewAllRequest):
        return m.RenewAllResponse(ok=True, renewed_count=1, renewed_items=("31000000000001",), **ident)
    if isinstance(msg, m.EndPatronSessionRequest):
        return m.EndSessionResponse(end_session=True, patron_identifier=msg.patron_identifier, **ident)
    if isinstance(msg, m.FeePaidRequest):
        return m.FeePaidResponse(payment_accepted=True, patron_identifier=msg.patron_identifier,
                                 transaction_id=msg.transaction_id, **ident)
    if isinstance(msg, m.HoldRequest):
        return m.HoldResponse(ok=True, available=False, patron_identifier=msg.patron_identifier,
                              item_identifier=msg.item_identifier, queue_position=2, **ident)
    if isinstance(msg, m.BlockPatron):
        return m.PatronStatusResponse(patron_identifier=msg.patron_identifier,
                                      patron_status=m.PatronStatus(card_reported_lost=True),
                                      valid_patron=True, **ident)
    if isinstance(msg, m.PatronEnableRequest):
        return m.PatronEnableResponse(patron_identifier=msg.patron_identifier, valid_patron=True, **ident)
    if isinstance(msg, m.ItemStatusUpdateRequest):
        return m.ItemStatusUpdateResponse(item_properties_ok=True, item_identifier=msg.item_identifier,
                                          transaction_date=DATE)
    raise AssertionError(f"no canned answer for {msg!r}")


def good_ils(frame: bytes, conn: Conn) -> bytes | None:
    """Handler: a well-behaved ILS."""
    if frame.startswith(b"97"):
        return None
    return reply(good_answer(frame), frame)


def free_port() -> int:
    """A loopback port nobody listens on (for "server down" cases)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])

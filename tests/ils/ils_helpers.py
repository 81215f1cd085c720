"""Helpers for the ILS simulator tests: a fixed clock and a small raw-bytes
SIP2 station (our codec over a plain socket), so the wire is tested as it is."""

from __future__ import annotations

import socket
import time
from datetime import datetime

from kiosk.sip2 import messages as m
from kiosk.sip2.codec import Decoder, Frame, encode

# A fixed "now" (local time) so due dates and overdue checks are exact.
NOW = datetime(2026, 3, 10, 12, 0, 0).astimezone()


class Clock:
    """A settable clock the rules and the server read."""

    def __init__(self, now: datetime = NOW) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class RawSIP:
    """A minimal SIP2 station: encodes with our codec, reads frames with a deadline."""

    def __init__(self, port: int, *, encoding: str = "utf-8", checksums: bool = True,
                 terminator: bytes = b"\r") -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=5.0)
        self.decoder = Decoder(encoding, verify=False)
        self.encoding = encoding
        self.checksums = checksums
        self.terminator = terminator
        self.seq = 0

    def send(self, msg: m.Message) -> bytes:
        raw = encode(msg, seq=self.seq if self.checksums else None, checksum=self.checksums,
                     encoding=self.encoding, terminator=b"\r")[:-1] + self.terminator
        self.seq = (self.seq + 1) % 10
        self.sock.sendall(raw)
        return raw

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def read_bytes(self, timeout: float = 5.0) -> bytes:
        """Everything up to and including the next terminator (raw, for wire checks)."""
        deadline = time.monotonic() + timeout
        buf = b""
        while not buf.endswith((b"\r", b"\n")) or (buf.endswith(b"\r") and self._more_lf()):
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no complete reply within {timeout}s (got {buf!r})")
            self.sock.settimeout(left)
            chunk = self.sock.recv(1)
            if not chunk:
                raise ConnectionError(f"closed by the ILS (got {buf!r})")
            buf += chunk
        return buf

    def _more_lf(self) -> bool:
        # After CR, peek briefly for the LF of a CRLF terminator.
        self.sock.settimeout(0.05)
        try:
            return self.sock.recv(1, socket.MSG_PEEK) == b"\n"
        except (socket.timeout, BlockingIOError):
            return False

    def read_frame(self, timeout: float = 5.0) -> Frame:
        deadline = time.monotonic() + timeout
        while True:
            frame = self.decoder.next_frame()
            if frame is not None:
                return frame
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(f"no reply within {timeout}s")
            self.sock.settimeout(left)
            try:
                chunk = self.sock.recv(4096)
            except socket.timeout:
                raise TimeoutError(f"no reply within {timeout}s") from None
            if not chunk:
                raise ConnectionError("closed by the ILS")
            self.decoder.feed(chunk)

    def ask(self, msg: m.Message, timeout: float = 5.0) -> m.Message:
        self.send(msg)
        return self.read_frame(timeout).message

    def login(self, user: str = "kiosk", password: str = "kiosk-pass", location: str = "KIOSK1") -> bool:
        reply = self.ask(m.LoginRequest(login_user_id=user, login_password=password, location_code=location))
        assert isinstance(reply, m.LoginResponse)
        return reply.ok

    def is_closed(self, timeout: float = 5.0) -> bool:
        """True once the ILS has closed the connection (EOF or reset)."""
        self.sock.settimeout(timeout)
        try:
            return self.sock.recv(4096) == b""
        except ConnectionResetError:
            return True
        except socket.timeout:
            return False

    def close(self) -> None:
        self.sock.close()

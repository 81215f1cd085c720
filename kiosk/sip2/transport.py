"""Byte transports for the SIP2 client: TCP and TLS, behind one small interface.

The client only needs three operations, so tests (or a serial-line ILS, or a
proxy) can bring their own:

* ``write(data)``: send every byte or raise :class:`TransportError`;
* ``read(timeout)``: return at least one byte, raise :class:`TransportTimeout`
  when none arrives within ``timeout`` seconds (``0`` polls), or
  :class:`TransportError` when the peer closed the connection;
* ``close()``: idempotent.
"""

from __future__ import annotations

import math
import select
import socket
import sys

from kiosk.errors import TransportError, TransportTimeout

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    import ssl  # imported for real only to open a TLS connection: plain TCP never pays for it
    from typing import Protocol

    class Transport(Protocol):
        """What the client needs of a connection (a type only: a test's fake
        transport need not inherit anything)."""

        def write(self, data: bytes) -> None: ...

        def read(self, timeout: float) -> bytes: ...

        def close(self) -> None: ...

READ_CHUNK = 65536


class SocketTransport:
    """A connected stream socket (plain or TLS-wrapped).

    The socket stays in timeout mode for its whole life and its timeout is
    only changed when a caller asks for a different one: every switch costs
    a system call, and a round trip on loopback is only ~150 microseconds.
    """

    def __init__(self, sock: socket.socket, peer: str, write_timeout: float = 10.0) -> None:
        self._sock = sock
        self.peer = peer
        self._closed = False
        self._write_timeout = write_timeout
        self._timeout = write_timeout
        sock.settimeout(write_timeout)
        # Only a process that opened TLS has the ssl module; only then can this be a TLS socket.
        tls = sys.modules.get("ssl")
        self._tls = tls is not None and isinstance(sock, tls.SSLSocket)
        self._no_data: tuple[type[Exception], ...] = \
            (socket.timeout, tls.SSLWantReadError) if self._tls and tls is not None else (socket.timeout,)
        self._poller = select.poll()  # registered once: a poll per request costs no list building
        self._poller.register(sock, select.POLLIN)

    def readable(self) -> bool:
        """Whether a read would return at once (bytes, or the peer's close);
        never waits, never raises (a failed socket counts as readable: the
        read says what failed)."""
        if self._closed:
            return True
        if self._tls and self._sock.pending():  # type: ignore[attr-defined]
            return True
        try:
            return bool(self._poller.poll(0))
        except (OSError, ValueError):
            return True

    def _set_timeout(self, timeout: float) -> None:
        # Waiting up to 50 ms longer than asked is harmless and spares a
        # system call (settimeout is an ioctl) on nearly every read: the
        # timeout is rounded up to the next 50 ms, so the remaining time of
        # one reply wait after another maps to the same value.
        if not timeout <= self._timeout <= timeout + 0.05:
            timeout = math.ceil(timeout * 20) / 20
            self._sock.settimeout(timeout)
            self._timeout = timeout

    def write(self, data: bytes) -> None:
        if self._closed:
            raise TransportError(f"connection to {self.peer} is closed")
        try:
            if self._timeout < 1.0:
                self._set_timeout(self._write_timeout)  # a peer that stops reading cannot hang us
            self._sock.sendall(data)
        except socket.timeout:
            raise TransportError(f"{self.peer} stopped reading (send timed out)") from None
        except OSError as exc:
            raise TransportError(f"sending to {self.peer} failed: {exc}") from None

    def read(self, timeout: float) -> bytes:
        if self._closed:
            raise TransportError(f"connection to {self.peer} is closed")
        sock = self._sock
        if timeout <= 0:
            # A poll: TLS may hold decrypted bytes the OS no longer reports.
            if not self.readable():
                raise TransportTimeout(f"nothing from {self.peer} yet")
            timeout = 0.05  # readable now: recv will not wait
        try:
            self._set_timeout(timeout)
            data = sock.recv(READ_CHUNK)
        except self._no_data:
            raise TransportTimeout(f"no reply from {self.peer} within {timeout:.1f} s") from None
        except OSError as exc:
            raise TransportError(f"connection to {self.peer} failed: {exc}") from None
        if not data:
            raise TransportError(f"{self.peer} closed the connection")
        return data

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        try:
            self._sock.close()
        except OSError:
            pass


def open_tcp(host: str, port: int, *, timeout: float, tls: bool = False, tls_verify: bool = True,
             cafile: str | None = None) -> SocketTransport:
    """Connect (and optionally start TLS, verifying the certificate against
    ``cafile`` or the system store, and the host name)."""
    peer = f"{host}:{port}"
    if not host:
        raise TransportError("no SIP2 server configured (sip2.host is empty)")
    try:
        # An ASCII name or address goes to the resolver as bytes: as a str it
        # would be run through the IDNA codec, loaded for that alone.
        sock = socket.create_connection((host.encode("ascii") if host.isascii() else host, port),  # type: ignore[arg-type]
                                        timeout=timeout)
    except socket.timeout:
        raise TransportTimeout(f"cannot reach ILS {peer}: no answer within {timeout:.1f} s") from None
    except OSError as exc:
        raise TransportError(f"cannot reach ILS {peer}: {exc.strerror or exc}") from None
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
    except OSError:
        pass  # not fatal: only latency and dead-peer detection suffer
    if tls:
        import ssl

        try:
            context = ssl.create_default_context(cafile=cafile or None)
        except (OSError, ssl.SSLError) as exc:
            sock.close()
            raise TransportError(f"cannot load CA file {cafile!r}: {exc}") from None
        if not tls_verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            sock = context.wrap_socket(sock, server_hostname=host)
        except ssl.SSLCertVerificationError as exc:
            sock.close()
            raise TransportError(f"TLS to {peer}: certificate not trusted ({exc.verify_message})") from None
        except (ssl.SSLError, OSError) as exc:
            sock.close()
            raise TransportError(f"TLS to {peer} failed: {exc}") from None
    return SocketTransport(sock, peer, write_timeout=max(timeout, 1.0))

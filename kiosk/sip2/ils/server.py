"""The simulated ILS as a real SIP2 server: threaded TCP, our own codec.

One thread accepts; each connection gets its own thread, up to
``max_connections`` (default :data:`MAX_CONNECTIONS`, 256). Beyond that a
connection is refused politely: its first request is answered and then the
connection closed, so a station can say why (see :func:`busy_reply`): a
login (93) gets ``940`` (not logged in) and an SC status (99) gets a 98 with
online status N, both with the screen message (AF) "ILS busy: ...";
anything else gets a 96. Every wait is bounded: :meth:`ILSSimulator.stop`
shuts every socket down, which wakes its thread, and a connection idle for
``idle_timeout`` seconds is closed.

Wire behaviour (3M SIP2 2.00, "Error detection"): replies carry AY/AZ exactly
when the request did; a request with a bad checksum or that cannot be parsed
gets a 96 (request SC resend), with AZ (and the request's AY when it could be
read) once the station uses checksums, as Koha and Evergreen send it
(``96AZFEF6``); a 97 gets the last message sent again, byte for byte, and
after a 96 that is the 96. ``max_bad_frames`` unparseable requests in a row
close the connection, and the warnings about one connection are rate-limited
(:mod:`kiosk.sip2.ratelog`). A connection that sends anything but 93 or 99
before logging in is dropped (``require_login``, as Koha does).

TLS: with ``tls_certfile`` (and ``tls_keyfile`` unless the key is in the same
PEM file) every connection is TLS, as a SIP2 server behind stunnel or Koha's
own TLS listener serves it; the handshake runs on the connection's thread and
is bounded by ``HANDSHAKE_TIMEOUT``, and a client that fails it is dropped.
"""

from __future__ import annotations

import collections
import logging
import socket
import ssl
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any, Callable, Iterable

from kiosk.errors import KioskError, RemoteProtocolError
from kiosk.sip2.codec import Decoder, Frame
from kiosk.sip2.ils.connection import Connection, Ports, busy_reply
from kiosk.sip2.ils.data import SeedData, load_data
from kiosk.sip2.ils.faults import Faults, make_faults
from kiosk.sip2.ils.rules import Circulation, local_now
from kiosk.sip2.ils.store import Store
from kiosk.sip2.ratelog import RateLimitedLog

log = logging.getLogger("kiosk.sip2.ils")

POLL = 0.05          # seconds between checks of the stop flag (accept loop)
CONN_WAIT = 1.0      # a connection's socket timeout: idle checks, and a peer that stops reading
JOIN_TIMEOUT = 2.0
HANDSHAKE_TIMEOUT = 5.0
MAX_CONNECTIONS = 256  # stations served at once (a library testing 200 stations needs them all)
MAX_BAD_FRAMES = 10    # unparseable requests in a row before the connection is cut
BUSY_WAIT = 2.0        # seconds a refused connection gets to send its first request
MAX_REFUSING = 16      # refused connections answered at once; more are closed without a word


class ILSSimulator:
    """A SIP2 ILS on loopback (or any address) for the demo, tests and benchmarks.

    ``data_path`` None seeds from the shipped ``demo_data.toml``; ``db_path``
    ``":memory:"`` (default) or a file that keeps state across restarts
    (``reset=True`` reseeds it). ``faults`` is a :class:`Faults`, a dict of
    :meth:`Faults.set` values or CLI specs; ``latency`` adds a fixed delay.
    ``tls_certfile``/``tls_keyfile``: serve TLS with this certificate (PEM).
    ``max_connections``: stations served at once (the rest are refused
    politely, see the module docstring); ``max_bad_frames``: unparseable
    requests in a row before a connection is cut.
    """

    def __init__(self, data_path: str | Path | None = None, host: str = "127.0.0.1", port: int = 0,
                 latency: float = 0.0, faults: Faults | dict[str, Any] | Iterable[str] | None = None, *,
                 db_path: str | Path = ":memory:", encoding: str = "utf-8", data: SeedData | None = None,
                 clock: Callable[[], datetime] = local_now, reset: bool = False,
                 max_connections: int = MAX_CONNECTIONS, idle_timeout: float = 600.0,
                 tls_certfile: str | Path | None = None, tls_keyfile: str | Path | None = None,
                 max_bad_frames: int = MAX_BAD_FRAMES) -> None:
        if max_connections < 1 or max_bad_frames < 1:
            raise KioskError("ILS simulator: max_connections and max_bad_frames must be at least 1")
        "".encode(encoding)  # a bad encoding name fails here, not on the first reply
        self.tls: ssl.SSLContext | None = None
        if tls_certfile:
            self.tls = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            try:
                self.tls.load_cert_chain(str(tls_certfile), str(tls_keyfile) if tls_keyfile else None)
            except (OSError, ssl.SSLError) as exc:
                raise KioskError(f"ILS simulator: cannot load TLS certificate {tls_certfile}: {exc}") from None
        self.host = host
        self.port = port
        self.encoding = encoding
        self.faults = make_faults(faults)
        if latency:
            self.faults.set(delay=latency)
        self.data = data if data is not None else load_data(data_path)
        self.store = Store(db_path)
        self.circulation = Circulation(self.store, self.data, clock)
        self.store.seed(self.data, clock(), force=reset)
        self.max_connections = max_connections
        self.max_bad_frames = max_bad_frames
        self.idle_timeout = idle_timeout
        self.requests: collections.Counter[str] = collections.Counter()
        self.connections_total = 0
        self.connections_refused = 0
        self._refusing = threading.BoundedSemaphore(MAX_REFUSING)
        self._busy_log = RateLimitedLog(log)
        self._listener: socket.socket | None = None
        self._lock = threading.Lock()
        self._connections: dict[socket.socket, threading.Thread] = {}
        # Every connection thread until it has ended: a thread leaves _connections
        # just before it returns, and stop() must still wait for it.
        self._conn_threads: set[threading.Thread] = set()
        self._stopping = threading.Event()
        self._ports = Ports(self.circulation, self.faults, encoding, self._stopping, self._count, max_bad_frames)
        self._threads: list[threading.Thread] = []
        self._down = False
        self._started = False

    # ------------------------------------------------------------ lifecycle
    def start(self) -> "ILSSimulator":
        """Bind and listen; returns once connections are accepted (``.port`` set)."""
        if self._started:
            raise RuntimeError("ILS simulator already started")
        self._started = True
        self._stopping.clear()
        self._listen()
        self._spawn(self._accept_loop, "ils-accept")
        if self.faults.flap:
            self._spawn(self._flap_loop, "ils-flap")
        log.info("ILS simulator listening on %s:%d (%s, %d items)", self.host, self.port,
                 self.data.library.institution, self.store.item_count())
        return self

    def stop(self) -> None:
        """Close the listener and every connection; join every thread."""
        self._stopping.set()
        self._unlisten()
        self._close_connections()
        for thread in self._threads:
            thread.join(JOIN_TIMEOUT)
        with self._lock:
            pending = set(self._connections.values()) | self._conn_threads
        for thread in pending:
            if thread.ident is None:          # accepted just now, not started yet
                time.sleep(POLL)
            if thread.ident is not None:
                thread.join(JOIN_TIMEOUT)
        with self._lock:
            self._conn_threads = {t for t in self._conn_threads if t.is_alive()}
        self._threads.clear()
        self._started = False

    def close(self) -> None:
        """Stop and close the database."""
        self.stop()
        self.store.close()

    def __enter__(self) -> "ILSSimulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _count(self, command: str) -> None:
        with self._lock:
            self.requests[command] += 1

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    @property
    def connection_count(self) -> int:
        with self._lock:
            return len(self._connections)

    @property
    def is_down(self) -> bool:
        return self._down

    def set_down(self, down: bool) -> None:
        """Server down: stop listening (connects are refused) and drop every
        connection. ``set_down(False)`` listens again on the same port."""
        with self._lock:
            if down == self._down:
                return
            self._down = down
        if down:
            self._unlisten()
            self._close_connections()
            log.warning("ILS simulator down (refusing connections)")
        else:
            try:
                self._listen()
            except KioskError:
                with self._lock:
                    self._down = True  # still down: someone else took the port meanwhile
                raise
            log.warning("ILS simulator up again on port %d", self.port)

    def reset(self) -> None:
        """Reseed the database from the data file (all state lost)."""
        self.store.seed(self.data, self.circulation.clock(), force=True)

    # ------------------------------------------------------------ sockets
    def _listen(self) -> None:
        sock = socket.socket(socket.AF_INET6 if ":" in self.host else socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((self.host, self.port))
        except OSError as exc:
            sock.close()
            raise KioskError(f"ILS simulator cannot listen on {self.host}:{self.port}: {exc.strerror or exc}") from None
        sock.listen(min(self.max_connections + MAX_REFUSING, socket.SOMAXCONN))
        sock.settimeout(POLL)
        self.port = sock.getsockname()[1]
        with self._lock:
            self._listener = sock

    def _unlisten(self) -> None:
        with self._lock:
            sock, self._listener = self._listener, None
        if sock is not None:
            # shutdown first: the accept thread may be polling this socket, which
            # would keep it listening until the poll returns.
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # not connected / already shut: fine for a listener
            sock.close()

    def _close_connections(self) -> None:
        with self._lock:
            conns = list(self._connections)
        for conn in conns:
            try:
                conn.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass  # already gone

    def _spawn(self, target: Callable[[], None], name: str) -> None:
        thread = threading.Thread(target=target, name=name, daemon=True)
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self) -> None:
        while not self._stopping.is_set():
            with self._lock:
                listener = self._listener
            if listener is None:
                self._stopping.wait(POLL)
                continue
            try:
                conn, peer = listener.accept()
            except (socket.timeout, OSError):
                continue  # poll tick, or the listener closed under us (down/stop)
            with self._lock:
                full = len(self._connections) >= self.max_connections
                if full:
                    self.connections_refused += 1
                    target: Callable[..., None] = self._refuse
                    name = f"ils-busy-{self.connections_refused}"
                else:
                    self.connections_total += 1
                    target, name = self._serve, f"ils-conn-{self.connections_total}"
                if full and not self._refusing.acquire(blocking=False):
                    thread = None  # already answering MAX_REFUSING others: no word for this one
                else:
                    thread = threading.Thread(target=target, args=(conn, peer), daemon=True, name=name)
                    self._connections[conn] = thread
                    self._conn_threads = {t for t in self._conn_threads if t.is_alive()}
                    self._conn_threads.add(thread)
            if full:
                self._busy_log.warning("busy", "ILS simulator: %d connections open, refusing %s",
                                       self.max_connections, peer)
            if thread is None:
                conn.close()
                continue
            thread.start()

    def _flap_loop(self) -> None:
        assert self.faults.flap is not None
        down_s, up_s = self.faults.flap
        while not self._stopping.wait(up_s):
            self.set_down(True)
            if self._stopping.wait(down_s):
                break
            try:
                self.set_down(False)
            except KioskError as exc:
                log.error("flap: %s; trying again after the next down period", exc)

    # ------------------------------------------------------------ one connection
    def _serve(self, conn: socket.socket, peer: Any) -> None:
        if self.tls is not None:
            wrapped = self._handshake(conn, peer)
            if wrapped is None:
                return
            conn = wrapped
        # One timeout for reads and writes: stop() and set_down() shut the
        # socket down, which wakes a waiting recv at once.
        conn.settimeout(min(CONN_WAIT, self.idle_timeout) if self.idle_timeout else CONN_WAIT)
        session = Connection(self._ports, conn)
        last = time.monotonic()
        try:
            while not self._stopping.is_set() and session.open:
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    if self.idle_timeout and time.monotonic() - last >= self.idle_timeout:
                        log.info("closing idle connection from %s", peer)
                        break
                    continue
                except OSError:
                    break
                if not data:
                    break
                last = time.monotonic()
                session.received(data)
        finally:
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()

    def _refuse(self, conn: socket.socket, peer: Any) -> None:
        """Over the connection limit: answer the first request (see
        :func:`busy_reply`), then close. Bounded by :data:`BUSY_WAIT`."""
        try:
            if self.tls is not None:
                wrapped = self._handshake(conn, peer)
                if wrapped is None:
                    return
                conn = wrapped
            conn.settimeout(BUSY_WAIT)
            decoder = Decoder(self.encoding)
            deadline = time.monotonic() + BUSY_WAIT
            frame: Frame | None = None
            while frame is None and time.monotonic() < deadline and not self._stopping.is_set():
                try:
                    data = conn.recv(4096)
                except socket.timeout:
                    break  # said nothing: it still gets an answer
                except OSError:
                    return
                if not data:
                    return
                decoder.feed(data)
                try:
                    frame = decoder.next_frame()
                except RemoteProtocolError:
                    break
            why = f"ILS busy: {self.max_connections} stations connected, try again later"
            conn.sendall(busy_reply(frame, why, self.encoding, self.faults.terminator_bytes))
        except OSError:
            pass  # gone already: nothing to refuse
        finally:
            self._refusing.release()
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()

    def _handshake(self, conn: socket.socket, peer: Any) -> ssl.SSLSocket | None:
        """TLS server handshake (bounded); the wrapped socket replaces the raw
        one in the table so stop/down still shut it. None: handshake failed."""
        assert self.tls is not None
        try:
            conn.settimeout(HANDSHAKE_TIMEOUT)
            wrapped = self.tls.wrap_socket(conn, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            log.warning("TLS handshake with %s failed: %s", peer, exc)
            with self._lock:
                self._connections.pop(conn, None)
            conn.close()
            return None
        with self._lock:
            thread = self._connections.pop(conn, None)
            if thread is not None:
                self._connections[wrapped] = thread
        return wrapped

"""Thread-safe SIP2 client: one connection to the ILS, one request in flight.

The client wraps the sans-I/O codec around a :class:`~kiosk.sip2.transport.Transport`.
On :meth:`SIP2Client.connect` it logs in (93) and asks the ACS status (99),
then a supervisor thread keeps the link alive (99 every ``keepalive_interval``
seconds of silence) and reconnects (and logs in again) after it breaks.

Failure contract, which the circulation core relies on:

* :class:`TransportError`: the ILS could not be reached or the request could
  not be sent; nothing happened on the ILS. The core goes offline.
* :class:`UnknownOutcome`: a state-changing request (checkout, checkin, renew,
  renew all, fee paid, hold ...) was sent and no usable reply came back
  (timeout, connection lost, garbage, checksums that stayed wrong after
  resends). The core must reconcile with an item-information (17) query.
* :class:`RemoteProtocolError`: the ILS replied with something unusable to a
  request that changes nothing.
* A *refusal* is not an error: it is a normal response with ``ok`` false.

Error detection (3M SIP2 2.00, "Error detection"): with ``checksums`` on, each
request carries ``AY`` 0-9 and ``AZ``. A reply with a bad checksum, or one that
cannot be parsed at all, is answered with 97 (request ACS resend) up to
``retries`` times; a 96 from the ILS makes us send our request again; a reply
whose ``AY`` does not match is stale and skipped. The ACS status reply (98) can
lower our resend count (``retries allowed``) and lengthen the reply wait
(``timeout period``, tenths of a second): we never give up before the ILS said
it may take. After any failure the connection is closed, so the next request
starts on a clean, freshly logged-in link.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from kiosk.errors import (
    KioskError, LocalProtocolError, RemoteProtocolError, TransportError, TransportTimeout, UnknownOutcome,
)
from kiosk.sip2 import messages as m
from kiosk.sip2.calls import SIP2Calls, format_amount  # noqa: F401 - format_amount: public here too
from kiosk.sip2.codec import ChecksumError, Decoder, MalformedMessage, encode, show_bytes
from kiosk.sip2.transport import Transport, open_tcp

log = logging.getLogger("kiosk.sip2.client")
wire_log = logging.getLogger("kiosk.sip2.wire")  # every byte, secrets masked (debug level)
LOGIN_RETRY_INTERVAL = 60.0  # seconds between logins after the ILS refused our credentials

STATES = ("disconnected", "connecting", "online", "offline")
# One table of legal state changes; anything else is a bug in this module.
_TRANSITIONS: dict[tuple[str, str], str] = {
    ("disconnected", "connect"): "connecting",
    ("offline", "connect"): "connecting",
    ("online", "connect"): "connecting",
    ("connecting", "connect"): "connecting",
    ("connecting", "ready"): "online",
    ("connecting", "fail"): "offline",
    ("online", "fail"): "offline",
    ("offline", "fail"): "offline",
    ("disconnected", "fail"): "disconnected",
    ("disconnected", "close"): "disconnected",
    ("connecting", "close"): "disconnected",
    ("online", "close"): "disconnected",
    ("offline", "close"): "disconnected",
}

# Request type -> the response type that answers it.
RESPONSE_FOR: dict[type[m.Message], type[m.Message]] = {
    m.LoginRequest: m.LoginResponse, m.SCStatus: m.ACSStatus,
    m.PatronStatusRequest: m.PatronStatusResponse, m.BlockPatron: m.PatronStatusResponse,
    m.PatronInformationRequest: m.PatronInformationResponse, m.CheckoutRequest: m.CheckoutResponse,
    m.CheckinRequest: m.CheckinResponse, m.ItemInformationRequest: m.ItemInformationResponse,
    m.RenewRequest: m.RenewResponse, m.RenewAllRequest: m.RenewAllResponse,
    m.EndPatronSessionRequest: m.EndSessionResponse, m.FeePaidRequest: m.FeePaidResponse,
    m.HoldRequest: m.HoldResponse, m.ItemStatusUpdateRequest: m.ItemStatusUpdateResponse,
    m.PatronEnableRequest: m.PatronEnableResponse,
}
# Requests whose effect on the ILS is uncertain when no reply arrives.
STATE_CHANGING = (m.CheckoutRequest, m.CheckinRequest, m.RenewRequest, m.RenewAllRequest,
                  m.FeePaidRequest, m.HoldRequest, m.BlockPatron, m.ItemStatusUpdateRequest,
                  m.PatronEnableRequest)


class LoginRefused(TransportError):
    """The ILS answered the login (93) with ok=0: wrong SIP user or password,
    or the account is not allowed from this address. Nothing will work."""


@dataclass
class SIP2Settings:
    """Everything the client needs; ``from_config`` reads ``[sip2]`` and ``[station]``."""

    host: str = "127.0.0.1"
    port: int = 6001
    tls: bool = False
    tls_verify: bool = True
    cafile: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    institution_id: str = ""
    location_code: str = ""
    encoding: str = "cp850"
    terminator: str = "cr"
    checksums: bool = True
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retries: int = 3
    keepalive_interval: float = 60.0
    reconnect_interval: float = 5.0
    terminal_password: str = field(default="", repr=False)
    honour_acs_timeout: bool = True  # wait at least the 98's timeout period (off: read_timeout is exact)

    @classmethod
    def from_config(cls, cfg: Any) -> "SIP2Settings":
        sip, station = cfg.sip2, cfg.station
        return cls(
            host=sip.host, port=int(sip.port), tls=bool(sip.tls), tls_verify=bool(sip.tls_verify),
            cafile=str(sip.cafile or ""), username=sip.username, password=sip.password,
            institution_id=station.institution_id,
            location_code=sip.location_code or station.location_code,
            encoding=sip.encoding, terminator=sip.terminator, checksums=bool(sip.checksums),
            connect_timeout=float(sip.connect_timeout), read_timeout=float(sip.read_timeout),
            retries=int(sip.retries), keepalive_interval=float(sip.keepalive_interval),
            reconnect_interval=float(getattr(sip, "reconnect_interval", 5.0)),
            terminal_password=str(getattr(sip, "terminal_password", "") or ""),
        )


def tcp_transport(settings: SIP2Settings) -> Transport:
    """The default transport factory: TCP, or TLS when ``settings.tls``."""
    return open_tcp(settings.host, settings.port, timeout=settings.connect_timeout, tls=settings.tls,
                    tls_verify=settings.tls_verify, cafile=settings.cafile or None)


class SIP2Client(SIP2Calls):
    """See the module docstring. The typed calls (``checkout`` ...) come from
    :class:`~kiosk.sip2.calls.SIP2Calls`. Public attributes for the staff
    screen: :attr:`state`, :attr:`last_error`, :attr:`last_rtt`, :attr:`acs_status`."""

    def __init__(self, settings: SIP2Settings,
                 transport_factory: Callable[[SIP2Settings], Transport] | None = None,
                 *, supervise: bool = True) -> None:
        self.settings = settings
        self._factory = transport_factory or tcp_transport
        self._supervise = supervise
        self._lock = threading.RLock()
        self._state_lock = threading.Lock()
        self._transport: Transport | None = None
        self._decoder = Decoder(settings.encoding)
        self._seq = 0
        self._state = "disconnected"
        self._listeners: list[Callable[[str], None]] = []
        self._stop = threading.Event()
        self._wake = threading.Event()  # set on every state change and on close
        self._thread: threading.Thread | None = None
        self._last_activity = time.monotonic()
        self.last_error: str | None = None
        self.last_rtt: float | None = None
        self.acs_status: m.ACSStatus | None = None
        self.last_login: m.LoginResponse | None = None
        self.reply_timeout = settings.read_timeout
        self.max_resends = settings.retries

    # ------------------------------------------------------------ state
    @property
    def state(self) -> str:
        return self._state

    def add_listener(self, callback: Callable[[str], None]) -> None:
        """``callback(state)`` on every state change (on the changing thread)."""
        self._listeners.append(callback)

    def _step(self, event: str) -> None:
        with self._state_lock:
            old = self._state
            try:
                new = _TRANSITIONS[(old, event)]
            except KeyError:
                raise LocalProtocolError(f"SIP2 client: event {event!r} is illegal in state {old!r}") from None
            self._state = new
        self._wake.set()
        if new != old:
            log.info("SIP2 %s -> %s", old, new)
            for callback in list(self._listeners):
                try:
                    callback(new)
                except Exception:  # a listener's bug must not break the link
                    log.exception("SIP2 state listener failed")

    # ------------------------------------------------------------ connection
    def connect(self) -> None:
        """Open the connection, log in (93) and read the ACS status (99/98).

        Raises :class:`TransportError` (or :class:`LoginRefused`) when that
        fails; unless ``supervise=False`` the supervisor thread keeps trying
        in the background until :meth:`close`.
        """
        self._stop.clear()
        try:
            with self._lock:
                self._open()
        finally:
            if self._supervise:
                self._start_supervisor()

    def _open(self) -> None:
        self._drop_transport()
        self._step("connect")
        try:
            self._transport = self._factory(self.settings)
            self._decoder = Decoder(self.settings.encoding)
            if self.settings.username:
                self.login()
            self._read_acs_status(self._roundtrip(m.SCStatus(), m.ACSStatus, uncertain=False))
        except KioskError as exc:
            self._drop_transport()
            self.last_error = str(exc)
            self._step("fail")
            raise
        self.last_error = None
        self._step("ready")

    def login(self) -> m.LoginResponse:
        """Send the login (93) on the current connection; raise :class:`LoginRefused` on ok=0."""
        s = self.settings
        request = m.LoginRequest(login_user_id=s.username, login_password=s.password,
                                 location_code=s.location_code)
        with self._lock:
            reply = self._roundtrip(request, m.LoginResponse, uncertain=False)
        assert isinstance(reply, m.LoginResponse)
        self.last_login = reply
        if not reply.ok:
            raise LoginRefused(f"ILS {s.host}:{s.port} refused the SIP2 login for user {s.username!r}")
        return reply

    def _read_acs_status(self, reply: m.Message) -> None:
        assert isinstance(reply, m.ACSStatus)
        self.acs_status = reply
        # Honour the ACS: never stop waiting before its own timeout period,
        # never resend more often than it allows (999 = unknown, 000 = none).
        period = reply.timeout_period
        self.reply_timeout = self.settings.read_timeout
        if 0 < period < 999 and self.settings.honour_acs_timeout:
            self.reply_timeout = max(self.settings.read_timeout, period / 10.0)
        self.max_resends = self.settings.retries
        if reply.retries_allowed != 999:
            self.max_resends = min(self.settings.retries, reply.retries_allowed)

    def close(self) -> None:
        """Stop the supervisor and close the connection (idempotent)."""
        self._stop.set()
        self._wake.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=max(2.0, self.settings.read_timeout + 1.0))
        with self._lock:
            self._drop_transport()
            self._step("close")

    def __enter__(self) -> "SIP2Client":
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _drop_transport(self) -> None:
        transport, self._transport = self._transport, None
        if transport is not None:
            transport.close()
        self._decoder.clear()

    def _fail(self, exc: KioskError) -> None:
        """The link is unusable: close it so the next call starts clean."""
        self._drop_transport()
        self.last_error = str(exc)
        self._step("fail")

    # ------------------------------------------------------------ supervisor
    def _start_supervisor(self) -> None:
        if self._thread is not None and self._thread.is_alive():
            return
        self._thread = threading.Thread(target=self._supervise_loop, name="sip2-supervisor", daemon=True)
        self._thread.start()

    def _pause(self, seconds: float) -> bool:
        """Sleep until ``seconds`` pass or the state changes; True when closing."""
        self._wake.wait(max(seconds, 0.01))
        self._wake.clear()
        return self._stop.is_set()

    def _supervise_loop(self) -> None:
        s = self.settings
        refused = False  # wrong credentials do not fix themselves: retry them slowly
        while not self._stop.is_set():
            if self._state == "online":
                interval = s.keepalive_interval
                wait = (interval - (time.monotonic() - self._last_activity)) if interval > 0 else 5.0
                if self._pause(wait):
                    return
                if interval > 0 and self._state == "online" \
                        and time.monotonic() - self._last_activity >= interval:
                    self._keepalive()
            else:
                # Only close() may cut this short: our own failed attempts
                # change the state too and must not turn into a busy loop.
                if self._stop.wait(max(s.reconnect_interval, LOGIN_RETRY_INTERVAL) if refused
                                   else s.reconnect_interval):
                    return
                if self._state == "offline" and self._lock.acquire(timeout=0.1):
                    try:
                        if self._state == "offline" and not self._stop.is_set():
                            self._open()
                        refused = False
                    except LoginRefused as exc:
                        refused = True
                        log.warning("SIP2 reconnect: %s", exc)
                    except KioskError as exc:
                        refused = False
                        log.info("SIP2 reconnect failed: %s", exc)
                    finally:
                        self._lock.release()

    def _keepalive(self) -> None:
        if not self._lock.acquire(timeout=0.1):
            return  # a request is in flight; that proves the link is alive
        try:
            if self._state == "online":
                self.sc_status()
        except KioskError as exc:
            log.warning("SIP2 keep-alive failed: %s", exc)
        finally:
            self._lock.release()

    # ------------------------------------------------------------ exchange
    def request(self, request: m.Message) -> m.Message:
        """Send any request and return its typed reply (reconnecting first if
        the link is down). See the module docstring for errors."""
        expect = RESPONSE_FOR.get(type(request))
        if expect is None:
            raise LocalProtocolError(f"{type(request).__name__} is not a request the kiosk can send")
        uncertain = isinstance(request, STATE_CHANGING)
        with self._lock:
            if self._transport is None or self._state != "online":
                self._open()
            elif not self._link_alive():
                log.info("SIP2 connection was closed by the ILS; reconnecting")
                self._open()
            try:
                return self._roundtrip(request, expect, uncertain=uncertain)
            except TransportError as exc:
                if uncertain or isinstance(exc, TransportTimeout):
                    raise
                # A query that changes nothing is safe to send again once.
                log.info("SIP2 %s failed (%s); reconnecting and retrying once", type(request).__name__, exc)
                self._open()
                return self._roundtrip(request, expect, uncertain=False)

    def _link_alive(self) -> bool:
        """Poll without waiting: drop stale bytes, detect a peer that hung up."""
        assert self._transport is not None
        self._decoder.clear()
        for _ in range(16):  # bounded: a chatty peer cannot keep us here
            try:
                stale = self._transport.read(0)
            except TransportTimeout:
                return True
            except TransportError:
                self._drop_transport()
                return False
            wire_log.debug("<- (stale, dropped) %s", show_bytes(stale, encoding=self.settings.encoding))
        return True

    def _next_seq(self) -> int | None:
        if not self.settings.checksums:
            return None
        seq = self._seq
        self._seq = (seq + 1) % 10
        return seq

    def _send(self, data: bytes) -> None:
        assert self._transport is not None
        if wire_log.isEnabledFor(logging.DEBUG):  # masking costs more than the send itself
            wire_log.debug("-> %s", show_bytes(data, encoding=self.settings.encoding))
        self._transport.write(data)

    def _roundtrip(self, request: m.Message, expect: type[m.Message], *, uncertain: bool) -> m.Message:
        if self._transport is None:
            raise TransportError("not connected to the ILS")
        s = self.settings
        seq = self._next_seq()
        data = encode(request, seq=seq, checksum=s.checksums, encoding=s.encoding, terminator=s.terminator)
        name = type(request).__name__
        started = time.monotonic()
        try:
            self._send(data)
        except TransportError as exc:
            self._fail(exc)
            raise  # not sent: nothing happened on the ILS
        try:
            reply = self._await(data, seq, expect)
        except (TransportError, RemoteProtocolError) as exc:
            self._fail(exc)
            if uncertain:
                raise UnknownOutcome(f"{name} sent but its outcome is unknown: {exc}", request) from exc
            raise
        self.last_rtt = time.monotonic() - started
        self._last_activity = time.monotonic()
        return reply

    def _await(self, data: bytes, seq: int | None, expect: type[m.Message]) -> m.Message:
        """Read until the reply to ``data`` arrives; bounded by the reply timeout
        (restarted after each resend) and by ``max_resends``."""
        assert self._transport is not None
        s = self.settings
        resends = 0
        deadline = time.monotonic() + self.reply_timeout
        while True:
            try:
                frame = self._decoder.next_frame()
            except (ChecksumError, MalformedMessage):
                # Corrupted on the way (or garbled by the ILS): ask for it again
                # rather than give up on a reply that may say "checked out".
                if resends >= self.max_resends:
                    raise
                resends += 1
                self._send(encode(m.RequestACSResend(), checksum=s.checksums, encoding=s.encoding,
                                  terminator=s.terminator))
                deadline = time.monotonic() + self.reply_timeout
                continue
            if frame is None:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TransportTimeout(f"no reply from the ILS within {self.reply_timeout:.1f} s")
                chunk = self._transport.read(remaining)
                if wire_log.isEnabledFor(logging.DEBUG):
                    wire_log.debug("<- %s", show_bytes(chunk, encoding=self.settings.encoding))
                self._decoder.feed(chunk)
                continue
            reply = frame.message
            if isinstance(reply, m.RequestSCResend):
                if resends >= self.max_resends:
                    raise MalformedMessage("the ILS keeps asking for resends (96)", frame.raw)
                resends += 1
                self._send(data)
                deadline = time.monotonic() + self.reply_timeout
                continue
            if seq is not None and frame.sequence is not None and frame.sequence != seq:
                log.warning("SIP2: skipped a reply with sequence %s (expected %s)", frame.sequence, seq)
                continue
            if type(reply) is not expect:
                if frame.sequence is None:
                    log.warning("SIP2: skipped an unexpected %s", type(reply).__name__)
                    continue
                raise MalformedMessage(
                    f"expected {expect.__name__} ({expect.COMMAND}), got {type(reply).__name__}", frame.raw)
            return reply

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

Error detection (3M SIP2 2.00, "Error detection": checksums, sequence numbers,
resends) is :class:`~kiosk.sip2.wire.Wire`'s job. The ACS status reply (98)
can lower our resend count (``retries allowed``) and lengthen the reply wait
(``timeout period``, tenths of a second): we never give up before the ILS said
it may take, up to ``acs_timeout_margin`` seconds past ``read_timeout``. A
98 saying the ACS is offline (online status N) fails the connect. After any failure the connection is closed, so the next request
starts on a clean, freshly logged-in link.

Settings and the default TCP/TLS transport live in :mod:`kiosk.sip2.settings`.
"""

from __future__ import annotations

import dataclasses
import logging
import threading
import time

from kiosk.errors import (
    KioskError, LocalProtocolError, RemoteProtocolError, TransportError, TransportTimeout, UnknownOutcome,
)
from kiosk.sip2 import messages as m
from kiosk.sip2.calls import SIP2Calls, format_amount
from kiosk.sip2.codec import printable
from kiosk.sip2.fields import local_now as now
from kiosk.sip2.settings import SIP2Settings, tcp_transport
from kiosk.sip2.wire import Wire

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:
    from typing import Any, Callable

    from kiosk.sip2.transport import Transport

# Names importers have always found here (the settings and the amount format
# moved to their own modules; the request tables are m.REPLY_TO and m.STATE_CHANGING).
__all__ = ["SIP2Client", "SIP2Settings", "LoginRefused", "tcp_transport", "format_amount", "STATES",
           "LOGIN_RETRY_INTERVAL"]

log = logging.getLogger("kiosk.sip2.client")
LOGIN_RETRY_INTERVAL = 60.0  # seconds between logins after the ILS refused our credentials

#: Values of :attr:`SIP2Client.state` (and of :attr:`kiosk.sip2.api.ILSClient.state`).
LINK_STATES = ("disconnected", "connecting", "online", "offline")
STATES = LINK_STATES
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


# Request type -> names of its fixed date fields (worked out once per type).
_DATE_FIELDS: dict[type[m.Message], tuple[str, ...]] = {}


# Request type -> (the reply type that answers it, whether its outcome is
# uncertain without one), from m.REPLY_TO and m.STATE_CHANGING.
_ANSWERS: dict[type[m.Message], tuple[type[m.Message], bool]] = {}


def _answer_to(request: m.Message) -> tuple[type[m.Message], bool]:
    reply_command = m.REPLY_TO.get(request.COMMAND) if isinstance(request, m.Message) else None
    expect = m.message_type(reply_command) if reply_command else None
    if expect is None:
        raise LocalProtocolError(f"{type(request).__name__} is not a request the kiosk can send")
    answer = _ANSWERS[type(request)] = (expect, request.COMMAND in m.STATE_CHANGING)
    return answer


class LoginRefused(TransportError):
    """The ILS answered the login (93) with ok=0: wrong SIP user or password,
    or the account is not allowed from this address. Nothing will work."""


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
        self._wire = Wire(settings)
        self._state = "disconnected"
        self._listeners: list[Callable[[str], None]] = []
        self._rtt_listeners: list[Callable[[float], None]] = []
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

    def add_roundtrip_listener(self, callback: Callable[[float], None]) -> None:
        """``callback(seconds)`` after every answered request (the monitor's
        round-trip histogram), on the requesting thread; must not block."""
        self._rtt_listeners.append(callback)

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
            self._wire.attach(self._factory(self.settings))
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
            # 94 has no screen message in SIP2 2.00; a busy server may still send one (AF).
            why = "; ".join(printable(text) for text in reply.get_all("AF"))
            raise LoginRefused(f"ILS {s.host}:{s.port} refused the SIP2 login for user {s.username!r}"
                               + (f": {why}" if why else ""))
        return reply

    def _read_acs_status(self, reply: m.Message) -> None:
        assert isinstance(reply, m.ACSStatus)
        self.acs_status = reply
        if not reply.online_status and self._state == "connecting":
            # The ACS says it is offline (e.g. too busy to serve us): the kiosk
            # works offline until a reconnect finds it online.
            why = "; ".join(printable(text) for text in reply.screen_message)
            raise TransportError(f"ILS {self.settings.host}:{self.settings.port} says it is offline (98)"
                                 + (f": {why}" if why else ""))
        # Honour the ACS: never stop waiting before its own timeout period (up
        # to acs_timeout_margin seconds past read_timeout: an ILS announcing
        # 99.8 s must not stall the kiosk that long for each lost reply), and
        # never resend more often than it allows (999 = unknown, 000 = none).
        s = self.settings
        period = reply.timeout_period / 10.0
        self.reply_timeout = s.read_timeout
        if 0 < reply.timeout_period < 999 and s.honour_acs_timeout:
            cap = s.read_timeout + s.acs_timeout_margin
            if period > cap:
                log.warning("SIP2: the ILS asks for %.1f s per reply; waiting at most %.1f s "
                            "(read_timeout + acs_timeout_margin)", period, cap)
            self.reply_timeout = max(s.read_timeout, min(period, cap))
        self.max_resends = s.retries
        if reply.retries_allowed != 999:
            self.max_resends = min(s.retries, reply.retries_allowed)

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
        self._wire.drop()

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
        expect, uncertain = _ANSWERS.get(type(request)) or _answer_to(request)
        request = self._dated(request)
        with self._lock:
            if self._wire.transport is None or self._state != "online":
                self._open()
            elif not self._wire.alive():
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

    def _dated(self, request: m.Message) -> m.Message:
        """``request`` with every date a request must carry filled in: 3M SIP2
        2.00 dates are 18 characters and strict servers close the connection
        on blanks. The transaction date is now; the return date (09) and the
        nb due date (11, 29) default to it (the latter blank only when the
        server is configured so, ``nb_due_date = "blank"``)."""
        names = _DATE_FIELDS.get(type(request))
        if names is None:
            names = _DATE_FIELDS[type(request)] = tuple(f.name for f in request.FIXED if f.kind == "date")
        values = request.__dict__
        missing = [name for name in names if values[name] is None]
        if not missing:
            return request
        when = values.get("transaction_date") or now()
        fill: dict[str, Any] = {name: when for name in missing}
        if self.settings.nb_due_date == "blank":
            fill.pop("nb_due_date", None)
        return dataclasses.replace(request, **fill) if fill else request

    def _roundtrip(self, request: m.Message, expect: type[m.Message], *, uncertain: bool) -> m.Message:
        if self._wire.transport is None:
            raise TransportError("not connected to the ILS")
        data, seq = self._wire.frame(request)
        started = time.monotonic()
        try:
            self._wire.send(data)
        except TransportError as exc:
            self._fail(exc)
            raise  # not sent: nothing happened on the ILS
        try:
            reply = self._wire.await_reply(data, seq, expect, reply_timeout=self.reply_timeout,
                                           max_resends=self.max_resends)
        except (TransportError, RemoteProtocolError) as exc:
            self._fail(exc)
            if uncertain:
                raise UnknownOutcome(f"{type(request).__name__} sent but its outcome is unknown: {exc}",
                                     request) from exc
            raise
        self._last_activity = now = time.monotonic()
        self.last_rtt = now - started
        for callback in list(self._rtt_listeners):
            try:
                callback(self.last_rtt)
            except Exception:  # a listener's bug must not fail the request
                log.exception("SIP2 round-trip listener failed")
        return reply

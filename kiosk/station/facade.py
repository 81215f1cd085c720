"""The station: the one facade the Kivy UI and the return bin talk to.

    station = Station(load_config(None))
    station.subscribe(on_event)          # events arrive on worker threads
    station.start()
    station.identify("21000000000001", "scanner"); station.enter_pin("1234")
    station.start_borrow()               # tags on the pad are borrowed as they settle
    station.finish(); station.choose_receipt("print")
    station.stop()

Threading contract:

* Patron actions (:meth:`identify`, :meth:`enter_pin`, :meth:`start_borrow`,
  ... :meth:`touch`) never block: they queue the action for the station's
  worker thread and return at once. Their results come back as events
  (:mod:`kiosk.events`).
* Events are delivered to :meth:`subscribe` callbacks **from worker threads**
  (the station worker, the borrow engine's writer and recorder, the SIP2
  client's supervisor for :class:`OfflineChanged`). The UI must
  re-schedule them onto its own thread (``Clock.schedule_once``) and must not
  block in the callback.
* Queries (:meth:`session_view`, :meth:`account`, :meth:`sip2_status`,
  :meth:`offline_status`, :meth:`recent_transactions`, :meth:`conflicts`) return
  snapshots at once and are safe from any thread. :meth:`device_status`,
  :meth:`receipt_options` and :meth:`reprint` talk to hardware and may take up
  to the device's timeout: call them from a staff-screen worker, not the UI
  thread. (The receipt screen's choices are in :meth:`session_view`.)

Rules live in the engines: :mod:`kiosk.circulation.session` (state table, inactivity),
:mod:`kiosk.circulation.borrow`, :mod:`kiosk.circulation.returns`, :mod:`kiosk.circulation.account`; the journal,
offline desk, recovery and receipts come from their own modules. Errors are
caught at one boundary (:meth:`Station._run_action`) and become a patron
message, never a traceback on screen.
"""

from __future__ import annotations

import logging
import math
import queue
import threading
import time
from pathlib import Path
from typing import Any, Callable

from kiosk.station import flow as station_flow
from kiosk.circulation.account import AccountService
from kiosk.circulation.borrow import BorrowEngine
from kiosk.services.devices import Devices
from kiosk.errors import KioskError
from kiosk.events import (AccountView, DeviceChanged, DeviceStatus, InactivityWarning, Notice, OfflineChanged,
                          OfflineStatus, ReceiptResult, SessionChanged, SessionView, SIP2Status,
                          StationEvent, TransactionView)
from kiosk.i18n import N_, normalize, translator
from kiosk.logs import mask_patron_id, set_patron_pattern
from kiosk.store.replay import ReplayReport
from kiosk.receipts.desk import ReceiptDesk
from kiosk.circulation.returns import ReturnProcessor
from kiosk.staff import verify_secret
from kiosk.services.core import build_core
from kiosk.circulation.session import IllegalStep, Session, Timeouts

log = logging.getLogger(__name__)

__all__ = ["Station"]

MSG_ERROR = N_("Something went wrong. Please try again or ask at the desk.")
MSG_OFFLINE = N_("The library system is offline. You can still return items.")
MSG_ONLINE = N_("The library system is back online.")

Subscriber = Callable[[StationEvent], None]


class Station:
    """See the module docstring.

    ``sip2_client``: a :class:`kiosk.sip2.client.SIP2Client` (built from
    ``config.sip2`` when None). ``devices``: a :class:`kiosk.services.devices.Devices`
    or a dict ``{"rfid": reader, "scanner": ..., "nfc": ..., "printer": ...,
    "payment": ...}``; None opens what ``[devices.*]`` names. ``journal_path``:
    default ``station.data_dir/journal.sqlite3``. ``timeouts`` overrides the
    ``[ui]`` timeouts (tests); ``pad_timing`` overrides the pad watcher's
    ``(poll_interval, settle_time)``.
    """

    def __init__(self, config: Any, *, sip2_client: Any = None, devices: Devices | dict[str, Any] | None = None,
                 journal_path: str | Path | None = None, timeouts: Timeouts | None = None,
                 pad_timing: tuple[float, float] | None = None, clock: Callable[[], float] = time.monotonic,
                 tick: float = 0.05, recover: bool = True) -> None:
        self.config = config
        set_patron_pattern(config.barcodes.patron_pattern)  # patron ids never in full in logs
        self.timeouts = timeouts or Timeouts.from_config(config)
        self.devices = devices if isinstance(devices, Devices) else (
            Devices.from_mapping(devices) if devices is not None else Devices.from_config(config))
        core = build_core(config, self.devices.rfid, client=sip2_client, journal_path=journal_path,
                          is_offline=lambda: self._offline, go_offline=self._go_offline,
                          on_replay_report=self._on_replay_report)
        self.journal, self.client, self.policy, self.rules = core.journal, core.client, core.policy, core.rules
        self.desk, self.security, self.ctx = core.desk, core.security, core.ctx
        self.replayer, self.replay_worker = core.replayer, core.replay_worker
        self.borrower = BorrowEngine(self.ctx)
        self.return_processor = ReturnProcessor(self.ctx)
        self.accounts = AccountService(self.ctx, self.devices.payment)
        self.receipts = ReceiptDesk(config, self.journal, self.devices.printer)
        self.session = Session(self.timeouts, normalize(config.station.default_language), clock)
        self.flow = station_flow.Flow(self)
        self.recover = recover
        self.tick = tick
        self.pad_timing = pad_timing
        self.watcher: Any = None
        self.last_replay: ReplayReport | None = None
        self.last_account: AccountView | None = None
        self.last_recovery: Any = None
        self._offline = False
        self._lock = threading.RLock()
        self._subscribers: list[Subscriber] = []
        self._actions: queue.Queue[tuple[str, tuple[Any, ...]]] = queue.Queue()
        self._halt = threading.Event()
        self._started = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = -1
        self._closed = False
        self._next_link_check = 0.0

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker: connect to the ILS (offline if it cannot), settle
        unfinished journal entries, start the devices. Returns at once."""
        if self._thread is not None:
            return
        self._halt.clear()
        self.borrower.start()
        self._thread = threading.Thread(target=self._worker, name="station", daemon=True)
        self._thread.start()
        self._actions.put(("startup", ()))

    def wait_started(self, timeout: float = 10.0) -> bool:
        """Block until start-up (connect, recovery, devices) is done (tests, demo)."""
        return self._started.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End any session, stop the devices and threads, close the journal."""
        if self._closed:
            return
        self._closed = True
        if self._thread is None:  # never started: only what the constructor opened
            self.devices.close_owned()
            self.journal.close()
            return
        self._actions.put(("shutdown", ()))
        self._thread.join(timeout)
        self._halt.set()
        self._thread.join(timeout)
        self._thread = None
        self.replay_worker.stop(timeout)
        self.borrower.stop(timeout)
        try:
            self.client.close()
        except KioskError as exc:
            log.warning("closing the SIP2 client: %s", exc)
        self.devices.close_owned()
        self.journal.close()

    def __enter__(self) -> "Station":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on worker threads); returns an unsubscribe function."""
        with self._lock:
            self._subscribers.append(callback)

        def unsubscribe() -> None:
            with self._lock:
                if callback in self._subscribers:
                    self._subscribers.remove(callback)
        return unsubscribe

    # -- patron actions (non-blocking) ------------------------------------------------
    def identify(self, barcode: str, source: str = "scanner") -> None:
        """A patron card: ``source`` is scanner, rfid, nfc or keyboard."""
        self._post("identify", barcode, source)

    def enter_pin(self, pin: str) -> None:
        self._post("enter_pin", pin)

    def start_borrow(self) -> None:
        self._post("start_borrow")

    def borrow_barcode(self, item_id: str) -> None:
        """A barcode-only item (no tag) scanned or typed while borrowing."""
        self._post("borrow_barcode", item_id)

    def accept_fee(self, item_id: str) -> None:
        """The patron accepts the rental charge of an item shown as ``CONFIRM_FEE``."""
        self._post("accept_fee", item_id)

    def start_return(self) -> None:
        """Returning; from the attract screen this is an anonymous return."""
        self._post("start_return")

    def return_barcode(self, item_id: str) -> None:
        self._post("return_barcode", item_id)

    def open_account(self) -> None:
        self._post("open_account")

    def go_home(self) -> None:
        """Back to the patron's home screen (borrow / return / account)."""
        self._post("go_home")

    def renew(self, item_id: str) -> None:
        self._post("renew", item_id)

    def renew_all(self) -> None:
        self._post("renew_all")

    def pay(self, fee_id: str | None, amount: Any) -> None:
        """Pay ``amount`` towards ``fee_id`` (None: towards the total)."""
        self._post("pay", fee_id, amount)

    def finish(self) -> None:
        """The patron is done: receipt choice (or straight to goodbye)."""
        self._post("finish")

    def choose_receipt(self, choice: str, email: str | None = None) -> None:
        """``print``, ``email`` (with ``email``) or ``none``."""
        self._post("choose_receipt", choice, email)

    def end_session(self) -> None:
        self._post("end_session")

    def touch(self) -> None:
        """The patron touched the screen: restart the inactivity clock."""
        self._post("touch")

    def set_language(self, code: str) -> None:
        self._post("set_language", code)

    def set_timeouts(self, timeouts: Timeouts) -> None:
        """New inactivity timeouts (staff settings), from the next screen on."""
        self._post("set_timeouts", timeouts)

    # -- queries (snapshots, any thread) ---------------------------------------------------
    @property
    def offline(self) -> bool:
        return self._offline

    def session_view(self) -> SessionView:
        with self._lock:
            return self.flow.view()

    def account(self) -> AccountView | None:
        """The account loaded by the last :meth:`open_account` (None outside the account screen)."""
        return self.last_account

    def receipt_options(self) -> tuple[str, ...]:
        """Receipt choices available now (asks the printer: may block up to its
        timeout); email only for a patron whose address the ILS has on file."""
        choices = self.receipts.options()
        patron = self.session.patron
        if patron is None or not patron.email:
            choices = tuple(c for c in choices if c != "email")
        return choices

    # -- staff and diagnostics ----------------------------------------------------------------
    def device_status(self) -> list[DeviceStatus]:
        """Self-test of every device family (may block up to each device's timeout)."""
        return self.devices.status()

    def device_test(self, family: str) -> Any:
        """Staff's per-device test (blocks: inventory, test print, or up to
        15 s for a scan / card tap). Returns a SelfTestResult."""
        return self.devices.deep_test(family)

    def sip2_status(self) -> SIP2Status:
        rtt = getattr(self.client, "last_rtt", None)
        settings = getattr(self.client, "settings", None)
        return SIP2Status(state=str(getattr(self.client, "state", "disconnected")),
                          last_error=getattr(self.client, "last_error", None),
                          rtt_ms=None if rtt is None else round(rtt * 1000, 1),
                          host=getattr(settings, "host", ""), port=int(getattr(settings, "port", 0) or 0))

    def offline_status(self) -> OfflineStatus:
        counts = self.journal.counts()
        return OfflineStatus(offline=self._offline, queue_length=counts["pending"], conflicts=counts["conflicts"],
                             unfinished=counts["unfinished"],
                             last_replay=self.last_replay.summary() if self.last_replay else "")

    def replay_now(self) -> None:
        """Replay the offline queue now (in the background) if the ILS is reachable."""
        self.replay_worker.trigger()

    def recent_transactions(self, n: int = 20) -> list[TransactionView]:
        """The last ``n`` journal entries, newest first, patron ids masked."""
        return [self._transaction(e) for e in self.journal.recent(n)]

    @staticmethod
    def _transaction(e: Any) -> TransactionView:
        return TransactionView(entry_id=e.id, when=e.created.isoformat(timespec="seconds"), kind=e.kind.value,
                               item_id=e.item_id, patron=mask_patron_id(e.patron_id) if e.patron_id else "",
                               status=e.status.value, detail=e.detail, offline=e.offline,
                               replay=e.replay.value if e.replay else "", staff_reason=e.staff_reason)

    def conflicts(self) -> list[TransactionView]:
        """Everything flagged for staff (unsettled recoveries, replay conflicts, failed security writes)."""
        return [self._transaction(e) for e in self.journal.conflicts()]

    def reprint(self, receipt_id: int | None = None) -> ReceiptResult:
        """Staff: print a stored receipt again (the last one by default)."""
        delivery = self.receipts.reprint(receipt_id)
        return ReceiptResult(delivery.choice, delivery.ok, delivery.message)

    # -- plumbing ------------------------------------------------------------------------------
    def _post(self, name: str, *args: Any) -> None:
        self._actions.put((name, args))

    def emit(self, event: StationEvent) -> None:
        with self._lock:
            subscribers = list(self._subscribers)
        for callback in subscribers:
            try:
                callback(event)
            except Exception:  # a subscriber's bug must not stop the kiosk
                log.exception("station subscriber failed on %s", type(event).__name__)

    def _worker(self) -> None:
        while not self._halt.is_set():
            try:
                name, args = self._actions.get(timeout=self.tick)
            except queue.Empty:
                name, args = "", ()
            if name == "shutdown":
                self._run_action("shutdown", ())
                break
            if name:
                self._run_action(name, args)
            self._check_inactivity()
            self._check_link()

    def _run_action(self, name: str, args: tuple[Any, ...]) -> None:
        """The error boundary: whatever goes wrong becomes a log line and a polite message."""
        handler = getattr(self.flow, f"do_{name}")
        try:
            handler(*args)
        except IllegalStep as exc:
            log.warning("ignored %s: %s", name, exc)
        except KioskError as exc:
            log.error("%s failed: %s", name, exc)
            self._after_error()
        except Exception:
            log.exception("%s failed", name)
            self._after_error()

    def _after_error(self) -> None:
        """Tell the patron politely; a session caught half-way through
        identification (no screen to go back to) is ended, never left hanging."""
        message = translator(self.session.language)(MSG_ERROR)
        self.emit(Notice(message, "error"))
        try:
            self.flow.abandon_if_stuck(message)
        except Exception:
            log.exception("could not end the session after an error")

    def _check_inactivity(self) -> None:
        try:
            status, left = self.session.inactivity()
            if status == "ok":
                if self._warned != -1:  # activity (a touch, a tag) cancelled the countdown
                    self._warned = -1
                    self.session_changed(self.session.message)
                return
            if status == "warn":
                seconds = math.ceil(left)
                if seconds != self._warned:
                    self._warned = seconds
                    self.emit(InactivityWarning(seconds))
                return
            self._warned = -1
            self.flow.on_timeout()
        except Exception:
            log.exception("inactivity check failed")
            self._after_error()

    def _check_link(self) -> None:
        """Once a second while offline: back online when the ILS answers again and
        nothing queued is waiting (a replay pass brings us back otherwise)."""
        now = time.monotonic()
        if not self._offline or now < self._next_link_check:
            return
        self._next_link_check = now + 1.0
        if getattr(self.client, "state", "") != "online":
            return
        try:
            if self.journal.pending_offline():
                self.replay_worker.trigger()
            else:
                self._go_online()
        except KioskError as exc:
            log.warning("link check: %s", exc)

    # -- online / offline -----------------------------------------------------------------------
    def _go_offline(self, reason: str) -> None:
        with self._lock:
            if self._offline:
                return
            self._offline = True
        log.warning("station offline: %s", reason)
        self.emit(OfflineChanged(True, translator(self.session.language)(MSG_OFFLINE)))

    def _go_online(self) -> None:
        with self._lock:
            if not self._offline:
                return
            self._offline = False
        log.info("station back online")
        if self.recover:  # entries that waited for the ILS (recovery while it was down)
            self._post("recover", 30.0)
        self.emit(OfflineChanged(False, translator(self.session.language)(MSG_ONLINE)))

    def on_sip2_state(self, state: str) -> None:
        """SIP2 client listener: the link went down or came back."""
        if state == "offline":
            self._go_offline(str(getattr(self.client, "last_error", "") or "ILS unreachable"))
        elif state == "online" and self._offline:
            # Patrons stay offline until the queue is replayed, so nothing overtakes it.
            if self.journal.pending_offline():
                self.replay_worker.trigger()
            else:
                self._go_online()

    def _on_replay_report(self, report: ReplayReport) -> None:
        self.last_replay = report
        if report.complete and self.client.state == "online":
            self._go_online()

    def is_staff_badge(self, card: str) -> bool:
        """True when ``card`` is one of ``[staff] badge_hashes``. Checked
        without counting failures: every patron card passes through here."""
        hashes = tuple(self.config.staff.badge_hashes)
        return bool(hashes) and any(verify_secret(card, h) for h in hashes)

    def device_changed(self, device: str, ok: bool, detail: str = "") -> None:
        self.emit(DeviceChanged(device, ok, detail))

    def session_changed(self, message: str = "") -> None:
        with self._lock:
            view = self.flow.view(message)
        self.emit(SessionChanged(view.state, view.patron, message, view))


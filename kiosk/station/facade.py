"""The station: the one facade the Kivy UI talks to (:class:`StationAPI`).

    station = Station(load_config(None))
    station.subscribe(on_event)          # events arrive on worker threads
    station.start()
    station.identify("21000000000001", "scanner"); station.enter_pin("1234")
    station.start_borrow()               # tags on the pad are borrowed as they settle
    station.finish(); station.choose_receipt("print")
    station.stop()

Threading contract:

* Patron actions (:meth:`identify`, :meth:`enter_pin`, :meth:`start_borrow`,
  ... :meth:`touch`) never block: they post a typed action
  (:mod:`kiosk.station.actions`) to the station's worker thread
  (:mod:`kiosk.station.worker`) and return at once. Their results come back
  as events (:mod:`kiosk.events`).
* Events are delivered to :meth:`subscribe` callbacks **from worker threads**
  (the station worker, the borrow engine's writer and recorder, and for
  :class:`OfflineChanged` whichever thread moved the ILS link). The UI must
  re-schedule them onto its own thread (``Clock.schedule_once``) and must not
  block in the callback.
* Queries (:meth:`session_view`, :meth:`account`, :meth:`sip2_status`,
  :meth:`offline_status`, :meth:`recent_transactions`, :meth:`conflicts`) return
  snapshots at once and are safe from any thread. :meth:`device_status`,
  :meth:`receipt_options` and :meth:`reprint` talk to hardware and may take up
  to the device's timeout: call them from a staff-screen worker, not the UI
  thread. (The receipt screen's choices are in :meth:`session_view`.)

Behind the facade, one module per flow, each handed only what it uses:
:mod:`~kiosk.station.identification`, :mod:`~kiosk.station.borrowing`,
:mod:`~kiosk.station.returning`, :mod:`~kiosk.station.account`,
:mod:`~kiosk.station.ending` (receipt, goodbye, inactivity),
:mod:`~kiosk.station.lifecycle` and :mod:`~kiosk.station.inputs` (devices);
:mod:`~kiosk.station.wiring` builds them and the one action table. Rules live
in the engines (:mod:`kiosk.circulation`); the online/offline switch is the
shared :class:`kiosk.services.link.ILSLink`.
"""

from __future__ import annotations

import time
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from kiosk.circulation.account import AccountService
from kiosk.circulation.borrow import BorrowEngine
from kiosk.circulation.returns import ReturnProcessor
from kiosk.circulation.session import Session, Timeouts
from kiosk.config import Config
from kiosk.drivers.selftest import SelfTestResult
from kiosk.events import (AccountView, DeviceStatus, OfflineStatus, ReceiptResult, SessionView, SIP2Status,
                          StationEvent, TransactionView)
from kiosk.i18n import normalize
from kiosk.logs import mask_patron_id, set_patron_pattern
from kiosk.monitoring import Monitor
from kiosk.monitoring.liveness import Liveness
from kiosk.receipts.desk import ReceiptDesk
from kiosk.services.allowances import Allowances
from kiosk.services.core import build_core
from kiosk.services.devices import Devices
from kiosk.sip2.api import ILSClient
from kiosk.staff import StaffAuth, StaffPolicy
from kiosk.station import actions as a
from kiosk.station.api import Subscriber
from kiosk.station.hub import EventHub
from kiosk.station.monitoring_hooks import StationMonitoring
from kiosk.station.wiring import Flows, StationParts, wire
from kiosk.store.journal import Entry
from kiosk.store.recovery import RecoveryReport

if TYPE_CHECKING:
    from kiosk.station.api import StationAPI

__all__ = ["Station"]


class Station:
    """See the module docstring.

    ``sip2_client``: the ILS connection, an :class:`~kiosk.sip2.api.ILSClient`
    such as :class:`kiosk.sip2.client.SIP2Client` (built from ``config.sip2``
    when None). ``devices``: a :class:`kiosk.services.devices.Devices`
    or a dict ``{"rfid": reader, "scanner": ..., "nfc": ..., "printer": ...,
    "payment": ...}``; None opens what ``[devices.*]`` names. ``journal_path``:
    default ``station.data_dir/journal.sqlite3``. ``timeouts`` overrides the
    ``[ui]`` timeouts (tests); ``pad_timing`` overrides the pad watcher's
    ``(poll_interval, settle_time)``; ``recover``: settle the journal at
    start-up and when the ILS is back. ``staff_auth``: the staff PIN and
    badge checks with their one lockout (built from ``[staff]`` when None);
    the app's staff sign-in must use this same :attr:`staff_auth`.

    Monitoring: ``monitor`` (default: built from ``[monitoring]``) is told what
    the station does (:class:`~kiosk.station.monitoring_hooks.StationMonitoring`)
    and serves ``/metrics`` once the station has started. ``liveness`` (default:
    a new one, :attr:`liveness`) gets a heart per worker: the station worker and
    the device reader threads (the UI adds its main loop), for the systemd
    watchdog of ``kiosk run``.
    """

    def __init__(self, config: Config, *, sip2_client: ILSClient | None = None,
                 devices: Devices | dict[str, Any] | None = None, journal_path: str | Path | None = None,
                 timeouts: Timeouts | None = None, pad_timing: tuple[float, float] | None = None,
                 clock: Callable[[], float] = time.monotonic, tick: float = 0.05, recover: bool = True,
                 staff_auth: StaffAuth | None = None, monitor: Monitor | None = None,
                 liveness: Liveness | None = None) -> None:
        self.config = config
        self._staff_auth = staff_auth or StaffAuth(StaffPolicy.from_config(config))
        set_patron_pattern(config.barcodes.patron_pattern)  # patron ids never in full in logs
        self.devices = devices if isinstance(devices, Devices) else (
            Devices.from_mapping(devices) if devices is not None else Devices.from_config(config))
        core = build_core(config, self.devices.rfid, client=sip2_client, journal_path=journal_path)
        self.journal, self.client, self.link = core.journal, core.client, core.link
        self.policy, self.rules, self.desk, self.ctx = core.policy, core.rules, core.desk, core.ctx
        self.borrower = BorrowEngine(self.ctx)
        self.return_processor = ReturnProcessor(self.ctx)
        self.accounts = AccountService(self.ctx, self.devices.payment)
        self.receipts = ReceiptDesk(config, self.journal, self.devices.printer)
        self.session = Session(timeouts or Timeouts.from_config(config), normalize(config.station.default_language),
                               clock)
        self.hub = EventHub()
        self.flows: Flows = wire(StationParts(config, core, self.devices, self.session, self.hub.emit, self.borrower,
                                              self.return_processor, self.accounts, self.receipts,
                                              self._staff_auth),
                                 pad_timing=pad_timing, tick=tick, recover=recover)
        self.monitor = monitor or Monitor.from_config(config)
        self.monitoring = StationMonitoring(config, self.monitor, link=self.link, client=self.client,
                                            journal=self.journal, devices=self.devices)
        self.hub.subscribe(self.monitoring.on_event)
        self.flows.lifecycle.on_started.append(self.monitoring.start)
        self.liveness = liveness or Liveness()
        self.allowances = Allowances.from_config(config)
        self._watch_workers()
        self._closed = False

    @property
    def staff_auth(self) -> StaffAuth:
        """The staff PIN and badge checks with their one lockout (see ``staff_auth`` above)."""
        return self._staff_auth

    def _watch_workers(self) -> None:
        """A liveness heart for each worker thread the station runs."""
        beats, allow = self.liveness, self.allowances
        self.flows.worker.heart = beats.heart("station worker", allow.ils_worker)
        if self.flows.lifecycle.watcher is not None:
            self.flows.lifecycle.watcher.heart = beats.heart("rfid pad watcher", allow.reader)
        if self.devices.scanner is not None:
            self.devices.scanner.heart = beats.heart("scanner reader", allow.reader)
        if self.devices.nfc is not None:
            self.devices.nfc.heart = beats.heart("nfc reader", allow.reader)

    # -- lifecycle -------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker: connect to the ILS (offline if it cannot), settle
        unfinished journal entries, start the devices. Returns at once."""
        if self.flows.worker.started:
            return
        self.borrower.start()
        self.flows.worker.start()

    def wait_started(self, timeout: float = 10.0) -> bool:
        """Block until start-up (connect, recovery, devices) is done (tests, demo)."""
        return self.flows.lifecycle.started.wait(timeout)

    def stop(self, timeout: float = 10.0) -> None:
        """End any session, stop the devices and threads, close the journal."""
        if self._closed:
            return
        self._closed = True
        self.monitoring.stop()
        if not self.flows.worker.started:  # never started: only what the constructor opened
            self.devices.close_owned()
            self.journal.close()
            return
        self.flows.worker.stop(timeout)
        self.borrower.stop(timeout)
        self.link.close(timeout)
        self.devices.close_owned()
        self.journal.close()

    def __enter__(self) -> "Station":
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """Call ``callback(event)`` for every event (on worker threads); returns an unsubscribe function."""
        return self.hub.subscribe(callback)

    def emit(self, event: StationEvent) -> None:
        self.hub.emit(event)

    # -- patron actions (non-blocking) ------------------------------------------------
    def identify(self, barcode: str, source: str = "scanner") -> None:
        """A patron card: ``source`` is scanner, rfid, nfc or keyboard."""
        self.post(a.Identify(barcode, source))

    def enter_pin(self, pin: str) -> None:
        self.post(a.EnterPin(pin))

    def start_borrow(self) -> None:
        self.post(a.StartBorrow())

    def borrow_barcode(self, item_id: str) -> None:
        """A barcode-only item (no tag) scanned or typed while borrowing."""
        self.post(a.BorrowBarcode(item_id))

    def accept_fee(self, item_id: str) -> None:
        """The patron accepts the rental charge of an item shown as ``CONFIRM_FEE``."""
        self.post(a.AcceptFee(item_id))

    def start_return(self) -> None:
        """Returning; from the attract screen this is an anonymous return."""
        self.post(a.StartReturn())

    def return_barcode(self, item_id: str) -> None:
        self.post(a.ReturnBarcode(item_id))

    def open_account(self) -> None:
        self.post(a.OpenAccount())

    def go_home(self) -> None:
        """Back to the patron's home screen (borrow / return / account)."""
        self.post(a.GoHome())

    def renew(self, item_id: str) -> None:
        self.post(a.Renew(item_id))

    def renew_all(self) -> None:
        self.post(a.RenewAll())

    def pay(self, fee_id: str | None, amount: str | Decimal) -> None:
        """Pay ``amount`` towards ``fee_id`` (None: towards the total)."""
        self.post(a.Pay(fee_id, amount))

    def finish(self) -> None:
        """The patron is done: receipt choice (or straight to goodbye)."""
        self.post(a.Finish())

    def choose_receipt(self, choice: str, email: str | None = None) -> None:
        """``print``, ``email`` (with ``email``) or ``none``."""
        self.post(a.ChooseReceipt(choice, email))

    def end_session(self) -> None:
        self.post(a.EndSession())

    def touch(self) -> None:
        """The patron touched the screen: restart the inactivity clock."""
        self.post(a.Touch())

    def set_language(self, code: str) -> None:
        self.post(a.SetLanguage(code))

    def set_timeouts(self, timeouts: Timeouts) -> None:
        """New inactivity timeouts (staff settings), from the next screen on."""
        self.post(a.SetTimeouts(timeouts))

    def set_time_factor(self, factor: float) -> None:
        """More time for this patron: timeouts and the warning ``factor`` times
        longer (speech or large-text mode), until the UI sets it again."""
        self.post(a.SetTimeFactor(factor))

    def post(self, action: a.Action) -> None:
        """Queue ``action`` for the worker (any thread; never blocks)."""
        self.flows.worker.post(action)

    # -- queries (snapshots, any thread) ---------------------------------------------------
    @property
    def offline(self) -> bool:
        return self.link.offline

    @property
    def timeouts(self) -> Timeouts:
        return self.session.timeouts

    @property
    def last_recovery(self) -> RecoveryReport | None:
        """What the last journal recovery did (start-up, or the ILS back)."""
        return self.flows.lifecycle.last_recovery

    def session_view(self) -> SessionView:
        return self.flows.live.view()

    def account(self) -> AccountView | None:
        """The account loaded by the last :meth:`open_account` (None outside the account screen)."""
        return self.flows.live.account

    def receipt_options(self) -> tuple[str, ...]:
        """Receipt choices available now (asks the printer: may block up to its
        timeout); email only for a patron whose address the ILS has on file."""
        return self.flows.ending.receipt_options()

    # -- staff and diagnostics ----------------------------------------------------------------
    def device_status(self) -> list[DeviceStatus]:
        """Self-test of every device family (may block up to each device's timeout)."""
        return self.devices.status()

    def device_test(self, family: str) -> SelfTestResult:
        """Staff's per-device test (blocks: inventory, test print, or up to
        15 s for a scan / card tap)."""
        return self.devices.deep_test(family)

    def sip2_status(self) -> SIP2Status:
        client = self.client
        rtt = client.last_rtt
        return SIP2Status(state=client.state, last_error=client.last_error,
                          rtt_ms=None if rtt is None else round(rtt * 1000, 1),
                          host=client.settings.host, port=int(client.settings.port))

    def offline_status(self) -> OfflineStatus:
        counts = self.journal.counts()
        last = self.link.last_replay
        return OfflineStatus(offline=self.link.offline, queue_length=counts["pending"], conflicts=counts["conflicts"],
                             unfinished=counts["unfinished"], last_replay=last.summary() if last else "")

    def replay_now(self) -> None:
        """Replay the offline queue now (in the background) if the ILS is reachable."""
        self.link.replay_now()

    def recent_transactions(self, n: int = 20) -> list[TransactionView]:
        """The last ``n`` journal entries, newest first, patron ids masked."""
        return [_transaction(e) for e in self.journal.recent(n)]

    def conflicts(self) -> list[TransactionView]:
        """Everything flagged for staff (unsettled recoveries, replay conflicts, failed security writes)."""
        return [_transaction(e) for e in self.journal.conflicts()]

    def reprint(self, receipt_id: int | None = None) -> ReceiptResult:
        """Staff: print a stored receipt again (the last one by default)."""
        delivery = self.receipts.reprint(receipt_id)
        return ReceiptResult(delivery.choice, delivery.ok, delivery.message)


def _transaction(e: Entry) -> TransactionView:
    return TransactionView(entry_id=e.id, when=e.created.isoformat(timespec="seconds"), kind=e.kind.value,
                           item_id=e.item_id, patron=mask_patron_id(e.patron_id) if e.patron_id else "",
                           status=e.status.value, detail=e.detail, offline=e.offline,
                           replay=e.replay.value if e.replay else "", staff_reason=e.staff_reason)


if TYPE_CHECKING:
    def _implements(station: Station) -> StationAPI:  # mypy checks the facade keeps the UI's contract
        return station


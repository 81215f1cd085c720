"""The touchscreen station's monitoring: what the station, its ILS link and
its devices say, told to the one :class:`kiosk.monitoring.Monitor`.

:class:`StationMonitoring` is a station subscriber (events arrive on worker
threads; every call here returns at once) plus a listener on the ILS link, the
SIP2 client's round trips, the replay worker and the devices' own status
reports (scanner and card reader unplugged or back, the printer's paper). It
keeps no state of the station's beyond what it needs to count: the session
state (a session starts when the station leaves the attract screen) and the
items already counted in this session (a result may be sent again as it is
completed).

Out of service follows the same rule as the screen (kiosk/screens/router.py):
the ILS is down and offline service is off, or a device marked ``required``
failed. It is reported with its reason (``out_of_service``, ``/healthz`` 503).
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from kiosk.config import Config
from kiosk.drivers.selftest import SelfTestResult
from kiosk.events import (DeviceChanged, ItemResult, ItemStatus, ReceiptResult, RenewResult, SessionChanged,
                          SessionState, StationEvent)
from kiosk.monitoring import Monitor
from kiosk.monitoring.outcomes import item_outcome
from kiosk.services.devices import Devices
from kiosk.services.link import ILSLink, LinkChange
from kiosk.sip2.api import ILSClient
from kiosk.store.journal import Journal
from kiosk.store.replay import ReplayReport

if TYPE_CHECKING:
    from kiosk.drivers.printer.status import PrinterStatus

log = logging.getLogger(__name__)

__all__ = ["StationMonitoring"]

#: Devices whose driver reports its own failures and recoveries (``on_status``).
_REPORTING = ("scanner", "nfc")


class StationMonitoring:
    """Built by the station; :meth:`start` once the station has started (its
    link connected, its devices running), :meth:`stop` before it shuts down."""

    def __init__(self, config: Config, monitor: Monitor, *, link: ILSLink, client: ILSClient, journal: Journal,
                 devices: Devices) -> None:
        self.config = config
        self.monitor = monitor
        self.link = link
        self.journal = journal
        self.devices = devices
        self._lock = threading.Lock()
        self._state = SessionState.IDLE
        self._counted: set[tuple[str, str]] = set()       # (item, action) counted this session
        self._failed: dict[str, str] = {}                 # device -> why (DeviceChanged and driver reports)
        self._paper: tuple[bool, bool] | None = None      # (paper out, near end) last reported
        self._closing = False
        self._first_status: threading.Thread | None = None
        self.sessions = 0
        self.items = 0
        monitor.watch_journal(journal.counts)
        monitor.watch_ils(lambda: link.online)
        monitor.heartbeat_details(self.details)
        link.add_listener(self._on_link)
        link.add_replay_listener(self._on_replay)
        client.add_roundtrip_listener(self._on_roundtrip)

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        """Report every fitted device, the ILS and the service once (a restart
        clears what the last run left raised), then serve metrics and send."""
        for family, error in self.devices.fitted().items():
            error = error or self._failed.get(family, "")
            self._device(family, not error, error)
        for family in _REPORTING:
            device = self.devices.get(family)
            if device is not None:
                device.on_status(lambda result, family=family: self._on_driver_status(family, result))
        printer = self.devices.printer
        if printer is not None:
            printer.on_status(self._on_printer_status)
            if printer.can_read_status:  # the first answer on its own thread: a printer that is off takes seconds
                self._first_status = threading.Thread(target=printer.status, name="printer-status-first",
                                                      daemon=True)
                self._first_status.start()
        self.monitor.ils(self.link.online)
        self._check_service()
        self.monitor.start()

    def stop(self) -> None:
        """Stop listening (devices closing are not failures) and stop the monitor."""
        with self._lock:
            self._closing = True
        if self._first_status is not None and self.devices.printer is not None:
            # Before the station closes the printer: a query cut off by the close would reconnect it.
            self._first_status.join(self.devices.printer.timeout * 6 + 1)
        self.monitor.stop()

    # -- the station's events (worker threads) ----------------------------------------------
    def on_event(self, event: StationEvent) -> None:
        if isinstance(event, SessionChanged):
            self._session(event.state)
        elif isinstance(event, ItemResult):
            if event.action != "renew":                   # renewals arrive as one RenewResult
                self._item(event)
        elif isinstance(event, RenewResult):
            for result in event.results:
                self._item(result)
        elif isinstance(event, ReceiptResult):
            if event.choice == "print":
                self.monitor.receipt(event.ok)
        elif isinstance(event, DeviceChanged):
            self._device(event.device, event.ok, event.detail)

    def _session(self, state: SessionState) -> None:
        with self._lock:
            started = self._state is SessionState.IDLE and state is not SessionState.IDLE
            if state is SessionState.IDLE:
                self._counted.clear()
            self._state = state
            if started:
                self.sessions += 1
        if started:
            self.monitor.session_started()

    def _item(self, result: ItemResult) -> None:
        outcome = item_outcome(result)
        if outcome is None:
            return
        with self._lock:
            key = (result.item_id, result.action)
            if key in self._counted:
                return                                    # the same item completed again (title, security)
            self._counted.add(key)
            self.items += 1
        self.monitor.item(result.action, outcome)
        if _security_failed(result):
            self.monitor.event("security_write_failed", item=result.item_id, action=result.action)

    # -- devices ---------------------------------------------------------------------------
    def _device(self, family: str, ok: bool, detail: str) -> None:
        with self._lock:
            if self._closing:
                return
            if ok:
                self._failed.pop(family, None)
            else:
                self._failed[family] = detail or "failed"
        self.monitor.device(family, ok, detail)
        self._check_service()

    def _on_driver_status(self, family: str, result: SelfTestResult) -> None:
        self._device(family, bool(result.ok), str(result.detail))

    def _on_printer_status(self, status: PrinterStatus) -> None:
        if not status.known or self._closing:
            return
        self._device("printer", bool(status.online), "" if status.online else status.describe())
        paper = (bool(status.paper_out), bool(status.near_end and not status.paper_out))
        with self._lock:
            before, self._paper = self._paper, paper
        if before is None or before[0] != paper[0]:
            # The first answer too: "paper again" is sent only when the last run left the alarm raised.
            self.monitor.paper_out(paper[0])
        if paper[1] and (before is None or not before[1]):
            self.monitor.event("printer_paper_near_end", device="printer")

    # -- the ILS ---------------------------------------------------------------------------
    def _on_link(self, change: LinkChange) -> None:
        self.monitor.ils(change.online, change.reason)
        self._check_service()

    def _on_replay(self, report: ReplayReport) -> None:
        if report.conflicts or report.flagged:
            self.monitor.event("offline_conflict", conflicts=report.conflicts, flagged=report.flagged,
                               summary=report.summary())

    def _on_roundtrip(self, seconds: float) -> None:
        self.monitor.sip2_rtt(seconds)

    # -- in service or not ------------------------------------------------------------------
    def out_of_service_reason(self) -> str:
        """Why patrons cannot be served now ("" when they can)."""
        if self.link.offline and not self.config.offline.enabled:
            return "the library system is unavailable and offline service is off"
        with self._lock:
            failed = dict(self._failed)
        for family, detail in failed.items():
            if family in self.devices.required and self.devices.required[family]:
                return f"{family} failed: {detail}"
        return ""

    def _check_service(self) -> None:
        if self._closing:
            return
        reason = self.out_of_service_reason()
        self.monitor.service(not reason, reason)

    # -- what the heartbeat and systemd say -------------------------------------------------------
    def details(self) -> dict[str, Any]:
        reason = self.out_of_service_reason()
        with self._lock:
            state = self._state.value
        return {"state": state, "serving": not reason, "out_of_service_reason": reason,
                "sessions": self.sessions, "items": self.items, "status": self.status_line()}

    def status_line(self) -> str:
        """One line for systemd's ``STATUS=``: serving or not (why), the ILS, the queue, the counts."""
        reason = self.out_of_service_reason()
        counts = self.journal.counts()
        parts = [f"out of service: {reason}" if reason else "serving patrons",
                 "ILS online" if self.link.online else "ILS offline"]
        if counts["pending"]:
            parts.append(f"{counts['pending']} queued offline")
        if counts["conflicts"]:
            parts.append(f"{counts['conflicts']} for staff")
        parts.append(f"sessions {self.sessions}, items {self.items}")
        return "; ".join(parts)


def _security_failed(result: ItemResult) -> bool:
    """The tag's security write failed: a loan left alarming the gates, or a return left not."""
    if result.status is not ItemStatus.SEE_STAFF or result.secured is None:
        return False
    return result.secured is (result.action == "borrow")

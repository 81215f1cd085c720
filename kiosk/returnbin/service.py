"""The after-hours return bin: items drop down the chute, past an RFID reader
(and optionally a barcode scanner), and each one is checked in, re-secured,
journaled and sent to a bin.

Three stages, each one thread and one FIFO, so the slow parts overlap while
items keep their order: the reader (a :class:`PadWatcher`, here) feeds the
:class:`kiosk.returnbin.stages.SortingLine` (check in; secure and sort).

The processor is the same :class:`kiosk.circulation.returns.ReturnProcessor` the kiosk
uses, and the ILS link the same :class:`kiosk.services.link.ILSLink`, so
journal-before-send, offline queueing, replay and unknown-outcome
reconciliation behave identically. Offline, items are queued and go to the
default bin; the link's replay worker replays the queue when the ILS is back.

A full bin stops the intake: the display says so, staff get a ``bin_full``
webhook, items already in the chute go to the reject bin while it has room
(or are flagged for staff), and intake resumes when the sorter reports the bin
emptied.

Monitoring is the one :class:`~kiosk.monitoring.Monitor` the touchscreen
station uses too: the ILS from the link, every device and bin reported at
start (a restart clears what the last run left raised) and on each change,
the journal's queue read at each scrape. Under systemd, :meth:`ReturnBin.run`
sends READY and pings the watchdog only while its workers (the pad watcher
that takes items in, the check-in and sorting stages, a chute scanner's
reader) make progress (:mod:`kiosk.monitoring.liveness`).
"""

from __future__ import annotations

import logging
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable

from kiosk.circulation.returns import ReturnProcessor
from kiosk.config import Config
from kiosk.drivers.rfid.base import RFIDReader, uid_hex
from kiosk.drivers.rfid.events import PadEvent, PadFault, PadRecovered, PadWatcher, TagPlaced
from kiosk.drivers.sorter.base import Sorter, SorterEvent
from kiosk.errors import KioskError
from kiosk.logs import set_patron_pattern
from kiosk.monitoring import Monitor
from kiosk.monitoring.liveness import Liveness
from kiosk.monitoring.sdnotify import SystemdNotifier
from kiosk.monitoring.watchdog import ServiceNotifier
from kiosk.returnbin.rules import BinRules
from kiosk.returnbin.stages import ChuteItem, ItemSorted, SortingLine
from kiosk.services.allowances import Allowances
from kiosk.services.core import build_core
from kiosk.services.devices import RETURNBIN_FAMILIES, Devices
from kiosk.services.link import LinkChange
from kiosk.sip2.api import ILSClient
from kiosk.store.recovery import Recovery, RecoveryReport
from kiosk.store.replay import ReplayReport
from kiosk.tags import ItemTag, Unreadable

if TYPE_CHECKING:
    from kiosk.drivers.barcode.base import Scanner
    from kiosk.drivers.display import StatusDisplay
    from kiosk.drivers.printer.device import ReceiptPrinter

log = logging.getLogger(__name__)

__all__ = ["ChuteItem", "ItemSorted", "ReturnBin"]


class ReturnBin:
    """The service. ``start()`` returns once it is taking items; ``stop()``
    finishes the items already read and closes everything it opened.

    Devices not handed in are opened from ``[devices.*]`` by the shared
    :class:`kiosk.services.devices.Devices`; the reader and the sorter are
    required. The printer is used for slips only with ``returnbin.print_slip``."""

    def __init__(self, config: Config, *, client: ILSClient | None = None, reader: RFIDReader | None = None,
                 scanner: Scanner | None = None, sorter: Sorter | None = None, display: StatusDisplay | None = None,
                 printer: ReceiptPrinter | None = None, journal_path: str | Path | None = None,
                 monitor: Monitor | None = None, pad_timing: tuple[float, float] | None = None,
                 clock: Callable[[], float] = time.monotonic, liveness: Liveness | None = None) -> None:
        self.config = config
        self._clock = clock
        set_patron_pattern(config.barcodes.patron_pattern)  # patron ids never in full in logs
        families = tuple(f for f in RETURNBIN_FAMILIES
                         if f != "printer" or config.returnbin.print_slip or printer is not None)
        self.devices = Devices.from_config(config, families, needed=("rfid", "sorter"), service="the return bin",
                                           given={"rfid": reader, "scanner": scanner, "sorter": sorter,
                                                  "display": display, "printer": printer})
        assert self.devices.rfid is not None and self.devices.sorter is not None  # needed: opened or raised
        self.reader: RFIDReader = self.devices.rfid
        self.sorter: Sorter = self.devices.sorter
        self.scanner, self.display, self.printer = self.devices.scanner, self.devices.display, self.devices.printer
        self.monitor = monitor or Monitor.from_config(config)
        self.rules = BinRules.from_config(config, self.sorter.bins())
        problems = self.rules.problems()
        if problems:
            self.devices.close_owned()
            raise KioskError("return bin rules name bins the sorter lacks: " + "; ".join(problems))
        core = build_core(config, self.reader, client=client, journal_path=journal_path)
        self.journal, self.client, self.policy, self.link = core.journal, core.client, core.policy, core.link
        self.isil = core.rules.isil
        self.desk, self.ctx = core.desk, core.ctx
        self.processor = ReturnProcessor(self.ctx)
        # Round trips reach the monitor from the client, every one (not one per item).
        self.line = SortingLine(self.processor, core.security, self.rules, self.sorter, self.journal, self.monitor,
                                printer=self.printer, library_name=str(config.station.library_name),
                                ils_rtt=lambda: None, bin_full=self._stop_intake, clock=clock)
        poll, settle = pad_timing or (float(config.devices.rfid.poll_interval), 0.0)
        self.watcher = PadWatcher(self.reader, poll_interval=poll, settle_time=settle)
        self.link.add_listener(self._on_link)
        self.link.add_replay_listener(self._on_replay_report)
        self.client.add_roundtrip_listener(self.monitor.sip2_rtt)
        self.monitor.watch_journal(self.journal.counts)
        self.monitor.watch_ils(lambda: self.link.online)
        self.monitor.heartbeat_details(self.status)
        self.liveness = liveness or Liveness()
        allow = Allowances.from_config(config)
        self.watcher.heart = self.liveness.heart("intake (rfid pad watcher)", allow.reader)
        self.line.process_heart = self.liveness.heart("check-in stage", allow.ils_worker)
        self.line.route_heart = self.liveness.heart("sorting stage", allow.writer)
        if self.scanner is not None:
            self.scanner.heart = self.liveness.heart("intake (scanner reader)", allow.reader)
        self._intake_stopped = ""           # why intake is stopped ("" = open)
        self._lock = threading.Lock()
        self._stopped = False
        self.last_recovery: RecoveryReport | None = None

    # -- lifecycle ---------------------------------------------------------------------
    def on_item(self, callback: Callable[[ItemSorted], None]) -> None:
        self.line.on_item(callback)

    @property
    def processed(self) -> int:
        return self.line.processed

    def start(self) -> None:
        self.link.connect()
        self.last_recovery = Recovery(self.journal, None if self.link.offline else self.client, self.reader,
                                      self.policy).run()
        log.info("start-up recovery: %s", self.last_recovery.summary())
        self.sorter.on_event(self._on_sorter_event)
        self.line.start()
        self.link.serve()
        self.watcher.start(self._on_pad_event)
        if self.scanner is not None:
            self.scanner.start(self.scan)
        full = self.sorter.full_bins()
        if full:
            self._stop_intake(f"bin {full[0]} full")
        self._report_start(full)
        self.monitor.start()
        self._update_display()

    def _report_start(self, full: list[str]) -> None:
        """Every device, bin, the ILS and the intake once: true from the first
        scrape, and alarms the last run left raised are cleared when they are over."""
        for family, error in self.devices.fitted().items():
            self.monitor.device(family, not error, error)
        for bin_name in self.sorter.bins():
            self.monitor.bin(bin_name, bin_name in full)
        self.monitor.ils(self.link.online)
        self.monitor.service(self.intake_open, self._intake_stopped)

    def stop(self, timeout: float = 5.0) -> None:
        """Stop taking items, finish the ones already read (bounded by
        ``timeout`` per stage: checked in, secured and sorted, so nothing is
        left checked in but unsecured), then close everything. Idempotent."""
        if self._stopped:
            return
        self._stopped = True
        self.watcher.stop(timeout)
        if self.scanner is not None:
            self.scanner.stop()
        self.line.finish(timeout)
        self.monitor.metrics.in_service.set(0)
        self.link.close(timeout)
        self.devices.close_owned()
        self.monitor.stop()
        self.journal.close()

    def run(self, notifier: SystemdNotifier | None = None, stop: threading.Event | None = None) -> None:
        """Serve until ``stop`` is set: start, send READY=1, then STATUS= on
        changes and WATCHDOG=1 while every worker makes progress
        (:class:`~kiosk.monitoring.watchdog.ServiceNotifier`); STOPPING=1 before stopping."""
        stop = stop or threading.Event()
        self.start()
        systemd = ServiceNotifier(notifier or SystemdNotifier({}), self.liveness, self.status_line).start()
        systemd.ready()
        try:
            while not stop.wait(1.0):
                pass
        finally:
            systemd.stop()
            self.stop()

    # -- state ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        counts = self.desk.status()
        return {"offline": self.link.offline, "intake": "stopped" if self._intake_stopped else "open",
                "intake_reason": self._intake_stopped, "processed": self.processed,
                "queue": counts.get("pending", 0), "conflicts": counts.get("conflicts", 0),
                "full_bins": list(self.sorter.full_bins())}

    def status_line(self) -> str:
        if self._intake_stopped:
            return f"intake stopped: {self._intake_stopped}"
        return ("offline, returns queued" if self.link.offline else "taking returns") + f"; {self.processed} items"

    @property
    def intake_open(self) -> bool:
        return not self._intake_stopped

    def _update_display(self) -> None:
        if self.display is None:
            return
        try:
            if self._intake_stopped:
                self.display.show("full", "Return bin full - please return items at the desk")
            elif self.link.offline:
                self.display.show("offline", "Insert items one at a time")
            else:
                self.display.show("ready", "Insert items one at a time")
        except KioskError as exc:
            log.warning("status display failed: %s", exc)

    def _stop_intake(self, reason: str) -> None:
        with self._lock:
            if self._intake_stopped:
                return
            self._intake_stopped = reason
        log.error("intake stopped: %s", reason)
        self.monitor.service(False, reason)
        self._update_display()

    def _resume_intake(self) -> None:
        with self._lock:
            if not self._intake_stopped or self.sorter.full_bins():
                return
            self._intake_stopped = ""
        log.info("intake open again")
        self.monitor.service(True)
        self._update_display()

    # -- what others tell us ---------------------------------------------------------------
    def _on_link(self, change: LinkChange) -> None:
        """The ILS link moved (on the link's threads): the monitor (an event only
        on a change, or to clear what the last run left raised) and the display."""
        self.monitor.ils(change.online, change.reason)
        self._update_display()

    def _on_replay_report(self, report: ReplayReport) -> None:
        if report.conflicts or report.flagged:
            self.monitor.event("offline_conflict", conflicts=report.conflicts, flagged=report.flagged,
                               summary=report.summary())

    def _on_sorter_event(self, event: SorterEvent) -> None:
        if event.kind == "full":
            self.monitor.bin(event.bin, full=True)
            self._stop_intake(f"bin {event.bin} full")
        elif event.kind == "emptied":
            self.monitor.bin(event.bin, full=False)
            self._resume_intake()
        elif event.kind == "jam":
            self.monitor.device("sorter", up=False, detail=event.detail or "jam")

    # -- intake (stage 1) ----------------------------------------------------------------------
    def _on_pad_event(self, event: PadEvent) -> None:
        if isinstance(event, TagPlaced):
            self.line.put(self._from_tag(event))
        elif isinstance(event, PadFault):
            self.monitor.device("rfid", up=False, detail=event.message)
        elif isinstance(event, PadRecovered):
            self.monitor.device("rfid", up=True)

    def _from_tag(self, event: TagPlaced) -> ChuteItem:
        uid, afi, data, now = event.tag.uid, event.tag.afi, event.data, self._clock()
        if isinstance(data, Unreadable):
            return ChuteItem("", (uid,), (afi,), f"unreadable tag {uid_hex(uid)}: {data.reason}", arrived=now)
        assert isinstance(data, ItemTag)
        if data.is_patron_card:
            return ChuteItem("", (uid,), (afi,), "a patron card, not an item", arrived=now)
        if self.isil and data.is_owned_by(self.isil) is False:
            return ChuteItem(data.primary_item_id, (uid,), (afi,), f"foreign item (owner {data.owner_isil})",
                             arrived=now)
        return ChuteItem(data.primary_item_id, (uid,), (afi,), part=data.part, parts=data.parts, arrived=now)

    def scan(self, barcode: str) -> None:
        """A barcode read at the chute (an item without a working tag)."""
        self.line.put(ChuteItem(barcode.strip(), arrived=self._clock()))

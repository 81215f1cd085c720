"""The after-hours return bin: items drop down the chute, past an RFID reader
(and optionally a barcode scanner), and each one is checked in, re-secured,
journaled and sent to a bin.

Three stages, each one thread and one FIFO, so the slow parts overlap while
items keep their order:

    reader (PadWatcher)  --intake-->  processor  --routing-->  router
    tag read + decode                 journal, check in (09)   secure the tag, choose
                                      (ReturnProcessor         the bin, sorter.route(bin),
                                       .check_in)              metrics, events, slip

so one item's security write and sorting overlap the next item's ILS round
trip (the journal order per item is unchanged).

The processor is the same :class:`kiosk.circulation.returns.ReturnProcessor` the kiosk
uses, so journal-before-send, offline queueing and unknown-outcome
reconciliation behave identically. Offline, items are queued and go to the
default bin; the :class:`kiosk.store.replay.ReplayWorker` replays the queue
when the ILS is back.

A full bin stops the intake: the display says so, staff get a ``bin_full``
webhook, items already in the chute go to the reject bin while it has room
(or are flagged for staff), and intake resumes when the sorter reports the bin
emptied.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid.base import uid_hex
from kiosk.drivers.rfid.events import PadFault, PadRecovered, PadWatcher, TagPlaced
from kiosk.drivers.sorter.base import BinFull, SorterEvent
from kiosk.errors import DeviceError, KioskError
from kiosk.logs import set_patron_pattern
from kiosk.monitoring import Monitor
from kiosk.store.replay import ReplayReport
from kiosk.store.recovery import Recovery
from kiosk.services.core import build_core
from kiosk.returnbin.rules import BinRules, Decision, SortFacts
from kiosk.circulation.returns import PendingReturn, ReturnOutcome, ReturnProcessor
from kiosk.tags import ItemTag, Unreadable

log = logging.getLogger(__name__)

#: A second part of a multi-part item (or the same tag bouncing back into the
#: field) within this many seconds is secured and follows the first part.
PART_WINDOW = 120.0


@dataclass(frozen=True)
class ChuteItem:
    """One item at the chute: from a tag (``uids``) or a scanned barcode."""

    item_id: str
    uids: tuple[bytes, ...] = ()
    afis: tuple[int, ...] = ()
    reject_reason: str = ""      # unreadable, foreign, patron card: never sent to the ILS
    part: int = 1
    parts: int = 1
    arrived: float = 0.0


@dataclass(frozen=True)
class ItemSorted:
    """What happened to one item; listeners (tests, the chute simulator,
    slips) hear it after the sorter took the item."""

    item: ChuteItem
    bin: str
    reason: str
    outcome: ReturnOutcome | None
    routed: bool            # False: the item is still in the chute (every bin full / sorter failed)
    seconds: float          # from arrival at the chute to routed


class ReturnBin:
    """The service. ``start()`` returns once it is taking items; ``stop()``
    drains nothing and closes everything it opened."""

    def __init__(self, config: Any, *, client: Any = None, reader: Any = None, scanner: Any = None,
                 sorter: Any = None, display: Any = None, printer: Any = None,
                 journal_path: str | Path | None = None, monitor: Monitor | None = None,
                 pad_timing: tuple[float, float] | None = None, clock: Callable[[], float] = time.monotonic) -> None:
        self.config = config
        self._clock = clock
        set_patron_pattern(config.barcodes.patron_pattern)  # patron ids never in full in logs
        self._owned: list[Any] = []
        self.reader = reader if reader is not None else self._open("rfid", required=True)
        self.scanner = scanner if scanner is not None else self._open("scanner")
        self.sorter = sorter if sorter is not None else self._open("sorter", required=True)
        self.display = display if display is not None else self._open("display")
        self.printer = printer if printer is not None else (self._open("printer")
                                                            if config.returnbin.print_slip else None)
        self.monitor = monitor or Monitor.from_config(config)
        self.rules = BinRules.from_config(config.returnbin, self.sorter.bins())
        problems = self.rules.problems()
        if problems:
            raise KioskError("return bin rules name bins the sorter lacks: " + "; ".join(problems))
        core = build_core(config, self.reader, client=client, journal_path=journal_path,
                          is_offline=lambda: self._offline, go_offline=self._go_offline,
                          on_replay_report=self._on_replay_report)
        self.journal, self.client, self.policy = core.journal, core.client, core.policy
        self.isil = core.rules.isil
        self.desk, self.ctx, self.replay_worker = core.desk, core.ctx, core.replay_worker
        self.processor = ReturnProcessor(self.ctx)
        poll, settle = pad_timing or (float(config.devices.rfid.poll_interval), 0.0)
        self.watcher = PadWatcher(self.reader, poll_interval=poll, settle_time=settle)
        self._intake: queue.Queue[ChuteItem | None] = queue.Queue()
        self._routing: queue.Queue[tuple[ChuteItem, Decision | PendingReturn] | None] = queue.Queue()
        self._listeners: list[Callable[[ItemSorted], None]] = []
        self._recent: dict[str, tuple[float, Decision, set[bytes]]] = {}
        self._offline = False
        self._intake_stopped = ""           # why intake is stopped ("" = open)
        self._lock = threading.Lock()
        self._threads: list[threading.Thread] = []
        self._stopped = False
        self.last_recovery: Any = None
        self.processed = 0

    # -- devices ---------------------------------------------------------------------
    def _open(self, family: str, required: bool = False) -> Any:
        section = getattr(self.config.devices, family)
        if not section.driver:
            if required:
                raise DeviceError(f"the return bin needs [devices.{family}] driver", family)
            return None
        try:
            device = open_device(family, section.driver, dict(section.options))
        except DeviceError as exc:
            if required or section.required:
                raise
            log.warning("%s disabled: %s", family, exc)
            return None
        self._owned.append(device)
        return device

    # -- lifecycle ---------------------------------------------------------------------
    def on_item(self, callback: Callable[[ItemSorted], None]) -> None:
        self._listeners.append(callback)

    def start(self) -> None:
        self.monitor.start()
        self.client.add_listener(self._on_sip2_state)
        try:
            self.client.connect()
        except KioskError as exc:
            self._go_offline(str(exc))
        self.last_recovery = Recovery(self.journal, None if self._offline else self.client, self.reader,
                                      self.policy).run()
        log.info("start-up recovery: %s", self.last_recovery.summary())
        self.sorter.on_event(self._on_sorter_event)
        for name, target in (("returnbin-process", self._process_loop), ("returnbin-route", self._route_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.replay_worker.start()
        self.watcher.start(self._on_pad_event)
        if self.scanner is not None:
            self.scanner.start(self.scan)
        full = self.sorter.full_bins()
        if full:
            self._stop_intake(f"bin {full[0]} full")
        self._update_display()
        self.monitor.metrics.in_service.set(1)

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
        self._intake.put(None)       # after the items already queued
        if self._threads:
            self._threads[0].join(timeout)
        self._routing.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.replay_worker.stop(timeout)
        self.monitor.metrics.in_service.set(0)
        try:
            self.client.close()
        except KioskError as exc:
            log.warning("closing the SIP2 client: %s", exc)
        for device in self._owned:
            try:
                device.close()
            except (KioskError, OSError) as exc:
                log.warning("closing %s: %s", type(device).__name__, exc)
        self.monitor.stop()
        self.journal.close()

    def run(self, notifier: Any = None, stop: threading.Event | None = None) -> None:
        """Serve until ``stop`` is set: start, tell systemd we are ready, and
        ping its watchdog from this loop (a hung loop gets restarted)."""
        stop = stop or threading.Event()
        self.start()
        interval = 1.0
        if notifier is not None:
            notifier.ready(self.status_line())
            interval = min(interval, notifier.watchdog_interval or interval)
        try:
            while not stop.wait(interval):
                if notifier is not None:
                    notifier.watchdog()
                    notifier.status(self.status_line())
                self.monitor.set_status(**self.status())
        finally:
            if notifier is not None:
                notifier.stopping()
            self.stop()

    # -- state ---------------------------------------------------------------------------
    def status(self) -> dict[str, Any]:
        counts = self.desk.status()
        return {"offline": self._offline, "intake": "stopped" if self._intake_stopped else "open",
                "intake_reason": self._intake_stopped, "processed": self.processed,
                "queue": counts.get("pending", 0), "conflicts": counts.get("conflicts", 0),
                "full_bins": list(self.sorter.full_bins())}

    def status_line(self) -> str:
        if self._intake_stopped:
            return f"intake stopped: {self._intake_stopped}"
        return ("offline, returns queued" if self._offline else "taking returns") + f"; {self.processed} items"

    @property
    def intake_open(self) -> bool:
        return not self._intake_stopped

    def _update_display(self) -> None:
        if self.display is None:
            return
        try:
            if self._intake_stopped:
                self.display.show("full", "Return bin full - please return items at the desk")
            elif self._offline:
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
        self.monitor.metrics.in_service.set(0)
        self._update_display()

    def _resume_intake(self) -> None:
        with self._lock:
            if not self._intake_stopped or self.sorter.full_bins():
                return
            self._intake_stopped = ""
        log.info("intake open again")
        self.monitor.metrics.in_service.set(1)
        self._update_display()

    def _go_offline(self, reason: str) -> None:
        with self._lock:
            if self._offline:
                return
            self._offline = True
        self.monitor.metrics.ils_online.set(0)
        self.monitor.event("ils_offline", reason=reason)
        self._update_display()

    def _go_online(self) -> None:
        with self._lock:
            if not self._offline:
                return
            self._offline = False
        self.monitor.metrics.ils_online.set(1)
        self.monitor.event("ils_online")
        self._update_display()

    def _on_sip2_state(self, state: str) -> None:
        if state == "offline":
            self._go_offline(str(getattr(self.client, "last_error", "") or "ILS unreachable"))
        elif state == "online":
            # Stay offline until the queue is replayed, so new returns cannot overtake it.
            if self.journal.pending_offline():
                self.replay_worker.trigger()
            else:
                self._go_online()

    def _on_replay_report(self, report: ReplayReport) -> None:
        if report.conflicts or report.flagged:
            self.monitor.event("offline_conflict", conflicts=report.conflicts, flagged=report.flagged,
                               summary=report.summary())
        if report.complete and self.client.state == "online":
            self._go_online()

    def _on_sorter_event(self, event: SorterEvent) -> None:
        if event.kind == "full":
            self.monitor.event("bin_full", bin=event.bin)
            self._stop_intake(f"bin {event.bin} full")
        elif event.kind == "emptied":
            self.monitor.event("bin_emptied", bin=event.bin)
            self._resume_intake()
        elif event.kind == "jam":
            self.monitor.event("device_error", device="sorter", detail=event.detail or "jam")

    # -- intake --------------------------------------------------------------------------
    def _on_pad_event(self, event: Any) -> None:
        if isinstance(event, TagPlaced):
            self._intake.put(self._from_tag(event))
        elif isinstance(event, PadFault):
            self.monitor.metrics.device_up.set(0, device="rfid")
            self.monitor.event("device_error", device="rfid", detail=event.message)
        elif isinstance(event, PadRecovered):
            self.monitor.metrics.device_up.set(1, device="rfid")
            self.monitor.event("device_ok", device="rfid")

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
        self._intake.put(ChuteItem(barcode.strip(), arrived=self._clock()))

    # -- processing ----------------------------------------------------------------------
    def _process_loop(self) -> None:
        while True:
            item = self._intake.get()
            if item is None:
                return
            try:
                work: Decision | PendingReturn = self._check_in(item)
            except Exception as exc:  # the boundary: one bad item must not stop the bin
                log.exception("processing %s failed", item.item_id or "an unreadable item")
                work = Decision(self.rules.reject_bin, f"internal error: {exc}")
            self._routing.put((item, work))

    def _check_in(self, item: ChuteItem) -> Decision | PendingReturn:
        """Stage 2: a decision at once (rejects, further parts) or a checked-in
        return whose security write stage 3 completes."""
        if item.reject_reason:
            return self.rules.choose(SortFacts(item.item_id, accepted=False, reject_reason=item.reject_reason))
        recent = self._recent.get(item.item_id)
        if (recent is not None and self._clock() - recent[0] < PART_WINDOW and item.uids
                and (item.parts > 1 or set(item.uids) & recent[2])):
            # Another part of an item just checked in (or the same tag again):
            # secure it and send it after the first part; no second checkin.
            result = self.ctx.security.write(item.uids, secured=True, afis=item.afis)
            if not result.ok:
                self.monitor.event("security_write_failed", item=item.item_id, detail=result.detail)
                return Decision(self.rules.reject_bin, f"part not secured: {result.detail}")
            return Decision(recent[1].bin, f"part {item.part} of {item.parts}, follows part 1")
        pending = self.processor.check_in(item.item_id, item.uids, afis=item.afis)
        if self.client.last_rtt is not None:
            self.monitor.metrics.ils_rtt.observe(float(self.client.last_rtt))
        # Remember the item now, so a second part arriving before this one is
        # sorted is not checked in again; the bin is filled in by stage 3.
        self._recent[item.item_id] = (self._clock(), Decision(self.rules.default_bin, "pending"), set(item.uids))
        return pending

    def _complete(self, item: ChuteItem, pending: PendingReturn) -> tuple[Decision, ReturnOutcome]:
        """Stage 3: the security write, then the bin."""
        outcome = pending.complete()
        if outcome.secured is False:
            self.monitor.event("security_write_failed", item=item.item_id, detail=outcome.detail)
        facts = SortFacts(item.item_id, accepted=outcome.accepted and outcome.secured is not False,
                          offline=outcome.offline,
                          reject_reason=outcome.detail or ("refused by the ILS" if not outcome.accepted else ""),
                          alert=outcome.alert or outcome.alert_type != "", alert_type=outcome.alert_type,
                          sort_bin=outcome.sort_bin, location=outcome.permanent_location,
                          media_type=outcome.media_type)
        decision = self.rules.choose(facts)
        if facts.accepted:
            self._recent[item.item_id] = (self._clock(), decision, set(item.uids))
            self._forget_old()
        else:
            self._recent.pop(item.item_id, None)
        return decision, outcome

    def _forget_old(self) -> None:
        if len(self._recent) > 256:
            cutoff = self._clock() - PART_WINDOW
            for key in [k for k, (t, _, _) in self._recent.items() if t < cutoff]:
                del self._recent[key]

    # -- routing -------------------------------------------------------------------------
    def _route_loop(self) -> None:
        while True:
            job = self._routing.get()
            if job is None:
                return
            item, work = job
            outcome: ReturnOutcome | None = None
            try:
                if isinstance(work, PendingReturn):
                    decision, outcome = self._complete(item, work)
                else:
                    decision = work
                bin_name, reason, routed = self._route(item, decision)
            except Exception as exc:  # the boundary: keep sorting the next item
                log.exception("sorting %s failed", item.item_id)
                bin_name, reason, routed = self.rules.reject_bin, f"internal error: {exc}", False
            self._finish(item, bin_name, reason, outcome, routed)

    def _route(self, item: ChuteItem, decision: Decision) -> tuple[str, str, bool]:
        candidates = [decision.bin] + ([self.rules.reject_bin] if decision.bin != self.rules.reject_bin else [])
        reason = decision.reason
        for bin_name in candidates:
            try:
                self.sorter.route(bin_name)
                return bin_name, reason, True
            except BinFull:
                self.monitor.event("bin_full", bin=bin_name)
                self._stop_intake(f"bin {bin_name} full")
                reason = f"{decision.reason}; bin {bin_name} full, overflow to {self.rules.reject_bin}"
            except DeviceError as exc:
                self.monitor.event("device_error", device="sorter", detail=str(exc))
                return bin_name, f"{decision.reason}; sorter failed: {exc}", False
        return decision.bin, f"{decision.reason}; every bin full", False

    def _finish(self, item: ChuteItem, bin_name: str, reason: str, outcome: ReturnOutcome | None,
                routed: bool) -> None:
        self.processed += 1
        metrics = self.monitor.metrics
        if routed:
            metrics.bins.inc(bin=bin_name)
        result = "ok" if outcome is not None and outcome.accepted else "rejected"
        metrics.items.inc(action="return", result=result)
        if result == "rejected":
            metrics.refusals.inc(action="return")
        if not routed:
            entry = outcome.entry_id if outcome is not None else None
            if entry is not None:
                self.journal.flag_for_staff(entry, f"item left in the chute: {reason}")
            self.monitor.event("device_error", device="sorter", item=item.item_id, detail=reason)
        log.info("item=%s bin=%s reason=%s routed=%s", item.item_id or "?", bin_name, reason, routed)
        if self.printer is not None and outcome is not None and outcome.accepted:
            self._print_slip(outcome)
        sorted_event = ItemSorted(item, bin_name, reason, outcome, routed, self._clock() - item.arrived)
        for listener in list(self._listeners):
            try:
                listener(sorted_event)
            except Exception:
                log.exception("return bin listener failed")

    def _print_slip(self, outcome: ReturnOutcome) -> None:
        if self.printer is None:
            return
        try:
            printer = self.printer.escpos
            printer.text(f"{self.config.station.library_name}\nReturned: {outcome.title or outcome.item_id}\n"
                         f"{time.strftime('%Y-%m-%d %H:%M')}\n")
            printer.cut(mode="PART")
        except (KioskError, OSError) as exc:
            log.warning("return slip not printed: %s", exc)

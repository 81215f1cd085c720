"""The return bin's second and third stages: :class:`SortingLine`.

    intake  -->  stage 2: check in                -->  stage 3: secure and sort
                 journal, check in (09) through        the security write, the bin
                 ReturnProcessor.check_in              (BinRules), sorter.route(bin),
                 (rejects and further parts            metrics, events, slip,
                 decided at once)                      listeners

One thread and one FIFO per stage, so one item's security write and sorting
overlap the next item's ILS round trip while items keep their order (the
journal order per item is unchanged).
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Callable, TypeVar

from kiosk.circulation.context import SecurityWriter
from kiosk.circulation.returns import PendingReturn, ReturnOutcome, ReturnProcessor
from kiosk.drivers.sorter.base import BinFull, Sorter
from kiosk.errors import DeviceError, KioskError
from kiosk.monitoring import Monitor
from kiosk.monitoring.outcomes import item_outcome
from kiosk.returnbin.rules import BinRules, Decision, SortFacts
from kiosk.monitoring.liveness import NO_HEART, Heart
from kiosk.store.journal import Journal

if TYPE_CHECKING:  # python-escpos is imported only where slips are printed
    from kiosk.drivers.printer.device import ReceiptPrinter

log = logging.getLogger(__name__)

__all__ = ["ChuteItem", "ItemSorted", "PART_WINDOW", "SortingLine"]

#: A second part of a multi-part item (or the same tag bouncing back into the
#: field) within this many seconds is secured and follows the first part.
PART_WINDOW = 120.0
#: Seconds an idle stage waits for work before it beats its liveness heart again.
IDLE_BEAT = 0.5

T = TypeVar("T")


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


class SortingLine:
    """Stages 2 and 3. ``bin_full(reason)`` stops the intake; ``ils_rtt()``
    is the SIP2 client's last round trip (seconds, or None)."""

    def __init__(self, processor: ReturnProcessor, security: SecurityWriter, rules: BinRules, sorter: Sorter,
                 journal: Journal, monitor: Monitor, *, printer: ReceiptPrinter | None, library_name: str,
                 ils_rtt: Callable[[], float | None], bin_full: Callable[[str], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.processor = processor
        self.security = security
        self.rules = rules
        self.sorter = sorter
        self.journal = journal
        self.monitor = monitor
        self.printer = printer
        self.library_name = library_name
        self.ils_rtt = ils_rtt
        self.bin_full = bin_full
        self.clock = clock
        self.processed = 0
        self._intake: queue.Queue[ChuteItem | None] = queue.Queue()
        self._routing: queue.Queue[tuple[ChuteItem, Decision | PendingReturn] | None] = queue.Queue()
        self._listeners: list[Callable[[ItemSorted], None]] = []
        self._recent: dict[str, tuple[float, Decision, set[bytes]]] = {}
        self._threads: list[threading.Thread] = []
        #: Liveness of stage 2 (check in) and stage 3 (secure and sort), for the systemd watchdog.
        self.process_heart: Heart = NO_HEART
        self.route_heart: Heart = NO_HEART
        self._sorter_failed = False

    def on_item(self, callback: Callable[[ItemSorted], None]) -> None:
        self._listeners.append(callback)

    def put(self, item: ChuteItem) -> None:
        self._intake.put(item)

    def start(self) -> None:
        for name, target in (("returnbin-process", self._process_loop), ("returnbin-route", self._route_loop)):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)

    def finish(self, timeout: float) -> None:
        """Finish the items already read (bounded by ``timeout`` per stage:
        checked in, secured and sorted, so nothing is left checked in but unsecured)."""
        self._intake.put(None)       # after the items already queued
        if self._threads:
            self._threads[0].join(timeout)
        self._routing.put(None)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()

    # -- stage 2 ---------------------------------------------------------------------------
    @staticmethod
    def _next(fifo: "queue.Queue[T | None]", heart: Heart) -> T | None:
        """The next job, beating ``heart`` while waiting; None (the end) rests it."""
        while True:
            heart.beat()
            try:
                job = fifo.get(timeout=IDLE_BEAT)
            except queue.Empty:
                continue
            if job is None:
                heart.rest()
            return job

    def _process_loop(self) -> None:
        while True:
            item = self._next(self._intake, self.process_heart)
            if item is None:
                return
            try:
                work: Decision | PendingReturn = self._check_in(item)
            except Exception as exc:  # the boundary: one bad item must not stop the bin
                log.exception("processing %s failed", item.item_id or "an unreadable item")
                work = Decision(self.rules.reject_bin, f"internal error: {exc}")
            self._routing.put((item, work))

    def _check_in(self, item: ChuteItem) -> Decision | PendingReturn:
        """A decision at once (rejects, further parts) or a checked-in return
        whose security write stage 3 completes."""
        if item.reject_reason:
            return self.rules.choose(SortFacts(item.item_id, accepted=False, reject_reason=item.reject_reason))
        recent = self._recent.get(item.item_id)
        if (recent is not None and self.clock() - recent[0] < PART_WINDOW and item.uids
                and (item.parts > 1 or set(item.uids) & recent[2])):
            # Another part of an item just checked in (or the same tag again):
            # secure it and send it after the first part; no second checkin.
            result = self.security.write(item.uids, secured=True, afis=item.afis)
            if not result.ok:
                self.monitor.event("security_write_failed", item=item.item_id, detail=result.detail)
                return Decision(self.rules.reject_bin, f"part not secured: {result.detail}")
            return Decision(recent[1].bin, f"part {item.part} of {item.parts}, follows part 1")
        pending = self.processor.check_in(item.item_id, item.uids, afis=item.afis)
        rtt = self.ils_rtt()
        if rtt is not None:
            self.monitor.sip2_rtt(float(rtt))
        # Remember the item now, so a second part arriving before this one is
        # sorted is not checked in again; the bin is filled in by stage 3.
        self._recent[item.item_id] = (self.clock(), Decision(self.rules.default_bin, "pending"), set(item.uids))
        return pending

    # -- stage 3 -----------------------------------------------------------------------------
    def _route_loop(self) -> None:
        while True:
            job = self._next(self._routing, self.route_heart)
            if job is None:
                return
            item, work = job
            outcome: ReturnOutcome | None = None
            try:
                if isinstance(work, PendingReturn):
                    decision, outcome = self._complete(item, work)
                else:
                    decision = work
                bin_name, reason, routed = self._route(decision)
            except Exception as exc:  # the boundary: keep sorting the next item
                log.exception("sorting %s failed", item.item_id)
                bin_name, reason, routed = self.rules.reject_bin, f"internal error: {exc}", False
            self._finish(item, bin_name, reason, outcome, routed)

    def _complete(self, item: ChuteItem, pending: PendingReturn) -> tuple[Decision, ReturnOutcome]:
        """The security write, then the bin."""
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
            self._recent[item.item_id] = (self.clock(), decision, set(item.uids))
            self._forget_old()
        else:
            self._recent.pop(item.item_id, None)
        return decision, outcome

    def _forget_old(self) -> None:
        if len(self._recent) > 256:
            cutoff = self.clock() - PART_WINDOW
            for key in [k for k, (t, _, _) in self._recent.items() if t < cutoff]:
                del self._recent[key]

    def _route(self, decision: Decision) -> tuple[str, str, bool]:
        candidates = [decision.bin] + ([self.rules.reject_bin] if decision.bin != self.rules.reject_bin else [])
        reason = decision.reason
        for bin_name in candidates:
            try:
                self.sorter.route(bin_name)
                if self._sorter_failed:
                    self._sorter_failed = False
                    self.monitor.device("sorter", up=True)
                return bin_name, reason, True
            except BinFull:
                self.monitor.bin(bin_name, full=True)
                self.bin_full(f"bin {bin_name} full")
                reason = f"{decision.reason}; bin {bin_name} full, overflow to {self.rules.reject_bin}"
            except DeviceError as exc:
                self._sorter_failed = True
                self.monitor.device("sorter", up=False, detail=str(exc))
                return bin_name, f"{decision.reason}; sorter failed: {exc}", False
        return decision.bin, f"{decision.reason}; every bin full", False

    def _finish(self, item: ChuteItem, bin_name: str, reason: str, outcome: ReturnOutcome | None,
                routed: bool) -> None:
        self.processed += 1
        if routed:
            self.monitor.returnbin_item(bin_name)
        self.monitor.item("return", _outcome(outcome))
        if not routed:
            entry = outcome.entry_id if outcome is not None else None
            if entry is not None:
                self.journal.flag_for_staff(entry, f"item left in the chute: {reason}")
            self.monitor.event("device_error", device="sorter", item=item.item_id, detail=reason)
        log.info("item=%s bin=%s reason=%s routed=%s", item.item_id or "?", bin_name, reason, routed)
        if self.printer is not None and outcome is not None and outcome.accepted:
            self._print_slip(self.printer, outcome)
        sorted_event = ItemSorted(item, bin_name, reason, outcome, routed, self.clock() - item.arrived)
        for listener in list(self._listeners):
            try:
                listener(sorted_event)
            except Exception:
                log.exception("return bin listener failed")

    def _print_slip(self, printer: ReceiptPrinter, outcome: ReturnOutcome) -> None:
        try:
            escpos = printer.escpos
            escpos.text(f"{self.library_name}\nReturned: {outcome.title or outcome.item_id}\n"
                        f"{time.strftime('%Y-%m-%d %H:%M')}\n")
            escpos.cut(mode="PART")
        except (KioskError, OSError) as exc:
            log.warning("return slip not printed: %s", exc)


def _outcome(outcome: ReturnOutcome | None) -> str:
    """The monitor's outcome of one return; an item never sent to the ILS
    (unreadable, foreign, a patron card) was refused."""
    return (item_outcome(outcome.as_item_result()) or "error") if outcome is not None else "refused"

"""Borrowing: the stack on the pad, barcode-only items, and rental charges
the patron accepts.

Each item on the pad is checked out as soon as its tag is read and it is a
whole item (:meth:`Borrowing.identified`), so the ILS answers the first book
while the pad still reads the rest. What needs the whole stack waits for it
to settle (:meth:`Borrowing.from_pad`): a part of a multi-part set seen
without its siblings (the set's rule then decides), and tags that are not
borrowable items (foreign, unreadable, not for loan), reported then as
before.

The borrow engine (:mod:`kiosk.circulation.borrow`) does the work on its own
threads; this flow decides what to hand it, never hands it an item twice
(:attr:`Borrowing._started`: handed over, no outcome yet) and makes sure a
late result never reaches the next patron's screen.
"""

from __future__ import annotations

import logging
import threading

from kiosk.circulation.borrow import BorrowEngine, BorrowJob, Candidate, group_tags
from kiosk.circulation.context import CirculationRules, M
from kiosk.events import ItemResult, ItemStatus, SessionState
from kiosk.i18n import N_
from kiosk.services.link import ILSLink
from kiosk.station.live import LiveSession
from kiosk.station.ports import Placed
from kiosk.store.offline import OfflineDesk

log = logging.getLogger(__name__)

__all__ = ["Borrowing"]

S = SessionState

MSG_PLACE_ITEMS = N_("Place your items on the pad.")
MSG_NO_BARCODE_ITEMS = N_("Items without a tag cannot be borrowed here. Please take them to the desk.")
MSG_NO_PATRON = N_("Please scan your library card first.")


class Borrowing:
    def __init__(self, live: LiveSession, link: ILSLink, desk: OfflineDesk, borrower: BorrowEngine,
                 rules: CirculationRules, *, placed: Placed) -> None:
        self.live = live
        self.link = link
        self.desk = desk
        self.borrower = borrower
        self.rules = rules
        self.placed = placed
        # (session id, item id) handed to the engine with no outcome yet: results
        # arrive on the engine's threads, so a lock guards it.
        self._started: set[tuple[str, str]] = set()
        self._started_lock = threading.Lock()

    def start(self) -> None:
        live, s = self.live, self.live.session
        p = s.patron
        if p is None:
            return live.notice(live.tr(MSG_NO_PATRON), "warning")
        if self.link.offline and not p.offline:
            # Went offline during the session: the offline policy now decides.
            decision = self.desk.check_borrow(p.patron_id)
            p.offline, p.offline_left = True, decision.left
            if not decision.allowed:
                return live.notice(decision.text(live.tr.gettext), "warning")
        if not p.can_borrow:
            return live.notice(p.blocked_reason or live.tr(M.NOT_ALLOWED_BLOCKED), "warning")
        s.step("borrow")
        live.changed(live.tr(MSG_PLACE_ITEMS))
        self.from_pad()

    def identified(self) -> None:
        """A tag was read: check out every whole item on the pad not handed over
        yet, at once (the engine switches its tags on its own threads). A part
        seen without its siblings waits for them or for the settle."""
        live = self.live
        if live.session.state is not S.BORROWING:
            return
        candidates, _ = group_tags(self.placed(), self.rules.isil)
        todo = [c for c in candidates if c.complete and self._startable(c.item_id)]
        if todo:
            self.borrower.borrow(self._job(todo), todo, wait=False)

    def from_pad(self) -> None:
        """Borrow what settled on the pad and is not done yet."""
        live = self.live
        if live.session.state is not S.BORROWING:
            return
        candidates, rejected = group_tags(self.placed(), self.rules.isil)
        for bad in rejected:
            if bad.patron_card or not live.pending(bad.key, "borrow"):
                continue  # the patron's own card on the pad is not an item
            live.item_result(ItemResult(bad.key, "borrow", bad.status, live.tr(bad.message), uids=bad.uids))
        todo = [c for c in candidates if self._startable(c.item_id)]
        if todo:
            self.borrower.borrow(self._job(todo), todo)

    def barcode(self, item_id: str) -> None:
        live = self.live
        if live.session.state is not S.BORROWING:
            return
        if not self.rules.barcode_items:
            return live.item_result(ItemResult(item_id, "borrow", ItemStatus.REFUSED, live.tr(MSG_NO_BARCODE_ITEMS)))
        if self._startable(item_id):
            cand = Candidate(item_id)
            self.borrower.borrow(self._job([cand]), [cand])

    def accept_fee(self, item_id: str) -> None:
        live, s = self.live, self.live.session
        shown = s.item(item_id, "borrow")
        if s.state is not S.BORROWING or shown is None or shown.status is not ItemStatus.CONFIRM_FEE:
            return
        candidates, _ = group_tags(self.placed(), self.rules.isil)
        cand = next((c for c in candidates if c.item_id == item_id), Candidate(item_id))
        if shown.uids and not cand.uids:  # lifted meanwhile: it must be on the pad to be switched
            return live.notice(live.tr(MSG_PLACE_ITEMS), "warning")
        self.borrower.borrow(self._job([cand]), [cand], fee_acknowledged=True)

    def _startable(self, item_id: str) -> bool:
        """Still to borrow, and not with the engine already (a checkout under way)."""
        with self._started_lock:
            started = (self.live.session.session_id, item_id) in self._started
        return not started and self.live.pending(item_id, "borrow")

    def _job(self, handed: list[Candidate]) -> BorrowJob:
        """The job for ``handed`` (marked started until each has an outcome)."""
        live, s = self.live, self.live.session
        session_id = s.session_id
        assert s.patron is not None  # borrowing is a state with a patron
        with self._started_lock:
            self._started = {key for key in self._started if key[0] == session_id}  # older sessions' are gone
            self._started.update((session_id, c.item_id) for c in handed)

        def emit(result: ItemResult) -> None:
            if result.status is not ItemStatus.PENDING:
                with self._started_lock:
                    self._started.discard((session_id, result.item_id))
            if live.session.session_id != session_id:  # never shown to the next patron
                log.warning("late result for ended session %s dropped from the screen: %s %s",
                            session_id, result.item_id, result.status.value)
                return
            live.item_result(result)
        return BorrowJob(s.patron, live.tr, session_id, emit)

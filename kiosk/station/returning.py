"""Returning: items on the pad or scanned, for a signed-in patron or (where
``circulation.anonymous_return`` allows it) from the attract screen.

Each item goes through the same :class:`kiosk.circulation.returns.ReturnProcessor`
the return bin uses. Reference copies (usage 2) and withdrawn stock (7) come
back too: the ILS decides.
"""

from __future__ import annotations

from dataclasses import replace

from kiosk.circulation.borrow import Candidate, group_tags
from kiosk.circulation.context import CirculationRules, M
from kiosk.circulation.returns import ReturnProcessor
from kiosk.drivers.rfid.events import TagPlaced
from kiosk.events import ItemResult, ItemStatus, SessionState
from kiosk.i18n import N_
from kiosk.station.live import LiveSession
from kiosk.station.ports import Placed
from kiosk.tags import ItemTag, Usage

__all__ = ["Returning", "returnable_extras"]

S = SessionState

MSG_RETURN_ITEMS = N_("Place the items you are returning on the pad.")
MSG_NO_ANON_RETURN = N_("Please scan your library card first.")


class Returning:
    def __init__(self, live: LiveSession, processor: ReturnProcessor, rules: CirculationRules, *,
                 placed: Placed) -> None:
        self.live = live
        self.processor = processor
        self.rules = rules
        self.placed = placed

    def start(self) -> None:
        live, s = self.live, self.live.session
        if s.state is S.IDLE:
            if not self.rules.anonymous_return:
                return live.notice(live.tr(MSG_NO_ANON_RETURN), "warning")
            s.step("anonymous_return")
        else:
            s.step("return")
        live.changed(live.tr(MSG_RETURN_ITEMS))
        self.from_pad()

    def from_pad(self) -> None:
        """Return what settled on the pad and is not done yet."""
        live = self.live
        if live.session.state is not S.RETURNING:
            return
        placed = self.placed()
        candidates, rejected = group_tags(placed, self.rules.isil)
        for bad in rejected:
            if bad.patron_card or not live.pending(bad.key, "return"):
                continue
            message = live.tr(M.UNREADABLE) if bad.status is ItemStatus.UNREADABLE else live.tr(M.FOREIGN) \
                if bad.message == M.FOREIGN else None
            if message is None:
                continue  # reference copies and discarded items may be returned; they were grouped out
            live.item_result(ItemResult(bad.key, "return", bad.status, message, uids=bad.uids))
        for cand in candidates + returnable_extras(placed, candidates):
            if live.pending(cand.item_id, "return"):
                self._return_one(cand)

    def barcode(self, item_id: str) -> None:
        live = self.live
        if live.session.state is S.IDLE and self.rules.anonymous_return:
            self.start()
        if live.session.state is S.RETURNING and live.pending(item_id, "return"):
            self._return_one(Candidate(item_id))

    def _return_one(self, cand: Candidate) -> None:
        live, s = self.live, self.live.session
        outcome = self.processor.process(cand.item_id, cand.uids, afis=cand.afis,
                                         patron_id=s.patron.patron_id if s.patron else "",
                                         session_id=s.session_id, lang=s.language)
        result = outcome.as_item_result()
        if not cand.complete and outcome.accepted:
            result = replace(result, warning=live.tr(M.SET_WARNING).format(present=len(cand.present),
                                                                         parts=cand.parts))
        live.item_result(result)


def returnable_extras(placed: tuple[TagPlaced, ...], known: list[Candidate]) -> list[Candidate]:
    """Reference copies and withdrawn stock on the pad, which :func:`group_tags`
    leaves out of borrowing, as return candidates."""
    have = {c.item_id for c in known}
    extras: dict[str, list[TagPlaced]] = {}
    for event in placed:
        data = event.data
        if isinstance(data, ItemTag) and data.usage in (Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED) \
                and data.primary_item_id not in have:
            extras.setdefault(data.primary_item_id, []).append(event)
    return [Candidate(item, tuple(e.tag.uid for e in events), tuple(e.tag.afi for e in events))
            for item, events in extras.items()]

"""The patron session as the screens see it: :class:`LiveSession`.

Every flow changes the session through this one object, which turns each
change into an event for the subscribers (:class:`SessionChanged` with the
full :class:`SessionView`, :class:`Notice`, :class:`ItemResult`). The
session itself belongs to the station's worker thread; item results and
views take :attr:`LiveSession`'s lock because the borrow engine's writer
thread adds results too, and queries read views from any thread.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Callable

from kiosk.circulation.context import CirculationRules
from kiosk.circulation.session import Session
from kiosk.events import AccountView, ItemResult, ItemStatus, Notice, PatronView, SessionChanged, SessionState, \
    SessionView, StationEvent
from kiosk.i18n import Translator, is_rtl, translator
from kiosk.logs import mask_patron_id
from kiosk.station.library_words import Topic, item_says, library_lines

__all__ = ["Emit", "LiveSession"]

S = SessionState
Emit = Callable[[StationEvent], None]

#: Item results that are the last word on an item (anything else may be retried).
FINAL = frozenset({ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS, ItemStatus.RETURNED,
                   ItemStatus.REFUSED, ItemStatus.SEE_STAFF, ItemStatus.CONFIRM_FEE})


class LiveSession:
    """``session``: the patron session; ``emit``: to the subscribers;
    ``is_offline``: the ILS link's flag; ``payment_fitted``: a payment
    terminal is there (the patron view's "can pay")."""

    def __init__(self, session: Session, emit: Emit, rules: CirculationRules, *,
                 is_offline: Callable[[], bool], payment_fitted: bool) -> None:
        self.session = session
        self.emit = emit
        self.rules = rules
        self.is_offline = is_offline
        self.payment_fitted = payment_fitted
        self._lock = threading.RLock()
        # Asked of the printer once when the receipt screen opens, so views never block on it.
        self.receipt_choices: tuple[str, ...] = ()
        # The account the patron opened (My account); the receipt lists its holds.
        self.account: AccountView | None = None
        # Holds the ILS says are waiting (its count may exceed the ids it lists).
        self.holds_waiting = 0

    @property
    def tr(self) -> Translator:
        return translator(self.session.language)

    # -- telling the screens -------------------------------------------------------------
    def changed(self, message: str = "") -> None:
        """The session changed: a new message, and the whole view to subscribers."""
        self.session.message = message
        self.show(message)

    def show(self, message: str = "") -> None:
        """Send the current view (with ``message``) without changing the session."""
        with self._lock:
            view = self.view(message)
        self.emit(SessionChanged(view.state, view.patron, message, view))

    def notice(self, message: str, level: str = "info") -> None:
        self.session.message = message
        self.emit(Notice(message, level))

    def item_result(self, result: ItemResult) -> None:
        """An engine's result: record it in the session, then tell subscribers.
        The ILS's own lines about the item are shown once: not where the
        kiosk's line says the same, else quoted as the library's message."""
        if result.ils_message:
            patron = self.session.patron
            words = library_lines(result.ils_message, item_says(result.status, result.message, self.tr), self.tr,
                                  patron.name if patron else "", item=True)
            result = replace(result, ils_message=words)
        with self._lock:
            self.session.add_item(result)
        self.session.touch()
        self.emit(result)

    def record(self, results: tuple[ItemResult, ...]) -> None:
        """Record several results at once (renew all), told by the caller."""
        with self._lock:
            for result in results:
                self.session.add_item(result)

    def pending(self, item_id: str, action: str) -> bool:
        """True when ``item_id`` still needs ``action`` (borrow or return)."""
        result = self.session.item(item_id, action)
        if result is not None and result.status in FINAL:
            return False
        # An item just returned is not borrowed again because it is still on the pad
        # (and vice versa) when the patron switches screens.
        other = self.session.item(item_id, "return" if action == "borrow" else "borrow")
        return other is None or not other.ok

    def forget(self) -> None:
        """ENDING -> IDLE: every trace of the patron gone."""
        with self._lock:
            self.session.reset()
        self.account = None
        self.holds_waiting = 0
        self.receipt_choices = ()

    # -- views ---------------------------------------------------------------------------------
    def patron_view(self) -> PatronView | None:
        p = self.session.patron
        if p is None:
            return None
        # What the home screen says itself (kiosk/screens/home.py): the ILS's lines on these are not repeated.
        said = {Topic.GREETING, Topic.PIN}
        said |= {Topic.HOLDS} if self.holds_waiting else set()
        said |= {Topic.FINES} if p.fines_total.strip("0.,") else set()
        said |= {Topic.BLOCK} if not p.can_borrow else set()
        return PatronView(display_name=p.name, masked_id=mask_patron_id(p.patron_id), can_borrow=p.can_borrow,
                          can_renew=p.can_renew and not p.offline, can_pay=not p.offline and self.payment_fitted,
                          blocked_reason=p.blocked_reason,
                          ils_message=library_lines(p.ils_message, said, self.tr, p.name), fines_total=p.fines_total,
                          currency=self.rules.currency, holds_ready=self.holds_waiting, offline=p.offline,
                          offline_left=p.offline_left, language=self.session.language)

    def view(self, message: str | None = None) -> SessionView:
        with self._lock:
            s = self.session
            left = max(0, self.rules.pin_attempts - s.pin_tries) if s.state is S.PIN_ENTRY else 0
            return SessionView(state=s.state, patron=self.patron_view(), language=s.language,
                               rtl=is_rtl(s.language), items=tuple(s.items),
                               message=s.message if message is None else message, pin_tries_left=left,
                               offline=self.is_offline(),
                               receipt_options=self.receipt_choices if s.state is S.RECEIPT else (),
                               session_id=s.session_id)

"""How a session ends: the receipt choice, goodbye, the inactivity clock, and
the way out after an unexpected error.

Every ending goes through :meth:`Ending.end`: wait for the patron's last
security writes, SIP2 end session (35) for a verified patron while online,
:class:`SessionEnded`, then forget the patron.
"""

from __future__ import annotations

import logging
import math
from typing import Callable

from kiosk.circulation.account import AccountService, AccountUnavailable
from kiosk.circulation.context import M
from kiosk.circulation.session import Session
from kiosk.errors import RemoteProtocolError, TransportError
from kiosk.events import EndReason, HoldView, InactivityWarning, Notice, ReceiptResult, SessionEnded, SessionState
from kiosk.i18n import N_
from kiosk.logs import mask_patron_id
from kiosk.receipts.desk import ReceiptDesk
from kiosk.receipts.mail import mask_address
from kiosk.receipts.model import Receipt
from kiosk.receipts.session import receipt_items
from kiosk.services.link import ILSLink
from kiosk.station.live import LiveSession

log = logging.getLogger(__name__)

__all__ = ["Ending", "ReceiptFor"]

S = SessionState
#: ``receipt_for(session, holds_ready)``: the session's receipt (:func:`kiosk.receipts.session.session_receipt`).
ReceiptFor = Callable[[Session, tuple[HoldView, ...]], Receipt]

MSG_ERROR = N_("Something went wrong. Please try again or ask at the desk.")
MSG_GOODBYE = N_("Thank you. Goodbye!")
MSG_TIMED_OUT = N_("Your session has ended because the screen was not used.")
MSG_CANCELLED = N_("Your session has ended.")
MSG_RECEIPT_EMAIL = N_("By email, it goes to {address}.")
MSG_WAIT_ITEMS = N_("Please wait: some items are still being processed.")

#: Seconds to wait for the borrow engine's security writes before a session ends.
DRAIN_WAIT = 30.0


class Ending:
    """``drain(timeout)``: True once the borrow engine's writes are done;
    ``processing()``: True while items are still being processed (the
    borrow engine's security writes), which keeps the session alive;
    ``receipt_default``: ``[receipt] default`` (ask, print, none)."""

    def __init__(self, live: LiveSession, link: ILSLink, receipts: ReceiptDesk, accounts: AccountService, *,
                 drain: Callable[[float], bool], receipt_default: str, receipt_for: ReceiptFor,
                 processing: Callable[[], bool] = lambda: False) -> None:
        self.live = live
        self.processing = processing
        self.link = link
        self.receipts = receipts
        self.accounts = accounts
        self.drain = drain
        self.receipt_default = receipt_default
        self.receipt_for = receipt_for
        self._warned = -1       # the countdown second last announced; -1: no warning showing

    # -- the patron's way out -------------------------------------------------------------
    def go_home(self) -> None:
        s = self.live.session
        if s.state is S.READY:
            return
        if s.patron is None:       # anonymous return has no home screen
            return self.finish()
        s.step("home")
        self.live.changed()

    def finish(self) -> None:
        live, s = self.live, self.live.session
        if s.state in (S.IDLE, S.ENDING, S.RECEIPT):
            return
        if s.state in (S.IDENTIFYING, S.PIN_ENTRY):
            return self.end_session()
        if not self.drain(DRAIN_WAIT):
            return live.notice(live.tr(MSG_WAIT_ITEMS), "warning")
        if not receipt_items(s.items) or self.receipt_default == "none":
            s.step("finish")
            return self._deliver("none", None)
        live.receipt_choices = self.receipt_options()
        s.step("finish")
        if self.receipt_default == "print" and "print" in live.receipt_choices:
            return self._deliver("print", None)
        live.changed(self._receipt_note())

    def receipt_options(self) -> tuple[str, ...]:
        """Receipt choices available now (asks the printer: may block up to its
        timeout); email only for a patron whose address the ILS has on file."""
        choices = self.receipts.options()
        patron = self.live.session.patron
        if patron is None or not patron.email:
            choices = tuple(c for c in choices if c != "email")
        return choices

    def _receipt_note(self) -> str:
        """Under the receipt screen's question: what the receipt lists, and where an
        emailed one goes (the address on file, masked: others may be looking)."""
        live, s = self.live, self.live.session
        n = len(receipt_items(s.items))
        note = live.tr.ngettext("It lists the {n} item from this visit.", "It lists the {n} items from this visit.",
                                n).format(n=n)
        if "email" in live.receipt_choices and s.patron is not None and s.patron.email:
            note += " " + live.tr(MSG_RECEIPT_EMAIL).format(address=mask_address(s.patron.email))
        return note

    def choose_receipt(self, choice: str, email: str | None = None) -> None:
        if self.live.session.state is not S.RECEIPT:
            return
        self._deliver(choice, email)

    def end_session(self) -> None:
        if self.live.session.state is S.IDLE:
            return
        self.drain(DRAIN_WAIT)
        self.end(EndReason.CANCELLED, self.live.tr(MSG_CANCELLED))

    # -- the receipt ----------------------------------------------------------------------------
    def _deliver(self, choice: str, email: str | None) -> None:
        live, s = self.live, self.live.session
        if choice == "email" and not email and s.patron is not None:
            email = s.patron.email  # the address the library has on file (SIP2 BE)
        try:
            delivery = self.receipts.deliver(self.receipt_for(s, self._receipt_holds(choice)), choice, email)
        except ValueError as exc:
            log.warning("receipt: %s", exc)
            return live.notice(live.tr(M.REFUSED), "warning")
        live.emit(ReceiptResult(choice, delivery.ok, delivery.message, delivery.retry))
        if delivery.retry:
            return live.changed(delivery.message)
        s.step("receipt_done")
        self.end(EndReason.FINISHED, delivery.message or live.tr(MSG_GOODBYE))

    def _receipt_holds(self, choice: str) -> tuple[HoldView, ...]:
        """The holds ready for the receipt: those of the My account view the patron
        loaded, or else (the ILS said at login that holds are waiting) asked for now.
        A receipt never waits on a failing ILS for them."""
        live, patron = self.live, self.live.session.patron
        if live.account is not None:
            return live.account.holds_ready
        if choice == "none" or patron is None or not live.holds_waiting or patron.offline or self.link.offline:
            return ()
        try:
            return self.accounts.holds_ready(patron)
        except AccountUnavailable as exc:
            log.warning("receipt without the holds ready: %s", exc)
            return ()

    # -- the kiosk's way out --------------------------------------------------------------------
    def check_inactivity(self) -> None:
        """Between actions: the warning countdown, then the timeout. Nothing
        times out while items are still being processed: that is activity."""
        live = self.live
        if live.session.state is not S.IDLE and self.processing():
            live.session.touch()
        status, left = live.session.inactivity()
        if status == "ok":
            if self._warned != -1:  # activity (a touch, a tag) cancelled the countdown
                self._warned = -1
                live.show(live.session.message)
            return
        if status == "warn":
            seconds = math.ceil(left)
            if seconds != self._warned:
                self._warned = seconds
                live.emit(InactivityWarning(seconds))
            return
        self._warned = -1
        self.on_timeout()

    def on_timeout(self) -> None:
        s = self.live.session
        if s.state is S.RECEIPT:
            return self._deliver("none", None)
        if s.state is S.BORROWING and not self.drain(0.0):
            s.touch()  # items still being processed: the patron is not idle
            return
        self.end(EndReason.TIMEOUT, self.live.tr(MSG_TIMED_OUT))

    def end_for_shutdown(self) -> None:
        """The station is stopping: end the session, if there is one."""
        if self.live.session.state is not S.IDLE:
            self.end(EndReason.STAFF, "")

    def after_error(self) -> None:
        """Tell the patron politely; a session caught half-way through
        identification (no screen to go back to) is ended, never left hanging."""
        message = self.live.tr(MSG_ERROR)
        self.live.emit(Notice(message, "error"))
        self.abandon_if_stuck(message)

    def abandon_if_stuck(self, message: str) -> None:
        """After an unexpected error: states that wait on the kiosk itself
        (identifying, ending) or that would fail the same way on every retry
        (receipt) end the session instead of leaving the patron stuck."""
        if self.live.session.state in (S.IDENTIFYING, S.ENDING, S.RECEIPT):
            self.end(EndReason.OUT_OF_SERVICE, message)

    def end(self, reason: EndReason, message: str, step: str = "end") -> None:
        """End the session: SIP2 end session (35), then forget the patron."""
        live, s = self.live, self.live.session
        if not self.drain(DRAIN_WAIT):  # the patron's last results belong to this session
            log.warning("session %s ends with security writes still running", s.session_id)
        if s.state is not S.ENDING:
            s.step(step)
        s.end_reason = reason
        live.changed(message)
        p = s.patron
        log.info("session %s ended (%s)%s; %d item(s)", s.session_id, reason.value,
                 f" for patron {mask_patron_id(p.patron_id)}" if p else "", len(s.items))
        if p is not None and p.verified and not self.link.offline:
            try:
                self.link.client.end_session(p.patron_id, pin=p.pin or None)
            except (TransportError, RemoteProtocolError) as exc:
                log.info("end session (35) not confirmed: %s", exc)
        live.emit(SessionEnded(reason, message))
        live.forget()
        live.changed("")

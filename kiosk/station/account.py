"""My account: loans, holds and fines (loaded in pages, shown as they
arrive), renewing one item or all, and paying fines at the terminal.

All of it needs the ILS: offline, or for a patron identified offline, the
offline policy's words say so instead.

A renewal names the book ("Renewed: <title>. Due Dec 23, 2026."). The ILS's
screen messages reach the patron quoted, as messages from the library, and
not at all where the account screen already says the same thing (holds,
fines, overdue loans): :mod:`kiosk.station.library_words`.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from decimal import Decimal

from kiosk.circulation.account import MSG_ACCOUNT_UNAVAILABLE, AccountService, AccountUnavailable
from kiosk.circulation.context import M
from kiosk.circulation.session import Patron
from kiosk.events import AccountChanged, AccountView, ItemResult, ItemStatus, RenewResult, SessionState
from kiosk.i18n import N_
from kiosk.services.link import ILSLink
from kiosk.station.library_words import Topic, library_lines
from kiosk.station.live import LiveSession
from kiosk.store.offline import MSG_OFFLINE_NO_ACCOUNT, OfflinePolicy

log = logging.getLogger(__name__)

__all__ = ["Account"]

S = SessionState

MSG_RENEWED = N_("Renewed: {title}. Due {date}.")
MSG_RENEWED_NO_DATE = N_("Renewed: {title}.")
#: What the account screen always says itself (its loans with overdue marks, holds and fines).
ACCOUNT_SAYS = frozenset({Topic.GREETING, Topic.PIN, Topic.HOLDS, Topic.FINES, Topic.OVERDUE})
#: A renewal or payment result says only what happened to it.
RESULT_SAYS = frozenset({Topic.GREETING, Topic.PIN})


class Account:
    def __init__(self, live: LiveSession, link: ILSLink, accounts: AccountService,
                 offline_policy: OfflinePolicy) -> None:
        self.live = live
        self.link = link
        self.accounts = accounts
        self.offline_policy = offline_policy

    def open(self) -> None:
        live, s = self.live, self.live.session
        if s.patron is None:
            return
        if self.link.offline or s.patron.offline:
            return live.notice(live.tr(MSG_OFFLINE_NO_ACCOUNT), "warning")
        s.step("account")
        live.changed()
        self._load(s.patron)

    def renew(self, item_id: str) -> None:
        patron = self._online_patron("renew")
        if patron is None:
            return
        live = self.live
        try:
            result = self.accounts.renew(patron, item_id, live.tr, live.session.session_id)
        except AccountUnavailable:
            return live.notice(live.tr(M.REFUSED), "error")
        result = self._named(result)
        live.item_result(result)
        live.emit(RenewResult((result,), result.message, self._quoted(result.ils_message, RESULT_SAYS)))
        self._reload(patron)

    def renew_all(self) -> None:
        patron = self._online_patron("renew_all")
        if patron is None:
            return
        live = self.live
        try:
            outcome = self.accounts.renew_all(patron, live.tr, live.session.session_id)
        except AccountUnavailable:
            return live.notice(live.tr(M.REFUSED), "error")
        outcome = replace(outcome, results=tuple(self._named(r) for r in outcome.results),
                          ils_message=self._quoted(outcome.ils_message, RESULT_SAYS))
        live.record(outcome.results)
        live.emit(outcome)
        self._reload(patron)

    def pay(self, fee_id: str | None, amount: str | Decimal) -> None:
        patron = self._online_patron("pay")
        if patron is None:
            return
        live = self.live
        result = self.accounts.pay(patron, fee_id, amount, live.tr, live.session.session_id)
        live.emit(replace(result, ils_message=self._quoted(result.ils_message, RESULT_SAYS)))
        if result.ok:
            patron.fines_total = ""
        self._reload(patron)

    def _online_patron(self, action: str) -> Patron | None:
        """The patron, when ``action`` may go ahead now (else a notice says why not)."""
        live, s = self.live, self.live.session
        if s.patron is None or s.state not in (S.ACCOUNT, S.READY, S.BORROWING, S.RETURNING):
            return None
        if self.link.offline or s.patron.offline:
            live.notice(self.offline_policy.may(action).text(live.tr.gettext), "warning")
            return None
        return s.patron

    def _named(self, result: ItemResult) -> ItemResult:
        """A renewal that says which book: the ILS's title, else the one on the account screen."""
        if result.status is not ItemStatus.RENEWED:
            return result
        account = self.live.account
        title = result.title or next((loan.title for loan in (account.loans if account else ())
                                      if loan.item_id == result.item_id and loan.title), "") or result.item_id
        tr = self.live.tr
        message = tr(MSG_RENEWED).format(title=title, date=result.due_display) if result.due_display \
            else tr(MSG_RENEWED_NO_DATE).format(title=title)
        return replace(result, message=message, title=result.title or title)

    def _quoted(self, lines: tuple[str, ...], said: frozenset[Topic]) -> tuple[str, ...]:
        patron = self.live.session.patron
        return library_lines(lines, said, self.live.tr, patron.name if patron else "")

    def _said_once(self, view: AccountView) -> AccountView:
        return replace(view, ils_message=self._quoted(view.ils_message, ACCOUNT_SAYS))

    def _reload(self, patron: Patron) -> None:
        if self.live.session.state is S.ACCOUNT:
            self._load(patron)

    def _load(self, patron: Patron) -> None:
        live = self.live
        try:
            view = self._said_once(self.accounts.load(
                patron, live.tr, progress=lambda partial: live.emit(AccountChanged(self._said_once(partial)))))
        except AccountUnavailable as exc:
            log.warning("account unavailable: %s", exc)
            return live.notice(live.tr(MSG_ACCOUNT_UNAVAILABLE), "error")
        live.account = view
        live.emit(AccountChanged(view))

"""My account: loans, holds and fines (loaded in pages, shown as they
arrive), renewing one item or all, and paying fines at the terminal.

All of it needs the ILS: offline, or for a patron identified offline, the
offline policy's words say so instead.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from kiosk.circulation.account import MSG_ACCOUNT_UNAVAILABLE, AccountService, AccountUnavailable
from kiosk.circulation.context import M
from kiosk.circulation.session import Patron
from kiosk.events import AccountChanged, RenewResult, SessionState
from kiosk.services.link import ILSLink
from kiosk.station.live import LiveSession
from kiosk.store.offline import MSG_OFFLINE_NO_ACCOUNT, OfflinePolicy

log = logging.getLogger(__name__)

__all__ = ["Account"]

S = SessionState


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
        live.item_result(result)
        live.emit(RenewResult((result,), result.message, result.ils_message))
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
        live.record(outcome.results)
        live.emit(outcome)
        self._reload(patron)

    def pay(self, fee_id: str | None, amount: str | Decimal) -> None:
        patron = self._online_patron("pay")
        if patron is None:
            return
        live = self.live
        result = self.accounts.pay(patron, fee_id, amount, live.tr, live.session.session_id)
        live.emit(result)
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

    def _reload(self, patron: Patron) -> None:
        if self.live.session.state is S.ACCOUNT:
            self._load(patron)

    def _load(self, patron: Patron) -> None:
        live = self.live
        try:
            view = self.accounts.load(patron, live.tr, progress=lambda partial: live.emit(AccountChanged(partial)))
        except AccountUnavailable as exc:
            log.warning("account unavailable: %s", exc)
            return live.notice(live.tr(MSG_ACCOUNT_UNAVAILABLE), "error")
        live.account = view
        live.emit(AccountChanged(view))

"""The library's own desk, working on the simulated ILS directly (not over
SIP2): what staff do while a kiosk is cut off, so tests and the chaos
benchmark can play "checked in and lent to someone else at the desk between
the kiosk's offline return and its replay".

Staff at the desk need no PIN and override blocks, holds and limits (the
no-block path of :meth:`kiosk.sip2.ils.rules.Circulation.checkout`).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from kiosk.sip2.ils.outcomes import CheckinOutcome, CirculationOutcome
from kiosk.sip2.ils.rules import Circulation
from kiosk.sip2.ils.store import end_of_day

__all__ = ["Desk"]


class Desk:
    """Desk operations on ``circulation`` (an :class:`ILSSimulator`'s)."""

    def __init__(self, circulation: Circulation) -> None:
        self.circulation = circulation

    def check_in(self, item_id: str) -> CheckinOutcome:
        """Check the item in (harmless when it is not on loan)."""
        return self.circulation.checkin(item_id)

    def lend(self, item_id: str, patron_id: str, *, due_in_days: int | None = None) -> CirculationOutcome:
        """Lend the item to ``patron_id``, overriding blocks; ``due_in_days``
        sets the due date (default: the item type's loan period)."""
        due: datetime | None = None
        if due_in_days is not None:
            now = self.circulation.clock()
            due = end_of_day(now.date() + timedelta(days=due_in_days), now.tzinfo)
        return self.circulation.checkout(patron_id, item_id, no_block=True, nb_due=due)

    def move(self, item_id: str, patron_id: str, *, due_in_days: int | None = None) -> CirculationOutcome:
        """Check the item in and lend it to ``patron_id``: the loan moves on."""
        self.check_in(item_id)
        return self.lend(item_id, patron_id, due_in_days=due_in_days)

    def holder(self, item_id: str) -> str | None:
        """Who has the item on loan now (None: nobody)."""
        loan = self.circulation.store.loan(item_id)
        return loan.patron if loan else None

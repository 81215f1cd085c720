"""The ILS link's changes as the patron sees them: an :class:`OfflineChanged`
with a translated message, and, when the ILS is back, a recovery run for the
journal entries that waited for it."""

from __future__ import annotations

from typing import Callable

from kiosk.events import OfflineChanged
from kiosk.i18n import N_
from kiosk.services.link import LinkChange
from kiosk.station.actions import Action, Recover
from kiosk.station.live import LiveSession

__all__ = ["OfflineNotices", "RECOVER_MIN_AGE"]

MSG_OFFLINE = N_("The library system is offline. You can still return items.")
MSG_ONLINE = N_("The library system is back online.")

#: Seconds an unfinished entry must have waited before the recovery run when
#: the ILS is back (younger ones are transactions still in progress).
RECOVER_MIN_AGE = 30.0


class OfflineNotices:
    """A :class:`kiosk.services.link.ILSLink` listener (runs on the link's threads)."""

    def __init__(self, live: LiveSession, *, post: Callable[[Action], None], recover: bool) -> None:
        self.live = live
        self.post = post
        self.recover = recover

    def changed(self, change: LinkChange) -> None:
        if change.online and change.first:
            return  # the first connect worked: nothing changed on screen
        if change.online and self.recover:  # entries that waited for the ILS (recovery while it was down)
            self.post(Recover(RECOVER_MIN_AGE))
        message = MSG_ONLINE if change.online else MSG_OFFLINE
        self.live.emit(OfflineChanged(not change.online, self.live.tr(message)))

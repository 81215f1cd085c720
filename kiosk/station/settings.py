"""What the screen changes about the session besides the patron's business:
the inactivity clock (a touch), the language buttons, and the staff's new
timeouts."""

from __future__ import annotations

import logging

from kiosk.circulation.session import Timeouts
from kiosk.i18n import normalize
from kiosk.station.ports import LanguagePolicy
from kiosk.station.live import LiveSession

log = logging.getLogger(__name__)

__all__ = ["SessionSettings"]


class SessionSettings:
    def __init__(self, live: LiveSession, languages: LanguagePolicy) -> None:
        self.live = live
        self.languages = languages

    def touch(self) -> None:
        self.live.session.touch()

    def set_language(self, code: str) -> None:
        lang = normalize(code)
        if not self.languages.allows(lang):
            log.warning("language %r is not offered at this station", code)
            return
        s = self.live.session
        s.language = lang
        s.language_chosen = True
        if s.patron is not None:
            s.patron.language = lang
        self.live.changed(s.message)

    def set_time_factor(self, factor: float) -> None:
        """More time (speech or large-text mode): at the next inactivity check."""
        self.live.session.time_factor = max(1.0, float(factor))

    def set_timeouts(self, timeouts: Timeouts) -> None:
        """From the next screen on (the session reads them at every check)."""
        self.live.session.timeouts = timeouts
        log.info("inactivity timeouts changed by staff: %s", timeouts)

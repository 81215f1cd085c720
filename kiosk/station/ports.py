"""The small types the station's flows share as ports: what a flow is handed
instead of another flow or the whole station."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

from kiosk.config import Config
from kiosk.drivers.rfid.events import TagPlaced
from kiosk.events import EndReason
from kiosk.i18n import normalize

__all__ = ["DeviceChangedFn", "EndSessionFn", "LanguagePolicy", "Placed", "StaffCardFn"]

#: ``placed()``: the tags the pad watcher believes are on the pad now.
Placed = Callable[[], tuple[TagPlaced, ...]]
#: ``end(reason, message, step)``: end the session (:meth:`kiosk.station.ending.Ending.end`).
EndSessionFn = Callable[[EndReason, str, str], None]
#: ``device_changed(family, ok, detail)``: tell subscribers (a :class:`~kiosk.events.DeviceChanged`).
DeviceChangedFn = Callable[[str, bool, str], None]
#: ``staff_card(card, source, other_use)``: True when the card was handled as a staff badge
#: or a refused staff attempt (:meth:`kiosk.station.identification.Identification.staff_card`).
StaffCardFn = Callable[[str, str, bool], bool]


@dataclass(frozen=True)
class LanguagePolicy:
    """``[station]``'s languages: the ``listed`` codes and the ``default``
    (as written), and whether the station follows the patron's preferred one."""

    listed: tuple[str, ...]
    default: str
    follow_patron: bool

    @classmethod
    def from_config(cls, config: Config) -> "LanguagePolicy":
        station = config.station
        return cls(tuple(station.languages), str(station.default_language), bool(station.follow_patron_language))

    @property
    def offered(self) -> frozenset[str]:
        return frozenset(normalize(c) for c in self.listed)

    def allows(self, lang: str) -> bool:
        """A language button may switch to ``lang`` (a normalised code)."""
        return lang in self.listed or lang == self.default

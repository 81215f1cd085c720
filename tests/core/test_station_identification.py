"""One flow on its own: :class:`Identification` built from only its ports
(the live session, the ILS link over a real SIP2 client to the simulator,
the offline desk over a real journal, the rules), no station around it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.circulation.context import CirculationRules
from kiosk.circulation.session import Session
from kiosk.events import EndReason, SessionChanged, SessionState, StaffBadge, StationEvent
from kiosk.services.link import ILSLink
from kiosk.sip2.ils import ILSSimulator
from kiosk.station.identification import Identification
from kiosk.station.live import LiveSession
from kiosk.staff import StaffAuth, StaffPolicy, hash_secret
from kiosk.station.ports import LanguagePolicy
from kiosk.store.journal import Journal
from kiosk.store.offline import OfflineDesk
from kiosk.store.replay import Replayer

from station_kit import ANA, ANA_PIN, FAST, client_for, make_config

STAFF_CARD = "STAFF-0001"


@dataclass
class Ports:
    flow: Identification
    live: LiveSession
    link: ILSLink
    events: list[StationEvent] = field(default_factory=list)
    ended: list[tuple[EndReason, str]] = field(default_factory=list)

    @property
    def state(self) -> SessionState:
        return self.live.session.state


@pytest.fixture
def ports(tmp_path: Path) -> Iterator[Ports]:
    ils = ILSSimulator(encoding="utf-8")
    ils.start()
    config = make_config(tmp_path)
    journal = Journal(tmp_path / "journal.sqlite3")
    client = client_for(ils)
    link = ILSLink(client, journal, Replayer(journal, client), replay_interval=60.0)
    link.connect()
    rules = CirculationRules.from_config(config)
    events: list[StationEvent] = []
    ended: list[tuple[EndReason, str]] = []
    live = LiveSession(Session(FAST), events.append, rules, is_offline=lambda: link.offline, payment_fitted=False)
    flow = Identification(live, link, OfflineDesk.from_config(config, journal), rules,
                          languages=LanguagePolicy.from_config(config),
                          staff=StaffAuth(StaffPolicy(badge_hashes=(hash_secret(STAFF_CARD, n=2**10),))),
                          end=lambda reason, message, step: ended.append((reason, step)))
    yield Ports(flow, live, link, events, ended)
    link.close()
    journal.close()
    ils.stop()


def test_card_then_pin_identifies_the_patron(ports: Ports) -> None:
    ports.flow.identify(ANA, "scanner")
    assert ports.state is SessionState.PIN_ENTRY
    ports.flow.enter_pin(ANA_PIN)
    assert ports.state is SessionState.READY
    patron = ports.live.view().patron
    assert patron is not None and patron.display_name and ANA not in patron.masked_id
    assert [e.state for e in ports.events if isinstance(e, SessionChanged)] == [
        SessionState.IDENTIFYING, SessionState.PIN_ENTRY, SessionState.IDENTIFYING, SessionState.READY]
    assert ports.ended == []


def test_too_many_wrong_pins_end_the_session(ports: Ports) -> None:
    ports.flow.identify(ANA)
    for _ in range(2):
        ports.flow.enter_pin("0000")
        assert ports.state is SessionState.PIN_ENTRY and ports.ended == []
    assert ports.live.view().pin_tries_left == 1
    ports.flow.enter_pin("0000")
    assert ports.ended == [(EndReason.PIN_ATTEMPTS, "end")]


def test_an_unknown_card_is_rejected(ports: Ports) -> None:
    ports.flow.identify("29999999999999")
    assert ports.ended == [(EndReason.UNKNOWN_CARD, "rejected")]


def test_a_staff_badge_opens_no_session(ports: Ports) -> None:
    ports.flow.identify(STAFF_CARD, "nfc")
    assert ports.events == [StaffBadge("nfc")] and ports.state is SessionState.IDLE


def test_offline_the_offline_policy_decides_without_a_pin(ports: Ports) -> None:
    ports.link.go_offline("test: the ILS is away")
    ports.flow.identify(ANA)
    assert ports.state is SessionState.READY
    patron = ports.live.view().patron
    assert patron is not None and patron.offline and patron.can_borrow and not patron.can_renew

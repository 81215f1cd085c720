"""More time (WCAG 2.2.1 through EN 301 549 11.2.2.1): speech and large-text
mode stretch the inactivity timeouts, and nothing times out while items are
still being processed. Driven by an injected clock, so nothing here waits."""

from __future__ import annotations

import threading
from pathlib import Path

from kiosk.circulation.account import AccountService
from kiosk.circulation.context import CirculationRules
from kiosk.circulation.session import Patron, Session, Timeouts
from kiosk.config import load_config
from kiosk.events import InactivityWarning, SessionEnded, SessionState, StationEvent
from kiosk.receipts.desk import ReceiptDesk
from kiosk.receipts.session import session_receipt
from kiosk.services.core import build_core
from kiosk.station.ending import Ending
from kiosk.station.live import LiveSession
from kiosk.station.ports import LanguagePolicy
from kiosk.station.settings import SessionSettings

TIMEOUTS = Timeouts(home=10.0, warning=5.0)


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def ready_session(clock: Clock) -> Session:
    session = Session(TIMEOUTS, "en", clock)
    session.step("identify")
    session.patron = Patron("21000000000001", verified=False)
    session.step("identified")
    return session


def test_the_time_factor_stretches_timeouts_and_the_warning() -> None:
    clock = Clock()
    session = ready_session(clock)
    session.time_factor = 2.0
    clock.now += 19.0
    assert session.inactivity() == ("ok", 0.0)          # 10 s x 2 not yet over
    clock.now += 2.0
    status, left = session.inactivity()
    assert status == "warn" and left == 9.0              # the 5 s warning is 10 s long now
    clock.now += 9.5
    assert session.inactivity() == ("expired", 0.0)


def test_the_factor_outlives_the_session_and_staff_timeouts_keep_it(tmp_path: Path) -> None:
    clock = Clock()
    session = ready_session(clock)
    config = load_config(None, check_devices=False, apply_override_file=False)
    live = LiveSession(session, lambda _e: None, CirculationRules.from_config(config), is_offline=lambda: False,
                       payment_fitted=False)
    settings = SessionSettings(live, LanguagePolicy.from_config(config))
    settings.set_time_factor(1.5)
    settings.set_time_factor(0.5)                         # never shorter than the station's own
    assert session.time_factor == 1.0
    settings.set_time_factor(1.5)
    settings.set_timeouts(Timeouts(home=4.0, warning=2.0))
    session.step("end")
    session.reset()                                       # the UI sets it for each patron
    assert session.time_factor == 1.5
    assert session.timeouts.home == 4.0


def _ending(tmp_path: Path, clock: Clock, processing: threading.Event) -> tuple[Ending, Session, list[StationEvent]]:
    config = load_config(None, check_devices=False, apply_override_file=False)
    session = ready_session(clock)
    seen: list[StationEvent] = []
    live = LiveSession(session, seen.append, CirculationRules.from_config(config), is_offline=lambda: False,
                       payment_fitted=False)
    core = build_core(config, None, journal_path=tmp_path / "journal.sqlite3")
    ending = Ending(live, core.link, ReceiptDesk(config, core.journal, None), AccountService(core.ctx, None),
                    drain=lambda _timeout: True, receipt_default="ask",
                    receipt_for=lambda s, holds: session_receipt(config, s, holds), processing=processing.is_set)
    return ending, session, seen


def test_nothing_times_out_while_items_are_being_processed(tmp_path: Path) -> None:
    clock = Clock()
    processing = threading.Event()
    ending, session, seen = _ending(tmp_path, clock, processing)
    try:
        processing.set()
        clock.now += 600.0                     # far past the timeout and the warning
        ending.check_inactivity()
        assert session.state is SessionState.READY
        assert not [e for e in seen if isinstance(e, (InactivityWarning, SessionEnded))]
        processing.clear()                     # done: the clock runs from the last processing
        clock.now += 11.0
        ending.check_inactivity()
        assert [e.seconds_left for e in seen if isinstance(e, InactivityWarning)] == [4]
        clock.now += 5.0
        ending.check_inactivity()
        assert any(isinstance(e, SessionEnded) for e in seen)
    finally:
        ending.link.close(1.0)
        ending.receipts.journal.close()

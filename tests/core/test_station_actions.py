"""The station's typed actions: one table covers them all, each handler is
found by the action's type, and the one error boundary turns failures into
a polite notice without stopping the worker."""

from __future__ import annotations

import dataclasses
import queue
from pathlib import Path

import pytest

from kiosk.circulation.session import IllegalStep
from kiosk.errors import LocalProtocolError, TransportError
from kiosk.events import SessionState
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.station import actions as a
from kiosk.station.api import StationAPI
from kiosk.station.facade import Station
from kiosk.station.worker import ActionTable, StationWorker

from station_kit import eventually, make_config


def test_every_action_is_a_frozen_dataclass() -> None:
    assert len(a.ALL_ACTIONS) == len(set(a.ALL_ACTIONS)) == 24
    for kind in a.ALL_ACTIONS:
        assert dataclasses.is_dataclass(kind) and kind.__dataclass_params__.frozen, kind  # type: ignore[attr-defined]


def test_a_pin_never_shows_in_a_log_line() -> None:
    assert "1234" not in repr(a.EnterPin("1234"))


def test_the_station_table_covers_every_action_once(tmp_path: Path) -> None:
    station = Station(make_config(tmp_path), sip2_client=SIP2Client(SIP2Settings(port=9)), devices={},
                      journal_path=tmp_path / "journal.sqlite3")
    try:
        assert station.flows.worker.table.kinds() == frozenset(a.ALL_ACTIONS)
        assert station.flows.worker.table.missing() == []
    finally:
        station.stop()


def test_the_facade_offers_everything_the_ui_may_call() -> None:
    wanted = {name for name in vars(StationAPI) if not name.startswith("_")}
    assert wanted <= set(dir(Station)), wanted - set(dir(Station))


def test_the_table_refuses_a_second_handler_and_a_stranger() -> None:
    table = ActionTable().on(a.Touch, lambda _: None)
    with pytest.raises(LocalProtocolError, match="Touch has a handler already"):
        table.on(a.Touch, lambda _: None)
    with pytest.raises(LocalProtocolError, match="not a station action"):
        table.on(str, lambda _: None)


def test_a_worker_refuses_a_table_with_a_gap() -> None:
    table = ActionTable().on(a.Touch, lambda _: None)
    with pytest.raises(LocalProtocolError, match="without a handler: AcceptFee"):
        StationWorker(table, queue.Queue(), periodic=lambda: None, on_error=lambda: None)


def full_table(ran: list[str]) -> ActionTable:
    """Every action recorded by name; three of them fail, each its own way."""
    failures: dict[type, BaseException] = {
        a.Identify: TransportError("the ILS hung up"),
        a.EnterPin: IllegalStep("submit_pin", SessionState.IDLE),
        a.StartBorrow: RuntimeError("our bug"),
    }
    table = ActionTable()
    for kind in a.ALL_ACTIONS:
        def handler(action: object, kind: type = kind) -> None:
            ran.append(kind.__name__)
            if kind in failures:
                raise failures[kind]
        table.on(kind, handler)
    return table


def test_the_boundary_turns_failures_into_one_polite_notice_each_and_carries_on() -> None:
    ran: list[str] = []
    notices: list[str] = []
    worker = StationWorker(full_table(ran), queue.Queue(), periodic=lambda: None,
                           on_error=lambda: notices.append("notice"), tick=0.01)
    worker.start()
    try:
        for action in (a.Identify("21000000000001"), a.EnterPin("1234"), a.StartBorrow(), a.Touch(),
                       a.SetLanguage("es"), a.GoHome()):
            worker.post(action)
        eventually(lambda: "GoHome" in ran)
    finally:
        worker.stop(5.0)
    assert ran == ["Startup", "Identify", "EnterPin", "StartBorrow", "Touch", "SetLanguage", "GoHome", "Shutdown"]
    assert notices == ["notice", "notice"]     # the transport error and our bug; a stale tap is only a warning

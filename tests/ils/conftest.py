"""Fixtures for the ILS simulator tests: the rules over an in-memory store
with a fixed clock, and a running simulator on loopback with a logged-in station."""

from __future__ import annotations

from typing import Iterator

import pytest
from ils_helpers import Clock, RawSIP

from kiosk.sip2.ils import ILSSimulator, load_data
from kiosk.sip2.ils.rules import Circulation
from kiosk.sip2.ils.store import Store


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def circ(clock: Clock) -> Iterator[Circulation]:
    data = load_data()
    store = Store(":memory:")
    store.seed(data, clock())
    yield Circulation(store, data, clock)
    store.close()


@pytest.fixture
def ils(clock: Clock) -> Iterator[ILSSimulator]:
    sim = ILSSimulator(clock=clock, idle_timeout=30.0)
    sim.start()
    yield sim
    sim.close()


@pytest.fixture
def station(ils: ILSSimulator) -> Iterator[RawSIP]:
    conn = RawSIP(ils.port)
    assert conn.login()
    yield conn
    conn.close()

"""The one online/offline switch (:class:`kiosk.services.link.ILSLink`) over
a real SIP2 client and the ILS simulator on loopback: its first report, its
transitions, and "back online only once the offline queue is replayed"."""

from __future__ import annotations

import queue
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.services.link import ILSLink, LinkChange
from kiosk.sip2.ils import ILSSimulator
from kiosk.store.journal import Journal, Kind, Outcome, Replay
from kiosk.store.replay import Replayer, ReplayReport

from station_kit import client_for, eventually


class Heard:
    """Everything the link told its listener, in order (bounded waits)."""

    def __init__(self) -> None:
        self.changes: queue.Queue[LinkChange] = queue.Queue()

    def __call__(self, change: LinkChange) -> None:
        self.changes.put(change)

    def next(self, timeout: float = 10.0) -> LinkChange:
        try:
            return self.changes.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"the link said nothing within {timeout}s") from None

    def nothing_more(self) -> bool:
        return self.changes.empty()


@pytest.fixture
def ils() -> Iterator[ILSSimulator]:
    server = ILSSimulator(encoding="utf-8")
    server.start()
    yield server
    server.stop()


def make_link(ils: ILSSimulator, tmp_path: Path, check_interval: float = 0.05) -> tuple[ILSLink, Journal, Heard]:
    journal = Journal(tmp_path / "journal.sqlite3")
    client = client_for(ils)
    link = ILSLink(client, journal, Replayer(journal, client), replay_interval=0.1, check_interval=check_interval)
    heard = Heard()
    link.add_listener(heard)
    return link, journal, heard


def test_the_first_connect_reports_online_once(ils: ILSSimulator, tmp_path: Path) -> None:
    link, journal, heard = make_link(ils, tmp_path)
    try:
        assert not link.offline
        link.connect()
        assert heard.next() == LinkChange(True, "", first=True)
        link.serve()
        link.go_online()                      # already online: nothing new to tell
        assert heard.nothing_more() and not link.offline
    finally:
        link.close()
        journal.close()


def test_the_ils_down_at_start_then_back(ils: ILSSimulator, tmp_path: Path) -> None:
    ils.set_down(True)
    link, journal, heard = make_link(ils, tmp_path)
    try:
        link.connect()
        change = heard.next()
        assert not change.online and change.first and change.reason
        assert link.offline
        link.serve()
        ils.set_down(False)                   # the client's supervisor reconnects
        assert heard.next() == LinkChange(True, "", first=False)
        assert not link.offline
    finally:
        link.close()
        journal.close()


def test_going_offline_twice_is_told_once(ils: ILSSimulator, tmp_path: Path) -> None:
    link, journal, heard = make_link(ils, tmp_path, check_interval=3600.0)   # no link check in this test
    try:
        link.connect()
        assert heard.next().first
        link.serve()
        link.go_offline("a request timed out")
        link.go_offline("and another")
        assert heard.next() == LinkChange(False, "a request timed out", first=False)
        assert heard.nothing_more() and link.offline
    finally:
        link.close()
        journal.close()


def test_the_link_check_brings_it_back_when_the_connection_stayed_up(ils: ILSSimulator, tmp_path: Path) -> None:
    link, journal, heard = make_link(ils, tmp_path)
    try:
        link.connect()
        assert heard.next().first
        link.serve()
        link.go_offline("a request timed out")   # the client's own state stays online
        assert heard.next() == LinkChange(False, "a request timed out", first=False)
        assert heard.next() == LinkChange(True, "", first=False)
        assert not link.offline
    finally:
        link.close()
        journal.close()


def test_offline_until_the_queue_is_replayed_so_nothing_overtakes_it(ils: ILSSimulator, tmp_path: Path) -> None:
    link, journal, heard = make_link(ils, tmp_path)
    reports: list[ReplayReport] = []
    link.add_replay_listener(reports.append)
    queued = journal.enqueue_offline(Kind.CHECKIN, "", "31000000000001", {})
    journal.record_outcome(queued, Outcome.DONE)        # returned offline and secured: waits for replay
    try:
        link.connect()
        assert heard.next() == LinkChange(True, "", first=True)
        link.serve()
        held = heard.next()
        assert not held.online and "not yet replayed" in held.reason
        assert heard.next() == LinkChange(True, "", first=False)   # after the replay pass
        assert journal.get(queued).replay in (Replay.REPLAYED, Replay.ALREADY)
        eventually(lambda: bool(reports))
        assert link.last_replay is not None and link.last_replay.complete
    finally:
        link.close()
        journal.close()


def test_a_listener_that_fails_does_not_stop_the_others(ils: ILSSimulator, tmp_path: Path) -> None:
    link, journal, heard = make_link(ils, tmp_path)
    second = Heard()

    def broken(change: LinkChange) -> None:
        raise RuntimeError("a listener's bug")

    link.add_listener(broken)
    link.add_listener(second)
    try:
        link.go_offline("test")
        assert not heard.next().online and not second.next().online
    finally:
        link.close()
        journal.close()

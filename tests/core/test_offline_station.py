"""The whole station through an outage: the ILS goes down, patrons borrow and
return offline (tags switched, journal queued, receipt says so), the ILS comes
back, the station replays the queue by itself and the ILS ends up with exactly
those loans; the item that was on hold for someone else is on the staff list."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from kiosk.events import ItemStatus, OfflineChanged, SessionState
from kiosk.drivers.printer.render import escpos_to_text

from station_kit import ANA, ON_HOLD, OVERDUE as OTHERS_LOAN, eventually, start_kit  # type: ignore[import-not-found]

OFFLINE = """
[offline]
replay_interval = 1.0
max_items = 3
[receipt]
default = "ask"
"""


@pytest.mark.timeout(60)
def test_outage_borrow_and_return_then_replay(tmp_path: Path) -> None:
    kit = start_kit(tmp_path, OFFLINE)
    try:
        kit.ils.set_down(True)
        kit.station.identify(ANA, "scanner")
        kit.wait(lambda e: isinstance(e, OfflineChanged) and e.offline, timeout=10)
        state = kit.wait(lambda e: getattr(e, "state", None) in (SessionState.READY, SessionState.PIN_ENTRY),
                         timeout=10).state
        if state is SessionState.PIN_ENTRY:   # a PIN cannot be checked offline; the station may still ask
            kit.station.enter_pin("1234")
            kit.wait_state(SessionState.READY)
        kit.station.start_borrow()
        kit.wait_state(SessionState.BORROWING)
        uids = kit.place("31000000000001", "31000000000002", ON_HOLD)
        results = kit.results(3, "borrow", timeout=15)
        assert all(r.status is ItemStatus.BORROWED and r.offline for r in results.values()), results
        assert all(kit.afi(uid) == 0xC2 for uid in uids)       # tags switched to "on loan" offline
        for uid in uids:
            assert kit.pad.remove(uid)
        assert kit.pad.tags() == []
        time.sleep(0.2)   # the patron walks away with the stack; the pad watcher sees them go
        kit.station.finish()
        kit.wait_state(SessionState.RECEIPT)
        kit.station.choose_receipt("print")
        eventually(lambda: b"offline" in kit.printer.output, timeout=10)
        receipt = escpos_to_text(kit.printer.output)
        assert "31000000000001" in receipt and "Borrowed (3)" in receipt   # offline: no titles, ids
        eventually(lambda: kit.station.session_view().state is SessionState.IDLE, timeout=15)

        kit.station.start_return()                              # anonymous return, still offline
        kit.wait_state(SessionState.RETURNING)
        [back] = kit.place(OTHERS_LOAN, afi=0xC2)
        [returned] = kit.results(1, "return", timeout=15).values()
        assert returned.status is ItemStatus.RETURNED and returned.offline and kit.afi(back) == 0x07
        kit.pad.remove(back)
        kit.station.end_session()
        eventually(lambda: kit.station.session_view().state is SessionState.IDLE, timeout=15)
        assert kit.station.offline_status().queue_length == 4

        kit.ils.set_down(False)                                 # the library system is back
        kit.station.replay_now()
        eventually(lambda: kit.station.offline_status().queue_length == 0, timeout=30, interval=0.1)
        loans = {item: (kit.ils.store.loan(item).patron if kit.ils.store.loan(item) else None)
                 for item in ("31000000000001", "31000000000002", ON_HOLD, OTHERS_LOAN)}
        assert loans == {"31000000000001": ANA, "31000000000002": ANA, ON_HOLD: ANA, OTHERS_LOAN: None}
        flagged = kit.station.conflicts()
        assert [t.item_id for t in flagged] == [ON_HOLD] and "on hold" in flagged[0].staff_reason
        eventually(lambda: not kit.station.offline_status().offline, timeout=10, interval=0.1)
    finally:
        kit.stop()

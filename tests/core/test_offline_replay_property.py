"""Property: whatever offline history was queued, wherever the replay was cut
short (a crash with one request applied but not recorded, lost replies), the
ILS ends up holding exactly what happened at the kiosk: nothing lost, nothing
doubled."""

from __future__ import annotations

import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.store.journal import Journal, Kind, Outcome, Replay
from kiosk.store.offline import OfflineDesk, OfflinePolicy
from kiosk.store.replay import Replayer
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator

ITEMS = ["31000000000001", "31000000000002", "31000000000003", "31000000000020"]
PATRONS = ["21000000000001", "21000000000002", "21000000000006"]
# On loan in the demo data, overdue: provably older than any return queued today.
START = {"31000000000020": "21000000000001"}

steps = st.lists(st.tuples(st.sampled_from(ITEMS), st.sampled_from(PATRONS)), min_size=1, max_size=14)


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(history=steps, crash_after=st.integers(0, 14), lost_checkouts=st.integers(0, 2),
       lost_checkins=st.integers(0, 2))
def test_replay_reaches_exactly_the_kiosks_state(history: list[tuple[str, str]], crash_after: int,
                                                 lost_checkouts: int, lost_checkins: int) -> None:
    model: dict[str, str | None] = {item: START.get(item) for item in ITEMS}
    with tempfile.TemporaryDirectory() as tmp, Journal(Path(tmp) / "j.sqlite3") as journal:
        desk = OfflineDesk(journal, OfflinePolicy(max_items=100))
        entries = []
        for item, patron in history:
            # What the kiosk can do offline: lend what is on the shelf, take back what is out.
            if model[item] is None:
                entry = desk.borrow(patron, item).entry_id
                model[item] = patron
            else:
                entry = desk.accept_return(item)
                model[item] = None
            journal.record_outcome(entry, Outcome.DONE)
            entries.append(entry)

        with ILSSimulator(encoding="utf-8") as ils:
            client = SIP2Client(SIP2Settings(host="127.0.0.1", port=ils.port, username="kiosk",
                                             password="kiosk-pass", institution_id="DEMO", encoding="utf-8",
                                             keepalive_interval=0.0, read_timeout=2.0))
            client.connect()
            try:
                replayer = Replayer(journal, client)
                # A pass that crashed with the next request applied on the ILS but not recorded.
                replayer.replay(limit=crash_after)
                pending = journal.pending_offline()
                if pending:
                    in_flight = pending[0]
                    journal.mark_replay_attempt(in_flight.id)   # as the replayer does before each send
                    if in_flight.kind is Kind.CHECKOUT:
                        client.checkout(in_flight.patron_id, in_flight.item_id, no_block=True)
                    else:
                        client.checkin(in_flight.item_id, no_block=True)
                if lost_checkouts:
                    ils.faults.fail_next("lost_reply", count=lost_checkouts, command="11")
                if lost_checkins:
                    ils.faults.fail_next("lost_reply", count=lost_checkins, command="09")
                for _ in range(2 * len(entries) + 6):   # bounded; every pass makes progress
                    if replayer.replay().complete:
                        break
                results = {journal.get(e).replay for e in entries}
                assert results <= {Replay.REPLAYED, Replay.ALREADY}, journal.conflicts()
                for item, patron in model.items():
                    loan = ils.store.loan(item)
                    assert (loan.patron if loan else None) == patron, (item, history)
            finally:
                client.close()

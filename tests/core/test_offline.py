"""Offline policy and queueing (no ILS needed): what patrons may do while the
library system is unreachable, and what lands in the journal."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.config import load_config
from kiosk.i18n import translator
from kiosk.store.journal import Journal, Kind, Outcome, Replay
from kiosk.store.offline import OfflineDesk, OfflinePolicy, OfflineRefused, nb_due_datetime

PATRON = "21000000000001"


def config(tmp_path: Path, text: str = ""):  # type: ignore[no-untyped-def]
    if not text:
        return load_config(None, apply_override_file=False)
    path = tmp_path / "override.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(None, [path], apply_override_file=False)


@pytest.fixture()
def journal(tmp_path: Path) -> Iterator[Journal]:
    with Journal(tmp_path / "j.sqlite3") as j:
        yield j


@pytest.mark.parametrize("settings, patron, already, allowed, reason", [
    ("", PATRON, 0, True, "ok"),
    ("", PATRON, 4, True, "ok"),
    ("", PATRON, 5, False, "limit"),
    ("", "12345", 0, False, "bad_card"),              # not a well-formed patron barcode
    ("", "31000000000001", 0, False, "bad_card"),     # an item barcode
    ("", "", 0, False, "bad_card"),
    ("[offline]\nallow_checkout = false\n", PATRON, 0, False, "checkout_off"),
    ("[offline]\nmax_items = 0\n", PATRON, 0, False, "checkout_off"),
    ("[offline]\nenabled = false\n", PATRON, 0, False, "disabled"),
    ("[offline]\nmax_items = 2\n", PATRON, 2, False, "limit"),
    ('[barcodes]\ncheck_digit = "codabar"\n', "21000000000001", 0, False, "bad_card"),
])
def test_borrow_policy(tmp_path: Path, settings: str, patron: str, already: int, allowed: bool,
                       reason: str) -> None:
    decision = OfflinePolicy.from_config(config(tmp_path, settings)).may_borrow(patron, already)
    assert (decision.allowed, decision.reason) == (allowed, reason)


def test_returns_always_accepted_unless_offline_service_is_off(tmp_path: Path) -> None:
    assert OfflinePolicy.from_config(config(tmp_path)).may_return().allowed
    assert OfflinePolicy.from_config(config(tmp_path, "[offline]\nallow_checkout = false\n")).may_return().allowed
    assert not OfflinePolicy.from_config(config(tmp_path, "[offline]\nenabled = false\n")).may_return().allowed


@pytest.mark.parametrize("action", ["renew", "renew_all", "pay", "account"])
def test_no_renewals_payments_or_account_offline(action: str) -> None:
    decision = OfflinePolicy().may(action)
    assert not decision.allowed and "offline" in decision.message


def test_unknown_action_is_our_bug() -> None:
    with pytest.raises(ValueError):
        OfflinePolicy().may("teleport")


def test_messages_are_translated_and_filled() -> None:
    decision = OfflinePolicy(max_items=3).may_borrow(PATRON, 1)
    assert decision.text(translator("en").gettext).startswith("The library system is offline. You can borrow 2 more")
    spanish = decision.text(translator("es").gettext)
    assert "2" in spanish and "línea" in spanish


def test_limit_counts_the_whole_outage_not_one_session(journal: Journal) -> None:
    desk = OfflineDesk(journal, OfflinePolicy(max_items=2))
    desk.borrow(PATRON, "31000000000001", {"uid": "E0"}, session_id="a")
    desk.borrow(PATRON, "31000000000002", {"uid": "E1"}, session_id="b")
    with pytest.raises(OfflineRefused) as info:
        desk.borrow(PATRON, "31000000000003", session_id="c")
    assert info.value.decision.reason == "limit"
    assert desk.check_borrow("21000000000002").allowed  # other patrons are not affected


def test_an_undone_offline_loan_does_not_count(journal: Journal) -> None:
    desk = OfflineDesk(journal, OfflinePolicy(max_items=1))
    loan = desk.borrow(PATRON, "31000000000001")
    journal.record_outcome(loan.entry_id, Outcome.UNDONE, "tag write failed")
    assert desk.check_borrow(PATRON).allowed


def test_borrow_queues_with_the_promised_due_date(journal: Journal) -> None:
    desk = OfflineDesk(journal, OfflinePolicy(loan_days=21))
    loan = desk.borrow(PATRON, "31000000000001", {"uid": "E004010000000001"}, session_id="s",
                       today=date(2026, 11, 23))
    assert loan.due_date == date(2026, 12, 14)
    entry = journal.get(loan.entry_id)
    assert (entry.kind, entry.offline, entry.replay, entry.status) == (Kind.CHECKOUT, True, Replay.PENDING,
                                                                      Outcome.INTENT)
    assert entry.payload == {"uid": "E004010000000001", "due_date": "2026-12-14"}
    due = nb_due_datetime(loan.due_date)
    assert (due.date(), due.hour, due.minute) == (date(2026, 12, 14), 23, 59)


def test_returns_queue_in_order(journal: Journal) -> None:
    desk = OfflineDesk(journal, OfflinePolicy())
    ids = [desk.accept_return(f"3100000000000{i}", {"uid": f"E{i}"}) for i in range(1, 4)]
    assert [e.id for e in journal.pending_offline()] == ids
    assert desk.status()["pending"] == 3


def test_refused_borrow_writes_nothing(journal: Journal) -> None:
    desk = OfflineDesk(journal, OfflinePolicy(allow_checkout=False))
    with pytest.raises(OfflineRefused):
        desk.borrow(PATRON, "31000000000001")
    assert journal.recent() == []
    with pytest.raises(OfflineRefused):
        OfflineDesk(journal, OfflinePolicy(enabled=False)).accept_return("31000000000001")

"""The session state machine: one table, illegal steps named, inactivity."""

from __future__ import annotations

import pytest

from kiosk.config import load_config
from kiosk.errors import LocalProtocolError
from kiosk.events import ItemResult, ItemStatus, SessionState as S
from kiosk.circulation.session import TRANSITIONS, IllegalStep, Patron, Session, Timeouts


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def session(clock: FakeClock | None = None) -> Session:
    return Session(Timeouts(pin=30, home=45, borrow=90, ret=90, account=90, receipt=20, warning=15),
                   clock=clock or FakeClock())


@pytest.mark.parametrize("steps, final", [
    (["identify", "need_pin", "submit_pin", "identified"], S.READY),
    (["identify", "need_pin", "submit_pin", "wrong_pin", "submit_pin", "identified"], S.READY),
    (["identify", "identified", "borrow", "return", "account", "home"], S.READY),
    (["identify", "identified", "borrow", "finish", "receipt_done", "reset"], S.IDLE),
    (["anonymous_return", "finish", "receipt_done"], S.ENDING),
    (["identify", "rejected", "reset"], S.IDLE),
    (["identify", "need_pin", "end"], S.ENDING),
    (["identify", "identified", "account", "end", "end"], S.ENDING),
])
def test_legal_paths(steps: list[str], final: S) -> None:
    s = session()
    for step in steps:
        s.step(step)
    assert s.state is final


@pytest.mark.parametrize("steps, bad", [
    ([], "borrow"),                                  # no patron yet
    ([], "end"),                                     # nothing to end
    (["identify", "need_pin"], "borrow"),            # a stale tap on the PIN pad
    (["identify", "identified"], "receipt_done"),
    (["identify", "identified", "borrow"], "identify"),  # a second card mid-session
    (["identify", "identified", "finish"], "borrow"),
])
def test_illegal_steps_name_the_step_and_the_state(steps: list[str], bad: str) -> None:
    s = session()
    for step in steps:
        s.step(step)
    assert (s.state, bad) not in TRANSITIONS
    before = s.state
    with pytest.raises(IllegalStep) as info:
        s.step(bad)
    assert isinstance(info.value, LocalProtocolError)
    assert repr(bad) in str(info.value) and repr(before.value) in str(info.value)
    assert s.state is before  # an illegal step changes nothing


def test_every_state_is_reachable_and_can_end() -> None:
    reachable = {S.IDLE} | set(TRANSITIONS.values())
    assert reachable == set(S)
    for state in S:
        if state is not S.IDLE:
            assert (state, "end") in TRANSITIONS


def test_clear_forgets_the_patron_and_the_pin() -> None:
    s = session()
    s.step("identify")
    s.patron = Patron("21000000000001", pin="1234", name="Ana")
    s.language = "es"
    s.add_item(ItemResult("31000000000001", "borrow", ItemStatus.BORROWED))
    old_id = s.session_id
    s.step("end")
    s.reset()
    assert s.state is S.IDLE and s.patron is None and s.items == [] and s.language == "en"
    assert s.session_id != old_id


def test_item_results_replace_by_item_and_action() -> None:
    s = session()
    s.add_item(ItemResult("1", "borrow", ItemStatus.INCOMPLETE))
    s.add_item(ItemResult("1", "return", ItemStatus.RETURNED))
    s.add_item(ItemResult("1", "borrow", ItemStatus.BORROWED))
    assert [(r.action, r.status) for r in s.items] == [("borrow", ItemStatus.BORROWED), ("return", ItemStatus.RETURNED)]


def test_inactivity_warns_then_expires_and_touch_resets() -> None:
    clock = FakeClock()
    s = session(clock)
    assert s.inactivity() == ("ok", 0.0)             # idle never times out
    s.step("identify")
    assert s.inactivity() == ("ok", 0.0)             # waiting for the ILS is not the patron's idleness
    s.step("identified")
    clock.now += 44
    assert s.inactivity() == ("ok", 0.0)
    clock.now += 2                                   # home timeout is 45 s
    status, left = s.inactivity()
    assert status == "warn" and left == pytest.approx(14)
    s.touch()
    assert s.inactivity() == ("ok", 0.0)
    clock.now += 45 + 15
    assert s.inactivity()[0] == "expired"


def test_each_screen_has_its_own_timeout_and_receipt_has_no_warning() -> None:
    clock = FakeClock()
    s = session(clock)
    for step in ("identify", "identified", "borrow"):
        s.step(step)
    clock.now += 60
    assert s.inactivity() == ("ok", 0.0)             # borrowing allows 90 s
    s.step("finish")
    clock.now += 21
    assert s.inactivity() == ("expired", 0.0)        # receipt: timeout means "no receipt"


def test_timeouts_come_from_the_ui_config() -> None:
    cfg = load_config(None, apply_override_file=False)
    t = Timeouts.from_config(cfg)
    assert (t.pin, t.home, t.borrow, t.ret, t.account, t.receipt, t.warning) == (
        cfg.ui.timeout_pin, cfg.ui.timeout_home, cfg.ui.timeout_borrow, cfg.ui.timeout_return,
        cfg.ui.timeout_account, cfg.ui.timeout_receipt, cfg.ui.warning_seconds)
    assert t.for_state(S.PIN_ENTRY) == cfg.ui.timeout_pin
    assert t.for_state(S.IDLE) is None and t.for_state(S.ENDING) is None

"""The payment adapter interface and its simulated terminal, opened through
the device registry like every device."""

from __future__ import annotations

from decimal import Decimal

import pytest

from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError, LocalProtocolError
from kiosk.drivers.payment import PaymentAdapter, PaymentUnavailable, SimulatedPayment, to_amount


@pytest.mark.parametrize("value, expected", [("12.5", Decimal("12.50")), (3, Decimal("3.00")),
                                             (Decimal("0.015"), Decimal("0.02")), (" 7.00 ", Decimal("7.00"))])
def test_amounts(value: object, expected: Decimal) -> None:
    assert to_amount(value) == expected


@pytest.mark.parametrize("value", ["", "abc", "-1", "0", "NaN", "Infinity"])
def test_bad_amounts_are_our_error_with_the_value(value: str) -> None:
    with pytest.raises(LocalProtocolError, match="payment amount"):
        to_amount(value)


@pytest.mark.parametrize("spec, decline, decline_over, fail", [
    ("sim", False, None, False),
    ("sim:decline", True, None, False),
    ("sim:decline_over=20", False, Decimal("20.00"), False),
    ("sim:fail,refund_fail", False, None, True),
])
def test_registry_grammar(spec: str, decline: bool, decline_over: Decimal | None, fail: bool) -> None:
    terminal = open_device("payment", spec, {})
    assert isinstance(terminal, PaymentAdapter) and isinstance(terminal, SimulatedPayment)
    assert (terminal.decline, terminal.decline_over, terminal.fail) == (decline, decline_over, fail)
    assert terminal.self_test().ok is not fail


@pytest.mark.parametrize("spec", ["sim:bogus", "sim:decline_over=lots", "nosuch:1"])
def test_bad_device_strings_fail_loudly(spec: str) -> None:
    with pytest.raises(DeviceError, match="payment"):
        open_device("payment", spec, {})


def test_charge_decline_and_refund_ledger() -> None:
    terminal = SimulatedPayment(decline_over=Decimal("10"))
    ok = terminal.charge(Decimal("4.50"), "USD", "fee 1")
    assert ok.approved and ok.transaction_id and ok.amount == Decimal("4.50")
    declined = terminal.charge(Decimal("10.01"), "USD", "fee 2")
    assert not declined.approved and declined.message and not declined.transaction_id
    back = terminal.refund(ok)
    assert back.transaction_id == ok.transaction_id
    assert terminal.charges == [ok] and terminal.refunds == [back]
    second = terminal.charge(Decimal("1"), "USD", "fee 3")
    assert second.transaction_id != ok.transaction_id


def test_unreachable_terminal_raises_a_device_error() -> None:
    terminal = SimulatedPayment(fail=True)
    with pytest.raises(PaymentUnavailable) as info:
        terminal.charge(Decimal("1"), "USD", "x")
    assert isinstance(info.value, DeviceError) and info.value.device == "payment"
    terminal = SimulatedPayment(refund_fail=True)
    receipt = terminal.charge(Decimal("1"), "USD", "x")
    with pytest.raises(PaymentUnavailable):
        terminal.refund(receipt)

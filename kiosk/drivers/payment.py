"""Payment terminals for fines: one small interface, a simulated terminal.

A :class:`PaymentAdapter` takes money for an amount (:meth:`charge`) and gives
it back (:meth:`refund`) when the ILS then refuses the fee-paid message (37).
Real terminals (an EMV pin pad over its vendor's protocol, a coin/note
acceptor) implement the same two calls and register in the device registry
under the ``payment`` family, so a station picks one by config
(``[devices.payment] driver = "sim"``).

Amounts are :class:`decimal.Decimal` in the station's currency. A declined
card is an answer, not an error: :class:`PaymentReceipt` with ``approved``
false and the terminal's words. A terminal that cannot be reached raises
:class:`PaymentUnavailable` (a :class:`~kiosk.errors.DeviceError`).

Device string grammar of the simulator::

    sim[:option,option...]   options: decline (every charge declined),
                             decline_over=AMOUNT, fail (terminal unreachable),
                             refund_fail (refunds fail)
"""

from __future__ import annotations

import abc
import itertools
import threading
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from kiosk.drivers.registry import register
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError, LocalProtocolError

__all__ = ["PaymentAdapter", "PaymentReceipt", "PaymentUnavailable", "SimulatedPayment", "to_amount",
           "SIP2_PAYMENT_TYPES"]

#: SIP2 2.00 fee paid "payment type": 00 cash, 01 VISA, 02 credit card.
SIP2_PAYMENT_TYPES = {"cash": "00", "visa": "01", "credit": "02"}


class PaymentUnavailable(DeviceError):
    """The terminal could not be reached or failed mid-transaction."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "payment")


@dataclass(frozen=True)
class PaymentReceipt:
    """The terminal's answer. ``transaction_id`` goes to the ILS (BK) so a
    repeated fee-paid is recognised and never charged twice."""

    approved: bool
    amount: Decimal
    currency: str
    transaction_id: str = ""
    message: str = ""                 # the terminal's words (e.g. "declined by issuer")
    payment_type: str = "02"          # SIP2 payment type


def to_amount(value: Any) -> Decimal:
    """A positive money amount with two decimals; :class:`LocalProtocolError` otherwise."""
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise LocalProtocolError(f"payment amount {value!r} is not a number") from None
    if not amount.is_finite() or amount <= 0:
        raise LocalProtocolError(f"payment amount {value!r} must be more than zero")
    return amount.quantize(Decimal("0.01"))


class PaymentAdapter(abc.ABC):
    """Base of every payment terminal. Calls block until the terminal answers
    (bounded by the terminal's own timeout); the station calls them on its
    worker thread."""

    name = "payment"

    @abc.abstractmethod
    def charge(self, amount: Decimal, currency: str, reference: str) -> PaymentReceipt:
        """Take ``amount``; ``reference`` names the fee (shown on the terminal)."""

    @abc.abstractmethod
    def refund(self, receipt: PaymentReceipt) -> PaymentReceipt:
        """Give back a charge that the ILS refused to record."""

    def self_test(self) -> SelfTestResult:
        return SelfTestResult.passed(f"{self.name}: ready")

    def close(self) -> None:
        """Release the terminal."""


class SimulatedPayment(PaymentAdapter):
    """A terminal with no hardware: approves unless told otherwise. Keeps a
    ledger (``charges``, ``refunds``) so tests can check money never moves twice."""

    name = "simulated payment terminal"

    def __init__(self, decline: bool = False, decline_over: Decimal | None = None, fail: bool = False,
                 refund_fail: bool = False) -> None:
        self.decline = decline
        self.decline_over = decline_over
        self.fail = fail
        self.refund_fail = refund_fail
        self.charges: list[PaymentReceipt] = []
        self.refunds: list[PaymentReceipt] = []
        self._ids = itertools.count(1)
        self._lock = threading.Lock()

    def charge(self, amount: Decimal, currency: str, reference: str) -> PaymentReceipt:
        amount = to_amount(amount)
        if self.fail:
            raise PaymentUnavailable("simulated payment terminal: not responding")
        with self._lock:
            if self.decline or (self.decline_over is not None and amount > self.decline_over):
                return PaymentReceipt(False, amount, currency, message="Card declined")
            receipt = PaymentReceipt(True, amount, currency, f"SIM{next(self._ids):06d}", "Approved")
            self.charges.append(receipt)
            return receipt

    def refund(self, receipt: PaymentReceipt) -> PaymentReceipt:
        if self.refund_fail:
            raise PaymentUnavailable("simulated payment terminal: refund failed")
        with self._lock:
            back = PaymentReceipt(True, receipt.amount, receipt.currency, receipt.transaction_id, "Refunded",
                                  receipt.payment_type)
            self.refunds.append(back)
            return back

    def self_test(self) -> SelfTestResult:
        if self.fail:
            return SelfTestResult.failed("simulated payment terminal: not responding")
        return SelfTestResult.passed("simulated payment terminal: ready")


@dataclass(frozen=True)
class SimPaymentSettings:
    decline: bool = False
    decline_over: Decimal | None = None
    fail: bool = False
    refund_fail: bool = False


def parse_sim(argument: str, options: dict[str, Any]) -> SimPaymentSettings:
    """``[decline|decline_over=AMOUNT|fail|refund_fail,...]`` -> settings (pure)."""
    flags: dict[str, Any] = {}
    for part in filter(None, (p.strip() for p in argument.split(","))):
        key, _, value = part.partition("=")
        if key in ("decline", "fail", "refund_fail") and not value:
            flags[key] = True
        elif key == "decline_over" and value:
            try:
                flags[key] = to_amount(value)
            except LocalProtocolError as exc:
                raise ValueError(str(exc)) from None
        else:
            raise ValueError(f"unknown option {part!r}; use decline, decline_over=AMOUNT, fail or refund_fail")
    return SimPaymentSettings(**flags)


@register("payment", "sim", "sim[:decline|decline_over=AMOUNT|fail|refund_fail,...]",
          "simulated payment terminal (demo and tests)", parse_sim)
def open_sim(settings: SimPaymentSettings, options: dict[str, Any]) -> SimulatedPayment:
    return SimulatedPayment(settings.decline, settings.decline_over, settings.fail, settings.refund_fail)

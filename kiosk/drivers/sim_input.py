"""What the simulated input devices (scanner, card reader) share: on/off with
the driver lifecycle, and a self-test that fails on demand (``fail_self_test``)."""

from __future__ import annotations

from kiosk.drivers.selftest import SelfTestResult


class SimulatedInput:
    """Mixin placed before the family's base class."""

    name: str

    def _init_simulated(self) -> None:
        self._running = False
        self.fail_self_test: str | None = None

    @property
    def running(self) -> bool:
        return self._running

    def _start(self) -> None:
        self._running = True

    def _stop(self) -> None:
        self._running = False

    def self_test(self) -> SelfTestResult:
        if self.fail_self_test:
            return SelfTestResult.failed(f"{self.name}: {self.fail_self_test}")
        return SelfTestResult.passed(f"{self.name}: ready")

"""Simulated scanner (device string ``sim``) for the demo and tests.

``scan(code)`` delivers a code as if a label had been read, on the caller's
thread. Fault injection: ``fail_self_test`` (a reason) makes the self-test
fail; ``scan_raw`` sends text through prefix/suffix stripping unchanged.
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.barcode.base import Scanner
from kiosk.drivers.registry import register
from kiosk.drivers.sim_input import SimulatedInput


class SimulatedScanner(SimulatedInput, Scanner):
    def __init__(self, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        options.setdefault("repeat_window", 0.0)  # tests scan the same code on purpose
        super().__init__("simulated scanner", options)
        self._init_simulated()

    def scan(self, code: str) -> None:
        """A patron holds a label under the scanner. Ignored while stopped,
        like a real scanner nobody is listening to."""
        if self._running:
            self._deliver(self.prefix + code + self.suffix)

    def scan_raw(self, text: str) -> None:
        if self._running:
            self._deliver(text)


@register("scanner", "sim", "sim", "simulated scanner; codes injected with scan(code)")
def open_sim(settings: None, options: dict[str, Any]) -> SimulatedScanner:
    return SimulatedScanner(options)

"""Simulated patron card reader (device string ``sim``) for the demo and tests.

``present(card_id)`` is a patron tapping a card: one ``on_card`` per call,
on the caller's thread. ``present_unreadable(reason)`` taps a card that
cannot be read; ``fail_self_test`` makes the self-test fail.
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.nfc.base import CardReader
from kiosk.drivers.registry import register
from kiosk.drivers.sim_input import SimulatedInput


class SimulatedCardReader(SimulatedInput, CardReader):
    def __init__(self) -> None:
        super().__init__("simulated card reader")
        self._init_simulated()

    def present(self, card_id: str) -> None:
        if self._running:
            self._card(card_id)

    def present_unreadable(self, reason: str = "card has no NDEF text record") -> None:
        if self._running:
            self._unreadable(reason)


@register("nfc", "sim", "sim", "simulated patron card reader; cards injected with present(card_id)")
def open_sim(settings: None, options: dict[str, Any]) -> SimulatedCardReader:
    return SimulatedCardReader()

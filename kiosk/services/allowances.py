"""How long each kind of worker may go without a liveness beat
(:mod:`kiosk.monitoring.liveness`), from the config: ``[monitoring]
watchdog_allowance`` plus the longest honest wait of one round of the
worker's loop, from the ILS's and the devices' own timeouts."""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.config import Config

__all__ = ["Allowances"]


@dataclass(frozen=True)
class Allowances:
    """How long each kind of worker may go without a beat: ``[monitoring]
    watchdog_allowance`` plus the longest honest wait of one round of its loop."""

    base: float
    ils_request: float          # one SIP2 exchange: connect, then the reply with every resend
    rfid: float                 # one RFID reader command
    tag_write: float            # one item's security write, retries included
    sorter: float               # one sorter command

    @classmethod
    def from_config(cls, config: Config) -> "Allowances":
        sip2, rfid = config.sip2, config.devices.rfid
        once = float(sip2.connect_timeout) + float(sip2.read_timeout) * (1 + int(sip2.retries))
        return cls(float(config.monitoring.watchdog_allowance), once, float(rfid.timeout),
                   3 * float(rfid.timeout) * (1 + int(rfid.write_retries)), float(config.devices.sorter.timeout))

    @property
    def ui(self) -> float:
        """The Kivy main loop."""
        return self.base

    @property
    def ils_worker(self) -> float:
        """A worker that asks the ILS (the station worker, the return bin's check-in stage):
        a query is sent again once after a reconnect."""
        return self.base + 2 * self.ils_request

    @property
    def reader(self) -> float:
        """A device reader thread: a few reader commands, or its back-off after a fault (at most 5 s)."""
        return self.base + 5.0 + 3 * self.rfid

    @property
    def writer(self) -> float:
        """The return bin's sorting stage: an item's security write, then the sorter (and the reject bin)."""
        return self.base + self.tag_write + 2 * self.sorter

"""Return-bin sorters.

Device strings (``[devices.sorter] driver``):

* ``sim[:hang_while=PATH]``: simulated bins with full sensors (``capacity``
  items each; 0 = unlimited); ``hang_while``: routing blocks while PATH exists
  (the hang fault, :mod:`kiosk.drivers.sorter.sim`).
* ``serial:PORT[,baud=N]``: a relay/controller board speaking the line protocol
  in :mod:`kiosk.drivers.sorter.serial_board`; PORT is a device path or any
  pyserial URL (``socket://127.0.0.1:7001``).
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.registry import register
from kiosk.drivers.sorter.base import BinFull, Sorter, SorterEvent
from kiosk.drivers.sorter.serial_board import SerialSorterBoard
from kiosk.drivers.sorter.sim import SimulatedSorter

__all__ = ["BinFull", "SerialSorterBoard", "SimulatedSorter", "Sorter", "SorterEvent"]


def _port_and_baud(argument: str, default_baud: int) -> tuple[str, int]:
    port, _, rest = argument.partition(",")
    baud = default_baud
    for item in filter(None, rest.split(",")):
        key, _, value = item.partition("=")
        if key.strip() != "baud" or not value.strip().isdigit():
            raise ValueError(f"unknown option {item!r} (expected baud=N)")
        baud = int(value)
    if not port:
        raise ValueError("missing PORT (e.g. serial:/dev/ttyUSB1)")
    return port, baud


@register("sorter", "sim", "sim[:hang_while=PATH]", "simulated sorter bins with full sensors")
def _open_sim(argument: str, options: dict[str, Any]) -> SimulatedSorter:
    hang = argument[len("hang_while="):] if argument.startswith("hang_while=") else ""
    if argument and not hang:
        raise ValueError(f"unknown sim option {argument!r} (expected hang_while=PATH)")
    return SimulatedSorter(list(options.get("bins", ("1", "2", "holds", "reject"))), int(options.get("capacity", 0)),
                           hang_while=hang or None)


@register("sorter", "serial", "serial:PORT[,baud=N]", "relay/controller board, line protocol over serial")
def _open_serial(argument: str, options: dict[str, Any]) -> SerialSorterBoard:
    port, baud = _port_and_baud(argument, int(options.get("baud", 9600)))
    return SerialSorterBoard(port, baud, float(options.get("timeout", 2.0)))

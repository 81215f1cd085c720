"""Return-bin sorters.

Device strings (``[devices.sorter] driver``):

* ``sim``: simulated bins with full sensors (``capacity`` items each; 0 = unlimited).
* ``serial:PORT[,baud=N]``: a relay/controller board speaking the line protocol
  in :mod:`kiosk.drivers.sorter.serial_board`; PORT is a device path or any
  pyserial URL (``socket://127.0.0.1:7001``).
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers import arguments
from kiosk.drivers.registry import register
from kiosk.drivers.sorter.base import BinFull, Sorter, SorterEvent
from kiosk.drivers.sorter.serial_board import SerialSorterBoard
from kiosk.drivers.sorter.sim import SimulatedSorter

__all__ = ["BinFull", "SerialSorterBoard", "SimulatedSorter", "Sorter", "SorterEvent"]


def parse_serial(argument: str, options: dict[str, Any]) -> tuple[str, int]:
    """``PORT[,baud=N]`` (the table's ``baud`` unless the string says) -> (port, baud) (pure)."""
    port, opts = arguments.parse_port(argument, {"baud": arguments.baud}, example="/dev/ttyUSB1")
    return port, opts.get("baud") or arguments.table_option(options, "baud", arguments.baud, 9600)


@register("sorter", "sim", "sim", "simulated sorter bins with full sensors")
def _open_sim(settings: None, options: dict[str, Any]) -> SimulatedSorter:
    return SimulatedSorter(list(options.get("bins", ("1", "2", "holds", "reject"))), int(options.get("capacity", 0)))


@register("sorter", "serial", "serial:PORT[,baud=N]", "relay/controller board, line protocol over serial",
          parse_serial)
def _open_serial(settings: tuple[str, int], options: dict[str, Any]) -> SerialSorterBoard:
    port, baud = settings
    return SerialSorterBoard(port, baud, float(options.get("timeout", 2.0)))

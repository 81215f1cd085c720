"""RFID pads for ISO 15693 item tags: the reader contract, real drivers (FEIG
ISO host protocol, 3M 810), the simulated pad and the pad watcher that turns
polling into "tag placed / removed / stack settled" events.

Importing the package registers every driver with
:mod:`kiosk.drivers.registry` (``feig:...``, ``3m810:...``, ``sim``).
"""

from kiosk.drivers.rfid.base import (RFIDReader, ReaderGarbled, ReaderTimeout, TagError, TagFailed, TagInfo,
                                     parse_uid, uid_hex)
from kiosk.drivers.rfid import feig, m3_810, sim  # noqa: F401  (register their schemes)
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag

__all__ = ["SimulatedPad", "make_item_tag", "RFIDReader", "ReaderGarbled", "ReaderTimeout", "TagError",
           "TagFailed", "TagInfo", "parse_uid", "uid_hex"]

from kiosk.drivers.rfid.events import (PadEvent, PadFault, PadRecovered, PadWatcher,  # noqa: E402
                                       StackSettled, TagPlaced, TagRemoved)

__all__ += ["PadWatcher", "PadEvent", "PadFault", "PadRecovered", "StackSettled", "TagPlaced", "TagRemoved"]

"""What the station's worker does: one frozen dataclass per action.

The facade's patron methods (``station.identify(...)``) and the devices
(pad, scanner, NFC reader) post these to the worker's queue; the worker runs
each through one table from action type to handler
(:class:`kiosk.station.worker.ActionTable`), so a tap can be followed to its
handler by name. Every action is in :data:`ALL_ACTIONS`; a test checks the
table covers them all.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Union

from kiosk.circulation.session import Timeouts
from kiosk.drivers.rfid.events import PadEvent

__all__ = ["ALL_ACTIONS", "AcceptFee", "Action", "BorrowBarcode", "ChooseReceipt", "EndSession", "EnterPin",
           "Finish", "GoHome", "Identify", "OpenAccount", "PadChanged", "Pay", "Recover", "Renew", "RenewAll",
           "ReturnBarcode", "Scanned", "SetLanguage", "SetTimeFactor", "SetTimeouts", "Shutdown", "StartBorrow",
           "StartReturn",
           "Startup", "Touch"]

# -- the station's own ----------------------------------------------------------------
@dataclass(frozen=True)
class Startup:
    """Connect, settle the journal, start the devices (first on the queue)."""


@dataclass(frozen=True)
class Shutdown:
    """End any session and stop the devices (last on the queue)."""


@dataclass(frozen=True)
class Recover:
    """Settle unfinished journal entries at least ``min_age`` seconds old."""

    min_age: float = 0.0


# -- devices ------------------------------------------------------------------------------
@dataclass(frozen=True)
class PadChanged:
    """The pad watcher saw something (a tag, a settled stack, a fault)."""

    event: PadEvent


@dataclass(frozen=True)
class Scanned:
    """The barcode scanner read ``code`` (a patron card, an item or a staff badge)."""

    code: str


# -- the patron -------------------------------------------------------------------------------
@dataclass(frozen=True)
class Identify:
    """A patron card; ``source`` is scanner, rfid, nfc or keyboard."""

    barcode: str
    source: str = "scanner"


@dataclass(frozen=True)
class EnterPin:
    pin: str = field(repr=False)     # never in a log line


@dataclass(frozen=True)
class StartBorrow:
    pass


@dataclass(frozen=True)
class BorrowBarcode:
    """A barcode-only item (no tag) scanned or typed while borrowing."""

    item_id: str


@dataclass(frozen=True)
class AcceptFee:
    """The patron accepts the rental charge of an item shown as ``CONFIRM_FEE``."""

    item_id: str


@dataclass(frozen=True)
class StartReturn:
    """Returning; from the attract screen an anonymous return."""


@dataclass(frozen=True)
class ReturnBarcode:
    item_id: str


@dataclass(frozen=True)
class OpenAccount:
    pass


@dataclass(frozen=True)
class GoHome:
    """Back to the patron's home screen (borrow / return / account)."""


@dataclass(frozen=True)
class Renew:
    item_id: str


@dataclass(frozen=True)
class RenewAll:
    pass


@dataclass(frozen=True)
class Pay:
    """Pay ``amount`` towards ``fee_id`` (None: towards the total)."""

    fee_id: str | None
    amount: str | Decimal


@dataclass(frozen=True)
class Finish:
    """The patron is done: receipt choice (or straight to goodbye)."""


@dataclass(frozen=True)
class ChooseReceipt:
    """``print``, ``email`` (to ``email``, or the address on file) or ``none``.
    Not checked here: a choice the receipt desk does not know becomes a polite
    notice on the worker, never an exception in the UI's thread."""

    choice: str
    email: str | None = None


@dataclass(frozen=True)
class EndSession:
    pass


@dataclass(frozen=True)
class Touch:
    """The patron touched the screen: restart the inactivity clock."""


@dataclass(frozen=True)
class SetLanguage:
    code: str


@dataclass(frozen=True)
class SetTimeouts:
    """New inactivity timeouts (staff settings), from the next screen on."""

    timeouts: Timeouts


@dataclass(frozen=True)
class SetTimeFactor:
    """More time for the patron in front of the kiosk: every timeout and the
    warning ``factor`` times longer (speech or large-text mode, WCAG 2.2.1)."""

    factor: float


Action = Union[Startup, Shutdown, Recover, PadChanged, Scanned, Identify, EnterPin, StartBorrow, BorrowBarcode,
               AcceptFee, StartReturn, ReturnBarcode, OpenAccount, GoHome, Renew, RenewAll, Pay, Finish,
               ChooseReceipt, EndSession, Touch, SetLanguage, SetTimeouts, SetTimeFactor]

#: Every action type, for the table's completeness check.
ALL_ACTIONS: tuple[type, ...] = Action.__args__  # type: ignore[attr-defined]

"""The code tables of SIP2 2.00 (item circulation status, security marker,
fee, payment and media types) and the patron status summary. Fixed fields
that hold one are decoded to these (:mod:`kiosk.sip2.fields` loads this
module when it first meets one: building them is a millisecond that a
command which reads none, such as ``kiosk sip2 status``, need not spend); a
code outside its table is kept as its text.
"""

from __future__ import annotations

from dataclasses import dataclass, fields as dc_fields
from enum import StrEnum

from kiosk.errors import FieldError

__all__ = ["PatronStatus", "CirculationStatus", "SecurityMarker", "FeeType", "PaymentType", "MediaType"]


class CirculationStatus(StrEnum):
    """Item circulation status (SIP2 2.00, Item Information Response)."""

    OTHER = "01"
    ON_ORDER = "02"
    AVAILABLE = "03"
    CHARGED = "04"
    CHARGED_NOT_TO_BE_RECALLED = "05"
    IN_PROCESS = "06"
    RECALLED = "07"
    WAITING_ON_HOLD_SHELF = "08"
    WAITING_TO_BE_RESHELVED = "09"
    IN_TRANSIT = "10"
    CLAIMED_RETURNED = "11"
    LOST = "12"
    MISSING = "13"


class SecurityMarker(StrEnum):
    OTHER = "00"
    NONE = "01"
    TATTLE_TAPE = "02"
    WHISPER_TAPE = "03"


class FeeType(StrEnum):
    OTHER = "01"
    ADMINISTRATIVE = "02"
    DAMAGE = "03"
    OVERDUE = "04"
    PROCESSING = "05"
    RENTAL = "06"
    REPLACEMENT = "07"
    COMPUTER_ACCESS = "08"
    HOLD_FEE = "09"


class PaymentType(StrEnum):
    CASH = "00"
    VISA = "01"
    CREDIT_CARD = "02"


class MediaType(StrEnum):
    OTHER = "000"
    BOOK = "001"
    MAGAZINE = "002"
    BOUND_JOURNAL = "003"
    AUDIO_TAPE = "004"
    VIDEO_TAPE = "005"
    CD_CDROM = "006"
    DISKETTE = "007"
    BOOK_WITH_DISKETTE = "008"
    BOOK_WITH_CD = "009"
    BOOK_WITH_AUDIO_TAPE = "010"


@dataclass(frozen=True)
class PatronStatus:
    """The 14-character patron status summary (SIP2 2.00, Patron Status Response):
    ``Y`` in a position means the condition holds, a blank means it does not."""

    charge_privileges_denied: bool = False
    renewal_privileges_denied: bool = False
    recall_privileges_denied: bool = False
    hold_privileges_denied: bool = False
    card_reported_lost: bool = False
    too_many_items_charged: bool = False
    too_many_items_overdue: bool = False
    too_many_renewals: bool = False
    too_many_claims_of_items_returned: bool = False
    too_many_items_lost: bool = False
    excessive_outstanding_fines: bool = False
    excessive_outstanding_fees: bool = False
    recall_overdue: bool = False
    too_many_items_billed: bool = False

    LENGTH = 14

    @classmethod
    def parse(cls, text: str) -> "PatronStatus":
        """Decode 14 characters; ``Y``/``y`` is set, blank/``N`` is clear."""
        if len(text) != cls.LENGTH:
            raise FieldError(f"patron status {text!r} is not 14 characters")
        flags = []
        for char in text:
            if char in "Yy":
                flags.append(True)
            elif char in " Nn0-":
                flags.append(False)
            else:
                raise FieldError(f"patron status {text!r}: {char!r} is neither 'Y' nor blank")
        return cls(*flags)

    def format(self) -> str:
        # The flags are this dataclass's fields, in the spec's order: walked by name.
        return "".join("Y" if getattr(self, f.name) else " " for f in dc_fields(self))

    def active(self) -> tuple[str, ...]:
        """Names of the flags that are set, in spec order."""
        return tuple(f.name for f in dc_fields(self) if getattr(self, f.name))

    @property
    def blocked(self) -> bool:
        """True when the ILS would refuse a checkout (charge denied or card lost)."""
        return self.charge_privileges_denied or self.card_reported_lost

    def __bool__(self) -> bool:
        return any(getattr(self, f.name) for f in dc_fields(self))

"""Security values the library gates read: AFI and/or the EAS bit.

ISO 28560-1 clause 5 and ISO/IEC 15961-3: AFI 0x07 marks an item in the library
(secured: the gate alarms), 0xC2 an item on loan (the gate stays quiet). Tags that
support EAS (NXP ICODE) carry an extra alarm bit; some gates read only that. Which
one a station sets is configuration (``devices.rfid.security``: afi, eas or both),
as are the two AFI values (``devices.rfid.afi_secured`` / ``afi_on_loan``) for
libraries whose gates were set up with other codes.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

AFI_SECURED = 0x07
AFI_ON_LOAN = 0xC2


class SecurityMode(str, Enum):
    AFI = "afi"
    EAS = "eas"
    BOTH = "both"

    @classmethod
    def parse(cls, value: "str | SecurityMode") -> "SecurityMode":
        try:
            return cls(value)
        except ValueError:
            raise ValueError(f"security mode {value!r} must be afi, eas or both") from None

    @property
    def uses_afi(self) -> bool:
        return self in (SecurityMode.AFI, SecurityMode.BOTH)

    @property
    def uses_eas(self) -> bool:
        return self in (SecurityMode.EAS, SecurityMode.BOTH)


@dataclass(frozen=True)
class SecurityTarget:
    """What to write to a tag: ``afi`` / ``eas`` are None where the mode leaves them alone."""

    afi: int | None
    eas: bool | None


@dataclass(frozen=True)
class SecurityPolicy:
    """The station's security configuration."""

    mode: SecurityMode = SecurityMode.AFI
    afi_secured: int = AFI_SECURED
    afi_on_loan: int = AFI_ON_LOAN

    def __post_init__(self) -> None:
        object.__setattr__(self, "mode", SecurityMode.parse(self.mode))
        for name, value in (("afi_secured", self.afi_secured), ("afi_on_loan", self.afi_on_loan)):
            if not 0 <= value <= 0xFF:
                raise ValueError(f"{name} {value} is not a byte")
        if self.afi_secured == self.afi_on_loan:
            raise ValueError("afi_secured and afi_on_loan must differ, or the gates cannot tell them apart")

    @classmethod
    def from_config(cls, cfg: object) -> "SecurityPolicy":
        """From ``cfg.devices.rfid`` (keys security, afi_secured, afi_on_loan)."""
        rfid = cfg.devices.rfid  # type: ignore[attr-defined]
        return cls(SecurityMode.parse(rfid.security), int(rfid.afi_secured), int(rfid.afi_on_loan))

    def target(self, secured: bool) -> SecurityTarget:
        """What to write so the item is secured (in the library) or on loan."""
        return SecurityTarget(
            afi=(self.afi_secured if secured else self.afi_on_loan) if self.mode.uses_afi else None,
            eas=secured if self.mode.uses_eas else None,
        )

    def secured_target(self) -> SecurityTarget:
        return self.target(True)

    def on_loan_target(self) -> SecurityTarget:
        return self.target(False)

    def is_secured(self, afi: int | None, eas: bool | None = None) -> bool | None:
        """Whether a tag's current state counts as secured; None when it cannot be told
        (an AFI that is neither value, or EAS unknown in eas mode). In "both" mode the
        tag counts as secured if either mechanism would alarm the gate."""
        votes: list[bool] = []
        if self.mode.uses_afi and afi is not None:
            if afi == self.afi_secured:
                votes.append(True)
            elif afi == self.afi_on_loan:
                votes.append(False)
        if self.mode.uses_eas and eas is not None:
            votes.append(eas)
        if not votes:
            return None
        return any(votes)

    def needs_write(self, secured: bool, afi: int | None, eas: bool | None = None) -> SecurityTarget:
        """The writes still needed to reach the wanted state (None = already right)."""
        want = self.target(secured)
        return SecurityTarget(afi=None if want.afi is None or want.afi == afi else want.afi,
                              eas=None if want.eas is None or want.eas == eas else want.eas)


def target_afi(secured: bool, afi_secured: int = AFI_SECURED, afi_on_loan: int = AFI_ON_LOAN) -> int:
    """The AFI for an item in the library (``secured``) or on loan."""
    return afi_secured if secured else afi_on_loan


def describe_afi(afi: int) -> str:
    """A staff-readable name of an AFI value (ISO/IEC 15961-3 families for the rest)."""
    if afi == AFI_SECURED:
        return "secured (in library)"
    if afi == AFI_ON_LOAN:
        return "on loan"
    if afi == 0x00:
        return "no AFI (all families)"
    return f"AFI {afi:02X} (family {afi >> 4:X}, sub-family {afi & 0xF:X})"

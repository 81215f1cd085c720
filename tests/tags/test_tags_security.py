"""AFI / EAS security values (ISO 28560-1 clause 5; AFI codes per ISO/IEC 15961-3 as
used by library gates: 0x07 in library, 0xC2 on loan)."""

from __future__ import annotations

import pytest

from kiosk.tags.security import (AFI_ON_LOAN, AFI_SECURED, SecurityMode, SecurityPolicy, SecurityTarget,
                                  describe_afi, target_afi)


def test_constants() -> None:
    assert (AFI_SECURED, AFI_ON_LOAN) == (0x07, 0xC2)
    assert [m.value for m in SecurityMode] == ["afi", "eas", "both"]


@pytest.mark.parametrize("mode,secured,target", [
    ("afi", True, SecurityTarget(0x07, None)),
    ("afi", False, SecurityTarget(0xC2, None)),
    ("eas", True, SecurityTarget(None, True)),
    ("eas", False, SecurityTarget(None, False)),
    ("both", True, SecurityTarget(0x07, True)),
    ("both", False, SecurityTarget(0xC2, False)),
])
def test_targets(mode: str, secured: bool, target: SecurityTarget) -> None:
    policy = SecurityPolicy(SecurityMode(mode))
    assert policy.target(secured) == target
    assert (policy.secured_target() if secured else policy.on_loan_target()) == target


@pytest.mark.parametrize("mode,afi,eas,expected", [
    ("afi", 0x07, None, True), ("afi", 0xC2, None, False), ("afi", 0x00, None, None),
    ("afi", 0xC2, True, False),                 # EAS ignored in afi mode
    ("eas", 0xC2, True, True), ("eas", 0x07, False, False), ("eas", 0x07, None, None),
    ("both", 0xC2, True, True),                 # either mechanism alarming counts as secured
    ("both", 0x07, False, True), ("both", 0xC2, False, False), ("both", 0x55, None, None),
])
def test_is_secured(mode: str, afi: int, eas: bool | None, expected: bool | None) -> None:
    assert SecurityPolicy(SecurityMode(mode)).is_secured(afi, eas) is expected


def test_needs_write_only_what_differs() -> None:
    policy = SecurityPolicy(SecurityMode.BOTH)
    assert policy.needs_write(False, 0xC2, True) == SecurityTarget(None, False)
    assert policy.needs_write(False, 0xC2, False) == SecurityTarget(None, None)
    assert policy.needs_write(True, 0xC2, None) == SecurityTarget(0x07, True)


def test_custom_afi_values_and_validation() -> None:
    policy = SecurityPolicy("afi", afi_secured=0x9A, afi_on_loan=0x9B)  # type: ignore[arg-type]  # config strings accepted
    assert policy.mode is SecurityMode.AFI and policy.target(True).afi == 0x9A
    assert target_afi(False, 0x9A, 0x9B) == 0x9B and target_afi(True) == 0x07
    with pytest.raises(ValueError, match="differ"):
        SecurityPolicy(afi_secured=0x07, afi_on_loan=0x07)
    with pytest.raises(ValueError, match="byte"):
        SecurityPolicy(afi_secured=0x100)
    with pytest.raises(ValueError, match="afi, eas or both"):
        SecurityPolicy("gate")  # type: ignore[arg-type]


def test_from_config() -> None:
    from kiosk.config import load_config

    policy = SecurityPolicy.from_config(load_config(None))
    assert policy == SecurityPolicy(SecurityMode.AFI, 0x07, 0xC2)


def test_describe_afi() -> None:
    assert describe_afi(0x07) == "secured (in library)"
    assert describe_afi(0xC2) == "on loan"
    assert "family 9" in describe_afi(0x9A)

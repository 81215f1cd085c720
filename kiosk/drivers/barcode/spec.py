"""Typed reads of a scanner's options (the ``[devices.scanner]`` table merged
with its device string), and the control-character escapes of prefix/suffix.

Device strings themselves are parsed by :mod:`kiosk.drivers.arguments`.
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.arguments import TERMINATORS
from kiosk.errors import DeviceError


def int_option(options: dict[str, Any], name: str, default: int, family: str) -> int:
    value = options.get(name, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        raise DeviceError(f"{family}: option {name}={value!r} is not a whole number", family) from None


def float_option(options: dict[str, Any], name: str, default: float, family: str) -> float:
    value = options.get(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise DeviceError(f"{family}: option {name}={value!r} is not a number", family) from None


def terminator_option(options: dict[str, Any], default: str, family: str) -> bytes:
    """A terminator by name (``cr``, ``lf``, ``crlf``, ``tab``, ``etx``, ``none``)."""
    name = str(options.get("terminator", default)).strip().lower()
    if name not in TERMINATORS:
        raise DeviceError(f"{family}: terminator {name!r} unknown; use one of {', '.join(TERMINATORS)}", family)
    return TERMINATORS[name]


def unescape(text: str) -> str:
    r"""Config strings may write control characters as ``\x02`` or ``\r``."""
    return text.encode("latin-1", "backslashreplace").decode("unicode_escape") if "\\" in text else text

"""Parsing of the ``PORT[,key=value...]`` argument shared by the serial
scanner and the serial printer (``serial:/dev/ttyACM0,baud=9600``).

The port part may itself be a pyserial URL (``socket://127.0.0.1:7000``,
``loop://``), which contains colons but never commas.
"""

from __future__ import annotations

from typing import Any

from kiosk.errors import DeviceError

# Names staff write for line terminators, in config and device strings.
TERMINATORS: dict[str, bytes] = {
    "cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t", "etx": b"\x03", "none": b"",
}


def split_options(argument: str, family: str) -> tuple[str, dict[str, str]]:
    """``"/dev/ttyS0,baud=9600"`` -> ``("/dev/ttyS0", {"baud": "9600"})``."""
    head, *rest = argument.split(",")
    options: dict[str, str] = {}
    for part in rest:
        key, sep, value = part.partition("=")
        if not sep or not key.strip():
            raise DeviceError(f"{family}: option {part!r} in {argument!r} is not key=value", family)
        options[key.strip().lower()] = value.strip()
    return head.strip(), options


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

"""Pure parsers for the argument part of device strings (``SCHEME:ARGUMENT``).

Each driver's ``parse(argument, options) -> settings`` is built from these,
and the registry runs it both when the device is opened and when
``kiosk check-config`` validates a file, so a string the check passes is one
the driver accepts. Nothing here opens a port, imports a device library or
touches the file system; every problem is a :class:`ValueError` whose message
names the option and says what would be right.

Grammar of a serial argument: ``PORT[,key=value]...``, where ``PORT`` is a
device path or a pyserial URL (``socket://127.0.0.1:7000``, ``loop://``:
colons, never commas) and the keys allowed are the driver's.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

#: Rates serial devices are set to (pyserial's table, minus the ones no
#: library device uses). ``baud=12`` is a typo, not a rate.
STANDARD_BAUDS: tuple[int, ...] = (300, 600, 1200, 2400, 4800, 9600, 14400, 19200, 28800, 38400, 57600,
                                   76800, 115200, 230400, 460800, 921600)

#: Names staff write for line terminators, in config and device strings.
TERMINATORS: dict[str, bytes] = {
    "cr": b"\r", "lf": b"\n", "crlf": b"\r\n", "tab": b"\t", "etx": b"\x03", "none": b"",
}

OptionParser = Callable[[str], Any]


def baud(text: str) -> int:
    """A standard baud rate (``9600``, ``38400``, ``115200`` ...)."""
    try:
        rate = int(str(text).strip())
    except ValueError:
        raise ValueError(f"{text!r} is not a whole number") from None
    if rate not in STANDARD_BAUDS:
        raise ValueError(f"{rate} is not a standard baud rate ({', '.join(map(str, STANDARD_BAUDS))})")
    return rate


def integer(low: int, high: int) -> OptionParser:
    """A whole number in ``low..high``; ``0x`` hex is accepted (bus addresses)."""
    def parse(text: str) -> int:
        try:
            value = int(str(text).strip(), 0)
        except ValueError:
            raise ValueError(f"{text!r} is not a whole number") from None
        if not low <= value <= high:
            raise ValueError(f"{value} is outside {low}..{high}")
        return value
    return parse


def choice(*names: str) -> OptionParser:
    """One of ``names`` (case-insensitive)."""
    def parse(text: str) -> str:
        value = str(text).strip().lower()
        if value not in names:
            raise ValueError(f"{text!r} is not one of {', '.join(names)}")
        return value
    return parse


def terminator(text: str) -> str:
    return choice(*TERMINATORS)(text)


def hex_id(text: str, what: str) -> int:
    """A 16-bit USB id written in hex (``04b8``, ``0x0202``)."""
    cleaned = text.strip().lower().removeprefix("0x")
    if not cleaned or len(cleaned) > 4 or any(c not in "0123456789abcdef" for c in cleaned):
        raise ValueError(f"{what} {text!r} is not a hex id such as 04b8")
    return int(cleaned, 16)


def tcp_port(text: str) -> int:
    try:
        return integer(1, 65535)(text)
    except ValueError as exc:
        raise ValueError(f"TCP port {exc}") from None


def split_port(argument: str) -> tuple[str, list[str]]:
    """``"PORT,key=value,..."`` -> (``PORT``, [``key=value``, ...]), stripped."""
    port, *pairs = [part.strip() for part in argument.split(",")]
    return port, [p for p in pairs if p]


def parse_pairs(pairs: list[str], allowed: Mapping[str, OptionParser]) -> dict[str, Any]:
    """Typed ``key=value`` options; a key the driver does not take, a pair
    without ``=`` or a bad value raises ValueError naming it."""
    options: dict[str, Any] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip().lower()
        hint = f"allowed: {', '.join(f'{k}=...' for k in allowed)}" if allowed else "this driver takes none"
        if not sep:
            raise ValueError(f"option {pair!r} is not key=value; {hint}")
        if key not in allowed:
            raise ValueError(f"unknown option {pair!r}; {hint}")
        try:
            options[key] = allowed[key](value.strip())
        except ValueError as exc:
            raise ValueError(f"option {key}: {exc}") from None
    return options


def parse_port(argument: str, allowed: Mapping[str, OptionParser],
               example: str = "/dev/ttyUSB0") -> tuple[str, dict[str, Any]]:
    """``"PORT[,key=value]..."`` -> (port, {key: typed value})."""
    port, pairs = split_port(argument)
    if not port:
        raise ValueError(f"no port given (a device path such as {example} or a URL such as "
                         "socket://127.0.0.1:7000)")
    return port, parse_pairs(pairs, allowed)


def table_option(options: Mapping[str, Any], name: str, parse: OptionParser, default: Any) -> Any:
    """An option from the ``[devices.<family>]`` table, checked with the same
    parser as its device-string spelling."""
    if name not in options or options[name] in (None, ""):
        return default
    try:
        return parse(str(options[name]))
    except ValueError as exc:
        raise ValueError(f"{name} = {options[name]!r}: {exc}") from None


def no_argument(argument: str, options: Mapping[str, Any]) -> None:
    """The parser of a scheme that takes no argument (``sim``)."""
    if argument:
        raise ValueError(f"takes no argument (got {argument!r})")

"""Printer device strings parsed into a :class:`PrinterTarget`, without opening anything.

Grammar (family ``printer``):

``escpos-usb:VID:PID``            USB printer via pyusb (hex ids, e.g. 04b8:0202)
``escpos-serial:PORT[,baud=N]``   serial printer; PORT may be a pyserial URL
``escpos-network:HOST[:PORT]``    raw TCP (port 9100 unless given)
``escpos-file:PATH``              a device file such as /dev/usb/lp0 (status if bidirectional)
``escpos-cups:PRINTER``           a CUPS queue (needs pycups; write only)
``escpos:KIND:ARG``               the same, spelt ``escpos:network:192.0.2.10``
``sim`` / ``dummy``               recording printer; ``output`` holds the bytes

The ``[devices.printer]`` table is checked here too: ``profile`` must name a
python-escpos capability profile and a fixed ``codepage`` must be one that
profile has, so ``kiosk check-config`` catches what opening would refuse.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

from kiosk.drivers import arguments

KINDS = ("usb", "serial", "network", "file", "cups")


@dataclass(frozen=True)
class PrinterTarget:
    kind: str                      # usb | serial | network | file | cups | sim | dummy
    argument: str = ""             # as written, for names and messages
    vendor_id: int = 0
    product_id: int = 0
    port: str = ""                 # serial port, file path, CUPS queue or network host
    baud: int = 9600
    tcp_port: int = 9100
    profile: str | None = None     # python-escpos profile; None = its default


def profile_name(options: dict[str, Any]) -> str | None:
    """The configured capability profile (None: python-escpos's default); ValueError if unknown."""
    name = str(options.get("profile") or "default")
    if name == "default" and not options.get("codepage"):
        return None             # nothing to look up: python-escpos need not load to check the config
    # python-escpos loads here (a profile or code page to check), not when the drivers register.
    from kiosk.drivers.printer import escpos_import

    escpos_import.load()
    from escpos.capabilities import CAPABILITIES, get_profile

    if name not in CAPABILITIES["profiles"]:
        known = ", ".join(sorted(CAPABILITIES["profiles"]))
        raise ValueError(f"profile {name!r} is not a python-escpos printer profile; known: {known}")
    codepage = str(options.get("codepage") or "").upper()
    if codepage and codepage not in get_profile(name).get_code_pages():
        pages = sorted({p for p in get_profile(name).get_code_pages() if p.upper() != "UNKNOWN"})
        raise ValueError(f"codepage {codepage!r} is not in the {name} profile; it has {', '.join(pages)}")
    return None if name == "default" else name


def _usb(argument: str, options: dict[str, Any]) -> PrinterTarget:
    vid, sep, pid = argument.partition(":")
    if not sep or not vid.strip() or not pid.strip():
        raise ValueError(f"expected VID:PID in hex, e.g. escpos-usb:04b8:0202 (got {argument!r})")
    return PrinterTarget("usb", argument, vendor_id=arguments.hex_id(vid, "vendor id"),
                         product_id=arguments.hex_id(pid, "product id"), profile=profile_name(options))


def _serial(argument: str, options: dict[str, Any]) -> PrinterTarget:
    port, opts = arguments.parse_port(argument, {"baud": arguments.baud}, example="/dev/ttyS1")
    baud = opts.get("baud") or arguments.table_option(options, "baud", arguments.baud, 9600)
    return PrinterTarget("serial", argument, port=port, baud=baud, profile=profile_name(options))


def _network(argument: str, options: dict[str, Any]) -> PrinterTarget:
    host, tcp_port = argument.strip(), 9100
    if host.count(":") == 1:   # HOST:PORT (a bare IPv6 address has several colons)
        host, port_text = host.split(":")
        tcp_port = arguments.tcp_port(port_text)
    if not host:
        raise ValueError("expected a host, e.g. escpos-network:192.0.2.10 or escpos-network:printer.local:9100")
    return PrinterTarget("network", argument, port=host, tcp_port=tcp_port, profile=profile_name(options))


def _file(argument: str, options: dict[str, Any]) -> PrinterTarget:
    if not argument:
        raise ValueError("expected a path, e.g. escpos-file:/dev/usb/lp0")
    return PrinterTarget("file", argument, port=argument, profile=profile_name(options))


def _cups(argument: str, options: dict[str, Any]) -> PrinterTarget:
    if not argument or "," in argument:
        raise ValueError("expected a CUPS queue name, e.g. escpos-cups:receipt")
    return PrinterTarget("cups", argument, port=argument, profile=profile_name(options))


def _recording(kind: str) -> Callable[[str, dict[str, Any]], PrinterTarget]:
    def parse(argument: str, options: dict[str, Any]) -> PrinterTarget:
        arguments.no_argument(argument, options)
        return PrinterTarget(kind, profile=profile_name(options))
    return parse


PARSERS: dict[str, Callable[[str, dict[str, Any]], PrinterTarget]] = {
    "usb": _usb, "serial": _serial, "network": _network, "file": _file, "cups": _cups,
    "sim": _recording("sim"), "dummy": _recording("dummy"),
}


def parse_long_form(argument: str, options: dict[str, Any]) -> PrinterTarget:
    """``escpos:KIND:ARG`` -> the target ``escpos-KIND:ARG`` names."""
    kind, _, rest = argument.partition(":")
    kind = kind.strip().lower()
    if kind not in KINDS:
        raise ValueError(f"unknown escpos backend {kind!r}; use {', '.join(KINDS)}")
    return PARSERS[kind](rest.strip(), options)

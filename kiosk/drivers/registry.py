"""One registry, one grammar for every device.

A device string is ``SCHEME[:ARGUMENT]``, for example ``sim``,
``feig:/dev/ttyUSB0``, ``feig:socket://127.0.0.1:7000,baud=38400``,
``3m810:/dev/ttyS0``, ``nfc:usb``, ``escpos:network:192.0.2.10``.
The scheme picks the driver within the device's family. Each driver declares
a pure ``parse(argument, options) -> settings`` (see
:mod:`kiosk.drivers.arguments`) and a ``factory(settings, options)`` that
opens the device. :func:`open_device` runs both; :func:`check_device_string`
runs only the parser, so ``kiosk check-config`` rejects exactly the strings
the driver would, without opening anything.

Drivers register themselves with :func:`register` when their family package
is imported; :func:`open_device` imports the family on first use. An unknown
scheme fails with the list of valid forms (the grammar each driver declares).
"""

from __future__ import annotations

import difflib
import importlib
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.drivers.arguments import no_argument
from kiosk.errors import DeviceError

#: ``parse(argument, options) -> settings``: pure, raises ValueError saying what is wrong.
Parser = Callable[[str, dict[str, Any]], Any]
#: ``factory(settings, options) -> device``: opens what ``parse`` described.
Factory = Callable[[Any, dict[str, Any]], Any]

#: The family packages, imported lazily so a station without a printer never
#: imports python-escpos.
FAMILY_MODULES: dict[str, str] = {
    "rfid": "kiosk.drivers.rfid",
    "scanner": "kiosk.drivers.barcode",
    "nfc": "kiosk.drivers.nfc",
    "printer": "kiosk.drivers.printer",
    "sorter": "kiosk.drivers.sorter",
    "display": "kiosk.drivers.display",
    "payment": "kiosk.drivers.payment",
    "keypad": "kiosk.drivers.keypad",
}


@dataclass(frozen=True)
class DriverEntry:
    family: str
    scheme: str
    grammar: str      # e.g. "feig:PORT[,baud=N]"
    doc: str          # one line: what it drives
    factory: Factory
    parse: Parser = no_argument


_REGISTRY: dict[tuple[str, str], DriverEntry] = {}


def register(family: str, scheme: str, grammar: str, doc: str,
             parse: Parser = no_argument) -> Callable[[Factory], Factory]:
    """Decorator: register ``factory(settings, options)`` for ``family``/``scheme``,
    with ``parse`` turning the string's argument (and the family's options) into
    the settings; a scheme without ``parse`` takes no argument."""
    if family not in FAMILY_MODULES:
        raise ValueError(f"unknown device family {family!r}")

    def decorate(factory: Factory) -> Factory:
        _REGISTRY[(family, scheme)] = DriverEntry(family, scheme, grammar, doc, factory, parse)
        return factory

    return decorate


def _load_family(family: str) -> None:
    if family not in FAMILY_MODULES:
        raise DeviceError(f"unknown device family {family!r}; known: {', '.join(sorted(FAMILY_MODULES))}", family)
    importlib.import_module(FAMILY_MODULES[family])


def drivers(family: str) -> list[DriverEntry]:
    """Every registered driver of ``family``, sorted by scheme."""
    _load_family(family)
    return sorted((e for (f, _), e in _REGISTRY.items() if f == family), key=lambda e: e.scheme)


def split_spec(spec: str) -> tuple[str, str]:
    """``"feig:/dev/ttyUSB0"`` -> ``("feig", "/dev/ttyUSB0")``; ``"sim"`` -> ``("sim", "")``."""
    scheme, _, argument = spec.strip().partition(":")
    return scheme.strip().lower(), argument.strip()


def valid_forms(family: str) -> str:
    return "; ".join(f"{e.grammar} ({e.doc})" for e in drivers(family))


def _parse(family: str, spec: str, options: dict[str, Any]) -> tuple[DriverEntry, Any]:
    """The driver entry and settings for ``spec``; ValueError says what is wrong."""
    _load_family(family)
    scheme, argument = split_spec(spec)
    entry = _REGISTRY.get((family, scheme))
    if entry is None:
        schemes = [e.scheme for (f, _), e in _REGISTRY.items() if f == family]
        close = difflib.get_close_matches(scheme, schemes, n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]!r}? valid forms: " if close else "; valid forms: "
        raise ValueError(f"unknown device string {spec!r}{hint}{valid_forms(family)}")
    try:
        return entry, entry.parse(argument, options)
    except ValueError as exc:
        raise ValueError(f"{spec!r}: {exc}; form: {entry.grammar}") from None


def check_device_string(family: str, spec: str, options: dict[str, Any] | None = None) -> str | None:
    """What is wrong with ``spec`` in ``family`` (with the family's config
    ``options``), or None. Runs the driver's parser only: nothing is opened."""
    try:
        _parse(family, spec, dict(options or {}))
    except ValueError as exc:
        return str(exc)
    return None


def open_device(family: str, spec: str, options: dict[str, Any] | None = None) -> Any:
    """Open the device named by ``spec`` in ``family``.

    Raises :class:`DeviceError` naming the family, the string and what is
    wrong with it (for an unknown scheme, every valid form).
    """
    options = dict(options or {})
    try:
        entry, settings = _parse(family, spec, options)
    except ValueError as exc:
        raise DeviceError(f"{family}: {exc}", family) from None
    try:
        return entry.factory(settings, options)
    except DeviceError:
        raise
    except (OSError, ValueError) as exc:
        raise DeviceError(f"{family}: cannot open {spec!r}: {exc}", family) from exc

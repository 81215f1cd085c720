"""One registry, one grammar for every device.

A device string is ``SCHEME[:ARGUMENT]``, for example ``sim``,
``feig:/dev/ttyUSB0``, ``feig:socket://127.0.0.1:7000,baud=38400``,
``3m810:/dev/ttyS0``, ``nfc:usb``, ``escpos:network:192.0.2.10``.
The scheme picks the driver within the device's family; the argument (the
rest of the string, uninterpreted here) goes to that driver's factory with the
family's config options.

Drivers register themselves with :func:`register` when their family package
is imported; :func:`open_device` imports the family on first use. An unknown
scheme fails with the list of valid forms (the grammar each driver declares).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from kiosk.errors import DeviceError

Factory = Callable[[str, dict[str, Any]], Any]

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


_REGISTRY: dict[tuple[str, str], DriverEntry] = {}


def register(family: str, scheme: str, grammar: str, doc: str) -> Callable[[Factory], Factory]:
    """Decorator: register ``factory(argument, options)`` for ``family``/``scheme``."""
    if family not in FAMILY_MODULES:
        raise ValueError(f"unknown device family {family!r}")

    def decorate(factory: Factory) -> Factory:
        _REGISTRY[(family, scheme)] = DriverEntry(family, scheme, grammar, doc, factory)
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


def open_device(family: str, spec: str, options: dict[str, Any] | None = None) -> Any:
    """Open the device named by ``spec`` in ``family``.

    Raises :class:`DeviceError` naming the family, the string and, for an
    unknown scheme, every valid form.
    """
    _load_family(family)
    scheme, argument = split_spec(spec)
    entry = _REGISTRY.get((family, scheme))
    if entry is None:
        raise DeviceError(
            f"{family}: unknown device string {spec!r}; valid forms: {valid_forms(family)}", family)
    try:
        return entry.factory(argument, dict(options or {}))
    except DeviceError:
        raise
    except (OSError, ValueError) as exc:
        raise DeviceError(f"{family}: cannot open {spec!r}: {exc}", family) from exc

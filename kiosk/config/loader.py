"""Load, merge and validate a station's configuration.

Layers, later wins: the schema defaults; the embedded demo settings (only when
no file is given); the station's TOML file; the staff override file
(``station.override_file``, written from staff mode). Every error in every
layer is collected and raised at once as :class:`~kiosk.errors.ConfigError`.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, cast

from kiosk.config.schema import Section, Values, suggest
from kiosk.config.sections import DEVICE_COMMON, DEVICE_FAMILIES, SECTIONS
from kiosk.config.typed import (AccessibilitySection, BarcodesSection, CirculationSection, DevicesSection,
                                MonitoringSection, OfflineSection, ReceiptSection, ReturnBinSection, SIP2Section,
                                StaffSection, StationSection, UISection)
from kiosk.config.types import PathValue
from kiosk.drivers import registry
from kiosk.errors import ConfigError

# The embedded defaults that `kiosk demo` and `load_config(None)` run on:
# the ILS simulator on loopback and a simulated device of every family.
# config/demo.toml spells out the same settings with comments.
DEMO_SETTINGS: dict[str, Any] = {
    "station": {"id": "demo-kiosk", "library_name": "Riverside Public Library", "institution_id": "DEMO",
                "location_code": "KIOSK1", "isil": "US-RPL", "country": "US", "data_dir": "var/demo"},
    "sip2": {"host": "127.0.0.1", "port": 6001, "username": "kiosk", "password": "kiosk-pass",
             "encoding": "utf-8", "keepalive_interval": 30.0, "read_timeout": 5.0},
    "devices": {"rfid": {"driver": "sim", "required": True}, "scanner": {"driver": "sim"},
                "nfc": {"driver": "sim"}, "printer": {"driver": "sim"}, "payment": {"driver": "sim"}},
    "ui": {"fullscreen": False, "hide_cursor": False, "footer_text": "Demo mode: simulated ILS and devices"},
    # Staff PIN of the demo: 2468.
    "staff": {"pin_hash": "scrypt$16384$8$1$f8572da1af17003a7dd7b7273ae7bff1$"
                          "cb428b38b4b5e004d5852fd32b8aef256b6501ccf7b79e1505ea35c8a71f29a8"},
}

FAMILY_SECTION_NAMES = [f"devices.{f}" for f in DEVICE_FAMILIES]


class DeviceValues(Values):
    """One ``[devices.<family>]`` table: ``driver``, ``required`` and ``options``."""

    @property
    def options(self) -> dict[str, Any]:
        common = {k.name for k in DEVICE_COMMON}
        return {k: v for k, v in self._values.items() if k not in common}


class Config:
    """A validated configuration: ``cfg.sip2.host``, ``cfg.devices.rfid.driver`` ...

    Each section is handed out under its typed face (:mod:`kiosk.config.typed`),
    so ``cfg.sip2.reconnect_interval`` is a ``float`` to mypy as at run time.
    """

    def __init__(self, sections: Mapping[str, Values], devices: Mapping[str, DeviceValues], source: Path | None) -> None:
        self._sections = dict(sections)
        self.devices = cast(DevicesSection, Values("devices", devices))
        self.source = source

    if not TYPE_CHECKING:  # hidden from mypy: a section that is not declared below is a typo
        def __getattr__(self, name: str) -> Values:
            try:
                return self._sections[name]
            except KeyError:
                raise AttributeError(f"no config section [{name}]") from None

    @property
    def station(self) -> StationSection:
        return cast(StationSection, self._sections["station"])

    @property
    def sip2(self) -> SIP2Section:
        return cast(SIP2Section, self._sections["sip2"])

    @property
    def ui(self) -> UISection:
        return cast(UISection, self._sections["ui"])

    @property
    def circulation(self) -> CirculationSection:
        return cast(CirculationSection, self._sections["circulation"])

    @property
    def barcodes(self) -> BarcodesSection:
        return cast(BarcodesSection, self._sections["barcodes"])

    @property
    def receipt(self) -> ReceiptSection:
        return cast(ReceiptSection, self._sections["receipt"])

    @property
    def offline(self) -> OfflineSection:
        return cast(OfflineSection, self._sections["offline"])

    @property
    def staff(self) -> StaffSection:
        return cast(StaffSection, self._sections["staff"])

    @property
    def monitoring(self) -> MonitoringSection:
        return cast(MonitoringSection, self._sections["monitoring"])

    @property
    def returnbin(self) -> ReturnBinSection:
        return cast(ReturnBinSection, self._sections["returnbin"])

    @property
    def accessibility(self) -> AccessibilitySection:
        return cast(AccessibilitySection, self._sections["accessibility"])

    def section_names(self) -> list[str]:
        return list(self._sections)

    def as_dict(self, mask_secrets: bool = True) -> dict[str, Any]:
        out: dict[str, Any] = {n: s.as_dict(mask_secrets) for n, s in self._sections.items()}
        out["devices"] = {f: self.devices[f].as_dict(mask_secrets) for f in self.devices}
        return out

    @property
    def data_dir(self) -> Path:
        return Path(self.station.data_dir)

    @property
    def override_path(self) -> Path:
        return Path(self.station.override_file) if self.station.override_file else self.data_dir / "overrides.toml"


def read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError:
        raise ConfigError([f"{path}: file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"{path}: not valid TOML: {exc}"]) from None
    except OSError as exc:
        raise ConfigError([f"{path}: cannot read: {exc.strerror}"]) from None


def merge(base: dict[str, Any], top: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge tables; arrays and scalars in ``top`` replace ``base``'s."""
    out = dict(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge(out[key], value)
        else:
            out[key] = value
    return out


def _section_by_name() -> dict[str, Section]:
    return {s.name: s for s in SECTIONS}


def _device_section(family: str) -> Section:
    doc, keys = DEVICE_FAMILIES[family]
    return Section(f"devices.{family}", doc, DEVICE_COMMON + keys)


def _resolve_paths(section: Section, values: dict[str, Any], base_dir: Path) -> None:
    for key in section.keys:
        value = values.get(key.name)
        if isinstance(key.type, PathValue) and value and not os.path.isabs(value):
            values[key.name] = os.path.normpath(base_dir / value)


def _check_device(family: str, values: dict[str, Any], errors: list[str]) -> None:
    """The driver's own parser on the device string and the family's options:
    check-config rejects what opening would (nothing is opened)."""
    options = {k: v for k, v in values.items() if k not in {key.name for key in DEVICE_COMMON}}
    try:
        problem = registry.check_device_string(family, values["driver"], options)
    except ImportError:
        return  # a family whose drivers cannot load is reported when it is opened
    if problem:
        errors.append(f"devices.{family}.driver: {problem}")


def validate(raw: Mapping[str, Any], base_dir: Path, check_devices: bool = True) -> tuple[dict[str, Values], dict[str, DeviceValues], list[str]]:
    errors: list[str] = []
    sections = _section_by_name()
    values: dict[str, Values] = {}
    for name, table in raw.items():
        if name == "devices" or name in sections:
            if not isinstance(table, dict):
                errors.append(f"{name}: expected a table ([{name}])")
            continue
        errors.append(f"{name}: unknown section{suggest(name, list(sections) + ['devices'])}")
    for name, section in sections.items():
        table = raw.get(name, {})
        parsed = section.validate(table if isinstance(table, dict) else {}, name, errors)
        _resolve_paths(section, parsed, base_dir)
        secrets = frozenset(k.name for k in section.keys if k.type.secret)
        values[name] = Values(name, parsed, secrets)
    devices: dict[str, DeviceValues] = {}
    raw_devices = raw.get("devices", {}) if isinstance(raw.get("devices", {}), dict) else {}
    for family in raw_devices:
        if family not in DEVICE_FAMILIES:
            errors.append(f"devices.{family}: unknown device family{suggest(family, list(DEVICE_FAMILIES))}")
    for family in DEVICE_FAMILIES:
        section = _device_section(family)
        table = raw_devices.get(family, {})
        if not isinstance(table, dict):
            errors.append(f"devices.{family}: expected a table ([devices.{family}])")
            table = {}
        parsed = section.validate(table, f"devices.{family}", errors)
        _resolve_paths(section, parsed, base_dir)
        if check_devices and parsed.get("driver"):
            _check_device(family, parsed, errors)
        devices[family] = DeviceValues(f"devices.{family}", parsed)
    return values, devices, errors


def load_config(path: str | Path | None = None, overrides: Iterable[str | Path] = (),
                check_devices: bool = True, apply_override_file: bool = True) -> Config:
    """Load ``path`` (``None``: the embedded demo settings) and validate it.

    Raises :class:`ConfigError` listing every problem as ``section.key: message``.
    """
    source = Path(path) if path is not None else None
    raw: dict[str, Any] = {}
    if source is None:
        raw = merge(raw, DEMO_SETTINGS)
        base_dir = Path.cwd()
    else:
        raw = merge(raw, read_toml(source))
        base_dir = source.resolve().parent
    for extra in overrides:
        raw = merge(raw, read_toml(Path(extra)))
    sections, devices, errors = validate(raw, base_dir, check_devices)
    if errors:
        raise ConfigError(errors)
    config = Config(sections, devices, source)
    if apply_override_file and config.override_path.is_file():
        staff_raw = read_toml(config.override_path)
        sections, devices, errors = validate(merge(raw, staff_raw), base_dir, check_devices)
        if errors:
            raise ConfigError([f"{config.override_path}: {e}" for e in errors])
        config = Config(sections, devices, source)
    return config

"""The station's devices: opened from ``[devices.*]`` through the registry,
or handed in (tests, the demo's virtual hardware).

A device that fails to open disables itself with a visible reason
(:meth:`Devices.status`, a :class:`~kiosk.events.DeviceChanged` at start-up)
unless its section says ``required = true``, in which case the station
refuses to start: a kiosk whose RFID pad is dead must not take loans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Mapping

from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError, KioskError
from kiosk.events import DeviceStatus
from kiosk.logs import mask_patron_id

if TYPE_CHECKING:
    from kiosk.drivers.selftest import SelfTestResult

log = logging.getLogger(__name__)

__all__ = ["Devices", "FAMILIES"]

FAMILIES = ("rfid", "scanner", "nfc", "printer", "payment")


@dataclass
class Devices:
    rfid: Any = None
    scanner: Any = None
    nfc: Any = None
    printer: Any = None
    payment: Any = None
    specs: dict[str, str] = field(default_factory=dict)
    required: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)     # family -> why it is not available
    owned: set[str] = field(default_factory=set)             # opened here, so closed here

    @classmethod
    def from_mapping(cls, devices: Mapping[str, Any]) -> "Devices":
        unknown = set(devices) - set(FAMILIES)
        if unknown:
            raise ValueError(f"unknown device families {sorted(unknown)}; use {', '.join(FAMILIES)}")
        found = cls(rfid=devices.get("rfid"), scanner=devices.get("scanner"), nfc=devices.get("nfc"),
                    printer=devices.get("printer"), payment=devices.get("payment"))
        # Handed-in devices (demo, tests) have no config string: show what they are.
        found.specs = {name: str(getattr(devices[name], "name", "") or type(devices[name]).__name__)
                       for name in FAMILIES if devices.get(name) is not None}
        return found

    @classmethod
    def from_config(cls, config: Any) -> "Devices":
        """Open every fitted device; raises :class:`DeviceError` for a required one that fails."""
        found = cls()
        for family in FAMILIES:
            section = getattr(config.devices, family)
            spec = str(section.driver or "")
            found.specs[family] = spec
            found.required[family] = bool(section.required)
            if not spec:
                continue
            try:
                device = open_device(family, spec, dict(section.options))
            except DeviceError as exc:
                if section.required:
                    found.close_owned()
                    raise
                found.errors[family] = str(exc)
                log.warning("%s disabled: %s", family, exc)
                continue
            setattr(found, family, device)
            found.owned.add(family)
        return found

    def status(self) -> list[DeviceStatus]:
        out = []
        for family in FAMILIES:
            device = getattr(self, family)
            spec, required = self.specs.get(family, ""), self.required.get(family, False)
            if device is None:
                detail = self.errors.get(family) or "not fitted"
                out.append(DeviceStatus(family, spec, family not in self.errors and not required, detail, required))
                continue
            try:
                result = device.self_test()
                out.append(DeviceStatus(family, spec, bool(result.ok), str(result.detail), required))
            except KioskError as exc:
                out.append(DeviceStatus(family, spec, False, str(exc), required))
        return out

    def deep_test(self, family: str, wait: float = 15.0) -> "SelfTestResult":
        """Staff's per-device test: an inventory of the pad, a test slip on the
        printer, a scan or a card tap within ``wait`` seconds (bounded)."""
        from kiosk.drivers.selftest import SelfTestResult
        from kiosk.tags import decode_tag

        device = getattr(self, family, None) if family in FAMILIES else None
        if device is None:
            return SelfTestResult.failed(self.errors.get(family) or f"{family}: not fitted")
        try:
            if family == "rfid":
                tags = device.inventory()
                names = []
                for tag in tags[:6]:
                    data = decode_tag(device.read_blocks(tag.uid, 0, 8), tag.dsfid)
                    names.append(getattr(data, "primary_item_id", "") or "unreadable")
                more = f" and {len(tags) - 6} more" if len(tags) > 6 else ""
                return SelfTestResult.passed(f"inventory: {len(tags)} tag(s) on the pad"
                                             + (f": {', '.join(names)}{more}" if names else ""))
            if family == "printer":
                return device.self_test(print_page=True)  # type: ignore[no-any-return]
            if family in ("scanner", "nfc"):
                waiting = device.wait_for_scan if family == "scanner" else device.wait_for_card
                code = waiting(wait)
                if code is None:
                    return SelfTestResult.failed(f"nothing read within {wait:g} s")
                return SelfTestResult.passed(f"read {mask_patron_id(code)}")
            return device.self_test()  # type: ignore[no-any-return]
        except KioskError as exc:
            return SelfTestResult.failed(str(exc))

    def close_owned(self) -> None:
        for family in sorted(self.owned):
            device = getattr(self, family)
            try:
                device.close()
            except (KioskError, OSError) as exc:
                log.warning("closing %s: %s", family, exc)
        self.owned.clear()

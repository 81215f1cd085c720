"""The one device opener: the station's and the return bin's devices, opened
from ``[devices.*]`` through the registry, or handed in (tests, the demo's
virtual hardware).

A device that fails to open disables itself with a visible reason
(:meth:`Devices.status`, a :class:`~kiosk.events.DeviceChanged` at start-up)
unless its section says ``required = true`` or the service cannot run without
it (the return bin's reader and sorter), in which case opening fails: a kiosk
whose RFID pad is dead must not take loans.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Collection, Mapping

from kiosk.config import Config
from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError, KioskError
from kiosk.events import DeviceStatus
from kiosk.logs import mask_patron_id

if TYPE_CHECKING:  # the drivers' own modules pull in their libraries (python-escpos, nfcpy)
    from kiosk.drivers.barcode.base import Scanner
    from kiosk.drivers.display import StatusDisplay
    from kiosk.drivers.nfc.base import CardReader
    from kiosk.drivers.payment import PaymentAdapter
    from kiosk.drivers.printer.device import ReceiptPrinter
    from kiosk.drivers.rfid.base import RFIDReader
    from kiosk.drivers.selftest import SelfTestResult
    from kiosk.drivers.sorter.base import Sorter

log = logging.getLogger(__name__)

__all__ = ["Devices", "FAMILIES", "RETURNBIN_FAMILIES", "STATION_FAMILIES"]

#: What the touchscreen station opens, in status order.
STATION_FAMILIES = ("rfid", "scanner", "nfc", "printer", "payment")
#: What the return bin may open (its printer only for slips).
RETURNBIN_FAMILIES = ("rfid", "scanner", "sorter", "display", "printer")
FAMILIES = ("rfid", "scanner", "nfc", "printer", "payment", "sorter", "display")


@dataclass
class Devices:
    rfid: RFIDReader | None = None
    scanner: Scanner | None = None
    nfc: CardReader | None = None
    printer: ReceiptPrinter | None = None
    payment: PaymentAdapter | None = None
    sorter: Sorter | None = None
    display: StatusDisplay | None = None
    families: tuple[str, ...] = STATION_FAMILIES                 # the ones this service has a place for
    specs: dict[str, str] = field(default_factory=dict)
    required: dict[str, bool] = field(default_factory=dict)
    errors: dict[str, str] = field(default_factory=dict)     # family -> why it is not available
    owned: set[str] = field(default_factory=set)             # opened here, so closed here

    @classmethod
    def from_mapping(cls, devices: Mapping[str, Any], families: tuple[str, ...] = STATION_FAMILIES) -> "Devices":
        """Only the devices handed in; nothing is opened."""
        unknown = set(devices) - set(families)
        if unknown:
            raise ValueError(f"unknown device families {sorted(unknown)}; use {', '.join(families)}")
        found = cls(families=families)
        for name, device in devices.items():
            if device is not None:
                found._put(name, device, str(getattr(device, "name", "") or type(device).__name__))
        return found

    @classmethod
    def from_config(cls, config: Config, families: tuple[str, ...] = STATION_FAMILIES, *,
                    given: Mapping[str, Any] | None = None, needed: Collection[str] = (),
                    service: str = "the station") -> "Devices":
        """Open every fitted device of ``families`` except those ``given``
        (handed in, not closed here). Raises :class:`DeviceError` for a device
        that is ``required`` in its section, or ``needed`` by the ``service``,
        and cannot be opened."""
        found = cls(families=families)
        given = given or {}
        for family in families:
            device = given.get(family)
            if device is not None:
                # Handed-in devices (demo, tests) have no config string: show what they are.
                found._put(family, device, str(getattr(device, "name", "") or type(device).__name__))
                continue
            found._open(config, family, family in needed, service)
        return found

    def _put(self, family: str, device: Any, spec: str) -> None:
        if family not in FAMILIES:
            raise ValueError(f"unknown device family {family!r}; use {', '.join(FAMILIES)}")
        setattr(self, family, device)
        self.specs[family] = spec

    def _open(self, config: Config, family: str, needed: bool, service: str) -> None:
        section = getattr(config.devices, family)
        spec = str(section.driver or "")
        self.specs[family] = spec
        self.required[family] = bool(section.required) or needed
        if not spec:
            if needed:
                self.close_owned()
                raise DeviceError(f"{service} needs [devices.{family}] driver", family)
            return
        if family == "printer":
            # python-escpos keeps its parsed printer database in the state folder, not a new temp folder.
            from kiosk.drivers.printer.escpos_import import use_cache_folder
            use_cache_folder(config.data_dir / "cache" / "escpos")
        try:
            device = open_device(family, spec, dict(section.options))
        except DeviceError as exc:
            if self.required[family]:
                self.close_owned()
                raise
            self.errors[family] = str(exc)
            log.warning("%s disabled: %s", family, exc)
            return
        setattr(self, family, device)
        self.owned.add(family)

    def fitted(self) -> dict[str, str]:
        """The devices this service was given or told to open: family -> ""
        when it is open, else why it is not (what monitoring reports at start)."""
        return {family: "" if self.get(family) is not None else self.errors.get(family, "not opened")
                for family in self.families if self.get(family) is not None or family in self.errors}

    def get(self, family: str) -> Any:
        """The device of ``family`` (None when not fitted, disabled or not one of ours)."""
        return getattr(self, family) if family in self.families else None

    def status(self) -> list[DeviceStatus]:
        out = []
        for family in self.families:
            device = self.get(family)
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

    def deep_test(self, family: str, wait: float = 15.0) -> SelfTestResult:
        """Staff's per-device test: an inventory of the pad, a test slip on the
        printer, a scan or a card tap within ``wait`` seconds (bounded)."""
        from kiosk.drivers.selftest import SelfTestResult, tags_on_pad
        from kiosk.tags import ItemTag, decode_tag

        device = self.get(family)
        if device is None:
            return SelfTestResult.failed(self.errors.get(family) or f"{family}: not fitted")
        try:
            if family == "rfid":
                tags = device.inventory()
                names = []
                for tag in tags[:6]:
                    data = decode_tag(device.read_blocks(tag.uid, 0, 8), tag.dsfid)
                    names.append((data.primary_item_id if isinstance(data, ItemTag) else "") or "unreadable")
                more = f" and {len(tags) - 6} more" if len(tags) > 6 else ""
                return SelfTestResult.passed(f"inventory: {tags_on_pad(len(tags))}"
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

"""The demo's machinery: the ILS simulator on a loopback port, a simulated
device of every family and a :class:`~kiosk.station.facade.Station` wired to them.

The UI talks only to ``rig.station``, exactly as on a real kiosk; the virtual
hardware panel and the headless tour act on the simulated devices
(``rig.pad``, ``rig.scanner``, ``rig.nfc``) the way a patron would act on the
real ones.
"""

from __future__ import annotations

import dataclasses
import logging
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kiosk.config import Config, load_config
from kiosk.drivers.barcode.sim import SimulatedScanner
from kiosk.drivers.nfc.sim import SimulatedCardReader
from kiosk.drivers.printer.render import escpos_to_text
from kiosk.drivers.registry import open_device
from kiosk.drivers.rfid.sim import SimulatedPad, make_item_tag
from kiosk.errors import KioskError
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.sip2.ils import ILSSimulator
from kiosk.station.facade import Station
from kiosk.tags import ItemTag, decode_tag

log = logging.getLogger(__name__)

__all__ = ["DemoRig", "DemoCard", "DemoItem", "CARDS", "ITEMS"]


@dataclass(frozen=True)
class DemoCard:
    barcode: str
    label: str
    hint: str = ""


@dataclass(frozen=True)
class DemoItem:
    item_id: str
    label: str
    hint: str = ""
    parts: int = 1


# Well-known demo barcodes (docs/ARCHITECTURE.md); the labels are what the
# panel shows, the ILS simulator holds the real records.
CARDS = (
    DemoCard("21000000000001", "Ana García", "PIN 1234"),
    DemoCard("21000000000002", "Björn Ångström", "no PIN"),
    DemoCard("21000000000006", "Ñandú Peña", "PIN 1234 \u00b7 holds ready"),
    DemoCard("21000000000005", "Card with fines", "PIN 1234 \u00b7 owes 12.50"),
    DemoCard("21000000000003", "Blocked card", "refused"),
)

ITEMS = (
    DemoItem("31000000000001", "Cien años de soledad"),
    DemoItem("31000000000002", "Synnøve Solbakken"),
    DemoItem("31000000000003", "Åsa's Winter Kitchen"),
    DemoItem("31000000000013", "Oxford Atlas of the World", "not for loan: refused"),
    DemoItem("31000000000014", "Tagalog course (2 parts)", "multi-part set", parts=2),
    DemoItem("31000000000011", "The Night Circus", "on hold for someone else"),
    DemoItem("31000000000012", "Sapiens", "belongs to another branch"),
    DemoItem("31000000000004", "Die Blechtrommel"),
    DemoItem("31000000000005", "L'Étranger"),
    DemoItem("31000000000006", "Noli Me Tángere"),
)


class DemoRig:
    """``with DemoRig() as rig: rig.station ...``; everything on 127.0.0.1.

    ``config``: defaults to the embedded demo settings. ``data_dir``: where
    the journal goes (a fresh temporary folder by default, removed on stop).
    ``pad_timing``: (poll, settle) seconds of the pad watcher; the demo uses
    short ones so the screen reacts at once. ``ils_port``: use an ILS
    simulator already listening on 127.0.0.1 at that port (another process,
    as in production) instead of starting one in this process.
    """

    def __init__(self, config: Config | None = None, data_dir: str | Path | None = None,
                 pad_timing: tuple[float, float] = (0.05, 0.15), ils_latency: float = 0.0,
                 ils_port: int | None = None) -> None:
        self.config = config if config is not None else load_config(None)
        self._own_dir = data_dir is None
        self.data_dir = Path(data_dir) if data_dir is not None else Path(tempfile.mkdtemp(prefix="kiosk-demo-"))
        self.pad_timing = pad_timing
        self.ils_latency = ils_latency
        self.ils_port = ils_port
        self.ils: ILSSimulator | None = None
        self.station: Station | None = None
        self.devices: dict[str, Any] = {}

    def start(self, timeout: float = 15.0) -> "DemoRig":
        cfg = self.config
        port = self.ils_port
        if port is None:
            self.ils = ILSSimulator(host="127.0.0.1", port=0, latency=self.ils_latency)
            self.ils.start()
            port = self.ils.port
        settings = dataclasses.replace(SIP2Settings.from_config(cfg), host="127.0.0.1", port=port)
        self.pad = SimulatedPad()
        self.scanner = SimulatedScanner()
        self.nfc = SimulatedCardReader()
        self.printer = open_device("printer", "sim", dict(cfg.devices.printer.options))
        self.keypad = open_device("keypad", "sim", {})      # the UI's, not the station's: handed to the app
        self.devices = {"rfid": self.pad, "scanner": self.scanner, "nfc": self.nfc, "printer": self.printer}
        try:
            self.devices["payment"] = open_device("payment", "sim", dict(cfg.devices.payment.options))
        except KioskError as exc:
            log.warning("demo payment terminal unavailable: %s", exc)
        self.station = Station(cfg, sip2_client=SIP2Client(settings), devices=self.devices,
                               journal_path=self.data_dir / "journal.sqlite3", pad_timing=self.pad_timing)
        self.station.start()
        if not self.station.wait_started(timeout):
            raise KioskError(f"the demo station did not start within {timeout:.0f} s")
        return self

    def stop(self) -> None:
        if self.station is not None:
            self.station.stop()
            self.station = None
        for device in self.devices.values():
            try:
                device.close()
            except (KioskError, OSError) as exc:
                log.debug("closing a demo device: %s", exc)
        self.devices = {}
        if getattr(self, "keypad", None) is not None:
            self.keypad.close()
        if self.ils is not None:
            self.ils.stop()
            self.ils = None
        if self._own_dir:
            shutil.rmtree(self.data_dir, ignore_errors=True)

    def __enter__(self) -> "DemoRig":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # -- what a patron does with the hardware --------------------------------------------
    def scan_card(self, barcode: str) -> None:
        self.scanner.scan(barcode)

    def tap_card(self, barcode: str) -> None:
        self.nfc.present(barcode)

    def put_item(self, item: DemoItem | str, part: int | None = None) -> list[bytes]:
        """Put an item's tag(s) on the pad; a multi-part set puts every part
        unless ``part`` names one. Returns the UIDs placed."""
        item = item if isinstance(item, DemoItem) else next(
            (i for i in ITEMS if i.item_id == item), DemoItem(item, item))
        parts = [part] if part else list(range(1, item.parts + 1))
        return [self.pad.place_item(item.item_id, parts=item.parts, part=p).uid for p in parts]

    def take_item(self, item_id: str) -> None:
        item = next((i for i in ITEMS if i.item_id == item_id), DemoItem(item_id, item_id))
        for part in range(1, item.parts + 1):
            self.pad.remove(make_item_tag(item_id, item.parts, part)[0])

    def on_pad(self) -> set[str]:
        """Item ids whose tags are on the pad now."""
        found = set()
        for tag in self.pad.tags():
            decoded = decode_tag(bytes(tag.memory), tag.dsfid)
            if isinstance(decoded, ItemTag):
                found.add(decoded.primary_item_id)
        return found

    def clear_pad(self) -> None:
        self.pad.clear()

    def press(self, *keys: str) -> None:
        """A patron presses keys on the keypad: ``press("down", "select")``, ``press("1", "2")``."""
        for key in keys:
            self.keypad.press(key)

    def receipt_bytes(self) -> bytes:
        return bytes(self.printer.output)

    def receipt_text(self) -> str:
        return escpos_to_text(self.receipt_bytes())

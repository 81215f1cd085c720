"""``kiosk tag write``: the staff tag-programming station.

Staff scan (or type) an item barcode and put one blank or re-usable tag on
the pad; the station encodes the configured data model (ISO 28560-3 Danish
or ISO 28560-2) with the library's ISIL and country, writes it, reads it back
to verify, and secures the tag (AFI "in library" and/or EAS, per config).
Every tag gets one report line. The station refuses to write when no tag or
more than one tag is on the pad, will not overwrite a tag that already
carries another item unless ``--force`` is given, and never lets a failed or
interrupted write pass silently: the line says the tag may be half-written
and must be programmed again or discarded.
"""

from __future__ import annotations

import argparse
import sys
import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

from kiosk.drivers.rfid.base import RFIDReader, TagInfo, uid_hex
from kiosk.errors import DeviceError, KioskError, TagError


@dataclass(frozen=True)
class WriteReport:
    item_id: str
    ok: bool
    message: str
    uid: bytes | None = None
    half_written: bool = False

    def line(self) -> str:
        tag = uid_hex(self.uid) if self.uid else "-"
        return f"{'OK    ' if self.ok else 'FAILED'} {self.item_id} tag {tag}: {self.message}"


class TagProgrammer:
    def __init__(self, reader: RFIDReader, model: str = "danish", isil: str = "", country: str = "",
                 security: str = "afi", afi_secured: int = 0x07, wait: float = 30.0, poll: float = 0.2,
                 force: bool = False, say: Callable[[str], None] = print) -> None:
        self.reader, self.model, self.isil, self.country = reader, model, isil, country
        self.security, self.afi_secured = security, afi_secured
        self.wait, self.poll, self.force, self.say = wait, poll, force, say
        self.last_uid: bytes | None = None

    def program(self, item_id: str, parts: int = 1, part: int = 1) -> WriteReport:
        from kiosk.tags import ItemTag, Usage, decode_tag, dsfid_for, encode_tag

        item_id = item_id.strip()
        label = item_id if parts == 1 else f"{item_id} part {part}/{parts}"
        try:
            data = encode_tag(ItemTag(model=self.model, primary_item_id=item_id, usage=Usage.CIRCULATING,
                                      parts=parts, part=part, owner_isil=self.isil, country=self.country))
        except (KioskError, ValueError) as exc:
            return WriteReport(label, False, f"cannot encode this item for the {self.model} model: {exc}")
        tag, refusal = self._one_tag()
        if tag is None:
            return WriteReport(label, False, refusal)
        uid = tag.uid
        try:
            old = decode_tag(self.reader.read_blocks(uid, 0, len(data) // 4), tag.dsfid)
        except TagError as exc:
            return WriteReport(label, False, f"cannot read the tag before writing (nothing written): {exc}", uid)
        old_id = getattr(old, "primary_item_id", "")
        if old_id and old_id != item_id and not self.force:
            return WriteReport(label, False, f"the tag already holds item {old_id}; nothing written "
                                             f"(use --force to overwrite it)", uid)
        try:
            self.reader.write_blocks(uid, 0, data)
        except TagError as exc:
            return WriteReport(label, False, f"WRITE FAILED, the tag may be half-written: put it back and "
                                             f"program it again, or discard it ({exc})", uid, True)
        try:
            back = self.reader.read_blocks(uid, 0, len(data) // 4)
        except TagError as exc:
            return WriteReport(label, False, f"written but could not be verified ({exc}); put it back and "
                                             f"program it again", uid, True)
        decoded = decode_tag(back, tag.dsfid)
        if back != data or getattr(decoded, "primary_item_id", None) != item_id:
            return WriteReport(label, False, "VERIFY FAILED: the tag does not read back what was written; "
                                             "program it again or discard it", uid, True)
        try:
            if self.security in ("afi", "both"):
                self.reader.write_afi(uid, self.afi_secured)
            if self.security in ("eas", "both"):
                self.reader.set_eas(uid, True)
        except (TagError, DeviceError) as exc:
            return WriteReport(label, False, f"written and verified but NOT SECURED ({exc}); "
                                             f"put it back and program it again", uid)
        note = ""
        if tag.dsfid != dsfid_for(self.model):
            try:
                self.reader.write_dsfid(uid, dsfid_for(self.model))
            except TagError as exc:
                return WriteReport(label, False, f"written, verified and secured, but the DSFID write failed "
                                                 f"({exc}); put it back and program it again", uid)
            except DeviceError:
                note = f"; DSFID left at 0x{tag.dsfid:02X} (this reader cannot write it)"
        self.last_uid = uid
        secured = {"afi": f"AFI 0x{self.afi_secured:02X}", "eas": "EAS on",
                   "both": f"AFI 0x{self.afi_secured:02X} and EAS on"}[self.security]
        return WriteReport(label, True, f"written ({self.model}, {len(data)} bytes), verified, "
                                        f"secured ({secured}){note}", uid)

    def _one_tag(self) -> tuple[TagInfo | None, str]:
        """Wait (bounded) for exactly one tag that is not the one just programmed."""
        deadline = time.monotonic() + self.wait
        said = ""
        reason = "no tag was placed on the pad"
        while True:
            try:
                tags = self.reader.inventory()
            except DeviceError as exc:
                return None, f"the pad is not working: {exc}"
            fresh = [t for t in tags if t.uid != self.last_uid]
            if len(tags) == 1 and fresh:
                return fresh[0], ""
            if len(tags) > 1:
                reason = f"refused: {len(tags)} tags on the pad; leave exactly one"
            elif tags:
                reason = "the tag just programmed is still on the pad; put the next one on"
            else:
                reason = "no tag was placed on the pad"
            if reason != said:
                self.say(reason if tags else "place one tag on the pad ...")
                said = reason
            if time.monotonic() >= deadline:
                return None, f"{reason} (waited {self.wait:g} s)"
            time.sleep(self.poll)


def register(tag_subparsers: Any) -> None:
    """Add ``kiosk tag write`` (called by :mod:`kiosk.cli.tag`)."""
    p = tag_subparsers.add_parser(
        "write", help="program item tags on the pad (tag programming station)",
        description="Encode each ITEM (or barcodes typed/scanned one per line) with the station's ISIL, "
                    "write it to the single tag on the pad, verify it and secure it.")
    p.add_argument("items", nargs="*", metavar="ITEM", help="item barcodes; none = read them from standard input")
    p.add_argument("--config", help="station config file (default: the demo settings)")
    p.add_argument("--device", help="RFID device string, overriding the config (e.g. feig:/dev/ttyUSB0)")
    p.add_argument("--model", choices=("danish", "28560-2"), help="tag data model (default: devices.rfid.tag_model)")
    p.add_argument("--parts", type=int, default=1, help="tags per item for multi-part sets (one per part)")
    p.add_argument("--wait", type=float, default=30.0, help="seconds to wait for a single tag (default 30)")
    p.add_argument("--force", action="store_true", help="overwrite tags that already carry another item")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from kiosk.config import load_config
    from kiosk.drivers.registry import open_device

    cfg = load_config(args.config)
    rfid = cfg.devices.rfid
    options = rfid.options
    spec = args.device or rfid.driver
    if not spec:
        print("kiosk tag write: no RFID pad configured (devices.rfid.driver) and no --device given", file=sys.stderr)
        return 2
    if not 1 <= args.parts <= 255:
        print("kiosk tag write: --parts must be 1..255", file=sys.stderr)
        return 2
    reader = open_device("rfid", spec, options)
    programmer = TagProgrammer(reader, model=args.model or options.get("tag_model", "danish"),
                               isil=cfg.station.isil, country=cfg.station.country,
                               security=options.get("security", "afi"),
                               afi_secured=int(options.get("afi_secured", 0x07)), wait=args.wait, force=args.force,
                               say=lambda text: print(f"  {text}", flush=True))
    if not cfg.station.isil:
        print("  warning: station.isil is empty; tags will carry no owner library", flush=True)
    failures = done = 0
    try:
        for item in _items(args.items):
            for part in range(1, args.parts + 1):
                if args.parts > 1:
                    print(f"  part {part} of {args.parts} of {item}", flush=True)
                report = programmer.program(item, args.parts, part)
                print(report.line(), flush=True)
                done += 1
                failures += not report.ok
    finally:
        reader.close()
    print(f"{done - failures} of {done} tag(s) programmed", flush=True)
    return 1 if failures else 0


def _items(given: Iterable[str]) -> Iterator[str]:
    given = [g for g in given if g.strip()]
    if given:
        yield from given
        return
    interactive = sys.stdin.isatty()
    while True:
        if interactive:
            print("scan or type an item barcode (empty line to finish): ", end="", flush=True)
        line = sys.stdin.readline()
        if not line or not line.strip():
            return
        yield line.strip()

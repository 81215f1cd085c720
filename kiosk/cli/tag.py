"""``kiosk tag decode|encode|write``.

Staff use ``decode`` to see what a tag holds (hex as shown by any reader tool) and
``encode`` to produce the bytes for an item; both print plain text, or JSON with
``--json``. Bad input gives one line on stderr and exit status 2; a tag that
cannot be decoded exits 1 with its reason. ``write`` runs the tag programming
station (:class:`kiosk.drivers.rfid.programmer.TagProgrammer`) on the pad the
config names.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from typing import Any, Iterable, Iterator

from kiosk.tags.detect import decode_tag, dsfid_for, encode_tag
from kiosk.tags.model import MODELS, ItemTag, TagEncodeError, Unreadable, Usage
from kiosk.tags.oids import oid_by_name, oid_name
from kiosk.tags.security import describe_afi

EXIT_UNREADABLE, EXIT_USAGE = 1, 2


class CLIInputError(ValueError):
    """Staff typed something the command cannot use."""


def parse_hex(text: str) -> bytes:
    """Hex as reader tools print it: spaces, colons, dashes, ``0x`` prefixes and
    line breaks are ignored."""
    cleaned = re.sub(r"0x|[\s:,\-_]", "", text.strip(), flags=re.IGNORECASE)
    if not cleaned:
        raise CLIInputError("no hex data given")
    if len(cleaned) % 2:
        raise CLIInputError(f"hex data has an odd number of digits ({len(cleaned)})")
    try:
        return bytes.fromhex(cleaned)
    except ValueError:
        bad = next(c for c in cleaned if c not in "0123456789abcdefABCDEF")
        raise CLIInputError(f"not hex: character {bad!r}") from None


_ENCODE_SUMMARY = re.compile(r"model (?P<model>\S+), DSFID (?P<dsfid>[0-9A-Fa-f]{2}), \d+ bytes")


def parse_tag_input(text: str) -> tuple[bytes, int | None]:
    """User memory (and the DSFID when the input names one) from what staff
    paste or pipe in: hex as reader tools print it, the output of
    ``kiosk tag encode`` (plain: the hex line, then its block table), or the
    JSON of ``kiosk tag encode --json`` / ``kiosk tag decode --json``."""
    stripped = text.strip()
    if stripped.startswith("{"):
        try:
            document = json.loads(stripped)
        except json.JSONDecodeError as exc:
            raise CLIInputError(f"input looks like JSON but is not: {exc.msg} (line {exc.lineno})") from None
        if not isinstance(document, dict) or not isinstance(document.get("hex"), str):
            raise CLIInputError('JSON input needs a "hex" field (as kiosk tag encode --json prints)')
        dsfid = document.get("dsfid")
        return parse_hex(document["hex"]), parse_byte(dsfid, "DSFID") if isinstance(dsfid, str) else None
    lines = stripped.splitlines()
    summary = _ENCODE_SUMMARY.match(lines[1].strip()) if len(lines) > 1 else None
    if summary:       # encode's plain output: the hex is its first line, the table repeats it
        return parse_hex(lines[0]), int(summary["dsfid"], 16)
    return parse_hex(text), None


def parse_byte(text: str, what: str) -> int:
    """A byte written in hex (``06``, ``0x06``, ``3E``)."""
    try:
        value = int(text.lower().removeprefix("0x"), 16)
    except ValueError:
        raise CLIInputError(f"{what} {text!r} is not a hex byte (e.g. 06 or 0x3E)") from None
    if not 0 <= value <= 0xFF:
        raise CLIInputError(f"{what} {text!r} is not a byte (00-FF)")
    return value


def register(subparsers: Any) -> None:
    tag = subparsers.add_parser("tag", description="Library RFID tag data: ISO 28560-3 (Danish) and ISO 28560-2.")
    sub = tag.add_subparsers(dest="tag_command", metavar="ACTION")

    dec = sub.add_parser("decode", help="show what a tag's user memory holds",
                         description="Decode tag user memory given as hex (spaces and colons allowed). "
                                     "With '-' it reads standard input, which may also be the output of "
                                     "`kiosk tag encode` (plain or --json): kiosk tag encode ... | kiosk tag decode -")
    dec.add_argument("hex", nargs="+", metavar="HEX", help="user memory bytes in hex; '-' reads standard input")
    dec.add_argument("--dsfid", help="the tag's DSFID in hex (06 = ISO 28560-2), a hint for detection")
    dec.add_argument("--afi", help="the tag's AFI in hex, to show its security state (07 secured, C2 on loan)")
    dec.add_argument("--json", action="store_true", help="print JSON")
    dec.set_defaults(func=run_decode)

    enc = sub.add_parser("encode", help="produce the bytes of an item tag",
                         description="Encode an item or patron card in the Danish or ISO 28560-2 model.")
    enc.add_argument("--model", choices=MODELS, default="danish", help="data model (default danish)")
    enc.add_argument("--item", required=True, help="primary item identifier (the barcode)")
    enc.add_argument("--isil", default="", help="owner library ISIL, e.g. DK-710100")
    enc.add_argument("--country", default="", help="owner library country (two letters) if the ISIL has none")
    enc.add_argument("--parts", type=int, default=1, help="number of parts in the item (default 1)")
    enc.add_argument("--part", type=int, default=1, help="which part this tag is on (default 1)")
    enc.add_argument("--usage", default="circulating",
                     help="type of usage: acquisition, circulating, not-for-circulation, discarded, "
                          "patron-card, ... or 0-15 (default circulating)")
    enc.add_argument("--element", action="append", default=[], metavar="OID=TEXT",
                     help="extra ISO 28560-2 data element, e.g. 'shelf location=QA268.L55' or 17=Title "
                          "(repeatable)")
    enc.add_argument("--align-primary", action="store_true",
                     help="28560-2: end the item identifier on a block boundary so it can be locked")
    enc.add_argument("--json", action="store_true", help="print JSON")
    enc.set_defaults(func=run_encode)

    register_write(sub)
    tag.set_defaults(func=lambda args: _help(tag))


def _help(parser: argparse.ArgumentParser) -> int:
    parser.print_help()
    return EXIT_USAGE


def _fail(message: str, code: int = EXIT_USAGE) -> int:
    print(f"kiosk tag: {message}", file=sys.stderr)
    return code


def run_decode(args: argparse.Namespace) -> int:
    try:
        if args.hex == ["-"]:
            data, hint = parse_tag_input(sys.stdin.read())
        else:
            data, hint = parse_hex(" ".join(args.hex)), None
        dsfid = parse_byte(args.dsfid, "DSFID") if args.dsfid is not None else hint
        afi = parse_byte(args.afi, "AFI") if args.afi is not None else None
    except CLIInputError as exc:
        return _fail(str(exc))
    result = decode_tag(data, dsfid)
    if args.json:
        payload = result.to_dict()
        payload["hex"] = data.hex().upper()
        if dsfid is not None:
            payload["dsfid"] = f"{dsfid:02X}"
        if afi is not None:
            payload["afi"] = {"value": f"{afi:02X}", "meaning": describe_afi(afi)}
        print(json.dumps(payload, ensure_ascii=False, indent=2))
    else:
        print(format_result(result))
        if afi is not None:
            print(f"{'security':<15}  AFI {afi:02X}: {describe_afi(afi)}")
    return EXIT_UNREADABLE if isinstance(result, Unreadable) else 0


def _tag_from_args(args: argparse.Namespace) -> ItemTag:
    try:
        usage = Usage.parse(args.usage)
    except ValueError as exc:
        raise CLIInputError(str(exc)) from None
    elements: list[tuple[int, str]] = []
    for spec in args.element:
        key, sep, value = spec.partition("=")
        if not sep:
            raise CLIInputError(f"--element {spec!r} must look like OID=TEXT")
        try:
            elements.append((oid_by_name(key), value))
        except ValueError as exc:
            raise CLIInputError(str(exc)) from None
    if elements and args.model != "28560-2":
        raise CLIInputError("--element needs --model 28560-2 (the Danish basic block has no room for it)")
    if not args.item.strip():
        raise CLIInputError("--item is empty")
    if args.parts < 1 or args.part < 1 or args.part > args.parts:
        raise CLIInputError(f"--part {args.part} of --parts {args.parts} is not a valid set")
    return ItemTag(model=args.model, primary_item_id=args.item.strip(), usage=usage, parts=args.parts,
                   part=args.part, owner_isil=args.isil.strip(), country=args.country.strip().upper(),
                   elements=tuple(elements))


def run_encode(args: argparse.Namespace) -> int:
    try:
        tag = _tag_from_args(args)
        data = encode_tag(tag, align_primary=args.align_primary)
    except (CLIInputError, TagEncodeError) as exc:
        return _fail(str(exc))
    dsfid = dsfid_for(tag.model)
    if args.json:
        print(json.dumps({"model": tag.model, "dsfid": f"{dsfid:02X}", "hex": data.hex().upper(),
                          "bytes": len(data), "blocks": [data[i:i + 4].hex().upper() for i in range(0, len(data), 4)],
                          "tag": tag.to_dict()}, ensure_ascii=False, indent=2))
    else:
        print(data.hex().upper())
        print(f"model {tag.model}, DSFID {dsfid:02X}, {len(data)} bytes in {len(data) // 4} blocks:")
        for i in range(0, len(data), 4):
            print(f"  block {i // 4:3d}  {data[i:i + 4].hex(' ').upper()}")
    return 0


def format_result(result: ItemTag | Unreadable) -> str:
    """Plain-text report of a decoded tag for staff."""
    if isinstance(result, Unreadable):
        return f"unreadable: {result.reason}"
    rows = [("model", result.model), ("primary item id", result.primary_item_id or "(none)"),
            ("type of usage", f"{(int(result.usage) << 4) | result.usage_sub:02X} {result.usage_text}"
             if result.model == "28560-2" else f"{int(result.usage)} {result.usage_text}"),
            ("set", f"part {result.part} of {result.parts}"),
            ("owner ISIL", result.owner_isil or "(none)"), ("country", result.country or "(none)")]
    if result.model == "danish":
        rows.append(("version", str(result.version)))
    rows += [(oid_name(oid), value) for oid, value in result.elements]
    rows += [(f"extension block {ident}", payload.hex(" ").upper()) for ident, payload in result.extensions]
    rows += [("note", note) for note in result.notes]
    width = max(len(k) for k, _ in rows)
    return "\n".join(f"{k:<{width}}  {v}" for k, v in rows)


# ------------------------------------------------------------------ write
def register_write(tag_subparsers: Any) -> None:
    """Add ``kiosk tag write``."""
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
    p.set_defaults(func=run_write)


def run_write(args: argparse.Namespace) -> int:
    # Per-command import: the config schema, the driver registry and the RFID drivers.
    from kiosk.config import load_config
    from kiosk.drivers.registry import open_device
    from kiosk.drivers.rfid.programmer import TagProgrammer

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
    print(f"{done - failures} of {done} tag{'' if done == 1 else 's'} programmed", flush=True)
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

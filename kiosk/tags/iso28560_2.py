"""ISO 28560-2: library data elements encoded by the rules of ISO/IEC 15962
(no-directory access method, DSFID 0x06).

User memory is a chain of data sets ended by a zero byte (ISO/IEC 15962 clause 10,
ISO 28560-2:2014 clause 7 and annex D)::

    precursor  [offset]  [OID extension]  length  compacted data  [offset pad bytes]

    precursor  bit 7      offset flag: an offset byte follows, giving the number of
                          pad bytes after the data (used to end a lockable element
                          on a block boundary)
               bits 6-4   compaction scheme (:mod:`kiosk.tags.compaction`)
               bits 3-0   relative OID 1-14; 15 = an extension byte follows holding OID-15
    length     EBV-8 (bit 7 set = another length byte follows)

Worked example from annex D (table D.10), decoded by the tests::

    91 00 05 1C BE 99 1A 14   primary item identifier 123456789012 (integer, offset 0)
    02 01 D0                  content parameter: OIDs 3, 4 and 6 present
    14 02 04 B3               set information 1203 (12 parts, this is part 3)
    46 07 44 1C B6 E2 E3 35 D6   shelf location QA268.L55 (6-bit)
    83 02 07 AC C0 9E BA A0 6F 6B 00 00   owner ISIL US-InU-Mu (ISIL compaction, 2 pad bytes)
"""

from __future__ import annotations

from kiosk.tags import compaction as cz
from kiosk.tags import isil as isilc
from kiosk.tags import oids
from kiosk.tags.model import (SHORT_READ_MARK, ItemTag, TagEncodeError, Unreadable, Usage, check_item_id,
                              has_control_chars)

DSFID = 0x06
DSFIDS = frozenset({0x06, 0x3E})       # 0x3E: written by some vendors' 28560-2 encoders
MAX_DATA_SETS = 64


class _Damaged(Exception):
    """Internal: the data-set chain is malformed (becomes Unreadable)."""


def _read_ebv(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for _ in range(4):
        if pos >= len(data):
            raise _Damaged("data ends inside a length field")
        byte = data[pos]
        pos += 1
        value = (value << 7) | (byte & 0x7F)
        if not byte & 0x80:
            return value, pos
    raise _Damaged("length field longer than 4 bytes")


def _ebv(value: int) -> bytes:
    out = [value & 0x7F]
    value >>= 7
    while value:
        out.append(0x80 | (value & 0x7F))
        value >>= 7
    return bytes(reversed(out))


def parse_data_sets(data: bytes) -> tuple[list[tuple[int, int, bytes]], list[str]]:
    """Split memory into ``(relative OID, compaction scheme, compacted bytes)``."""
    sets, notes, _ = _parse(data)
    return sets, notes


def _parse(data: bytes) -> tuple[list[tuple[int, int, bytes]], list[str], int]:
    """The data sets, notes, and the offset just after the chain (after its terminator)."""
    sets: list[tuple[int, int, bytes]] = []
    notes: list[str] = []
    listed: set[int] = set()                                # OIDs the content parameter announces
    pos = 0
    for _ in range(MAX_DATA_SETS):
        if pos >= len(data):
            if sets:
                notes.append("no terminator byte in the data read")
            break
        precursor = data[pos]
        if precursor == 0x00:
            pos += 1
            break
        if all(b == 0xFF for b in data[pos:]):               # erased memory after the last set
            pos = len(data)
            break
        pos += 1
        offset = 0
        if precursor & 0x80:
            if pos >= len(data):
                raise _Damaged("data ends inside an offset byte")
            offset = data[pos]
            pos += 1
        rel = precursor & 0x0F
        if rel == 0x0F:
            extra, pos = _read_ebv(data, pos)
            rel = 15 + extra
        if rel == 0:
            raise _Damaged(f"precursor {precursor:02X} at byte {pos - 1} names no relative OID")
        length, pos = _read_ebv(data, pos)
        value = data[pos:pos + length]
        if len(value) < length:
            if rel not in listed:
                raise _Damaged(f"data element {rel} claims {length} bytes, only {len(value)} present")
            # Running off the end in an element the content parameter announced is a short
            # read (the pad read fewer blocks than the tag holds), not damage: keep what
            # was read. Without that announcement it is treated as damage, so other data
            # (a Danish block with a bad CRC) is never half-read as ISO 28560-2.
            notes.append(f"the data read ends inside {oids.oid_name(rel)} "
                         f"({length - len(value)} bytes missing; {SHORT_READ_MARK} to see it)")
            pos = len(data)
            break
        sets.append((rel, (precursor >> 4) & 0x07, bytes(value)))
        if rel == oids.CONTENT_PARAMETER and not listed:
            listed = _content_oids(bytes(value))
        pos += length + offset
    else:
        raise _Damaged(f"more than {MAX_DATA_SETS} data elements")
    return sets, notes, min(pos, len(data))


def _content_oids(raw: bytes) -> set[int]:
    return {3 + i * 8 + bit for i, byte in enumerate(raw) for bit in range(8) if byte & (0x80 >> bit)}


def _content_parameter(present: set[int]) -> bytes:
    if not present:
        return b""
    raw = bytearray((max(present) - 3) // 8 + 1)
    for oid in present:
        raw[(oid - 3) // 8] |= 0x80 >> ((oid - 3) % 8)
    return bytes(raw)


def _text_value(oid: int, scheme: int, raw: bytes, notes: list[str]) -> str:
    try:
        return _expand(oid, scheme, raw, notes)
    except (cz.CompactionError, isilc.ISILCompactionError) as exc:
        raise _Damaged(f"{oids.oid_name(oid)} ({cz.SCHEME_NAMES[scheme]} compaction): {exc}") from None


def _expand(oid: int, scheme: int, raw: bytes, notes: list[str]) -> str:
    if scheme == cz.APPLICATION:
        if oid in oids.ISIL_OIDS:
            return isilc.decode_isil(raw)
        if oid in oids.CODE_OIDS or oid == oids.SET_INFORMATION:
            return str(int.from_bytes(raw, "big")) if raw else ""
        notes.append(f"{oids.oid_name(oid)} uses application-defined compaction; shown as hex")
        return raw.hex().upper()
    return cz.decode_text(scheme, raw)


def decode_28560_2(data: bytes, *, require_first: bool = True) -> ItemTag | Unreadable:
    """Decode ISO 28560-2 user memory; never raises. ``require_first`` insists that the
    primary item identifier is the first data element (used when detecting the model
    without a DSFID, so random bytes are not taken for a tag)."""
    try:
        return _decode(data, require_first)
    except (_Damaged, cz.CompactionError, isilc.ISILCompactionError, ValueError) as exc:
        return Unreadable(f"damaged ISO 28560-2 data: {exc}", data)


def _decode(data: bytes, require_first: bool) -> ItemTag | Unreadable:
    sets, notes, end = _parse(data)
    if not sets:
        return Unreadable("ISO 28560-2: no data elements", data)
    if sets[0][0] != oids.PRIMARY_ITEM_ID:
        if require_first:
            return Unreadable("not ISO 28560-2: the first data element is not the primary item identifier", data)
        notes.append("primary item identifier is not the first data element")
    if require_first:
        # Without a DSFID saying 28560-2, ask more of the data before calling it a tag:
        # random bytes pass the bare chain test about 0.2% of the time.
        first_scheme, first_raw = sets[0][1], sets[0][2]
        if first_scheme == cz.APPLICATION or not first_raw:
            return Unreadable("not ISO 28560-2: the primary item identifier is not text", data)
        if any(note.startswith("no terminator") for note in notes):
            return Unreadable("not ISO 28560-2: no terminator byte (give the DSFID to decode it anyway)", data)
    tail = data[end:]
    if tail.strip(b"\0") and tail.strip(b"\xff"):
        if require_first:
            return Unreadable("not ISO 28560-2: data continues after the terminator "
                              "(give the DSFID to decode it anyway)", data)
        notes.append("the bytes after the terminator are not blank (left over from earlier data?)")
    fields: dict[int, str] = {}
    elements: list[tuple[int, str]] = []
    content: set[int] | None = None
    seen: set[int] = set()
    for oid, scheme, raw in sets:
        if oid in seen:
            notes.append(f"{oids.oid_name(oid)} appears more than once; the first is used")
            continue
        seen.add(oid)
        if oid == oids.CONTENT_PARAMETER:
            content = _content_oids(raw)
        elif oid in oids.FIELD_OIDS:
            fields[oid] = _text_value(oid, scheme, raw, notes)
        else:
            elements.append((oid, _text_value(oid, scheme, raw, notes)))
    if oids.PRIMARY_ITEM_ID not in fields:
        return Unreadable("ISO 28560-2: no primary item identifier (relative OID 1)", data)
    if has_control_chars(fields[oids.PRIMARY_ITEM_ID]):
        return Unreadable("ISO 28560-2: the item identifier holds control characters", data)
    present = seen - {oids.PRIMARY_ITEM_ID, oids.CONTENT_PARAMETER}
    cut_short = any(SHORT_READ_MARK in note for note in notes)
    if content is not None and (content < present or (content != present and not cut_short)):
        notes.append("content parameter does not match the data elements present")
    parts, part = 1, 1
    if oids.SET_INFORMATION in fields:
        parts, part = _set_information(fields[oids.SET_INFORMATION], notes)
    usage, usage_sub = Usage.CIRCULATING, 0
    if oids.TYPE_OF_USAGE in fields:
        text = fields[oids.TYPE_OF_USAGE]
        code = int(text) if text.isascii() and text.isdigit() else -1
        if 0 <= code <= 0xFF:
            usage, usage_sub = Usage(code >> 4), code & 0x0F
        else:
            notes.append(f"type of usage {fields[oids.TYPE_OF_USAGE]!r} is not a one-byte code")
    isil = fields.get(oids.OWNER_ISIL, "")
    prefix = isil.split("-", 1)[0] if "-" in isil else ""
    country = prefix.upper() if len(prefix) == 2 and prefix.isalpha() else ""
    return ItemTag(model="28560-2", primary_item_id=fields[oids.PRIMARY_ITEM_ID], usage=usage,
                   parts=parts, part=part, owner_isil=isil, country=country, usage_sub=usage_sub,
                   elements=tuple(elements), notes=tuple(notes))


def _set_information(text: str, notes: list[str]) -> tuple[int, int]:
    """ISO 28560-1 4.2.4: number of parts then part number, digits of equal width."""
    if not (text.isascii() and text.isdigit()):
        notes.append(f"set information {text!r} is not numeric")
        return 1, 1
    if len(text) % 2:
        text = "0" + text                              # integer compaction drops a leading zero
    half = len(text) // 2
    parts, part = int(text[:half]), int(text[half:])
    if parts == 0 or part == 0 or part > parts:
        notes.append(f"set information {text} (part {part} of {parts}) is inconsistent")
        return max(parts, 1), max(part, 1)
    return parts, part


def _is_code(text: str) -> bool:
    """A canonical decimal byte value ("7", not "007" or "²"), so it decodes back the same."""
    return text.isascii() and text.isdigit() and str(int(text)) == text and int(text) <= 0xFF


def _data_set(oid: int, scheme: int, raw: bytes) -> bytes:
    if oid <= 14:
        head = bytes([(scheme << 4) | oid])
    else:
        head = bytes([(scheme << 4) | 0x0F]) + _ebv(oid - 15)
    return head + _ebv(len(raw)) + raw


def _compact(oid: int, text: str) -> tuple[int, bytes]:
    if not text:
        raise TagEncodeError(f"{oids.oid_name(oid)} is empty")
    if oid in oids.ISIL_OIDS and isilc.can_encode(text):
        return cz.APPLICATION, isilc.encode_isil(text)
    if oid in oids.CODE_OIDS and _is_code(text):
        return cz.APPLICATION, bytes([int(text)])
    scheme = cz.best_scheme(text)
    return scheme, cz.encode_text(scheme, text)


def encode_28560_2(tag: ItemTag, *, align_primary: bool = False, block_size: int = 4) -> bytes:
    """Encode ``tag`` as ISO 28560-2 data sets (most compact scheme per element),
    a terminator and zero padding to a 4-byte block. Raises :class:`TagEncodeError`.

    ``align_primary`` ends the primary item identifier on a block boundary with the
    offset mechanism (annex D.3.2), so a station can lock those blocks without
    locking the next element."""
    check_item_id(tag.primary_item_id)
    if not 1 <= tag.parts <= 9999 or not 1 <= tag.part <= tag.parts:
        raise TagEncodeError(f"part {tag.part} of {tag.parts} is not a valid set (1 <= part <= parts <= 9999)")
    if not 0 <= tag.usage_sub <= 15:
        raise TagEncodeError(f"type of usage sub-code {tag.usage_sub} outside 0-15")
    values: dict[int, str] = {}
    isil = tag.owner_isil.strip()
    if isil and "-" not in isil and tag.country:
        isil = f"{tag.country.upper()}-{isil}"
    if isil:
        values[oids.OWNER_ISIL] = isil
    if tag.parts > 1:
        width = max(2, len(str(tag.parts)))
        values[oids.SET_INFORMATION] = f"{tag.parts:0{width}d}{tag.part:0{width}d}"
    if tag.usage is not Usage.CIRCULATING or tag.usage_sub:
        values[oids.TYPE_OF_USAGE] = str((int(tag.usage) << 4) | tag.usage_sub)
    for oid, text in tag.elements:
        if oid in oids.FIELD_OIDS:
            raise TagEncodeError(f"{oids.oid_name(oid)} is a field of its own, not an extra element")
        if not 1 <= oid <= 127:
            raise TagEncodeError(f"relative OID {oid} outside 1-127")
        if oid in values:
            raise TagEncodeError(f"{oids.oid_name(oid)} given twice")
        values[oid] = text
    try:
        scheme, raw = _compact(oids.PRIMARY_ITEM_ID, tag.primary_item_id)
        first = _data_set(oids.PRIMARY_ITEM_ID, scheme, raw)
        if align_primary:
            with_offset = len(first) + 1                   # the offset byte itself
            pad = -with_offset % block_size
            first = bytes([first[0] | 0x80, pad]) + first[1:] + b"\0" * pad
        out = [first]
        if values:
            out.append(_data_set(oids.CONTENT_PARAMETER, cz.APPLICATION, _content_parameter(set(values))))
        for oid in sorted(values):
            scheme, raw = _compact(oid, values[oid])
            out.append(_data_set(oid, scheme, raw))
    except (cz.CompactionError, isilc.ISILCompactionError) as exc:
        raise TagEncodeError(str(exc)) from None
    body = b"".join(out) + b"\0"
    return body + b"\0" * (-len(body) % 4)

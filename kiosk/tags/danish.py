"""ISO 28560-3 fixed-length encoding (the "Danish data model").

Basic block layout (ISO 28560-3:2014 clause 7.2; Danish "RFID Data Model for
Libraries", 2005/2009, section 3.2.2)::

    byte 0       version (high nibble, 1) | type of usage (low nibble)
    byte 1       number of parts in the item (1-255)
    byte 2       ordinal part number
    bytes 3-18   primary item identifier, ASCII, NUL padded
    bytes 19-20  CRC-16/CCITT, low byte first
    bytes 21-22  country of the owner library (ISIL prefix)
    bytes 23-33  rest of the owner ISIL, NUL padded (bytes 23-31 on a 32-byte tag)
    bytes 34-    extension blocks: length, block id (16 bit LE, 0xFF escape to 24 bit),
                 data, XOR checksum; a length byte 0 ends the chain, 1 is a filler

The CRC covers bytes 0-18 and 21-33; on a 32-byte tag the two missing bytes count as
zero (5.5.1). Tags written by some vendors have the nibbles of byte 0 swapped or
come back from the reader with the 4-byte blocks in reverse order; both are
recognised (the CRC decides) and reported in ``ItemTag.notes``.
"""

from __future__ import annotations

from kiosk.tags.crc import crc16_ccitt
from kiosk.tags.model import (SHORT_READ_MARK, ItemTag, TagEncodeError, Unreadable, Usage, check_item_id,
                              has_control_chars)

VERSION = 1
BASIC_SHORT = 32   # truncated basic block (32-byte tags)
BASIC_FULL = 34
ID_LEN = 16
MAX_EXT_BLOCKS = 64


def _crc_of(block: bytes) -> int:
    """CRC over bytes 0-18 and 21-33 of a (zero-extended) basic block."""
    block = block[:BASIC_FULL].ljust(BASIC_FULL, b"\0")
    return crc16_ccitt(block[0:19] + block[21:BASIC_FULL])


def _crc_ok(block: bytes) -> bool:
    return len(block) >= BASIC_SHORT and _crc_of(block) == block[19] | (block[20] << 8)


def reverse_blocks(data: bytes, block_size: int = 4) -> bytes:
    """The same memory with its ``block_size`` blocks in reverse order."""
    blocks = [data[i:i + block_size] for i in range(0, len(data), block_size)]
    return b"".join(reversed(blocks))


def _text(raw: bytes) -> str:
    raw = raw.split(b"\0", 1)[0]
    return raw.decode("latin-1")


def _split_isil(text: str) -> tuple[str, str]:
    """(country, full ISIL) from the owner field as written from byte 21."""
    if not text:
        return "", ""
    if len(text) > 1 and text[1] == "-":                       # one-letter prefix
        return "", text
    for n in (3, 4):                                            # 3/4-letter non-country prefix
        if len(text) > n and text[n] == "-" and text[:n].isalpha():
            return "", text
    country = text[:2]
    if not country.isalpha():
        return "", text
    if len(text) == 2:                                          # country only, no library
        return country.upper(), ""
    return country.upper(), f"{country}-{text[2:]}"


def _parse_extensions(data: bytes, notes: list[str]) -> tuple[tuple[int, bytes], ...]:
    """Extension blocks from byte 34 (ISO 28560-3 7.4, 7.10)."""
    found: list[tuple[int, bytes]] = []
    pos = BASIC_FULL
    for _ in range(MAX_EXT_BLOCKS):
        if pos >= len(data):
            break
        length = data[pos]
        if length == 0:
            break
        if length == 1:                                          # filler byte
            pos += 1
            continue
        block = data[pos:pos + length]
        if len(block) < length or length < 4:
            notes.append(f"extension block at byte {pos} is truncated; ignored")
            break
        checksum = 0
        for byte in block:
            checksum ^= byte
        if checksum:
            notes.append(f"extension block at byte {pos} fails its XOR checksum; ignored")
            pos += length
            continue
        if block[2] == 0xFF and length >= 6:
            ident, payload = block[1] | (block[3] << 8) | (block[4] << 16), block[5:-1]
        else:
            ident, payload = block[1] | (block[2] << 8), block[3:-1]
        found.append((ident, bytes(payload)))
        pos += length
    return tuple(found)


def swap_block_bytes(data: bytes, block_size: int = 4) -> bytes:
    """The same memory with the bytes inside each block reversed (readers that
    report a block least significant byte first)."""
    return b"".join(data[i:i + block_size][::-1] for i in range(0, len(data), block_size))


def _find_basic_block(data: bytes) -> tuple[bytes, bool, str] | None:
    """(memory in standard order, full 34-byte layout?, quirk note) or None.

    Candidates are tried as read first; the CRC decides, so a quirk is reported only
    when the memory as read is not valid and the rearranged one is."""
    short = data[:BASIC_SHORT]
    candidates: list[tuple[bytes, bool, str]] = [(data, True, "")]
    if len(data) > BASIC_SHORT:
        candidates.append((short, False, ""))                 # truncated block on a larger chip
    candidates += [(reverse_blocks(data), True, "blocks in reverse order"),
                   (reverse_blocks(short), False, "blocks in reverse order"),
                   (swap_block_bytes(data), True, "bytes within each block reversed")]
    for memory, full, quirk in candidates:
        if _crc_ok(memory):
            return memory, full, quirk
    return None


def decode_danish(data: bytes) -> ItemTag | Unreadable:
    """Decode an ISO 28560-3 basic block (and extension blocks); never raises."""
    if len(data) < BASIC_SHORT:
        return Unreadable(f"too short for the Danish data model: {len(data)} bytes, need 32", data)
    notes: list[str] = []
    found = _find_basic_block(data)
    if found is None:
        stored = data[19] | (data[20] << 8)
        hint = ""
        if len(data) == BASIC_SHORT and all(data[21:BASIC_SHORT]):
            hint = f"; the owner field fills byte 31, so the tag may hold a 34-byte block: {SHORT_READ_MARK} (9)"
        return Unreadable(f"Danish data model CRC mismatch (stored {stored:04X}, "
                          f"computed {_crc_of(data):04X}){hint}", data)
    memory, full, quirk = found
    if quirk:
        notes.append(quirk)
    high, low = memory[0] >> 4, memory[0] & 0x0F
    if high == VERSION:
        version, usage = high, low
    elif low == VERSION:
        version, usage = low, high
        notes.append("nibbles of byte 0 swapped")
    else:
        version, usage = high, low
        notes.append(f"unknown data model version {high}")
    parts, part = memory[1], memory[2]
    if parts == 0:
        notes.append("number of parts 0 read as 1")
        parts = 1
    if part == 0 or part > parts:
        notes.append(f"part number {part} does not fit {parts} part(s)")
    item_id = _text(memory[3:19])
    if item_id != item_id.strip(" "):
        item_id = item_id.strip(" ")
        notes.append("item identifier padded with spaces")
    if has_control_chars(item_id):
        return Unreadable("Danish data model: the item identifier holds control characters", data)
    if not item_id:
        notes.append("no primary item identifier")
    owner = _text(memory[21:BASIC_FULL if full else BASIC_SHORT])
    country, isil = _split_isil(owner)
    extensions = _parse_extensions(memory, notes) if full and len(memory) > BASIC_FULL else ()
    return ItemTag(model="danish", primary_item_id=item_id, usage=Usage(usage), parts=parts,
                   part=part, owner_isil=isil, country=country, version=version,
                   extensions=extensions, notes=tuple(notes))


def _owner_field(tag: ItemTag) -> bytes:
    isil, country = tag.owner_isil.strip(), tag.country.strip().upper()
    if country and (len(country) != 2 or not country.isalpha()):
        raise TagEncodeError(f"country {tag.country!r} must be two letters (ISO 3166)")
    prefix, sep, rest = isil.partition("-")
    if sep and len(prefix) == 2 and prefix.isalpha():
        if country and country != prefix.upper():
            raise TagEncodeError(f"country {country} does not match the ISIL prefix of {isil}")
        text = prefix.upper() + rest
    elif sep and prefix.isalpha() and len(prefix) in (1, 3, 4):
        text = isil                                              # non-country ISIL prefix, kept whole
    else:
        text = country + isil                                    # bare library number + --country
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise TagEncodeError(f"ISIL {isil!r} has characters outside ASCII") from None
    if len(raw) > BASIC_FULL - 21:
        raise TagEncodeError(f"owner ISIL {isil!r} is too long for the Danish model "
                             f"(at most {BASIC_FULL - 21 - 2} characters after the country)")
    return raw


def encode_danish(tag: ItemTag) -> bytes:
    """Encode ``tag`` as an ISO 28560-3 basic block (32 bytes when it fits, else 34 plus
    extension blocks), padded to 4-byte blocks. Raises :class:`TagEncodeError`."""
    try:
        item = tag.primary_item_id.encode("ascii")
    except UnicodeEncodeError:
        raise TagEncodeError("primary item identifier must be ASCII in the Danish model") from None
    if item or tag.usage is not Usage.ACQUISITION:       # acquisition tags may be written without one
        check_item_id(tag.primary_item_id)
    if len(item) > ID_LEN:
        raise TagEncodeError(f"primary item identifier has {len(item)} characters; the Danish model "
                             f"holds {ID_LEN} (use the 28560-2 model)")
    if not 1 <= tag.parts <= 255:
        raise TagEncodeError(f"number of parts {tag.parts} outside 1-255")
    if not 1 <= tag.part <= tag.parts:
        raise TagEncodeError(f"part {tag.part} outside 1-{tag.parts}")
    if not 0 <= tag.version <= 15:
        raise TagEncodeError(f"version {tag.version} outside 0-15")
    owner = _owner_field(tag)
    size = BASIC_FULL if (len(owner) > BASIC_SHORT - 21 or tag.extensions) else BASIC_SHORT
    block = bytearray(size)
    block[0] = (tag.version << 4) | int(tag.usage)
    block[1], block[2] = tag.parts, tag.part
    block[3:3 + len(item)] = item
    block[21:21 + len(owner)] = owner
    crc = _crc_of(bytes(block))
    block[19], block[20] = crc & 0xFF, crc >> 8
    out = bytes(block)
    if tag.extensions:
        out += b"".join(_extension_block(ident, payload) for ident, payload in tag.extensions) + b"\0"
    return out + b"\0" * (-len(out) % 4)


def _extension_block(ident: int, payload: bytes) -> bytes:
    if not 0 <= ident <= 0xFFFFFF:
        raise TagEncodeError(f"extension block id {ident} out of range")
    head = bytes([ident & 0xFF, ident >> 8]) if ident < 0xFF00 else \
        bytes([ident & 0xFF, 0xFF, (ident >> 8) & 0xFF, ident >> 16])
    length = 1 + len(head) + len(payload) + 1
    if length > 255:
        raise TagEncodeError(f"extension block {ident} is too long ({length} bytes)")
    body = bytes([length]) + head + payload
    checksum = 0
    for byte in body:
        checksum ^= byte
    return body + bytes([checksum])

"""ISO/IEC 15962 compaction schemes, as used by ISO 28560-2 (clause 7.4).

The 3-bit compaction code in each precursor names the scheme:

    0 application-defined   bytes as the application defines them (28560-2: ISIL, codes)
    1 integer               a digit string without leading zeros as a big-endian binary integer
    2 numeric               digits, 4 bits each (BCD), an odd count padded with 0xF
    3 5-bit code            characters 0x41-0x5F (A-Z [ \\ ] ^ _): low 5 bits of each
    4 6-bit code            characters 0x20-0x5F (space, digits, punctuation, A-Z) except
                            ! " # $ % & ' whose codes mean EOT, FS, US or are reserved: low 6 bits
    5 7-bit code            ISO/IEC 646 IRV (ASCII), 7 bits each
    6 octet string          ISO/IEC 8859-1, one byte per character
    7 UTF-8 string          anything else (28560-2 clause 7.4.4 / WG11 clarification 6.17)

The 6-bit table (0x21-0x27 not characters) matches an open-source decoder of
Finnish library tags (``helmet_rfid_tag.py``, ``HelmetRfidTag``).

Bit-packed schemes fill the last byte with pad bits: for the 6-bit code the leading
bits of the space code ``100000`` (ISO 28560-2:2014 annex D.3.5: ``QA268.L55`` ->
``44 1C B6 E2 E3 35 D6``), so a 6-bit text never ends in a space; zero bits for the
5- and 7-bit codes, whose character sets exclude the zero code. A whole pad group
that fits in the last byte is dropped when decoding.

:func:`best_scheme` picks the most compact scheme that can hold a value.
"""

from __future__ import annotations

APPLICATION, INTEGER, NUMERIC, BIT5, BIT6, BIT7, OCTET, UTF8 = range(8)

SCHEME_NAMES = {APPLICATION: "application-defined", INTEGER: "integer", NUMERIC: "numeric",
                BIT5: "5-bit", BIT6: "6-bit", BIT7: "7-bit", OCTET: "octet", UTF8: "UTF-8"}


class CompactionError(ValueError):
    """A value cannot be written in, or read from, the given scheme."""


def _pack(codes: list[int], width: int, pad_pattern: int) -> bytes:
    acc, nbits, out = 0, 0, bytearray()
    for code in codes:
        acc, nbits = (acc << width) | code, nbits + width
        while nbits >= 8:
            nbits -= 8
            out.append((acc >> nbits) & 0xFF)
    if nbits:
        pad = 8 - nbits
        out.append(((acc << pad) | (pad_pattern >> (width - pad) if pad <= width else 0)) & 0xFF)
    return bytes(out)


def _is_digits(text: str) -> bool:
    return bool(text) and all("0" <= c <= "9" for c in text)


def can_encode(scheme: int, text: str) -> bool:
    if scheme == INTEGER:
        return _is_digits(text) and (text == "0" or text[0] != "0")
    if scheme == NUMERIC:
        return _is_digits(text)
    if scheme == BIT5:
        return bool(text) and all(0x41 <= ord(c) <= 0x5F for c in text)
    if scheme == BIT6:
        # a trailing space would be indistinguishable from the pad group
        return bool(text) and all(0x20 <= ord(c) <= 0x5F and not 0x21 <= ord(c) <= 0x27 for c in text) \
            and not text.endswith(" ")
    if scheme == BIT7:
        return all(0x20 <= ord(c) < 0x7F for c in text)   # graphic ASCII (WG11 clarification)
    if scheme == OCTET:
        return all(ord(c) < 0x100 for c in text)
    return scheme == UTF8


def encode_text(scheme: int, text: str) -> bytes:
    """Compact ``text`` with ``scheme``; raises :class:`CompactionError` if it cannot."""
    if not can_encode(scheme, text):
        raise CompactionError(f"{text!r} cannot be written with {SCHEME_NAMES.get(scheme, scheme)} compaction")
    if scheme == INTEGER:
        value = int(text)
        return value.to_bytes(max(1, (value.bit_length() + 7) // 8), "big")
    if scheme == NUMERIC:
        digits = [int(c) for c in text] + ([0xF] if len(text) % 2 else [])
        return bytes((digits[i] << 4) | digits[i + 1] for i in range(0, len(digits), 2))
    if scheme == BIT5:
        return _pack([ord(c) & 0x1F for c in text], 5, 0)
    if scheme == BIT6:
        return _pack([ord(c) & 0x3F for c in text], 6, 0b100000)
    if scheme == BIT7:
        return _pack([ord(c) for c in text], 7, 0)
    if scheme == OCTET:
        return text.encode("latin-1")
    if scheme == UTF8:
        return text.encode("utf-8")
    raise CompactionError(f"no text encoding for compaction scheme {scheme}")


def decode_text(scheme: int, data: bytes) -> str:
    """Expand compacted bytes back to text; raises :class:`CompactionError` on bad data."""
    if scheme == INTEGER:
        if not data:
            raise CompactionError("empty integer")
        return str(int.from_bytes(data, "big"))
    if scheme == NUMERIC:
        digits: list[str] = []
        for i, byte in enumerate(data):
            for nibble, last in ((byte >> 4, False), (byte & 0xF, True)):
                if nibble <= 9:
                    digits.append(str(nibble))
                elif not (nibble == 0xF and last and i == len(data) - 1):
                    raise CompactionError(f"numeric compaction has a non-digit nibble {nibble:X}")
        return "".join(digits)
    if scheme == BIT5:
        return "".join(chr(0x40 | c) for c in _strip_pad(_groups(data, 5), len(data), 5, (0,)))
    if scheme == BIT6:
        codes = _strip_pad(_groups(data, 6), len(data), 6, (0b100000,))
        bad = next((c for c in codes if 0x21 <= c <= 0x27), None)
        if bad is not None:
            raise CompactionError(f"6-bit code {bad:06b} is a control or reserved code, not a character")
        return "".join(chr(c if c >= 0x20 else 0x40 | c) for c in codes)
    if scheme == BIT7:
        codes = _strip_pad(_groups(data, 7), len(data), 7, (0, 0x7F))
        return "".join(chr(c) for c in codes)
    if scheme == OCTET:
        return data.decode("latin-1")
    if scheme == UTF8:
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise CompactionError(f"invalid UTF-8 at byte {exc.start}") from None
    raise CompactionError(f"compaction scheme {scheme} has no text form")


def _groups(data: bytes, width: int) -> list[int]:
    total = len(data) * 8
    value = int.from_bytes(data, "big") if data else 0
    return [(value >> (total - width * (i + 1))) & ((1 << width) - 1) for i in range(total // width)]


def _strip_pad(codes: list[int], nbytes: int, width: int, pad_values: tuple[int, ...]) -> list[int]:
    """Drop a final group that is pad: the value fits one byte fewer characters' worth."""
    if codes and codes[-1] in pad_values and ((len(codes) - 1) * width + 7) // 8 == nbytes:
        return codes[:-1]
    return codes


def encoded_size(scheme: int, text: str) -> int:
    return len(encode_text(scheme, text))


def best_scheme(text: str) -> int:
    """The scheme giving the fewest bytes (ties go to the simpler scheme)."""
    candidates = [s for s in (INTEGER, NUMERIC, BIT5, BIT6, BIT7, OCTET, UTF8) if can_encode(s, text)]
    return min(candidates, key=lambda s: (encoded_size(s, text), s))

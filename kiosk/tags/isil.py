"""The ISIL compaction of ISO 28560-2 (annex C), application-defined compaction 000.

An ISIL (ISO 15511: letters, digits, ``-``, ``:``, ``/``) is written with three
character sets and switch codes, starting in the upper-case set:

    upper case (5 bit)   0 '-'  1-26 A-Z  27 ':'  28 latch lower  29 shift lower
                         30 latch digits  31 shift digits
    lower case (5 bit)   0 '-'  1-26 a-z  27 '/'  28 latch upper  29 shift upper
                         30 latch digits  31 shift digits
    digits (4 bit)       0-9  10 '-'  11 ':'  12 latch upper  13 shift upper
                         14 latch lower  15 shift lower

A shift covers the next character only; a latch changes the set. The last byte is
filled with 1 bits. The worked examples of ISO 28560-2:2014 (annex C.6.1
``DE-Heu1`` -> ``21 40 8E 16 BF 1F``; annex D ``US-InU-Mu`` -> ``AC C0 9E BA A0 6F
6B``) fix '-', the letters, the digits and the upper-case switch codes; the full
tables above agree with an open-source decoder of Finnish library tags
(``helmet_rfid_tag.py``, class ``HelmetRfidTag``), which is where ':' (upper and
digit sets) and '/' (lower-case set only) come from.
"""

from __future__ import annotations

UPPER, LOWER, DIGIT = "upper", "lower", "digit"
_WIDTH = {UPPER: 5, LOWER: 5, DIGIT: 4}

# switch codes: (latch target, shift target) -> code, per set
_SWITCH = {
    UPPER: {("latch", LOWER): 28, ("shift", LOWER): 29, ("latch", DIGIT): 30, ("shift", DIGIT): 31},
    LOWER: {("latch", UPPER): 28, ("shift", UPPER): 29, ("latch", DIGIT): 30, ("shift", DIGIT): 31},
    DIGIT: {("latch", UPPER): 12, ("shift", UPPER): 13, ("latch", LOWER): 14, ("shift", LOWER): 15},
}
_SWITCH_BY_CODE = {mode: {code: key for key, code in table.items()} for mode, table in _SWITCH.items()}


class ISILCompactionError(ValueError):
    """The ISIL cannot be written, or the bytes are not a valid ISIL compaction."""


def _code(mode: str, ch: str) -> int | None:
    if ch == "-":
        return 10 if mode == DIGIT else 0
    if ch == ":":
        return {DIGIT: 11, UPPER: 27}.get(mode)
    if ch == "/":
        return 27 if mode == LOWER else None
    if mode == UPPER and "A" <= ch <= "Z":
        return ord(ch) - 64
    if mode == LOWER and "a" <= ch <= "z":
        return ord(ch) - 96
    if mode == DIGIT and "0" <= ch <= "9":
        return ord(ch) - 48
    return None


def _set_of(ch: str, following: str = "") -> str | None:
    """The set to switch to for ``ch`` (for ':' the one the next character needs
    too, else the cheaper 4-bit digit set)."""
    if "A" <= ch <= "Z":
        return UPPER
    if "a" <= ch <= "z" or ch == "/":
        return LOWER
    if "0" <= ch <= "9":
        return DIGIT
    if ch == ":":
        return UPPER if "A" <= following[:1] <= "Z" and following else DIGIT
    return None


def can_encode(isil: str) -> bool:
    return bool(isil) and all(c == "-" or _set_of(c) for c in isil)


def encode_isil(isil: str) -> bytes:
    """ISIL compaction of ``isil``; raises :class:`ISILCompactionError`."""
    if not can_encode(isil):
        raise ISILCompactionError(f"ISIL {isil!r} has characters outside A-Z a-z 0-9 - : /")
    mode = UPPER
    bits: list[tuple[int, int]] = []                     # (value, width)
    for i, ch in enumerate(isil):
        code = _code(mode, ch)
        if code is None:
            rest = isil[i + 1:].lstrip("-")            # '-' is in every set, so look past it
            target = _set_of(ch, rest[:1])
            assert target is not None
            # latch when the next character that matters is in the target set too, else shift
            latch = bool(rest) and _code(target, rest[0]) is not None
            bits.append((_SWITCH[mode][("latch" if latch else "shift", target)], _WIDTH[mode]))
            if latch:
                mode = target
                code = _code(mode, ch)
                assert code is not None
                bits.append((code, _WIDTH[mode]))
            else:
                shifted = _code(target, ch)
                assert shifted is not None
                bits.append((shifted, _WIDTH[target]))
        else:
            bits.append((code, _WIDTH[mode]))
    acc, nbits = 0, 0
    for value, width in bits:
        acc, nbits = (acc << width) | value, nbits + width
    pad = -nbits % 8
    acc, nbits = (acc << pad) | ((1 << pad) - 1), nbits + pad
    return acc.to_bytes(nbits // 8, "big")


def decode_isil(data: bytes) -> str:
    """Expand ISIL compaction; trailing 1-bit padding and a dangling switch are ignored."""
    total = len(data) * 8
    value = int.from_bytes(data, "big") if data else 0
    pos, mode, shift_to = 0, UPPER, None
    out: list[str] = []
    for _ in range(total // 4 + 1):                      # every step consumes at least 4 bits
        current = shift_to or mode
        width = _WIDTH[current]
        if pos + width > total:
            break
        code = (value >> (total - pos - width)) & ((1 << width) - 1)
        pos += width
        switch = _SWITCH_BY_CODE[current].get(code)
        if shift_to is None and switch is not None:
            kind, target = switch
            if kind == "latch":
                mode = target
            else:
                shift_to = target
            continue
        if shift_to is not None and switch is not None:
            raise ISILCompactionError(f"switch code {code} right after a shift at bit {pos - width}")
        out.append(_char(current, code))
        shift_to = None
    rest = total - pos
    if rest and value & ((1 << rest) - 1) != (1 << rest) - 1:
        raise ISILCompactionError("ISIL compaction pad bits are not all ones")
    if not out:
        raise ISILCompactionError("ISIL compaction holds no characters")
    return "".join(out)


def _char(mode: str, code: int) -> str:
    if mode == DIGIT:
        return "0123456789-:"[code]
    if code == 0:
        return "-"
    if code == 27:
        return ":" if mode == UPPER else "/"
    return chr((64 if mode == UPPER else 96) + code)

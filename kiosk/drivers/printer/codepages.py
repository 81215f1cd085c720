"""Which printer code page a text goes out in.

An ESC/POS printer prints 8-bit text in the table chosen with ``ESC t n``;
which table slot ``n`` names differs by model, and the python-escpos
capability profile (``[devices.printer] profile``) lists the slots a model
has. python-escpos's magic encoding switches tables per character, trying
tables in the order of their slot numbers *as strings* (``"13"`` before
``"2"``), so "Synnøve" went out in PC857 (Turkish, slot 13) although PC850
(slot 2) has every Latin-1 letter and many printers lack slot 13.

:class:`PreferringEncoder` keeps python-escpos's encoder but tries the tables
nearly every ESC/POS printer carries first (PC850/PC858, PC437, the Windows
and ISO Latin pages), then the script-specific ones, then the rest by slot
number. :func:`page_for` picks one table for a whole text when one covers it,
so a name is never split across tables; :func:`covers` says whether any
table can print every character, and otherwise the driver prints the text as
an image (:mod:`kiosk.drivers.printer.textimage`).
"""

from __future__ import annotations

from typing import Any

from kiosk.drivers.printer import escpos_import

escpos_import.load()     # before any escpos import: see escpos_import

from escpos.magicencode import Encoder  # noqa: E402,I001

#: Most preferred first: the Latin pages most printers have, then by script.
PREFERRED: tuple[str, ...] = (
    "CP850", "CP858", "CP437", "CP1252", "ISO_8859-15", "ISO_8859-1",          # Western European
    "CP852", "ISO_8859-2", "CP1250",                                             # Central European
    "CP857", "CP1254", "ISO_8859-9",                                             # Turkish
    "CP775", "CP1257",                                                           # Baltic
    "CP866", "CP1251", "CP855", "ISO_8859-5",                                    # Cyrillic
    "CP737", "ISO_8859-7", "CP1253", "CP869",                                    # Greek
    "CP860", "CP863", "CP865", "CP861",                                          # national Latin variants
)
_RANK = {name: index for index, name in enumerate(PREFERRED)}


def _slot(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 1 << 16


class PreferringEncoder(Encoder):  # type: ignore[misc]
    """python-escpos's encoder over a profile's tables, trying common ones first."""

    def __init__(self, codepage_map: dict[str, Any]) -> None:
        usable = {name: slot for name, slot in codepage_map.items() if name.upper() != "UNKNOWN"}
        super().__init__(usable)
        self.order = sorted(usable, key=lambda name: (_RANK.get(name, len(_RANK)), _slot(usable[name])))

    def find_suitable_encoding(self, char: str) -> str | None:
        for name in self.order:
            if self.can_encode(name, char):
                self.used_encodings.add(name)
                return name
        return None


def page_for(text: str, encoder: PreferringEncoder) -> str | None:
    """The most preferred table that prints every character of ``text``;
    None when the text is plain ASCII or no single table covers it."""
    special = {c for c in text if ord(c) >= 128}
    if not special:
        return None
    for name in encoder.order:
        if all(encoder.can_encode(name, c) for c in special):
            return name
    return None


def covers(text: str, encoder: PreferringEncoder) -> bool:
    """Every character of ``text`` is in some table of the profile."""
    return all(ord(c) < 128 or any(encoder.can_encode(name, c) for name in encoder.order) for c in set(text))

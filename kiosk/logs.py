"""Logging set-up: structured one-line records to stdout for the journal,
with secrets masked wherever they might appear.

A record may carry secrets in two ways: a SIP2 wire dump (fields ``AD`` patron
PIN, ``CO`` login password, ``CN`` login user id is kept) or ``key=value``
text (``pin=``, ``password=``). :class:`SecretFilter` masks both before any
handler sees the record, so no handler can leak them.
"""

from __future__ import annotations

import logging
import os
import re
import sys

# SIP2 variable fields that carry secrets: AD patron password (PIN),
# CO login password, AC terminal password; and personal data a debug wire
# dump must not keep: AE personal name, BD home address, BE email, BF phone.
_SIP2_SECRET = re.compile(r"(?<=\|)(AD|CO|AC|AE|BD|BE|BF)[^|\r\n]*|^(AD|CO|AC|AE|BD|BE|BF)[^|\r\n]*")
_KV_SECRET = re.compile(r"(?i)\b(pin|password|passwd|secret|token)(\s*[=:]\s*)(\"[^\"]*\"|'[^']*'|\S+)")
MASK = "****"


# Patron barcodes look different in every library; the station's
# [barcodes] patron_pattern says what they look like (set_patron_pattern).
_patron_pattern: re.Pattern[str] | None = None


def set_patron_pattern(pattern: str) -> None:
    """Mask every patron barcode matching ``pattern`` (a full-match regex from
    ``[barcodes] patron_pattern``) to its last four characters in all logs."""
    global _patron_pattern
    # Digit boundaries only: a SIP2 dump glues the id to its field code (AA...).
    _patron_pattern = re.compile(rf"(?<![0-9])(?:{pattern})(?![0-9])") if pattern else None


def mask_secrets(text: str) -> str:
    """Return ``text`` with SIP2 secret fields, ``pin=...`` pairs and patron
    barcodes (when a pattern is set) masked."""
    text = _SIP2_SECRET.sub(lambda m: (m.group(1) or m.group(2)) + MASK, text)
    text = _KV_SECRET.sub(lambda m: m.group(1) + m.group(2) + MASK, text)
    if _patron_pattern is not None:
        text = _patron_pattern.sub(lambda m: mask_patron_id(m.group(0)), text)
    return text


def mask_patron_id(patron_id: str) -> str:
    """Keep the last four characters of a patron id, for logs and receipts."""
    if len(patron_id) <= 4:
        return "*" * len(patron_id)
    return "*" * (len(patron_id) - 4) + patron_id[-4:]


class SecretFilter(logging.Filter):
    """Masks secrets in the fully formatted message of every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_secrets(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


class JournalFormatter(logging.Formatter):
    """Under systemd (``JOURNAL_STREAM`` set) each line starts with its
    sd-daemon priority (``<3>`` error ... ``<7>`` debug) so ``journalctl -p``
    filters by level, and without a timestamp: the journal keeps its own."""

    PRIORITY = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6, logging.DEBUG: 7}

    def __init__(self) -> None:
        super().__init__("%(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = self.PRIORITY.get(record.levelno, 6)
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def setup_logging(verbosity: int = 0, environ: dict[str, str] | None = None) -> logging.Handler:
    """One handler on the root logger, to stdout, secrets masked; returns it."""
    env = os.environ if environ is None else environ
    level = logging.WARNING if verbosity <= 0 else logging.INFO if verbosity == 1 else logging.DEBUG
    root = logging.getLogger()
    root.setLevel(level)
    for handler in list(root.handlers):
        if getattr(handler, "_kiosk", False):  # ours carry the mark; other libraries' handlers stay
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stdout)
    handler._kiosk = True  # type: ignore[attr-defined]
    if env.get("JOURNAL_STREAM"):
        handler.setFormatter(JournalFormatter())
    else:
        handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(SecretFilter())
    root.addHandler(handler)
    return handler

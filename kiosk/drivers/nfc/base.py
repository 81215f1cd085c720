"""Patron card readers: the shared contract and the pure logic under it.

``start(on_card, on_error=None)``, ``stop()``, ``close()``, ``self_test()``;
``on_card(patron_id)`` is called once per presentation of a card, on the
reader's thread. A card that is there but cannot give a patron id (no NDEF
text in ``ndef`` mode, garbage in the record) calls ``on_error(reason)``
once per presentation, so the kiosk can say "this card cannot be read"
instead of staying silent.

How a card becomes a patron id (``[devices.nfc]``):

* ``mode = "uid"``: the card's identifier: ISO 14443-3 NFCID1 (4, 7 or 10
  bytes, UID of type A cards), ISO 14443-3 type B PUPI, or the FeliCa IDm.
  ``uid_format``: ``hex`` (upper case, most significant byte first),
  ``decimal`` (the same bytes as one big-endian number) or
  ``decimal-reversed`` (little-endian, what many desktop readers "type").
* ``mode = "ndef"``: the first NDEF Text record (NFC Forum RTD Text 1.0)
  on the card, which libraries program with the patron barcode.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import ndef

from kiosk.drivers.prompt import PromptWaiters
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError, RemoteProtocolError
from kiosk.monitoring.liveness import NO_HEART, Heart

log = logging.getLogger(__name__)

OnCard = Callable[[str], None]
OnError = Callable[[str], None]
UID_FORMATS = ("hex", "decimal", "decimal-reversed")
MAX_PATRON_ID = 64


def format_uid(uid: bytes, uid_format: str = "hex") -> str:
    """A card UID as a patron id, per ``uid_format``."""
    if not uid:
        raise RemoteProtocolError("card reported an empty UID")
    if uid_format == "hex":
        return uid.hex().upper()
    if uid_format == "decimal":
        return str(int.from_bytes(uid, "big"))
    if uid_format == "decimal-reversed":
        return str(int.from_bytes(uid, "little"))
    raise DeviceError(f"nfc: uid_format {uid_format!r} unknown; use one of {', '.join(UID_FORMATS)}", "nfc")


def patron_id_from_ndef(message: bytes) -> str:
    """The patron id in an NDEF message: its first Text record, trimmed.

    Raises :class:`RemoteProtocolError` saying what is wrong with the card's
    data (empty, undecodable, no text record, not an id)."""
    if not message:
        raise RemoteProtocolError("card has no NDEF message")
    try:
        records = list(ndef.message_decoder(message, errors="relax"))
    except (ndef.DecodeError, ValueError, IndexError) as exc:
        raise RemoteProtocolError(f"card's NDEF data is damaged: {exc}") from exc
    for record in records:
        if isinstance(record, ndef.TextRecord):
            text = record.text.strip()
            if not text or len(text) > MAX_PATRON_ID or not text.isprintable():
                raise RemoteProtocolError("card's NDEF text record does not hold a patron id")
            return text
    kinds = ", ".join(sorted({r.type for r in records})) or "none"
    raise RemoteProtocolError(f"card has no NDEF text record (records: {kinds})")


@dataclass
class PresenceTracker:
    """Turns repeated sightings into presentations: the same card seen again
    within ``removal_time`` seconds of the last sighting is the same
    presentation (cards flicker at the edge of the field)."""

    removal_time: float = 1.0
    last_id: str | None = None
    last_seen: float = float("-inf")

    def seen(self, card_id: str, now: float) -> bool:
        """Record a sighting; True when it starts a new presentation."""
        new = card_id != self.last_id or now - self.last_seen > self.removal_time
        self.last_id, self.last_seen = card_id, now
        return new


class CardReader:
    """Base class. Drivers call :meth:`_card` / :meth:`_unreadable`."""

    family = "nfc"

    def __init__(self, name: str) -> None:
        self.name = name
        self._on_card: OnCard | None = None
        self._on_error: OnError | None = None
        self._prompts = PromptWaiters()
        self.cards = 0
        self._status_listeners: list[Callable[[SelfTestResult], None]] = []
        #: Beaten by a driver's reader thread every time round its loop (the service's watchdog).
        self.heart: Heart = NO_HEART

    def on_status(self, callback: Callable[[SelfTestResult], None]) -> None:
        """``callback(result)`` when the reader fails (unplugged) or recovers."""
        self._status_listeners.append(callback)

    def _status_changed(self, result: SelfTestResult) -> None:
        for listener in list(self._status_listeners):
            try:
                listener(result)
            except Exception:  # a listener's bug must not stop the reader
                log.exception("%s: status listener failed", self.name)

    def start(self, on_card: OnCard, on_error: OnError | None = None) -> None:
        self._on_card, self._on_error = on_card, on_error
        self._start()

    def stop(self) -> None:
        self._on_card = self._on_error = None
        self._stop()

    def close(self) -> None:
        self.stop()

    def self_test(self) -> SelfTestResult:
        return SelfTestResult.passed(f"{self.name}: ready")

    @property
    def running(self) -> bool:
        return False

    def wait_for_card(self, timeout: float) -> str | None:
        """Block up to ``timeout`` s for the next card (``kiosk diag`` prompt,
        staff's tap test). While it waits, cards go to it and not to ``on_card``."""
        return self._prompts.wait(timeout, self.running, self._start,
                                  lambda: None if self._on_card is not None else self._stop())

    def _start(self) -> None:
        """Begin reading cards."""

    def _stop(self) -> None:
        """Stop reading cards; returns within a few seconds."""

    def _card(self, patron_id: str) -> None:
        self.cards += 1
        if self._prompts.offer(patron_id):
            return  # a tap test (diag, staff mode) is waiting: the card is for it, not a patron session
        self._call(self._on_card, patron_id)

    def _unreadable(self, reason: str) -> None:
        log.info("%s: card not usable: %s", self.name, reason)
        self._call(self._on_error, reason)

    def _call(self, callback: Callable[[str], None] | None, value: str) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # the handler's bug must not stop the reader
            log.exception("%s: card handler failed", self.name)


def option(options: dict[str, Any], name: str, default: Any) -> Any:
    value = options.get(name, default)
    return default if value is None else value

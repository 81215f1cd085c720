"""The kiosk's error hierarchy: every error says whose fault it is.

Caught at one boundary (the circulation core for patron-facing work, the CLI
for staff commands), where it becomes a clear message, never a traceback.

    KioskError
    ├── LocalProtocolError    we built something the protocol forbids (our bug)
    ├── RemoteProtocolError   the ILS or a device sent something malformed
    ├── TransportError        the link failed: closed, refused, reset
    │   ├── TransportTimeout      no answer within the deadline
    │   └── UnknownOutcome        a state-changing request timed out; its
    │                             effect on the ILS is not known
    ├── DeviceError           a hardware adapter failed (open, I/O, status)
    │   └── TagError              one RFID tag failed (gone, no answer, write)
    └── ConfigError           the station's configuration is invalid
"""

from __future__ import annotations


class KioskError(Exception):
    """Base of every error the kiosk raises on purpose."""


class LocalProtocolError(KioskError):
    """We tried to build or send something the protocol does not allow."""


class RemoteProtocolError(KioskError):
    """The peer (ILS, reader, printer) sent bytes we cannot make sense of."""


class FieldError(ValueError):
    """One SIP2 field's text cannot be converted; the codec wraps it with
    context (a :class:`RemoteProtocolError` naming the message)."""


class TransportError(KioskError):
    """The connection failed: refused, reset, closed or unreachable."""


class TransportTimeout(TransportError):
    """No reply arrived within the deadline."""


class UnknownOutcome(TransportTimeout):
    """A request that changes ILS state (checkout, checkin, renew, fee paid)
    was sent but no reply arrived, so whether it took effect is unknown.

    The circulation core must reconcile it (item information, 17) before it
    tells the patron anything.
    """

    def __init__(self, message: str, request: object | None = None) -> None:
        super().__init__(message)
        self.request = request


class DeviceError(KioskError):
    """A hardware adapter failed; ``device`` names it (e.g. ``"rfid"``)."""

    def __init__(self, message: str, device: str | None = None) -> None:
        super().__init__(message)
        self.device = device


class TagError(DeviceError):
    """One RFID tag failed; ``uid`` is its ISO 15693 UID when known."""

    def __init__(self, message: str, uid: bytes | None = None, device: str | None = "rfid") -> None:
        super().__init__(message, device)
        self.uid = uid


class ConfigError(KioskError):
    """The configuration is invalid; ``errors`` lists every problem as
    ``section.key: message`` lines, all of them at once."""

    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = list(errors)

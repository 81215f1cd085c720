"""What the SIP2 client needs to know: where the ILS is, how to log in, how it
frames and checks messages, and how long to wait (``[sip2]`` and ``[station]``
of the config); and the default way to reach it, TCP or TLS.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from kiosk.errors import LocalProtocolError
from kiosk.sip2.transport import open_tcp

TYPE_CHECKING = False   # typing is not imported at run time: see kiosk/sip2/__init__.py
if TYPE_CHECKING:  # the protocol layer reads the config but never loads it
    from kiosk.config import Config
    from kiosk.sip2.transport import Transport

__all__ = ["SIP2Settings", "tcp_transport", "NB_DUE_DATES"]

# The 18-character "nb due date" of checkout (11) and renew (29) when the
# caller gives none (3M SIP2 2.00): the transaction date, which every server
# parses and reads only with no block = Y (Evergreen's ILS.pm, Koha), or
# blanks for a server that wants them. Strict servers hang up on blanks.
NB_DUE_DATES = ("transaction-date", "blank")


@dataclass
class SIP2Settings:
    """Everything the client needs; ``from_config`` reads ``[sip2]`` and ``[station]``."""

    host: str = "127.0.0.1"
    port: int = 6001
    tls: bool = False
    tls_verify: bool = True
    cafile: str = ""
    username: str = ""
    password: str = field(default="", repr=False)
    institution_id: str = ""
    location_code: str = ""
    encoding: str = "cp850"
    terminator: str = "cr"
    checksums: bool = True
    connect_timeout: float = 5.0
    read_timeout: float = 10.0
    retries: int = 3
    keepalive_interval: float = 60.0
    reconnect_interval: float = 5.0
    terminal_password: str = field(default="", repr=False)
    honour_acs_timeout: bool = True  # wait at least the 98's timeout period (off: read_timeout is exact)
    acs_timeout_margin: float = 5.0  # ... but at most this many seconds more than read_timeout
    nb_due_date: str = "transaction-date"  # what checkout/renew send when no due date is given (NB_DUE_DATES)
    max_bad_frames: int = 10  # stale or unexpected replies in a row before the connection is cut

    def __post_init__(self) -> None:
        if self.nb_due_date not in NB_DUE_DATES:
            raise LocalProtocolError(f"nb_due_date {self.nb_due_date!r}: use one of {', '.join(NB_DUE_DATES)}")

    @classmethod
    def from_config(cls, cfg: Config) -> "SIP2Settings":
        sip, station = cfg.sip2, cfg.station
        return cls(
            host=sip.host, port=sip.port, tls=sip.tls, tls_verify=sip.tls_verify, cafile=sip.cafile,
            username=sip.username, password=sip.password, institution_id=station.institution_id,
            location_code=sip.location_code or station.location_code,
            encoding=sip.encoding, terminator=sip.terminator, checksums=sip.checksums,
            connect_timeout=sip.connect_timeout, read_timeout=sip.read_timeout, retries=sip.retries,
            keepalive_interval=sip.keepalive_interval, reconnect_interval=sip.reconnect_interval,
            terminal_password=sip.terminal_password, acs_timeout_margin=sip.acs_timeout_margin,
            nb_due_date=sip.nb_due_date, max_bad_frames=sip.max_bad_frames,
        )


def tcp_transport(settings: SIP2Settings) -> Transport:
    """The default transport factory: TCP, or TLS when ``settings.tls``."""
    return open_tcp(settings.host, settings.port, timeout=settings.connect_timeout, tls=settings.tls,
                    tls_verify=settings.tls_verify, cafile=settings.cafile or None)

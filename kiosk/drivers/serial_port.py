"""Opening a serial port (or a pyserial URL) without leaking it on failure.

``serial.serial_for_url`` opens the port inside the constructor. When the open
fails half-way, e.g. a ``socket://`` reader that accepts the connection and
resets it while pyserial flushes the input buffer, the half-open instance and
its socket stay alive for as long as the exception's traceback does (drivers
keep the last error for diagnostics). :func:`open_port` closes what it opened
before letting the error go.
"""

from __future__ import annotations

import errno
from typing import Any

import serial


class PortBusy(serial.SerialException):
    """Another program holds the port (it was opened exclusively)."""


def open_port(url: str, **settings: Any) -> serial.SerialBase:
    """Open ``url`` (a device path or a pyserial URL) with ``settings``.

    Raises what pyserial raises (``SerialException``, ``ValueError``,
    ``OSError``), or :class:`PortBusy` when ``exclusive=True`` and another
    program has the port; nothing is left open when it does.
    """
    port = serial.serial_for_url(url, do_not_open=True, **settings)
    try:
        port.open()
    except BaseException as exc:
        try:
            port.close()
        except Exception:  # closing a half-open port: the first error is the one to report
            pass
        if isinstance(exc, serial.SerialException) and exc.errno in (errno.EAGAIN, errno.EWOULDBLOCK):
            busy = PortBusy(f"{url} is busy: another program has it open (is the kiosk or the return bin running?)")
            busy.errno = exc.errno      # as pyserial's own error carries it
            raise busy from exc
        raise
    return port

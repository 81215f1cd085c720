"""systemd readiness and watchdog notification (sd_notify(3)), without libsystemd.

With ``Type=notify`` systemd passes ``NOTIFY_SOCKET`` (a unix datagram socket,
``@`` meaning the abstract namespace) and, with ``WatchdogSec=``,
``WATCHDOG_USEC``. Outside systemd every call is a cheap no-op.

``WATCHDOG_PID`` names the process systemd expects the pings from: the unit's
main process. ``kiosk.service`` runs the kiosk inside the ``cage`` compositor
(cage is the main process and ``NotifyAccess=all`` lets its child notify), so
``kiosk run`` also accepts its parent's pid there (``accept_parent``).
"""

from __future__ import annotations

import os
import socket


class SystemdNotifier:
    def __init__(self, environ: dict[str, str] | None = None, *, accept_parent: bool = False) -> None:
        env = os.environ if environ is None else environ
        address = env.get("NOTIFY_SOCKET", "")
        self._address = "\0" + address[1:] if address.startswith("@") else address
        usec = env.get("WATCHDOG_USEC", "")
        pid = env.get("WATCHDOG_PID", "")
        own = not pid or pid == str(os.getpid()) or (accept_parent and pid == str(os.getppid()))
        #: Seconds between watchdog pings systemd expects (half its timeout), or None.
        self.watchdog_interval = int(usec) / 2_000_000 if usec.isdigit() and own and int(usec) > 0 else None

    @property
    def enabled(self) -> bool:
        return bool(self._address)

    def notify(self, *assignments: str) -> bool:
        """Send ``READY=1``-style lines; True if a socket took them."""
        if not self._address:
            return False
        message = "\n".join(assignments).encode("utf-8")
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM) as sock:
            try:
                sock.connect(self._address)
                sock.sendall(message)
            except OSError:
                return False
        return True

    def ready(self, status: str = "") -> bool:
        return self.notify("READY=1", *([f"STATUS={status}"] if status else []))

    def status(self, status: str) -> bool:
        return self.notify(f"STATUS={status}")

    def watchdog(self) -> bool:
        return self.notify("WATCHDOG=1")

    def stopping(self) -> bool:
        return self.notify("STOPPING=1")

"""systemd's side of sd_notify(3) for the system tests: an AF_UNIX datagram
socket (abstract namespace, so no path length or clean-up trouble) that a
service started with ``NOTIFY_SOCKET=@name`` writes READY=1, STATUS=,
WATCHDOG=1 and STOPPING=1 to. Every datagram is kept with the time it arrived."""

from __future__ import annotations

import socket
import threading
import time
import uuid


class NotifyListener:
    def __init__(self) -> None:
        self.name = f"kiosk-test-notify-{uuid.uuid4().hex}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + self.name)
        self.sock.settimeout(0.1)
        self.messages: list[tuple[float, str]] = []   # (time.monotonic(), one assignment line)
        self._lock = threading.Lock()
        self._halt = threading.Event()
        self._thread = threading.Thread(target=self._receive, name="notify-listener", daemon=True)
        self._thread.start()

    @property
    def address(self) -> str:
        """The value for NOTIFY_SOCKET."""
        return "@" + self.name

    def _receive(self) -> None:
        while not self._halt.is_set():
            try:
                data = self.sock.recv(4096)
            except socket.timeout:
                continue
            except OSError:
                return
            now = time.monotonic()
            with self._lock:
                self.messages.extend((now, line) for line in data.decode("utf-8").splitlines())

    def lines(self, prefix: str = "") -> list[tuple[float, str]]:
        with self._lock:
            return [(t, line) for t, line in self.messages if line.startswith(prefix)]

    def count(self, line: str) -> int:
        return len(self.lines(line))

    def statuses(self) -> list[str]:
        return [line[len("STATUS="):] for _, line in self.lines("STATUS=")]

    def close(self) -> None:
        self._halt.set()
        self._thread.join(2)
        self.sock.close()

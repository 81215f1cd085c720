"""An ESC/POS printer emulator: records every byte printed and answers DLE
EOT n real-time status queries from a settable state, like an Epson
TM-series printer. Served on a loopback TCP port (:class:`TcpPrinter`, a
JetDirect-style raw port) or the far end of a pty (:class:`PtyPrinter`), it
lets tests, ``kiosk diag`` rehearsals and the demo drive the real network
and serial backends without hardware.
"""

from __future__ import annotations

import os
import select
import socket
import threading
from dataclasses import dataclass, field

from kiosk.drivers.printer.status import PrinterStatus, encode_status


@dataclass
class PrinterEmulator:
    state: PrinterStatus = field(default_factory=PrinterStatus)
    received: bytearray = field(default_factory=bytearray)
    queries: list[int] = field(default_factory=list)
    answer: bool = True
    garbage: bytes | None = None   # sent instead of a status byte
    _pending: bytes = b""

    def feed(self, data: bytes) -> bytes:
        """Bytes in from the host; returns the printer's replies."""
        data = self._pending + data
        self._pending = b""
        reply = bytearray()
        i = 0
        while i < len(data):
            if data[i:i + 2] == b"\x10\x04":
                if i + 2 >= len(data):
                    self._pending = data[i:]
                    break
                n = data[i + 2]
                self.queries.append(n)
                if self.garbage is not None:
                    reply += self.garbage
                elif self.answer:
                    reply.append(encode_status(self.state)[n])
                i += 3
                continue
            self.received.append(data[i])
            i += 1
        return bytes(reply)


class TcpPrinter:
    """Listens on 127.0.0.1:0; one connection at a time, like a JetDirect port."""

    def __init__(self, host: str = "127.0.0.1", port: int = 0) -> None:
        self.emulator = PrinterEmulator()
        self.server = socket.create_server((host, port))
        self.port = self.server.getsockname()[1]
        self._halt = threading.Event()
        self.connections = 0
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._halt.is_set():
            if not select.select([self.server], [], [], 0.05)[0]:
                continue
            conn, _ = self.server.accept()
            self.connections += 1
            with conn:
                while not self._halt.is_set():
                    if not select.select([conn], [], [], 0.05)[0]:
                        continue
                    data = conn.recv(4096)
                    if not data:
                        break
                    reply = self.emulator.feed(data)
                    if reply:
                        conn.sendall(reply)

    def close(self) -> None:
        self._halt.set()
        self.thread.join(timeout=2)
        self.server.close()


class PtyPrinter:
    """The printer end of a pty; the driver opens ``path``."""

    def __init__(self) -> None:
        self.emulator = PrinterEmulator()
        self.master, self.slave = os.openpty()
        self.path = os.ttyname(self.slave)
        self._halt = threading.Event()
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self) -> None:
        while not self._halt.is_set():
            if not select.select([self.master], [], [], 0.05)[0]:
                continue
            try:
                data = os.read(self.master, 4096)
            except OSError:
                return
            reply = self.emulator.feed(data)
            if reply:
                os.write(self.master, reply)

    def close(self) -> None:
        self._halt.set()
        self.thread.join(timeout=2)
        os.close(self.master)
        os.close(self.slave)

"""Transport plumbing shared by the reader emulators: a loopback TCP server
(``socket://127.0.0.1:PORT`` for pyserial) or a pseudo-terminal (a real tty
path for pyserial), each served by one bounded, stoppable thread.

A protocol emulator subclasses :class:`SerialEmulator` and implements
:meth:`feed`, a sans-I/O step: bytes from the host in, bytes to send back
out. Line faults are injected here, the same for every protocol: garbage
before the next reply, replies dropped (the reader goes silent).
"""

from __future__ import annotations

import os
import select
import socket
import threading
import time
import tty
from typing import Callable

from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.sim import make_item_tag


class SerialEmulator:
    """Base: ``start_socket()`` / ``start_pty()`` return the port for the driver."""

    name = "emulator"

    def __init__(self) -> None:
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._closers: list[Callable[[], None]] = []
        self._lock = threading.Lock()
        self._garbage = b""
        self._mute = 0
        self.requests = 0
        self.frames_in: list[bytes] = []     # every valid request frame, for tests
        #: Model a real serial line: each byte in and out takes bits/baud seconds.
        self.line_baud: int | None = None
        self.bits_per_byte = 11                # start, 8 data, parity, stop (FEIG 8E1)

    # -- the protocol step, written by subclasses --------------------------
    def feed(self, data: bytes) -> bytes:
        raise NotImplementedError

    # -- line faults ---------------------------------------------------------
    def inject_garbage(self, data: bytes) -> None:
        """Send ``data`` on the line just before the next reply."""
        with self._lock:
            self._garbage += data

    def mute(self, replies: int = 1) -> None:
        """Swallow the next ``replies`` replies (the host times out)."""
        with self._lock:
            self._mute += replies

    def _process(self, data: bytes) -> bytes:
        out = self.feed(data)
        if self.line_baud:
            time.sleep((len(data) + len(out)) * self.bits_per_byte / self.line_baud)
        if not out:
            return b""
        with self._lock:
            if self._mute > 0:                # garbage, if any, still goes out
                self._mute -= 1
                out = b""
            out, self._garbage = self._garbage + out, b""
        return out

    # -- transports --------------------------------------------------------------
    def start_socket(self, host: str = "127.0.0.1", port: int = 0) -> str:
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((host, port))
        server.listen(2)
        server.settimeout(0.05)
        self._closers.append(server.close)
        self._start(self._serve_socket, server)
        return f"socket://{host}:{server.getsockname()[1]}"

    def start_pty(self) -> str:
        master, slave = os.openpty()
        tty.setraw(master)
        tty.setraw(slave)
        path = os.ttyname(slave)
        # Keep the slave open so the master never sees EOF between host opens.
        self._closers += [lambda: os.close(master), lambda: os.close(slave)]
        self._start(self._serve_pty, master)
        return path

    def stop(self, timeout: float = 2.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
        for close in reversed(self._closers):
            try:
                close()
            except OSError:
                pass
        self._closers.clear()

    def __enter__(self) -> "SerialEmulator":
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _start(self, target: Callable[..., None], arg: object) -> None:
        if self._thread is not None:
            raise RuntimeError(f"{self.name} is already serving")
        self._thread = threading.Thread(target=target, args=(arg,), name=self.name, daemon=True)
        self._thread.start()

    def _serve_socket(self, server: socket.socket) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (socket.timeout, OSError):
                continue
            with conn:
                conn.settimeout(0.05)
                while not self._stop.is_set():
                    try:
                        data = conn.recv(4096)
                    except socket.timeout:
                        continue
                    except OSError:
                        break
                    if not data:
                        break
                    out = self._process(data)
                    if out:
                        try:
                            conn.sendall(out)
                        except OSError:
                            break

    def _serve_pty(self, master: int) -> None:
        while not self._stop.is_set():
            try:
                ready, _, _ = select.select([master], [], [], 0.05)
                if not ready:
                    continue
                data = os.read(master, 4096)
            except OSError:
                return
            out = self._process(data)
            while out and not self._stop.is_set():
                try:
                    out = out[os.write(master, out):]
                except OSError:
                    return


def serve_main(make: Callable[[TagField], SerialEmulator], scheme: str, argv: list[str] | None = None) -> int:
    """Command-line runner shared by the emulators: serve until Ctrl-C or ``--seconds``.

    Prints the device string to give the kiosk (``--device`` or config), e.g.
    ``feig:/dev/pts/3`` or ``3m810:socket://127.0.0.1:7000``.
    """
    import argparse

    parser = argparse.ArgumentParser(description=f"{scheme} reader emulator for tests and demos")
    where = parser.add_mutually_exclusive_group()
    where.add_argument("--pty", action="store_true", help="serve on a pseudo-terminal (default)")
    where.add_argument("--port", type=int, help="serve on socket://127.0.0.1:PORT instead")
    parser.add_argument("--tags", default="", help="item ids to put on the pad, comma-separated")
    parser.add_argument("--isil", default="", help="owner ISIL written into those tags")
    parser.add_argument("--airtime", action="store_true", help="take ISO 15693 air time for each command")
    parser.add_argument("--seconds", type=float, default=0, help="stop after this long (0 = until Ctrl-C)")
    args = parser.parse_args(argv)
    field = TagField(time_scale=1.0 if args.airtime else 0.0)
    for item in filter(None, (t.strip() for t in args.tags.split(","))):
        uid, data = make_item_tag(item, owner_isil=args.isil)
        field.place(uid, data)
    emulator = make(field)
    port = emulator.start_socket(port=args.port) if args.port is not None else emulator.start_pty()
    print(f"{scheme}:{port}", flush=True)
    deadline = time.monotonic() + args.seconds if args.seconds > 0 else None
    try:
        while deadline is None or time.monotonic() < deadline:
            time.sleep(0.2 if deadline is None else max(0.0, min(0.2, deadline - time.monotonic())))
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()
    return 0

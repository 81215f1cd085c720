"""An emulated sorter board on a loopback TCP port, speaking the line protocol
of :mod:`kiosk.drivers.sorter.serial_board`; the driver reaches it through
pyserial's ``socket://127.0.0.1:PORT`` URL. For tests, benchmarks and demos."""

from __future__ import annotations

import socket
import threading


class SorterBoardEmulator:
    def __init__(self, bins: list[str], capacity: int = 0, host: str = "127.0.0.1", port: int = 0) -> None:
        self.bins = list(bins)
        self.capacity = capacity
        self.counts = {b: 0 for b in bins}
        self.routed: list[str] = []
        self.jam_next = False
        self.garbage_next = False
        self._lock = threading.Lock()
        self._server = socket.create_server((host, port))
        self._server.settimeout(0.2)
        self._stop = threading.Event()
        self._conn: socket.socket | None = None
        self._threads: list[threading.Thread] = []

    @property
    def url(self) -> str:
        host, port = self._server.getsockname()[:2]
        return f"socket://{host}:{port}"

    def start(self) -> "SorterBoardEmulator":
        thread = threading.Thread(target=self._accept, name="sorter-emulator", daemon=True)
        thread.start()
        self._threads.append(thread)
        return self

    def stop(self) -> None:
        self._stop.set()
        if self._conn is not None:
            self._conn.close()
        self._server.close()
        for thread in self._threads:
            thread.join(2)

    def __enter__(self) -> "SorterBoardEmulator":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _state(self, bin_name: str) -> str:
        return "full" if self.capacity and self.counts[bin_name] >= self.capacity else "ok"

    def empty(self, bin_name: str) -> None:
        """Staff empties a bin: the board says so unprompted."""
        with self._lock:
            self.counts[bin_name] = 0
        self._send(f"EVT EMPTY {bin_name}")

    def _send(self, line: str) -> None:
        if self._conn is not None:
            try:
                self._conn.sendall(line.encode("ascii") + b"\n")
            except OSError:
                pass

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self._server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            conn.settimeout(0.2)
            self._conn = conn
            self._serve(conn)

    def _serve(self, conn: socket.socket) -> None:
        buffer = b""
        while not self._stop.is_set():
            try:
                chunk = conn.recv(1024)
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if not chunk:
                return
            buffer += chunk
            while b"\n" in buffer:
                raw, _, buffer = buffer.partition(b"\n")
                for reply in self._answer(raw.decode("ascii", "replace").strip()):
                    self._send(reply)

    def _answer(self, line: str) -> list[str]:
        if self.garbage_next:
            self.garbage_next = False
            return ["\x07#@!garbage", *self._answer(line)]
        command, _, argument = line.partition(" ")
        with self._lock:
            if command == "PING":
                return ["OK PONG"]
            if command == "BINS":
                return ["OK BINS " + ",".join(self.bins)]
            if command == "STATUS":
                return ["OK STATUS " + ",".join(f"{b}={self._state(b)}" for b in self.bins)]
            if command == "RESET" and argument in self.counts:
                self.counts[argument] = 0
                return [f"OK RESET {argument}"]
            if command == "ROUTE":
                if argument not in self.counts:
                    return [f"ERR BIN {argument}"]
                if self.jam_next:
                    self.jam_next = False
                    return ["EVT JAM", "ERR JAM"]
                if self._state(argument) == "full":
                    return [f"ERR FULL {argument}"]
                self.counts[argument] += 1
                self.routed.append(argument)
                # Events a command causes come before its reply (protocol rule).
                full = [f"EVT FULL {argument}"] if self._state(argument) == "full" else []
                return [*full, f"OK ROUTE {argument}"]
        return [f"ERR UNKNOWN {command}"]

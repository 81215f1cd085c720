"""A real webhook receiver on 127.0.0.1 that can go down and come back on the
same port, lose a reply, and dedupe by idempotency key like a careful receiver."""

from __future__ import annotations

import http.server
import json
import socket
import threading
import time
from typing import Any, Callable


class Receiver:
    def __init__(self) -> None:
        self.posts: list[dict[str, Any]] = []        # every POST body received, duplicates included
        self.headers: list[str] = []                  # the Idempotency-Key header of each
        self.lose_reply_next = 0                      # record, then hang up without answering
        self.lock = threading.Lock()
        self.port = 0
        self._server: http.server.ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    def up(self) -> "Receiver":
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", "0"))))
                with owner.lock:
                    owner.posts.append(body)
                    owner.headers.append(self.headers.get("Idempotency-Key", ""))
                    lose = owner.lose_reply_next > 0
                    owner.lose_reply_next -= lose
                if lose:  # the event arrived but the sender never hears so: it must retry
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self._server.daemon_threads = True
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                                        daemon=True)
        self._thread.start()
        return self

    def down(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            assert self._thread is not None
            self._thread.join(5)
            self._server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook?token=s3cret"

    def unique(self) -> list[dict[str, Any]]:
        """What a receiver that drops duplicates by idempotency key keeps, in arrival order."""
        seen: set[str] = set()
        out = []
        with self.lock:
            for body in self.posts:
                if body["idempotency_key"] not in seen:
                    seen.add(body["idempotency_key"])
                    out.append(body)
        return out

    def names(self) -> list[str]:
        return [body["event"] for body in self.unique()]


def wait_until(condition: Callable[[], object], timeout: float = 15.0) -> bool:
    """Poll ``condition`` until true or ``timeout`` (a bound, not a measurement)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.02)
    return bool(condition())



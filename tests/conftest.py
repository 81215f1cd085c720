"""Shared fixtures and the hypothesis profiles. A loopback HTTP server that records webhook POSTs (and can fail on purpose)."""

from __future__ import annotations

import http.server
import json
import logging
import os
import threading
from typing import Any, Iterator

import pytest
from hypothesis import settings

# Property tests run on fixed examples by default, so a CI run is reproducible
# and cannot fail on a newly drawn example. `HYPOTHESIS_PROFILE=explore` draws
# fresh random examples (run it locally to hunt for new failures).
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


class WebhookCapture:
    def __init__(self) -> None:
        self.events: list[dict[str, Any]] = []
        self.fail_next = 0          # answer 503 to this many POSTs first
        self.lock = threading.Lock()
        owner = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                with owner.lock:
                    failing = owner.fail_next > 0
                    if failing:
                        owner.fail_next -= 1
                    else:
                        owner.events.append(json.loads(body))
                self.send_response(503 if failing else 204)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/hook"

    def names(self) -> list[str]:
        with self.lock:
            return [e["event"] for e in self.events]


@pytest.fixture
def webhook_capture() -> Iterator[WebhookCapture]:
    capture = WebhookCapture()
    capture.thread.start()
    yield capture
    capture.server.shutdown()
    capture.server.server_close()
    capture.thread.join(5)


@pytest.fixture(autouse=True)
def root_logging_restored() -> Iterator[None]:
    """Each test leaves the root logger as it found it. A test that runs
    ``kiosk.cli.main`` in-process installs the command's stdout handler there,
    bound to that test's captured stdout; left behind, every later warning
    (a station thread going offline in another test) ends in
    "--- Logging error ---" once that capture is closed."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    for handler in list(root.handlers):
        if handler not in handlers:
            root.removeHandler(handler)
    root.setLevel(level)

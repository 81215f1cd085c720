"""The reader thread of a scanner or card reader: started once, stopped with
a bounded join, safe to stop from the thread itself (a callback that stops
the device must not join its own thread)."""

from __future__ import annotations

import threading
from typing import Callable


class ReaderThread:
    def __init__(self, target: Callable[[], None], name: str) -> None:
        self._target = target
        self.name = name
        #: Set to ask the loop to end; the loop polls it between reads.
        self.halt = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if not self.running:
            self.halt.clear()
            self._thread = threading.Thread(target=self._target, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, join_timeout: float = 2.0) -> None:
        self.halt.set()
        thread, self._thread = self._thread, None
        if thread is not None and thread is not threading.current_thread():
            thread.join(timeout=join_timeout)

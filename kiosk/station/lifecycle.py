"""Start-up, recovery and shutdown of the station, on its worker thread.

Start-up: connect to the ILS (offline if it cannot), settle the journal's
unfinished entries, hold new transactions back while offline entries wait,
announce devices that failed to open, then start the devices, whose input
comes back to the worker as actions (:class:`PadChanged`, :class:`Scanned`,
:class:`Identify` from the NFC reader). Then the ``on_started`` hooks run
(monitoring starts serving once the link and the devices can be reported
truly) and :attr:`Lifecycle.started` is set.
"""

from __future__ import annotations

import logging
import threading
from typing import Callable

from kiosk.drivers.rfid.events import PadWatcher
from kiosk.services.devices import Devices
from kiosk.services.link import ILSLink
from kiosk.station.actions import Action, Identify, PadChanged, Scanned
from kiosk.station.ports import DeviceChangedFn
from kiosk.store.journal import Journal
from kiosk.store.recovery import Recovery, RecoveryReport
from kiosk.tags.security import SecurityPolicy

log = logging.getLogger(__name__)

__all__ = ["Lifecycle"]



class Lifecycle:
    """``post(action)``: queue an action for the worker (device callbacks);
    ``end_any_session()``: end the session the station is stopping under;
    ``recover_at_start``: settle the journal at start-up and when the ILS is back."""

    def __init__(self, link: ILSLink, journal: Journal, devices: Devices, policy: SecurityPolicy, *,
                 end_any_session: Callable[[], None], watcher: PadWatcher | None, post: Callable[[Action], None],
                 device_changed: DeviceChangedFn, recover_at_start: bool) -> None:
        self.link = link
        self.journal = journal
        self.devices = devices
        self.policy = policy
        self.end_any_session = end_any_session
        self.watcher = watcher
        self.post = post
        self.device_changed = device_changed
        self.recover_at_start = recover_at_start
        self.started = threading.Event()
        self.last_recovery: RecoveryReport | None = None
        #: Called on the worker at the end of start-up, before ``started`` is set.
        self.on_started: list[Callable[[], None]] = []

    def startup(self) -> None:
        self.link.connect()
        if self.recover_at_start:
            self.recover()
        self.link.serve()
        for family, error in self.devices.errors.items():
            self.device_changed(family, False, error)
        self._start_devices()
        for hook in self.on_started:
            try:
                hook()
            except Exception:  # monitoring trouble must not keep the kiosk down
                log.exception("start-up hook failed")
        self.started.set()

    def recover(self, min_age: float = 0.0) -> None:
        """Settle unfinished journal entries (start-up, and again when the ILS is
        back: entries that waited for it). Runs on the worker, between stacks."""
        if not self.journal.unfinished():
            return
        client = None if self.link.offline else self.link.client
        try:
            self.last_recovery = Recovery(self.journal, client, self.devices.rfid, self.policy,
                                          min_age=min_age).run()
        except Exception:  # recovery trouble must not keep the kiosk down; entries stay unfinished
            log.exception("journal recovery failed")

    def _start_devices(self) -> None:
        post = self.post
        if self.watcher is not None:
            self.watcher.start(lambda event: post(PadChanged(event)))
        if self.devices.scanner is not None:
            self.devices.scanner.start(lambda code: post(Scanned(code)))
        if self.devices.nfc is not None:
            self.devices.nfc.start(lambda card: post(Identify(card, "nfc")))

    def shutdown(self) -> None:
        self.end_any_session()
        if self.devices.scanner is not None:
            self.devices.scanner.stop()
        if self.devices.nfc is not None:
            self.devices.nfc.stop()
        if self.watcher is not None:
            self.watcher.stop()

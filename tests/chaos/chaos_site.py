"""A library under chaos: the ILS, a station, a return bin, the desk, the
patrons, and where every book physically is (``where``: the patron who has
it, or None for "in the building"). :mod:`chaos_sessions` plays sessions on
it; :mod:`chaos_truths` compares what the systems say with where books are.

What patrons do is fixed here, since the check depends on it: a patron takes
away what the station said was borrowed and leaves the rest; returns, at the
station or the bin, stay in the building whatever the kiosk answered. When a
kiosk dies mid-session, the patron either leaves at once or waits for it to
come back, then walks out through the gate: a book whose tag reads "on
loan" goes with them, a secured one sets off the gate and stays.
"""

from __future__ import annotations

import random
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from chaos_world import (ILSHost, Kiosk, Tags, chaos_data, returnbin_command, station_command)
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED

SIP2 = """[sip2]
host = "127.0.0.1"
port = {port}
username = "kiosk"
password = "kiosk-pass"
encoding = "utf-8"
connect_timeout = 0.5
read_timeout = 0.5
retries = 1
reconnect_interval = 0.2
keepalive_interval = 0

[offline]
replay_interval = 0.2
max_items = 100
loan_days = 21
"""

STATION = """[station]
institution_id = "DEMO"
data_dir = "{data}"

[receipt]
default = "none"

[devices.rfid]
write_retries = 1
""" + SIP2

RETURNBIN = """[station]
mode = "returnbin"
institution_id = "DEMO"
data_dir = "{data}"

[devices.rfid]
driver = "feig:{url}"
poll_interval = 0.05
write_retries = 1
timeout = 1.0

[devices.sorter]
driver = "sim"

[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"
""" + SIP2


@dataclass
class Counters:
    sessions: int = 0
    kills: int = 0
    restarts: int = 0
    runs: int = 0
    outages: int = 0
    ils_restarts: int = 0
    desk_moves: int = 0
    desk_checkins: int = 0
    borrowed: int = 0
    returned: int = 0
    binned: int = 0
    failed_writes: int = 0
    lifted: int = 0
    flagged: int = 0
    uncertain: int = 0


class Site:
    """The world of one chaos run (see the module docstring)."""

    def __init__(self, folder: Path, seed: int, *, items: int = 40, patrons: int = 8, out_overdue: int = 8,
                 kill_rate: float = 0.25) -> None:
        self.folder = folder
        self.rng = random.Random(seed)
        self.kill_rate = kill_rate
        data = chaos_data(items, patrons, out_overdue)
        self.items = [i.id for i in data.items]
        self.patrons = [p.id for p in data.patrons]
        self.ils = ILSHost(folder, data, seed)
        self.where: dict[str, str | None] = {item: self.ils.holder(item) for item in self.items}
        self.initial = dict(self.where)
        self.tags = Tags(self.items, {i for i, who in self.where.items() if who})
        self.station = Kiosk("station", folder, station_command, self._config(STATION), stops_on_sigterm=False)
        self.bin = Kiosk("returnbin", folder, returnbin_command, self._config(RETURNBIN), stops_on_sigterm=True)
        self.ledger: list[tuple[float, str, str | None]] = []   # desk: (time, item, holder after)
        self.quarantine: set[str] = set()                       # flagged: waiting for staff
        self.renewals = {item: 0 for item in self.items}
        self.counters = Counters()
        self._count = threading.Lock()
        self._notes = open(folder / "harness.log", "a", encoding="utf-8")

    def note(self, text: str) -> None:
        """The harness's own log (what patrons and staff did), beside the kiosks' logs."""
        with self._count:
            self._notes.write(f"{time.time():.6f} {text}\n")
            self._notes.flush()

    def _config(self, template: str):  # type: ignore[no-untyped-def]
        def write(path: Path, url: str) -> None:
            data = self.folder / path.stem
            path.write_text(template.format(port=self.ils.port, data=data, url=url), encoding="utf-8")
        return write

    def start(self) -> None:
        self.station.start()
        self.bin.start()

    def close(self) -> None:
        for kiosk in (self.station, self.bin):
            kiosk.close()
        self.ils.close()
        self._notes.close()

    # -- bookkeeping --------------------------------------------------------------------
    def count(self, name: str, n: int = 1) -> None:
        with self._count:
            setattr(self.counters, name, getattr(self.counters, name) + n)

    def in_library(self) -> list[str]:
        return [i for i in self.items if self.where[i] is None and i not in self.quarantine
                and self.tags.where[i] is None]

    def held(self) -> dict[str, list[str]]:
        out: dict[str, list[str]] = {}
        for item, who in self.where.items():
            if who is not None and item not in self.quarantine:
                out.setdefault(who, []).append(item)
        return out

    def note_flags(self) -> None:
        """Books flagged for staff wait at the desk until staff settle them."""
        for kiosk in (self.station, self.bin):
            for entry in kiosk.journal.conflicts():
                if entry.item_id:
                    self.quarantine.add(entry.item_id)

    def desk(self, item: str, patron: str | None) -> None:
        """Staff at the desk: check the item in, and lend it to ``patron`` if given."""
        if patron is None:
            self.ils.desk.check_in(item)
        else:
            self.ils.desk.move(item, patron)
        self.ledger.append((time.time(), item, patron))
        self.note(f"desk {item} -> {patron}")
        self.tags.set_afi(item, AFI_ON_LOAN if patron else AFI_SECURED)
        self.where[item] = patron

    # -- killing ------------------------------------------------------------------------
    def arm(self, kiosk: Kiosk) -> threading.Timer | None:
        """Maybe SIGKILL ``kiosk`` at a random moment of the coming session."""
        if self.rng.random() >= self.kill_rate:
            return None
        timer = threading.Timer(self.rng.uniform(0.0, 0.2), self._kill, args=(kiosk,))  # sessions are short now that tags check out as they are read
        timer.daemon = True
        timer.start()
        return timer

    def _kill(self, kiosk: Kiosk) -> None:
        if kiosk.alive and kiosk.proc is not None:
            kiosk.proc.kill()
            self.count("kills")
            self.note(f"SIGKILL {kiosk.name}")

    @staticmethod
    def disarm(timer: threading.Timer | None) -> None:
        if timer is not None:
            timer.cancel()
            timer.join(5)

    def revive(self, kiosk: Kiosk) -> None:
        kiosk.kill()        # reap it, free its reader
        kiosk.start()
        self.count("restarts")
        self.note(f"{kiosk.name} restarted")

    def walk_out(self, items: list[str], patron: str | None) -> None:
        """Through the gate: an on-loan tag goes with ``patron``; a secured one stays."""
        for item in items:
            afi = self.tags.take(item)
            self.where[item] = patron if patron is not None and afi == AFI_ON_LOAN else None
            self.note(f"{item} AFI 0x{afi:02X} -> {self.where[item]}")

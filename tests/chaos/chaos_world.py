"""The world a chaos run plays in: the ILS simulator with its store on disk
(restartable, with its fault injection and its desk), the tags (their AFI
kept when they leave a reader), and the two kiosk processes (a station
driven over stdin/stdout, the real ``kiosk returnbin`` service) that the
harness SIGKILLs at random. Readers are FEIG emulators in this process over
loopback sockets, on :class:`~kiosk.drivers.rfid.field.TagField` s that
outlive every kill.

Everything is bounded: every wait has a deadline, every process is killed
and reaped on the way out, only 127.0.0.1 is used.
"""

from __future__ import annotations

import dataclasses
import json
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.field import TagField
from kiosk.drivers.rfid.sim import make_item_tag
from kiosk.sip2.ils import ILSSimulator, load_data
from kiosk.sip2.ils.data import Item, Loan, Patron, SeedData
from kiosk.sip2.ils.desk import Desk
from kiosk.sip2.ils.faults import Faults
from kiosk.store.journal import Journal
from kiosk.tags import AFI_ON_LOAN, AFI_SECURED, dsfid_for

ROOT = Path(__file__).resolve().parents[2]


def _die_with_parent() -> None:
    """In the child, before exec: SIGKILL it if the harness dies (Linux prctl
    PR_SET_PDEATHSIG), so an interrupted run leaves no kiosk behind."""
    import ctypes

    ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGKILL)
PIN = "1234"
DEAD = {"ev": "dead"}


def chaos_data(items: int, patrons: int, out_overdue: int) -> SeedData:
    """The demo library's rules with chaos patrons (PIN 1234) and books; the
    first ``out_overdue`` books start on loan and overdue."""
    base = load_data(None)
    people = tuple(Patron(id=f"2200000000{n:04d}", name=f"Patron {n}", pin=PIN, charged_limit=999,
                          overdue_limit=999) for n in range(patrons))
    books = tuple(Item(id=f"3200000000{n:04d}", title=f"Book {n}") for n in range(items))
    loans = tuple(Loan(item=books[i].id, patron=people[i % patrons].id, due_in_days=-2, checked_out_days_ago=23)
                  for i in range(out_overdue))
    return dataclasses.replace(base, patrons=people, items=books, loans=loans, holds=(), fines=())


class ILSHost:
    """The simulator, restartable on the same port and database file."""

    def __init__(self, folder: Path, data: SeedData, seed: int) -> None:
        self.db_path = folder / "ils.sqlite3"
        self.data = data
        self.faults = Faults(seed=seed)
        self.port = 0
        self.down = False
        self.sim = self._start()

    def _start(self) -> ILSSimulator:
        sim = ILSSimulator(data=self.data, db_path=self.db_path, port=self.port, faults=self.faults,
                           encoding="utf-8", idle_timeout=60.0)
        sim.start()
        self.port = sim.port
        if self.down:
            sim.set_down(True)
        return sim

    def restart(self) -> None:
        self.sim.close()
        deadline = time.monotonic() + 10
        while True:
            try:
                self.sim = self._start()
                return
            except Exception:  # the port may linger a moment after close
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def set_down(self, down: bool) -> None:
        self.down = down
        self.sim.set_down(down)

    @property
    def desk(self) -> Desk:
        return Desk(self.sim.circulation)

    def holder(self, item: str) -> str | None:
        loan = self.sim.store.loan(item)
        return loan.patron if loan else None

    def renewals(self, item: str) -> int:
        loan = self.sim.store.loan(item)
        return loan.renewals if loan else 0

    def close(self) -> None:
        self.sim.close()


@dataclass
class Tag:
    uid: bytes
    data: bytes
    afi: int


class Tags:
    """Every book's tag; on a reader's field, or off it with the AFI it left with."""

    def __init__(self, items: list[str], on_loan: set[str]) -> None:
        self.tags = {}
        for item in items:
            uid, data = make_item_tag(item)
            self.tags[item] = Tag(uid, data, AFI_ON_LOAN if item in on_loan else AFI_SECURED)
        self.where: dict[str, TagField | None] = {item: None for item in items}
        self._lock = threading.RLock()   # a patron's hand (a timer thread) lifts tags too

    def put(self, item: str, field: TagField) -> None:
        with self._lock:
            tag = self.tags[item]
            field.place(tag.uid, tag.data, afi=tag.afi, dsfid=dsfid_for("danish"))
            self.where[item] = field

    def take(self, item: str) -> int:
        """Lift the tag off its reader (if on one); its AFI as it left."""
        with self._lock:
            field = self.where[item]
            if field is not None:
                lifted = field.lift(self.tags[item].uid)
                if lifted is not None:
                    self.tags[item].afi = lifted.afi
                self.where[item] = None
            return self.tags[item].afi

    def afi(self, item: str) -> int:
        with self._lock:
            field = self.where[item]
            if field is not None:
                on = field.get(self.tags[item].uid)
                if on is not None:
                    return on.afi
            return self.tags[item].afi

    def set_afi(self, item: str, afi: int) -> None:
        """The desk's own pad: an item lent or checked in at the desk."""
        with self._lock:
            field = self.where[item]
            if field is not None and field.get(self.tags[item].uid) is not None:
                field.write_afi(self.tags[item].uid, afi)
            self.tags[item].afi = afi


class Kiosk:
    """One kiosk process (station or return bin) over its own reader field."""

    def __init__(self, name: str, folder: Path, command: Callable[[str, str], list[str]],
                 write_config: Callable[[Path, str], None], *, stops_on_sigterm: bool) -> None:
        self.name = name
        self.folder = folder
        self.field = TagField()
        self.command = command
        self.write_config = write_config
        self.stops_on_sigterm = stops_on_sigterm   # else it stops when its stdin closes
        self.config = folder / f"{name}.toml"
        self.journal_path = folder / name / "journal.sqlite3"
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        self.proc: subprocess.Popen[str] | None = None
        self.emulator: FeigEmulator | None = None
        self.notify: socket.socket | None = None
        self._log = open(folder / f"{name}.log", "a", encoding="utf-8")
        self._journal: Journal | None = None

    @property
    def journal(self) -> Journal:
        if self._journal is None:
            self._journal = Journal(self.journal_path)
        return self._journal

    def start(self, timeout: float = 60.0) -> None:
        self.emulator = FeigEmulator(self.field)
        url = self.emulator.start_socket()
        self.write_config(self.config, url)
        address = f"@chaos-{os.getpid()}-{self.name}-{time.monotonic_ns()}"
        self.notify = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.notify.bind("\0" + address[1:])
        self.notify.settimeout(0.1)
        env = dict(os.environ, NOTIFY_SOCKET=address, PYTHONUNBUFFERED="1")
        self.events = queue.Queue()
        self.proc = subprocess.Popen(self.command(str(self.config), url), cwd=ROOT, env=env, text=True,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self._log,
                                     preexec_fn=_die_with_parent)
        threading.Thread(target=self._read, args=(self.proc,), daemon=True).start()
        deadline = time.monotonic() + timeout
        while not self._ready():
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"{self.name} did not start (see {self.folder / (self.name + '.log')})")
        # Nobody reads its status lines from here on: unbound, the socket refuses them at
        # once (a bound one left unread fills up and blocks the service's watchdog loop).
        self.notify.close()
        self.notify = None

    def _ready(self) -> bool:
        try:
            event = self.events.get(timeout=0.05)
            if event.get("ev") == "started":
                return True
        except queue.Empty:
            pass
        assert self.notify is not None
        try:
            return b"READY=1" in self.notify.recv(4096)
        except (socket.timeout, BlockingIOError):
            return False

    def _read(self, proc: subprocess.Popen[str]) -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            line = line.strip()
            if line.startswith("{"):
                self.events.put(json.loads(line))
            elif line:
                self._log.write(line + "\n")
        self.events.put(DEAD)

    @property
    def alive(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def send(self, **command: Any) -> None:
        if self.alive and self.proc is not None and self.proc.stdin is not None:
            try:
                self.proc.stdin.write(json.dumps(command) + "\n")
                self.proc.stdin.flush()
            except (BrokenPipeError, OSError):
                pass  # killed meanwhile: the session sees the process gone

    def wait(self, predicate: Callable[[dict[str, Any]], bool], timeout: float) -> dict[str, Any] | None:
        """The next event matching ``predicate``; None on timeout or death."""
        deadline = time.monotonic() + timeout
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            try:
                event = self.events.get(timeout=min(left, 0.2))
            except queue.Empty:
                continue
            if event is DEAD:
                self.events.put(DEAD)
                return None
            if predicate(event):
                return event

    def kill(self) -> None:
        if self.proc is not None:
            if self.proc.poll() is None:
                os.kill(self.proc.pid, signal.SIGKILL)
            self.proc.wait(timeout=10)
            self._close_pipes()
        self._stop_devices()

    def stop(self, timeout: float = 20.0) -> None:
        """A clean stop (end of a run, like a nightly restart); SIGKILL if it hangs."""
        if self.proc is not None and self.proc.poll() is None:
            if self.proc.stdin is not None:
                try:
                    self.proc.stdin.close()
                except OSError:
                    pass
            if self.stops_on_sigterm:
                self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._log.write(f"--- {self.name} did not stop within {timeout} s; its threads:\n")
                self._log.flush()
                self.proc.send_signal(signal.SIGUSR1)
                time.sleep(1.0)
                self.proc.kill()
                self.proc.wait(timeout=10)
        self.kill()

    def _close_pipes(self) -> None:
        assert self.proc is not None
        for pipe in (self.proc.stdin, self.proc.stdout):
            if pipe is not None:
                try:
                    pipe.close()
                except OSError:
                    pass

    def _stop_devices(self) -> None:
        if self.emulator is not None:
            self.emulator.stop()
            self.emulator = None
        if self.notify is not None:
            self.notify.close()
            self.notify = None

    def close(self) -> None:
        self.kill()
        if self._journal is not None:
            self._journal.close()
        self._log.close()


def station_command(config: str, url: str) -> list[str]:
    return [sys.executable, str(Path(__file__).with_name("chaos_station.py")), config, url]


# ``kiosk returnbin`` itself (kiosk.cli.main), with every thread's stack on SIGUSR1 for a hang.
_RETURNBIN = ("import faulthandler, signal, sys; faulthandler.register(signal.SIGUSR1); "
              "from kiosk.cli import main; sys.argv[0] = 'kiosk'; sys.exit(main())")


def returnbin_command(config: str, url: str) -> list[str]:
    return [sys.executable, "-c", _RETURNBIN, "returnbin", "--config", config]

"""A chaos run end to end, shared by the fast seeded test
(``tests/chaos/test_chaos.py``) and the long benchmark (``benchmarks/chaos.py``).

Sessions are played in runs. Within a run, at random (seeded): the ILS goes
away for a stretch of sessions (the desk still works meanwhile and moves
books whose return is queued), the ILS restarts, its replies are dropped,
lost after the work is done, garbled or given a bad checksum, tag writes fail,
tags are lifted, and the station or the return bin is SIGKILLed mid-session.
After each run everything comes back (faults off, the ILS up, both kiosks
restarted as at night), the queues drain, and the truths are compared
(:mod:`chaos_truths`); then staff settle what was flagged.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from chaos_sessions import desk_move, play
from chaos_site import Counters, Site
from chaos_truths import Finding, inspect, settle_by_staff


@dataclass
class Report:
    counters: Counters
    items: int
    seconds: float
    findings: list[Finding] = field(default_factory=list)

    def count(self, kind: str) -> int:
        return sum(1 for f in self.findings if f.kind == kind)

    def figures(self) -> str:
        c = self.counters
        return "\n".join([
            f"sessions {c.sessions} in {c.runs} runs, {self.seconds:.0f} s",
            f"kills {c.kills} (mid-session SIGKILLs of the station and the return bin); restarts {c.restarts}",
            f"items {self.items}; borrowed {c.borrowed}, returned at the station {c.returned}, "
            f"through the bin {c.binned}",
            f"ILS outages {c.outages}, ILS restarts {c.ils_restarts}; desk moves {c.desk_moves}, "
            f"desk check-ins {c.desk_checkins}; failed tag writes {c.failed_writes}, lifted tags {c.lifted}",
            f"books flagged for staff rightly {c.flagged}; flagged as uncertain (the kiosk could not know) and "
            f"fine after all {c.uncertain}",
            f"disagreements {self.count('disagreement')}, false flags {self.count('false_flag')}, "
            f"done twice {self.count('done_twice')}, unsettled {self.count('unsettled')}",
        ])


def run_chaos(folder: Path, seed: int, sessions: int, *, run_length: int = 20, kill_rate: float = 0.25,
              items: int = 40, progress: Callable[[str], None] | None = None) -> Report:
    """Play ``sessions`` sessions in runs of ``run_length``; a check after each run."""
    site = Site(folder, seed, items=items, kill_rate=kill_rate)
    started = time.monotonic()
    findings: list[Finding] = []
    try:
        site.start()
        while site.counters.sessions < sessions:
            _run(site, min(run_length, sessions - site.counters.sessions))
            found, flagged, uncertain = _check(site)
            findings += found
            site.count("flagged", flagged)
            site.count("uncertain", uncertain)
            if progress is not None:
                progress(f"run {site.counters.runs}: {site.counters.sessions} sessions, {site.counters.kills} kills, "
                         f"{flagged} flagged, findings: {[str(f) for f in found] or 'none'}")
    finally:
        site.close()
    return Report(site.counters, len(site.items), time.monotonic() - started, findings)


def _run(site: Site, length: int) -> None:
    rng, faults = site.rng, site.ils.faults
    faults.clear()
    if rng.random() < 0.8:
        faults.set(drop=rng.choice((0, 0.02, 0.04)), lost_reply=rng.choice((0, 0.02, 0.05)),
                   garbage=rng.choice((0, 0.02)), bad_checksum=rng.choice((0, 0.02)),
                   no_reply=rng.choice((0, 0, 0.01)), delay=rng.choice((0, 0.01)), jitter=rng.choice((0, 0.03)))
    outage = (-1, -1)
    if length >= 6 and rng.random() < 0.6:
        start = rng.randrange(0, length - 4)
        outage = (start, rng.randrange(start + 3, length + 1))
    restart_at = rng.randrange(length) if rng.random() < 0.4 else -1
    for i in range(length):
        if i == outage[0]:
            site.ils.set_down(True)
            site.count("outages")
            site.note("ILS down")
        if i == outage[1]:
            site.ils.set_down(False)
            site.note("ILS up")
        if i == restart_at:
            site.ils.restart()
            site.count("ils_restarts")
            site.note("ILS restarted")
        play(site)
        if site.ils.down and rng.random() < 0.5:
            desk_move(site)
    site.count("runs")


def _check(site: Site, timeout: float = 90.0) -> tuple[list[Finding], int, int]:
    """Everything back as after a night; the queues drained; then the truths."""
    site.ils.faults.clear()
    if site.ils.down:
        site.ils.set_down(False)
    for kiosk in (site.station, site.bin):
        kiosk.stop()
        site.note(f"{kiosk.name} stopped")
        kiosk.start()
        site.count("restarts")
        site.note(f"{kiosk.name} started")
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(not k.journal.unfinished() and not k.journal.pending_offline() for k in (site.station, site.bin)):
            break
        time.sleep(0.1)
    site.note("queues drained")
    findings, flagged, uncertain = inspect(site)
    for finding in findings:
        site.note(f"FINDING {finding}")
    settle_by_staff(site)
    site.note("checked; staff settled the flags")
    return findings, flagged, uncertain

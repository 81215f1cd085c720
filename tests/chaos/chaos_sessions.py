"""One session at a time on a :class:`chaos_site.Site`: a patron borrows at
the station, returns at the station, or drops books in the return bin; staff
move a returned book at the desk while the ILS is cut off from the kiosks.
Kills, lifted tags and failing tag writes are armed at random per session.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from chaos_site import Site
from chaos_world import PIN, Kiosk
from kiosk.store.journal import Kind, Replay

TAKEN = {"borrowed", "renewed", "already_yours"}


def _state(*names: str):  # type: ignore[no-untyped-def]
    return lambda e: (e.get("ev") == "state" and e["state"] in names) or e.get("ev") == "ended"


def _drain(kiosk: Kiosk) -> None:
    while not kiosk.events.empty():
        event = kiosk.events.get_nowait()
        if event.get("ev") == "dead":
            kiosk.events.put(event)
            return


def _login(station: Kiosk, patron: str) -> bool:
    station.send(do="identify", patron=patron)
    event = station.wait(_state("pin_entry", "ready"), 10)
    if event is None or event.get("ev") == "ended":
        return False
    if event["state"] == "pin_entry":
        station.send(do="pin", pin=PIN)
        event = station.wait(_state("ready"), 10)
    return event is not None and event.get("ev") == "state" and event["state"] == "ready"


def _results(station: Kiosk, items: list[str], action: str, timeout: float,
             lifted: set[str] | frozenset[str] = frozenset()) -> dict[str, str]:
    """The station's final word on each item. A tag lifted before the station read
    it gets none: once the others are told, such items get a short grace only."""
    told: dict[str, str] = {}
    deadline = time.monotonic() + timeout
    while len(told) < len(items) and time.monotonic() < deadline:
        if lifted and set(items) - set(told) <= lifted:
            deadline = min(deadline, time.monotonic() + 1.0)
        event = station.wait(lambda e: e.get("ev") == "item" and e["action"] == action and e["item"] in items
                             and e["status"] != "pending", min(deadline - time.monotonic(), 0.5))
        if event is None:
            if not station.alive:
                break
            continue
        told[event["item"]] = event["status"]
    return told


def _end(station: Kiosk) -> None:
    station.send(do="end")
    station.wait(lambda e: e.get("ev") == "state" and e["state"] == "idle", 5)


def _leave(site: Site) -> None:
    """A patron takes seconds to clear the pad and the next one to step up; the
    station's reader sees the pad empty before the next session starts."""
    time.sleep(0.25)


def borrow(site: Site) -> None:
    shelf = site.in_library()
    if not shelf:
        return
    rng, station = site.rng, site.station
    patron = rng.choice(site.patrons)
    picks = rng.sample(shelf, min(len(shelf), rng.randint(1, 3)))
    _drain(station)
    site.note(f"borrow {patron} {picks}")
    timer = site.arm(station)
    lifter: threading.Timer | None = None
    lifted: set[str] = set()
    told: dict[str, str] = {}
    placed = False
    try:
        if _login(station, patron):
            for item in picks:
                site.tags.put(item, station.field)
            placed = True
            if rng.random() < 0.12:
                station.field.fail_next_write(rng.randint(1, 4))
                site.count("failed_writes")
            if rng.random() < 0.08:
                def lift(item: str = rng.choice(picks)) -> None:   # a patron's hand, mid-borrow
                    site.tags.take(item)
                    lifted.add(item)
                lifter = threading.Timer(rng.uniform(0.0, 0.4), lift)
                lifter.start()
                site.count("lifted")
            station.send(do="borrow")
            told = _results(station, picks, "borrow", 15, lifted)
            _end(station)
    finally:
        Site.disarm(timer)
        Site.disarm(lifter)
        station.field.fail_next_write(0)
    if not placed:
        picks = []
    if not station.alive:
        leave_now = rng.random() < 0.5
        if leave_now:
            site.walk_out(picks, patron)
        site.revive(station)
        if not leave_now:
            site.walk_out(picks, patron)
        _leave(site)
        return
    site.note(f"told {told}")
    for item in picks:
        site.tags.take(item)
        site.where[item] = patron if told.get(item) in TAKEN else None
        site.count("borrowed", told.get(item) in TAKEN)
    _leave(site)


def station_return(site: Site) -> None:
    holders = site.held()
    if not holders:
        return
    rng, station = site.rng, site.station
    patron = rng.choice(sorted(holders))
    picks = rng.sample(holders[patron], min(len(holders[patron]), rng.randint(1, 3)))
    _drain(station)
    site.note(f"return {patron} {picks}")
    for attempt in range(3):
        told, placed = _return_once(site, picks, on_pad=attempt > 0)
        if station.alive:
            break
        # The station died under the patron: either they take back what it did not
        # say it had returned and leave, or they wait and try again with the books
        # still on the pad (recovery sees them).
        if not placed or rng.random() < 0.5 or attempt == 2:
            for item in picks:
                site.tags.take(item)     # what it said it returned stays in the building
                if told.get(item) != "returned":
                    site.where[item] = patron
            site.revive(station)
            _leave(site)
            return
        site.revive(station)
    if not placed:                      # the return never started: the books stay with the patron
        _leave(site)
        return
    site.walk_out(picks, None)
    site.count("returned", len(picks))
    _leave(site)


def _return_once(site: Site, picks: list[str], on_pad: bool) -> tuple[dict[str, str], bool]:
    """One go at the station: start a return, put the books down (if not there
    yet), hear what it says. (told, whether the books were handed over)."""
    station = site.station
    timer = site.arm(station)
    told: dict[str, str] = {}
    placed = on_pad
    try:
        station.send(do="return")
        event = station.wait(_state("returning"), 10)
        if event is None or event.get("ev") != "state":
            site.note(f"the return did not start: {event}")
        else:
            if not on_pad:
                for item in picks:
                    site.tags.put(item, station.field)
                    site.where[item] = None   # handed back: in the building while on the pad
                placed = True
            told = _results(station, picks, "return", 15)
            site.note(f"told {told}")
            _end(station)
    finally:
        Site.disarm(timer)
    return told, placed


def _processed(site: Site, item: str, mark: int) -> bool:
    later = [e for e in site.bin.journal.item_history(item) if e.id > mark]
    return bool(later) and not later[-1].unfinished


def bin_return(site: Site) -> None:
    holders = site.held()
    books = [item for items in holders.values() for item in items]
    if not books:
        return
    rng, box = site.rng, site.bin
    picks = rng.sample(books, min(len(books), rng.randint(1, 3)))
    recent = box.journal.recent(1)
    mark = recent[0].id if recent else 0
    site.note(f"bin {picks}")
    timer = site.arm(box)
    try:
        for item in picks:                # into the chute: in the building from now on
            site.tags.put(item, box.field)
            site.where[item] = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and not all(_processed(site, i, mark) for i in picks):
            if not box.alive:
                break
            time.sleep(0.02)
    finally:
        Site.disarm(timer)
    if not box.alive:                     # the books stay in the chute, on the reader, through the restart
        site.revive(box)
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline and not all(_processed(site, i, mark) for i in picks):
            time.sleep(0.02)
    site.walk_out(picks, None)
    site.count("binned", len(picks))


def desk_move(site: Site) -> bool:
    """Staff check in a book whose return is queued offline and, mostly, lend it
    to someone at the desk, before the kiosk could replay the return."""
    queued = []
    for kiosk in (site.station, site.bin):
        for entry in kiosk.journal.pending_offline(kind=Kind.CHECKIN):
            if entry.replay is Replay.PENDING and site.where[entry.item_id] is None \
                    and entry.item_id not in site.quarantine and site.tags.where[entry.item_id] is None:
                queued.append(entry.item_id)
    if not queued:
        return False
    item = site.rng.choice(sorted(set(queued)))
    if site.rng.random() < 0.75:
        # Lent to *another* patron: the same patron lent the same book again the same
        # day gets the same due date, which SIP2 cannot tell apart (kiosk.store.loans).
        others = [p for p in site.patrons if p != site.ils.holder(item)]
        site.desk(item, site.rng.choice(others))
        site.count("desk_moves")
    else:
        site.desk(item, None)
        site.count("desk_checkins")
    return True


SESSIONS: dict[str, Any] = {"borrow": borrow, "station_return": station_return, "bin_return": bin_return}


def play(site: Site) -> str:
    """One random session; returns its name."""
    name = site.rng.choices(list(SESSIONS), weights=(4, 2, 3))[0]
    SESSIONS[name](site)
    site.count("sessions")
    site.note_flags()
    return name

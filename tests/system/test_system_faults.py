"""The kiosk, whole, when things go wrong on the real wires: a tag lifted
between the ILS's yes and the security write, garbage and a lost reply on the
reader's serial line, noise on the scanner's line, the ILS going away and
coming back, a multi-part set on the 3M pad with 28560-2 tags. The promise
checked every time: the tag's AFI agrees with the ILS's books.
"""

from __future__ import annotations

import pytest

from kiosk.drivers.rfid.feig_emulator import FeigEmulator
from kiosk.drivers.rfid.m3_810_emulator import M3Emulator
from kiosk.drivers.rfid.m3_protocol import SETUP
from kiosk.events import DeviceChanged, ItemStatus, OfflineChanged, SessionState
from system_rig import (AFI_ON_LOAN, AFI_SECURED, ANA, ANA_PIN, ITEMS, MULTIPART, Rig, afi_of, eventually,
                        put_item)
from test_system_kiosk import KioskRig


def charged(rig: Rig, item: str) -> bool:
    return rig.client().item_information(item).circulation_status == "04"


def borrow_mode(kiosk: KioskRig) -> None:
    kiosk.log_in()
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)


def test_tag_lifted_before_its_security_write_undoes_the_loan(rig: Rig) -> None:
    kiosk = KioskRig(rig, "feig")
    ils = rig.ils
    assert ils is not None
    borrow_mode(kiosk)
    ils.faults.set(delay=0.4)                     # a slow ILS: time to lift the book
    tag = put_item(kiosk.field, ITEMS[0])
    eventually(lambda: ils.requests["11"] >= 1, 10, what="the checkout on the wire")
    kiosk.field.remove(tag.uid)
    ils.faults.set(delay=0.0)
    result = kiosk.results(1)[ITEMS[0]]
    assert result.status in (ItemStatus.REFUSED, ItemStatus.SEE_STAFF), result
    assert result.status is ItemStatus.REFUSED                      # security_failure = "undo"
    assert not charged(rig, ITEMS[0]), "the loan stands but the book is still secured"
    assert tag.afi == AFI_SECURED


def test_garbage_and_a_lost_reply_on_the_reader_line_do_not_lose_an_item(rig: Rig) -> None:
    kiosk = KioskRig(rig, "feig")
    borrow_mode(kiosk)
    kiosk.reader.inject_garbage(b"\x00\xff\x02\x99garbage")
    kiosk.reader.mute(1)                          # one reply lost: the driver times out and retries
    for item in ITEMS[1:4]:
        put_item(kiosk.field, item)
    results = kiosk.results(3, timeout=20)
    for item in ITEMS[1:4]:
        assert results[item].status is ItemStatus.BORROWED, results[item]
        assert afi_of(kiosk.field, item) == AFI_ON_LOAN
        assert charged(rig, item)


def test_scanner_line_noise_is_dropped_and_the_card_still_reads(rig: Rig) -> None:
    kiosk = KioskRig(rig, "feig")
    kiosk.scanner.scan("\x1b\x7f#", terminator=b"\xfe\xff\r")     # hot-plug burst, wrong baud bytes
    kiosk.scanner.scan("2100000000000")                         # a truncated read: not a valid card
    kiosk.log_in()
    assert kiosk.station.session_view().patron is not None
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    kiosk.scanner.scan(ITEMS[4])                                 # a barcode-only item (no tag)
    result = kiosk.results(1)[ITEMS[4]]
    assert result.status is ItemStatus.BORROWED, result
    assert charged(rig, ITEMS[4])


def test_offline_borrow_through_the_feig_driver_is_replayed_when_the_ils_returns(rig: Rig) -> None:
    kiosk = KioskRig(rig, "feig")
    assert rig.ils is not None
    rig.ils.set_down(True)
    kiosk.scanner.scan(ANA)
    kiosk.events.wait_for(lambda e: isinstance(e, OfflineChanged) and e.offline, 10, what="offline")
    state = kiosk.events.wait_for(lambda e: getattr(e, "state", None) in (SessionState.READY, SessionState.PIN_ENTRY),
                                  10, what="patron known offline").state
    if state is SessionState.PIN_ENTRY:
        kiosk.station.enter_pin(ANA_PIN)
        kiosk.state_reached(SessionState.READY)
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    for item in ITEMS[5:7]:
        put_item(kiosk.field, item)
    results = kiosk.results(2)
    for item in ITEMS[5:7]:
        assert results[item].status is ItemStatus.BORROWED and results[item].offline, results[item]
        assert afi_of(kiosk.field, item) == AFI_ON_LOAN
    kiosk.station.end_session()
    kiosk.state_reached(SessionState.IDLE)
    assert kiosk.station.offline_status().queue_length == 2

    rig.ils.set_down(False)
    kiosk.station.replay_now()
    eventually(lambda: kiosk.station.offline_status().queue_length == 0, 30, interval=0.1, what="replay")
    for item in ITEMS[5:7]:
        assert charged(rig, item), f"{item} borrowed offline never reached the ILS"
    eventually(lambda: not kiosk.station.offline, 10, what="back online")


def test_multipart_set_on_the_3m_pad_with_28560_2_tags(rig: Rig) -> None:
    kiosk = KioskRig(rig, "3m810")
    borrow_mode(kiosk)
    put_item(kiosk.field, MULTIPART, parts=2, part=1, model="28560-2")
    first = kiosk.events.wait_for(lambda e: getattr(e, "item_id", "") == MULTIPART
                                  and getattr(e, "status", None) in (ItemStatus.INCOMPLETE, ItemStatus.REFUSED),
                                  10, what="the incomplete set noticed")
    assert first.status in (ItemStatus.INCOMPLETE, ItemStatus.REFUSED)
    assert not charged(rig, MULTIPART)
    assert afi_of(kiosk.field, MULTIPART, 2, 1, "28560-2") == AFI_SECURED
    put_item(kiosk.field, MULTIPART, parts=2, part=2, model="28560-2")
    done = kiosk.events.wait_for(lambda e: getattr(e, "item_id", "") == MULTIPART
                                 and getattr(e, "status", None) is ItemStatus.BORROWED, 10, what="the set borrowed")
    assert len(done.uids) == 2
    assert charged(rig, MULTIPART)
    for part in (1, 2):
        assert afi_of(kiosk.field, MULTIPART, 2, part, "28560-2") == AFI_ON_LOAN


@pytest.mark.parametrize("reader_kind", ["feig", "3m810"])
def test_reader_unplugged_and_plugged_back_in_recovers_without_a_restart(rig: Rig, reader_kind: str) -> None:
    """The reader's serial link drops (cable pulled, reader power-cycled) and
    comes back on the same port: the kiosk says the pad is down, then takes
    items again, with no restart (the 3M pad gets its setup command again)."""
    kiosk = KioskRig(rig, reader_kind, reader_transport="socket")
    port = int(kiosk.reader_port.rsplit(":", 1)[1])
    borrow_mode(kiosk)
    kiosk.reader.stop()                                        # unplugged
    kiosk.events.wait_for(lambda e: isinstance(e, DeviceChanged) and e.device == "rfid" and not e.ok, 10,
                          what="the pad reported down")
    back = (FeigEmulator if reader_kind == "feig" else M3Emulator)(kiosk.field)   # back: same port, same tags
    back.start_socket(port=port)
    rig.closers.append(back.stop)
    kiosk.events.wait_for(lambda e: isinstance(e, DeviceChanged) and e.device == "rfid" and e.ok, 15,
                          what="the pad reported working again")
    kiosk.station.touch()
    put_item(kiosk.field, ITEMS[8])
    result = kiosk.results(1)[ITEMS[8]]
    assert result.status is ItemStatus.BORROWED, result
    assert afi_of(kiosk.field, ITEMS[8]) == AFI_ON_LOAN and charged(rig, ITEMS[8])
    if reader_kind == "3m810":
        assert any(SETUP in frame for frame in back.frames_in), "the replugged pad was not set up again"


def test_patron_card_tag_logs_in_and_strange_tags_in_the_stack_are_left_alone(rig: Rig) -> None:
    """An RFID patron card on the pad identifies the patron; in the stack that
    follows, another library's book and a tag with garbage in it are not sent
    to the ILS and their AFI is not touched, while the real item is borrowed."""
    from kiosk.drivers.rfid.sim import make_item_tag, make_uid
    from kiosk.tags import Usage

    kiosk = KioskRig(rig, "feig")
    assert rig.ils is not None
    uid, data = make_item_tag(ANA, usage=Usage.PATRON_CARD, owner_isil="US-RPL", country="US")
    card = kiosk.field.place(uid, data, afi=0x00, dsfid=0x00)
    kiosk.state_reached(SessionState.PIN_ENTRY)
    kiosk.station.enter_pin(ANA_PIN)
    kiosk.state_reached(SessionState.READY)
    kiosk.station.start_borrow()
    kiosk.state_reached(SessionState.BORROWING)
    checkouts_before = rig.ils.requests["11"]
    foreign_uid, foreign_data = make_item_tag("39999999999999", owner_isil="DK-710100", country="DK")
    foreign = kiosk.field.place(foreign_uid, foreign_data, afi=AFI_SECURED, dsfid=0x00)
    junk = kiosk.field.place(make_uid("junk-in-stack"), bytes(range(7, 39)), afi=AFI_SECURED, dsfid=0x00)
    put_item(kiosk.field, ITEMS[2])
    results = kiosk.results(3)
    result = results[ITEMS[2]]
    assert result.status is ItemStatus.BORROWED
    assert results["39999999999999"].status is ItemStatus.REFUSED                 # not ours: to the desk
    assert results[junk.uid.hex().upper()].status is ItemStatus.UNREADABLE
    eventually(lambda: kiosk.station.borrower.drain(0.0), 10, what="the stack processed")
    assert rig.ils.requests["11"] - checkouts_before == 1, "something other than the library's item was lent"
    assert (foreign.afi, junk.afi, card.afi) == (AFI_SECURED, AFI_SECURED, 0x00)
    outcomes = {e.item_id: e.status for e in kiosk.events.of(type(result)) if e.status is not ItemStatus.PENDING}
    assert ANA not in outcomes, "the patron's own card was treated as an item"

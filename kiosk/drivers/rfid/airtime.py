"""How long ISO 15693 air traffic takes, from the standard's timing.

Used two ways: emulators and the simulated pad sleep for it so inventories and
reads take realistic time, and ``benchmarks/rfid_stack.py`` sums it into the
"air-interface floor" no reader can beat.

Figures (ISO/IEC 15693-2, fc = 13.56 MHz):
  * reader -> tag, 1-out-of-4 coding: 26.48 kbit/s, i.e. 37.76 us per bit;
    SOF 75.52 us, EOF 37.76 us.
  * tag -> reader, high data rate, one subcarrier: 26.48 kbit/s (fc/512,
    37.76 us per bit; two subcarriers: 26.69 kbit/s); SOF and EOF 151.04 us
    each (56.64 us unmodulated, 24 subcarrier pulses, one logic bit).
  * t1 (tag response delay) 4352/fc = 320.9 us; t2 (reader wait after a
    reply before its next frame) 4192/fc = 309.2 us; an empty inventory slot
    is closed after t3 = 4384/fc + the tag's SOF.
ISO/IEC 15693-3 frames carry a 16-bit CRC. Writes add the EEPROM programming
time of the chip; NXP ICODE SLIX data sheets put it at about 5 ms per block
and ICODE chips write one block per command, so readers split multi-block
writes (as FEIG's manuals note).
"""

from __future__ import annotations

from dataclasses import dataclass

FC = 13.56e6
BIT_DOWN = 1 / 26_480          # reader -> tag, seconds per bit
BIT_UP = 1 / 26_480            # tag -> reader, one subcarrier (fc/512: 37.76 us/bit)
SOF_DOWN, EOF_DOWN = 75.52e-6, 37.76e-6
SOF_UP = EOF_UP = 151.04e-6    # 56.64 us unmodulated + 24 pulses of fc/32 (56.64 us) + a logic bit
T1 = 4352 / FC
T2 = 4192 / FC
T3 = 4384 / FC
WRITE_TIME = 5.0e-3            # per block (and per AFI write)
CRC_BYTES = 2


def request(n_bytes: int) -> float:
    """A reader request of ``n_bytes`` (flags, command, parameters), CRC added."""
    return SOF_DOWN + (n_bytes + CRC_BYTES) * 8 * BIT_DOWN + EOF_DOWN


def response(n_bytes: int) -> float:
    """A tag response of ``n_bytes`` (flags and data), CRC added."""
    return SOF_UP + (n_bytes + CRC_BYTES) * 8 * BIT_UP + EOF_UP


# One 16-slot round: a slot with a reply (or a collision: the reader waits
# out the garbled frame) costs the reply; an empty slot t3 (4384/fc + the
# tag's SOF); each slot is opened by the reader's EOF.
SLOT_REPLY = T1 + response(10) + T2 + EOF_DOWN      # flags, DSFID, UID
SLOT_EMPTY = T3 + SOF_UP + EOF_DOWN


@dataclass(frozen=True)
class InventoryRound:
    mask_bits: int
    replies: int
    collisions: int


def uid_value(uid: bytes) -> int:
    """The UID as the integer whose low bits pick the anticollision slot."""
    return int.from_bytes(uid, "big")


def anticollision(uids: list[bytes]) -> tuple[list[InventoryRound], list[bytes]]:
    """Run the ISO 15693-3 16-slot anticollision (annex D) over ``uids``.

    The slot of a tag is the 4 UID bits after the mask, counted from the
    least significant bit; a slot with two or more tags is a collision and
    is resolved by a new round with that slot's bits appended to the mask.
    Returns the rounds run and the UIDs in the order they were identified.
    """
    rounds: list[InventoryRound] = []
    found: list[bytes] = []
    pending: list[tuple[int, int]] = [(0, 0)]          # (mask value, mask bits)
    while pending and len(rounds) < 64:                # 64 bits of UID: bounded
        mask, bits = pending.pop(0)
        slots: dict[int, list[bytes]] = {}
        for uid in uids:
            value = uid_value(uid)
            if bits and value & ((1 << bits) - 1) != mask:
                continue
            slots.setdefault((value >> bits) & 0xF, []).append(uid)
        collisions = 0
        for slot in range(16):
            members = slots.get(slot, [])
            if len(members) == 1:
                found.append(members[0])
            elif len(members) > 1:
                collisions += 1
                pending.append((mask | slot << bits, bits + 4))
        rounds.append(InventoryRound(bits, sum(len(m) == 1 for m in slots.values()), collisions))
    return rounds, found


def inventory_time(uids: list[bytes]) -> float:
    rounds, _ = anticollision(uids)
    total = 0.0
    for r in rounds:
        # flags, command, mask length, mask value bytes
        total += request(3 + (r.mask_bits + 7) // 8)
        busy = r.replies + r.collisions
        total += busy * SLOT_REPLY + (16 - busy) * SLOT_EMPTY
    return total


# Addressed commands end with t2: the reader may not send its next frame sooner.
def read_blocks_time(count: int, block_size: int = 4) -> float:
    """Addressed read multiple blocks (flags, cmd, UID, first, count)."""
    return request(12) + T1 + response(1 + count * block_size) + T2


def write_blocks_time(count: int, block_size: int = 4) -> float:
    """Addressed single-block writes, one per block, each waiting for programming."""
    one = request(11 + block_size) + T1 + WRITE_TIME + response(1) + T2
    return count * one


def write_afi_time() -> float:
    return request(11) + T1 + WRITE_TIME + response(1) + T2


def eas_time() -> float:
    return request(11) + T1 + WRITE_TIME + response(1) + T2   # flags, cmd, IC mfr, UID


def system_info_time() -> float:
    return request(10) + T1 + response(15) + T2


def stack_floor(n_tags: int, blocks: int = 8, uids: list[bytes] | None = None) -> float:
    """Air time to inventory ``n_tags`` and read ``blocks`` blocks from each."""
    uids = uids if uids is not None else [bytes.fromhex("E0040100") + i.to_bytes(4, "big") for i in range(n_tags)]
    return inventory_time(uids) + n_tags * read_blocks_time(blocks)

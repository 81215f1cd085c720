"""Stack reads through the FEIG driver, against a floor worked out from the
ISO/IEC 15693 timing figures (not from the emulator's own air-time model).

For 1, 5, 10 and 20 item tags on the pad: one inventory, then the 8-block
(32-byte) user memory of every tag, through the real FEIG driver over a pty
to the FEIG emulator with its air-time model on; then the AFI write of
every tag (the borrow's security write).

The floor (this file, from the standard; the emulator's model is
:mod:`kiosk.drivers.rfid.airtime`, which this file does not use):

* VCD -> VICC (ISO/IEC 15693-2 clause 7), 1 out of 4 coding: 2 bits per
  75.52 us symbol, 26.48 kbit/s; SOF 75.52 us, EOF 37.76 us.
* VICC -> VCD (ISO/IEC 15693-2 clause 8), high data rate: 26.69 kbit/s
  (fc/508, dual subcarrier; the single subcarrier's 26.48 kbit/s is slower,
  and a floor must not depend on which the reader asks for). SOF and EOF
  151.04 us each (56.64 us unmodulated, 24 subcarrier pulses, a logic bit).
* Frames end in a 16-bit CRC (ISO/IEC 15693-3 clause 7.2).
* ISO/IEC 15693-3 clause 9.1: the VICC answers t1 = 4352/fc (320.9 us)
  after the request's EOF; the VCD waits t2 = 4192/fc (309.2 us) after a
  reply before its next frame; a slot with no reply is closed after
  t3 = 4384/fc + the VICC's SOF (474.3 us).
* Inventory (clause 8 and annex D): 16 slots a round, each after the first
  opened by a VCD EOF; a slot where two tags answer is a collision and
  costs a reply (the VCD cannot tell it short); collided slots are resolved
  in further rounds with 4 more mask bits. The rounds are worked out here
  from the UIDs.
* Write (clause 10.4, option flag 0): the VICC answers after t1 plus its
  programming time tW, on a 4096/fc grid. tW is the chip's, not the
  standard's: 5 ms per block, from the NXP ICODE SLIX data sheets.

Printed per stack size: measured, time per tag, the floor (inventory + one
8-block read per tag), the FEIG driver's extra commands reported separately
(it sends one Get System Information to each new tag, to learn its AFI,
which the FEIG inventory reply lacks), and the ratios. A second table adds a
38400-baud 8E1 serial line model (FEIG's factory setting), the other real
cost of a serial reader.

Run: .venv/bin/python benchmarks/rfid_stack.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.drivers.rfid.feig import FeigReader  # noqa: E402
from kiosk.drivers.rfid.feig_emulator import FeigEmulator  # noqa: E402
from kiosk.drivers.rfid.field import TagField  # noqa: E402
from kiosk.drivers.rfid.sim import make_item_tag  # noqa: E402
from kiosk.tags import AFI_ON_LOAN  # noqa: E402

SIZES = (1, 5, 10, 20)
BLOCKS = 8

# -- ISO/IEC 15693 timing (see the module docstring) ------------------------------------
FC = 13.56e6
DOWN_BIT = 75.52e-6 / 2                   # 1 out of 4: 2 bits per symbol
DOWN_SOF, DOWN_EOF = 75.52e-6, 37.76e-6
UP_BIT = 508 / FC                         # 26.69 kbit/s
UP_SOF = UP_EOF = 768 / FC + 24 * 32 / FC + 512 / FC     # 56.64 + 56.64 + 37.76 us
T1, T2 = 4352 / FC, 4192 / FC
T3 = 4384 / FC + UP_SOF
WRITE_GRID = 4096 / FC
TW = 5.0e-3                               # chip programming time (ICODE SLIX), per block
CRC = 2


def vcd_frame(n_bytes: int) -> float:
    return DOWN_SOF + (n_bytes + CRC) * 8 * DOWN_BIT + DOWN_EOF


def vicc_frame(n_bytes: int) -> float:
    return UP_SOF + (n_bytes + CRC) * 8 * UP_BIT + UP_EOF


def inventory_floor(uids: list[bytes]) -> float:
    """16-slot inventory rounds over ``uids`` (clause 8, annex D), collisions resolved by masks."""
    total = 0.0
    pending = [(0, 0)]                    # (mask value, mask length in bits)
    while pending:
        mask, bits = pending.pop(0)
        slots: dict[int, int] = {}
        for uid in uids:
            value = int.from_bytes(uid, "big")
            if value & ((1 << bits) - 1) == mask:
                slot = (value >> bits) & 0xF
                slots[slot] = slots.get(slot, 0) + 1
        total += vcd_frame(3 + (bits + 7) // 8)          # flags, 0x01, mask length, mask
        for slot in range(16):
            if slot:
                total += DOWN_EOF                          # the VCD opens the next slot
            answers = slots.get(slot, 0)
            if answers:
                total += T1 + vicc_frame(10) + T2         # flags, DSFID, UID
                if answers > 1:
                    pending.append((mask | slot << bits, bits + 4))
            else:
                total += T3
    return total


def read_floor(blocks: int) -> float:
    """Addressed Read Multiple Blocks: flags, 0x23, UID, first, count - 1; reply flags + data."""
    return vcd_frame(12) + T1 + vicc_frame(1 + 4 * blocks) + T2


def system_info_floor() -> float:
    """Addressed Get System Information: flags, 0x2B, UID; reply flags, info flags, UID, DSFID, AFI, size, IC."""
    return vcd_frame(10) + T1 + vicc_frame(15) + T2


def write_afi_floor() -> float:
    """Addressed Write AFI: flags, 0x27, UID, AFI; the reply (flags) after t1 + tW on the 4096/fc grid."""
    wait = T1 + WRITE_GRID * max(0, -(-(TW - T1) // WRITE_GRID))
    return vcd_frame(11) + wait + vicc_frame(1) + T2


# -- measuring ---------------------------------------------------------------------------
def stack(n: int) -> list[tuple[bytes, bytes]]:
    return [make_item_tag(f"3100000000{i:04d}", owner_isil="US-RPL", country="US") for i in range(n)]


def measure(n: int, repeat: int, line_baud: int | None) -> tuple[float, float]:
    """(median inventory + reads, median AFI writes of every tag), seconds."""
    field = TagField(time_scale=1.0)
    for uid, data in stack(n):
        field.place(uid, data)
    emu = FeigEmulator(field)
    emu.line_baud = line_baud
    port = emu.start_pty()
    reads, writes = [], []
    reader = FeigReader(port, timeout=2.0)
    try:
        for _ in range(repeat):
            reader.forget_afi()                 # every tag is new to the driver, as when a stack lands
            start = time.perf_counter()
            tags = reader.inventory()
            for tag in tags:
                reader.read_user_memory(tag.uid, BLOCKS)
            reads.append(time.perf_counter() - start)
            assert len(tags) == n, f"saw {len(tags)} of {n} tags"
            start = time.perf_counter()
            for tag in tags:
                reader.write_afi(tag.uid, AFI_ON_LOAN)
            writes.append(time.perf_counter() - start)
    finally:
        reader.close()
        emu.stop()
    return statistics.median(reads), statistics.median(writes)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"ISO/IEC 15693 figures: t1 {T1 * 1e6:.1f} us, t2 {T2 * 1e6:.1f} us, t3 {T3 * 1e6:.1f} us, "
          f"VICC SOF/EOF {UP_SOF * 1e6:.2f} us, 8-block read {read_floor(BLOCKS) * 1e3:.2f} ms, "
          f"system information {system_info_floor() * 1e3:.2f} ms, AFI write {write_afi_floor() * 1e3:.2f} ms")
    for title, baud in (("air-time model only", None), ("air time + 38400 baud 8E1 serial line", 38400)):
        print(f"\nFEIG driver -> emulator over a pty, {title} (median of {args.repeat})")
        print(f"{'tags':>4} {'measured ms':>12} {'ms/tag':>7} {'floor ms':>9} {'ratio':>6} {'extra ms':>9} "
              f"{'ratio(+extra)':>13}   {'AFI writes ms':>13} {'floor ms':>9} {'ratio':>6}")
        for n in SIZES:
            took, wrote = measure(n, args.repeat, baud)
            uids = [uid for uid, _ in stack(n)]
            floor = inventory_floor(uids) + n * read_floor(BLOCKS)
            extra = n * system_info_floor()
            write_floor = n * write_afi_floor()
            print(f"{n:>4} {took * 1e3:>12.1f} {took * 1e3 / n:>7.1f} {floor * 1e3:>9.1f} {took / floor:>6.2f} "
                  f"{extra * 1e3:>9.1f} {took / (floor + extra):>13.2f}   {wrote * 1e3:>13.1f} "
                  f"{write_floor * 1e3:>9.1f} {wrote / write_floor:>6.2f}")
    print("\nfloor = ISO 15693 air time of the 16-slot inventory (with its collision rounds) + one 8-block read "
          "per tag. extra = the driver's own commands on top: one Get System Information per new tag (the FEIG "
          "inventory reply has no AFI); ratio(+extra) counts them as necessary.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

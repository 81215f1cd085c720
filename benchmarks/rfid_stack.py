"""Stack reads through the FEIG driver, compared with the ISO 15693 air-interface floor.

For 1, 5, 10 and 20 item tags on the pad: one inventory, then the 8-block
(32-byte) user memory of every tag, through the real FEIG driver over a pty
to the FEIG emulator with the air-time model on (every air command takes the
time ISO 15693 says it takes: 26.48 kbit/s, 16-slot anticollision, t1/t2/t3).

Printed per stack size: the measured time, time per tag, the air-interface
floor (inventory + reads; and with the one Get System Information per new tag
that the driver needs to learn each AFI), and measured / floor. A second
table adds a 38400-baud 8E1 serial line model (FEIG's factory setting), the
other real cost of a serial reader.

Run: .venv/bin/python benchmarks/rfid_stack.py [--repeat N]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from kiosk.drivers.rfid import airtime  # noqa: E402
from kiosk.drivers.rfid.feig import FeigReader  # noqa: E402
from kiosk.drivers.rfid.feig_emulator import FeigEmulator  # noqa: E402
from kiosk.drivers.rfid.field import TagField  # noqa: E402
from kiosk.drivers.rfid.sim import make_item_tag  # noqa: E402

SIZES = (1, 5, 10, 20)
BLOCKS = 8


def measure(n: int, repeat: int, line_baud: int | None) -> float:
    field = TagField(time_scale=1.0)
    uids = []
    for i in range(n):
        uid, data = make_item_tag(f"3100000000{i:04d}", owner_isil="US-RPL", country="US")
        field.place(uid, data)
        uids.append(uid)
    emu = FeigEmulator(field)
    emu.line_baud = line_baud
    port = emu.start_pty()
    times = []
    reader = FeigReader(port, timeout=2.0)
    try:
        for _ in range(repeat):
            reader.forget_afi()                 # every tag is new to the driver, as when a stack lands
            start = time.perf_counter()
            tags = reader.inventory()
            for tag in tags:
                reader.read_user_memory(tag.uid, BLOCKS)
            times.append(time.perf_counter() - start)
            assert len(tags) == n, f"saw {len(tags)} of {n} tags"
    finally:
        reader.close()
        emu.stop()
    return statistics.median(times)


def floors(n: int) -> tuple[float, float]:
    uids = [make_item_tag(f"3100000000{i:04d}", owner_isil="US-RPL", country="US")[0] for i in range(n)]
    base = airtime.inventory_time(uids) + n * airtime.read_blocks_time(BLOCKS)
    return base, base + n * airtime.system_info_time()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for title, baud in (("air-time model only", None), ("air time + 38400 baud 8E1 serial line", 38400)):
        print(f"\nFEIG driver -> emulator over a pty, {title} (median of {args.repeat})")
        print(f"{'tags':>4} {'measured ms':>12} {'ms/tag':>8} {'floor ms':>9} {'floor+sysinfo':>14} "
              f"{'ratio':>6} {'ratio(+si)':>10}")
        for n in SIZES:
            took = measure(n, args.repeat, baud)
            base, with_info = floors(n)
            print(f"{n:>4} {took * 1e3:>12.1f} {took * 1e3 / n:>8.1f} {base * 1e3:>9.1f} {with_info * 1e3:>14.1f} "
                  f"{took / base:>6.2f} {took / with_info:>10.2f}")
    print("\nfloor = ISO 15693 air time of the 16-slot inventory (with collision rounds) + one 8-block "
          "read per tag; floor+sysinfo adds the Get System Information the driver sends once per new tag "
          "to learn its AFI.")
    return 0


if __name__ == "__main__":
    sys.exit(main())

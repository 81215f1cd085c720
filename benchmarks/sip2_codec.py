"""SIP2 codec throughput: decode + encode per second, ours against pysip2.

Two replies a kiosk decodes all day: a checkout response (12) and a patron
information response (64) listing 50 charged items. Both codecs get the same
wire bytes (with AY/AZ) and must decode them to typed messages and encode the
result back to a checksummed frame; the best of several rounds counts.

    .venv/bin/python benchmarks/sip2_codec.py [--seconds 0.5] [--rounds 5]

Prints ops/s per codec and the ratio (ours / pysip2; above 1 = faster). No
assertion: the figures are for the report.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import datetime
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.sip2 import codec  # noqa: E402
from kiosk.sip2 import messages as m  # noqa: E402

NOW = datetime(2026, 11, 23, 10, 30).astimezone()

CHECKOUT = m.CheckoutResponse(
    ok=True, renewal_ok=False, magnetic_media=False, desensitize=True, transaction_date=NOW,
    institution_id="DEMO", patron_identifier="21000000000001", item_identifier="31000000000001",
    title_identifier="Cien años de soledad / Gabriel García Márquez", due_date="20261214    235900",
    media_type="001", screen_message=("Item checked out. Due 14 December 2026.",))

PATRON_INFO = m.PatronInformationResponse(
    language="001", transaction_date=NOW, charged_items_count=50, institution_id="DEMO",
    patron_identifier="21000000000001", personal_name="Ana García", valid_patron=True,
    valid_patron_password=True, currency_type="USD", fee_amount="0.00", charged_items_limit=60,
    charged_items=tuple(f"3100000000{i:04d}" for i in range(1, 51)), email_address="ana@example.org",
    screen_message=("Welcome back",))


def ours(frame: bytes) -> Callable[[], bytes]:
    decode_frame, encode = codec.decode_frame, codec.encode

    def run() -> bytes:
        got = decode_frame(frame)
        return encode(got.message, seq=got.sequence, checksum=True)
    return run


def theirs(frame: bytes) -> Callable[[], bytes] | None:
    try:
        import pysip2
    except ImportError:
        return None
    decode_message, encode_message = pysip2.decode_message, pysip2.encode_message

    def run() -> bytes:
        got = decode_message(frame)
        return encode_message(got.message, sequence_number=got.sequence_number, checksum=True)
    return run


def rate(func: Callable[[], bytes], seconds: float, rounds: int) -> float:
    """Best ops/s over ``rounds`` rounds of about ``seconds`` each."""
    batch = 200
    best = 0.0
    for _ in range(rounds):
        done, start = 0, time.perf_counter()
        while True:
            for _ in range(batch):
                func()
            done += batch
            elapsed = time.perf_counter() - start
            if elapsed >= seconds:
                break
        best = max(best, done / elapsed)
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=0.5, help="length of one round (default 0.5)")
    parser.add_argument("--rounds", type=int, default=5, help="rounds per case, best counts (default 5)")
    args = parser.parse_args()

    print(f"{'message':<40} {'kiosk ops/s':>12} {'pysip2 ops/s':>13} {'ratio':>7}")
    for name, msg in (("checkout response (12)", CHECKOUT),
                      ("patron information, 50 charged (64)", PATRON_INFO)):
        frame = codec.encode(msg, seq=4, checksum=True)
        mine = ours(frame)
        other = theirs(frame)
        assert codec.decode(mine()) == codec.decode(frame), "our round trip changed the message"
        if other is not None:
            assert codec.decode(other()) == codec.decode(frame), "pysip2 round trip changed the message"
        ours_rate = rate(mine, args.seconds, args.rounds)
        if other is None:
            print(f"{name:<40} {ours_rate:>12,.0f} {'(not installed)':>13}")
            continue
        their_rate = rate(other, args.seconds, args.rounds)
        print(f"{name:<40} {ours_rate:>12,.0f} {their_rate:>13,.0f} {ours_rate / their_rate:>6.2f}x")
        print(f"{'':<40} {len(frame):>9} bytes per frame")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Latency of the patron-facing device paths, through the real drivers and
transports (no hardware; loopback and ptys only).

* scan -> on_scan: a serial scanner on a pty (bytes written at the far end
  until the callback runs), and a HID scanner reading kernel input_event
  records from a pipe;
* card -> on_card: a FeliCa card played by a second process over nfcpy's
  UDP driver, NDEF mode (sense, activate, read the text record);
* receipt: a 12-line receipt through the network backend to the loopback
  ESC/POS printer emulator, with DLE EOT status first; Latin text (code
  pages) against Arabic (shaped and rendered to an image by Pillow);
* escpos_to_text on that receipt (the demo's receipt view).

Run: .venv/bin/python benchmarks/devices_io.py [--repeat N]
"""

from __future__ import annotations

import argparse
import math
import os
import queue
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from kiosk.drivers.barcode.hid import EVENT, HidScanner  # noqa: E402
from kiosk.drivers.printer.emulator import TcpPrinter  # noqa: E402
from kiosk.drivers.printer.render import escpos_to_text  # noqa: E402
from kiosk.drivers.registry import open_device  # noqa: E402

LATIN = ["Biblioteca Municipal", "Ana García", "Cien años de soledad      2026-12-14",
         "Björn Ångström: Ελληνικά  2026-12-14", "Ñandú Peña, €12.50 paid"] * 2 + ["Thank you", "-" * 42]
ARABIC = ["مكتبة البلدية", "إعادة الكتب قبل ١٤ ديسمبر", "شكراً لزيارتكم"] * 4


def report(name: str, samples: list[float]) -> None:
    ms = sorted(s * 1000 for s in samples)
    p90 = ms[min(len(ms) - 1, math.ceil(len(ms) * 0.9) - 1)]
    print(f"{name:50} median {statistics.median(ms):8.2f} ms   p90 {p90:8.2f} ms"
          f"   n={len(ms)}")


def timed(action: Callable[[], None], wait: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    wait()
    return time.perf_counter() - start


def bench_serial_scanner(repeat: int) -> None:
    master, slave = os.openpty()
    scanner = open_device("scanner", f"serial:{os.ttyname(slave)}", {"repeat_window": 0})
    codes: queue.Queue[str] = queue.Queue()
    scanner.start(codes.put)
    try:
        report("serial scanner (pty), scan -> on_scan",
               [timed(lambda: os.write(master, b"31000000000001\r"), lambda: codes.get(timeout=5))
                for _ in range(repeat)])
    finally:
        scanner.close()
        os.close(master)
        os.close(slave)


def bench_hid_scanner(repeat: int) -> None:
    from evdev import ecodes as e

    keys = b"".join(EVENT.pack(0, 0, e.EV_KEY, getattr(e, f"KEY_{c}"), v) for c in "31000000000001" for v in (1, 0))
    keys += EVENT.pack(0, 0, e.EV_KEY, e.KEY_ENTER, 1)
    read_fd, write_fd = os.pipe()
    scanner = HidScanner.from_fd(read_fd, "pipe", {"repeat_window": 0})
    codes: queue.Queue[str] = queue.Queue()
    scanner.start(codes.put)
    try:
        report("HID scanner (input_event pipe), scan -> on_scan",
               [timed(lambda: os.write(write_fd, keys), lambda: codes.get(timeout=5)) for _ in range(repeat)])
    finally:
        scanner.close()
        os.close(write_fd)
        os.close(read_fd)


def bench_nfc(repeat: int) -> None:
    emulator = ROOT / "tests" / "drivers" / "nfc" / "card_emulator.py"
    samples = []
    for _ in range(max(1, repeat // 5)):
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        card = subprocess.Popen([sys.executable, str(emulator), "--port", str(port), "--seconds", "5",
                                 "--text", "21000000000001"], stdout=subprocess.PIPE,
                                stderr=subprocess.DEVNULL)
        try:
            assert card.stdout is not None and card.stdout.readline().strip() == b"listening"
            time.sleep(0.1)   # "listening" is printed just before nfcpy binds its socket
            reader = open_device("nfc", f"nfc:udp:127.0.0.1:{port}", {"mode": "ndef", "targets": "212F",
                                                                      "poll_interval": 0.01})
            cards: queue.Queue[str] = queue.Queue()
            samples.append(timed(lambda: reader.start(cards.put), lambda: cards.get(timeout=10)))
            reader.close()
        finally:
            card.kill()
            card.wait(5)
            if card.stdout:
                card.stdout.close()
    report("NFC card (nfcpy UDP, NDEF mode), start -> on_card", samples)


def bench_receipts(repeat: int) -> None:
    server = TcpPrinter()
    printer = open_device("printer", f"escpos-network:127.0.0.1:{server.port}", {"timeout": 2.0})
    try:
        for name, lines, language in (("Latin", LATIN, None), ("Arabic", ARABIC, "ar")):
            def job() -> None:
                printer.ensure_ready()
                with printer.job():
                    printer.text("\n".join(lines), language=language)
                    printer.cut()
            report(f"receipt, 12 lines {name} (network, status first)",
                   [timed(job, lambda: None) for _ in range(repeat)])
        data = bytes(server.emulator.received)
        start = time.perf_counter()
        for _ in range(repeat):
            escpos_to_text(data)
        per = (time.perf_counter() - start) / repeat
        print(f"{'escpos_to_text':50} {len(data) / per / 1e6:8.1f} MB/s over {len(data)} bytes "
              f"({per * 1000:.2f} ms per call)")
    finally:
        printer.close()
        server.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=50)
    args = parser.parse_args()
    bench_serial_scanner(args.repeat)
    bench_hid_scanner(args.repeat)
    bench_nfc(args.repeat)
    bench_receipts(args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Many stations at once against the ILS simulator in its own process
(``kiosk ils-sim --port 0``, default connection limit): throughput and
latency with 200 kiosk clients connected together, beside one client alone
in the same run.

Each station is a :class:`~kiosk.sip2.client.SIP2Client` (login 93, status
99, then item information 17 requests back to back). The 200 run as threads
spread over a few worker processes, so the clients' own interpreter lock does
not throttle them; all connect first, then start together. Every request is
timed; throughput is requests answered per second from the first start to
the last answer.

    .venv/bin/python benchmarks/sip2_many.py [--stations 200] [--requests 25] [--runs 3]

Prints, as the median of ``--runs`` runs: connections refused, requests per
second, p50 and p99 in milliseconds, for the crowd and for one station alone.
No assertion: the figures are for the report.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from kiosk.errors import KioskError  # noqa: E402
from kiosk.sip2.client import SIP2Client, SIP2Settings  # noqa: E402

ITEMS = [f"310000000000{n:02d}" for n in range(1, 31)]  # the demo data's 30 items


def kiosk_command() -> list[str]:
    script = Path(sys.executable).with_name("kiosk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([*kiosk_command(), "ils-sim", "--host", "127.0.0.1", "--port", "0", "--duration", "3600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stdout is not None
    found = re.search(r"on 127\.0\.0\.1:(\d+)", proc.stdout.readline())
    if not found:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit("the ILS simulator did not start")
    return proc, int(found.group(1))


def stations(port: int, count: int, requests: int, start_at: float) -> tuple[list[float], float, float, int]:
    """Worker process: ``count`` stations as threads, all connected before
    ``start_at`` (time.time()). Returns latencies, first start, last end, refusals."""
    settings = SIP2Settings(port=port, username="kiosk", password="kiosk-pass", institution_id="DEMO",
                            location_code="MAIN", encoding="utf-8", keepalive_interval=0, read_timeout=30)
    latencies: list[float] = []
    spans: list[tuple[float, float]] = []
    refused = 0
    lock = threading.Lock()
    clients = []
    for _ in range(count):
        client = SIP2Client(settings, supervise=False)
        try:
            client.connect()
            clients.append(client)
        except KioskError:
            refused += 1

    def run(client: SIP2Client, offset: int) -> None:
        mine = []
        time.sleep(max(0.0, start_at - time.time()))
        begin = time.perf_counter()
        for n in range(requests):
            started = time.perf_counter()
            client.item_information(ITEMS[(offset + n) % len(ITEMS)])
            mine.append(time.perf_counter() - started)
        with lock:
            latencies.extend(mine)
            spans.append((begin, time.perf_counter()))

    threads = [threading.Thread(target=run, args=(client, n)) for n, client in enumerate(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(600)
    for client in clients:
        client.close()
    # perf_counter is per process: turn spans into time.time() via one common reading.
    shift = time.time() - time.perf_counter()
    first = min(b for b, _ in spans) + shift if spans else 0.0
    last = max(e for _, e in spans) + shift if spans else 0.0
    return latencies, first, last, refused


def crowd(port: int, total: int, requests: int, workers: int) -> dict[str, float]:
    per_worker = [total // workers + (1 if n < total % workers else 0) for n in range(workers)]
    start_at = time.time() + 3.0 + total * 0.01  # time for every station to connect first
    with concurrent.futures.ProcessPoolExecutor(max_workers=workers) as pool:
        results = list(pool.map(stations, [port] * workers, per_worker, [requests] * workers,
                                [start_at] * workers))
    latencies = sorted(x for r in results for x in r[0])
    first, last = min(r[1] for r in results), max(r[2] for r in results)
    return {"refused": sum(r[3] for r in results), "answered": len(latencies),
            "throughput": len(latencies) / (last - first) if last > first else 0.0,
            "p50": statistics.median(latencies) * 1e3,
            "p99": latencies[min(len(latencies) - 1, int(0.99 * len(latencies)))] * 1e3}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stations", type=int, default=200, help="stations connected together (default 200)")
    parser.add_argument("--requests", type=int, default=25, help="requests per station per run (default 25)")
    parser.add_argument("--workers", type=int, default=4, help="client processes (default 4)")
    parser.add_argument("--runs", type=int, default=3, help="runs; figures are medians over runs (default 3)")
    args = parser.parse_args()
    sim, port = start_simulator()
    try:
        crowd(port, 4, 5, 1)  # warm up the simulator
        runs = []
        for _ in range(args.runs):
            alone = crowd(port, 1, args.requests * 10, 1)
            many = crowd(port, args.stations, args.requests, args.workers)
            runs.append((alone, many))
    finally:
        sim.terminate()
        try:
            sim.wait(timeout=10)
        except subprocess.TimeoutExpired:
            sim.kill()
            sim.wait(timeout=10)

    def med(side: int, key: str) -> float:
        return statistics.median(run[side][key] for run in runs)

    print(f"item information (17) round trips, ILS simulator in its own process, median of {args.runs} runs")
    print(f"{'':<26} {'refused':>8} {'answered':>9} {'req/s':>8} {'p50 ms':>8} {'p99 ms':>8}")
    for side, name in ((0, "1 station alone"), (1, f"{args.stations} stations together")):
        print(f"{name:<26} {med(side, 'refused'):>8.0f} {med(side, 'answered'):>9.0f} {med(side, 'throughput'):>8.0f} "
              f"{med(side, 'p50'):>8.2f} {med(side, 'p99'):>8.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

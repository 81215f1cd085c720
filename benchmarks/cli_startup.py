"""Command start-up, as a person at a shell meets it: whole processes, wall clock.

    .venv/bin/python benchmarks/cli_startup.py [--runs 15] [--imports]

1. ``kiosk --help`` against the bare interpreter (``python -c pass``).
   Target: under 150 ms.
2. ``kiosk sip2 ... status`` (connect, log in 93/94, SC status 99/98, print
   the reply) against a raw-socket client written below doing the same two
   exchanges with checksums and nothing else. Both talk to the ILS simulator
   started in its own process (``kiosk ils-sim --port 0``) on 127.0.0.1, and
   both run on this interpreter, so the same site start-up is in both.
   Target: under 2x the raw client.

Commands take turns run by run, so background load hits all alike; each
figure is the median of ``--runs``. Before timing, the kiosk package is
byte-compiled (``compileall``), as ``pip install`` leaves an installed kiosk:
with ``PYTHONDONTWRITEBYTECODE`` set (as in some shells and CI) every run
would otherwise compile every module from source again, which measures the
compiler, not the command. ``--imports`` adds, for each kiosk
command, its ten costliest imports as ``python -X importtime`` reports them.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HELP_TARGET_S = 0.150
STATUS_TARGET_RATIO = 2.0

# The floor: the same SIP2 exchange a person could type in thirty lines.
RAW_CLIENT = r'''
import socket
import sys


def checksum(frame: bytes) -> bytes:
    return b"%04X" % (-sum(frame) & 0xFFFF)    # SIP2 2.00 error detection (AY/AZ)


def ask(sock: socket.socket, body: bytes, seq: int) -> bytes:
    frame = body + b"AY%dAZ" % seq
    sock.sendall(frame + checksum(frame) + b"\r")
    reply = b""
    while not reply.endswith(b"\r"):
        chunk = sock.recv(4096)
        if not chunk:
            sys.exit("the server closed the connection")
        reply += chunk
    return reply


host, port, user, password = sys.argv[1:5]
with socket.create_connection((host, int(port)), timeout=10) as sock:
    login = ask(sock, b"9300CN%s|CO%s|" % (user.encode(), password.encode()), 0)
    if not login.startswith(b"941"):
        sys.exit(f"login refused: {login!r}")
    status = ask(sock, b"9900302.00", 1)
    if not status.startswith(b"98"):
        sys.exit(f"not an ACS status: {status!r}")
    print(status.decode("utf-8").rstrip())
'''


def kiosk_command() -> list[str]:
    """The console script beside this interpreter (what `make venv` installs), else ``-m kiosk.cli``."""
    script = Path(sys.executable).with_name("kiosk")
    return [str(script)] if script.exists() else [sys.executable, "-m", "kiosk.cli"]


def start_simulator() -> tuple[subprocess.Popen[str], int]:
    proc = subprocess.Popen([*kiosk_command(), "ils-sim", "--host", "127.0.0.1", "--port", "0", "--duration", "600"],
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, cwd=ROOT)
    assert proc.stdout is not None
    line = proc.stdout.readline()          # "ILS simulator on 127.0.0.1:PORT ..." once it listens
    found = re.search(r"on 127\.0\.0\.1:(\d+)", line)
    if not found:
        proc.kill()
        proc.wait(timeout=10)
        raise SystemExit(f"the ILS simulator did not start: {line!r}")
    return proc, int(found.group(1))


def wall(argv: list[str]) -> float:
    """Seconds from spawning ``argv`` to its exit (which must be 0)."""
    started = time.perf_counter()
    result = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, timeout=60, cwd=ROOT)
    took = time.perf_counter() - started
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed (exit {result.returncode}): {result.stderr[-500:]}")
    return took


def costliest_imports(argv: list[str], count: int = 10) -> list[tuple[int, str]]:
    """``(cumulative us, module)`` of the top-level imports ``argv`` (a kiosk command) makes."""
    env = dict(os.environ, PYTHONPROFILEIMPORTTIME="1")
    result = subprocess.run(argv, capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    rows = []
    for line in result.stderr.splitlines():
        parts = line.split("|")
        if line.startswith("import time:") and len(parts) == 3 and parts[1].strip().isdigit():
            name = parts[2]
            if not name.startswith("  "):           # top-level imports only: their figure includes the rest
                rows.append((int(parts[1]), name.strip()))
    return sorted(rows, reverse=True)[:count]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=15, help="runs of each command (default 15)")
    parser.add_argument("--imports", action="store_true", help="also show each kiosk command's costliest imports")
    args = parser.parse_args()

    kiosk = kiosk_command()
    sim, port = start_simulator()
    with tempfile.TemporaryDirectory(prefix="kiosk-bench-") as tmp:
        raw_client = Path(tmp) / "raw_sip2_status.py"
        raw_client.write_text(RAW_CLIENT, encoding="utf-8")
        commands = {
            "python -c pass": [sys.executable, "-c", "pass"],
            "kiosk --help": [*kiosk, "--help"],
            "raw-socket client (93 + 99)": [sys.executable, str(raw_client), "127.0.0.1", str(port), "kiosk",
                                            "kiosk-pass"],
            "kiosk sip2 status": [*kiosk, "sip2", "--server", f"127.0.0.1:{port}", "--user", "kiosk",
                                  "--password", "kiosk-pass", "status"],
        }
        try:
            subprocess.run([sys.executable, "-m", "compileall", "-q", str(ROOT / "kiosk")], check=True,
                           stdout=subprocess.DEVNULL, timeout=300)
            for argv in commands.values():      # warm the file cache once
                wall(argv)
            times: dict[str, list[float]] = {name: [] for name in commands}
            for _ in range(args.runs):
                for name, argv in commands.items():
                    times[name].append(wall(argv))
            imports = {name: costliest_imports(argv) for name, argv in commands.items()
                       if args.imports and name.startswith("kiosk")}
        finally:
            sim.terminate()
            try:
                sim.wait(timeout=10)
            except subprocess.TimeoutExpired:
                sim.kill()
                sim.wait(timeout=10)

    median = {name: statistics.median(values) * 1000 for name, values in times.items()}
    print(f"command start-up as whole processes, median of {args.runs} runs each "
          f"(kiosk = {shutil.which(kiosk[0]) or kiosk[0]}); ILS simulator in its own process on 127.0.0.1:{port}")
    print(f"{'':<30} {'median ms':>10} {'min ms':>8} {'max ms':>8}")
    for name, values in times.items():
        print(f"{name:<30} {median[name]:>10.1f} {min(values) * 1000:>8.1f} {max(values) * 1000:>8.1f}")
    help_ms = median["kiosk --help"]
    ratio = median["kiosk sip2 status"] / median["raw-socket client (93 + 99)"]
    print(f"{'kiosk --help':<30} {help_ms:>10.1f} ms   target < {HELP_TARGET_S * 1000:.0f} ms: "
          f"{'met' if help_ms < HELP_TARGET_S * 1000 else 'NOT met'}")
    print(f"{'sip2 status / raw client':<30} {ratio:>9.2f}x   target < {STATUS_TARGET_RATIO:.0f}x: "
          f"{'met' if ratio < STATUS_TARGET_RATIO else 'NOT met'}")
    for name, rows in imports.items():
        print(f"\n{name}: costliest top-level imports (python -X importtime, cumulative)")
        for micros, module in rows:
            print(f"  {micros / 1000:>7.1f} ms  {module}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""A station process for the outage test: raises the events given as JSON on
the command line through a real Monitor, prints ``raised``, then keeps sending
until its stdin closes (or it is killed)."""

from __future__ import annotations

import json
import sys

from kiosk.monitoring import Monitor


def main() -> None:
    url, data_dir, events = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
    monitor = Monitor("branch-1-bin", kind="returnbin", webhook_url=url, data_dir=data_dir, webhook_backoff=0.05,
                      webhook_backoff_max=0.3, webhook_timeout=1.0, webhook_connect_timeout=0.5).start()
    for name, details in events:
        if name == "bin":
            monitor.bin(details["bin"], full=details["full"])
        else:
            monitor.event(name, **details)
    print("raised", flush=True)
    sys.stdin.read()
    monitor.stop(drain=5.0)


if __name__ == "__main__":
    main()

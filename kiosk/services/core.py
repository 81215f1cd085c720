"""The circulation services a kiosk station and a return bin share.

Both need the same core around their RFID reader: the journal on disk, the
SIP2 client, the security policy and circulation rules from config, the
offline desk, the security writer, the :class:`kiosk.circulation.context.Context`
that ties them together, and the replay worker that sends the offline queue
when the ILS is back (settling, on the way, entries that start-up recovery
left waiting for the ILS). :func:`build_core` assembles them in one place so
the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from kiosk.circulation.context import CirculationRules, Context, SecurityWriter
from kiosk.store.journal import Journal, default_journal_path
from kiosk.store.offline import OfflineDesk
from kiosk.store.replay import Replayer, ReplayReport, ReplayWorker
from kiosk.store.recovery import Recovery
from kiosk.tags.security import SecurityPolicy

#: Entries younger than this are transactions in flight, not leftovers for the
#: replay worker's recovery pass.
RECOVERY_MIN_AGE = 300.0


@dataclass
class CoreServices:
    journal: Journal
    client: Any
    policy: SecurityPolicy
    rules: CirculationRules
    desk: OfflineDesk
    security: SecurityWriter
    ctx: Context
    replayer: Replayer
    replay_worker: ReplayWorker


def build_core(config: Any, reader: Any, *, client: Any = None, journal_path: str | Path | None = None,
               is_offline: Callable[[], bool], go_offline: Callable[[str], None],
               on_replay_report: Callable[[ReplayReport], None]) -> CoreServices:
    """The shared services for ``config`` around ``reader`` (the RFID pad or
    chute reader). ``client`` defaults to a SIP2 client from ``[sip2]``; the
    journal lives in ``[station] data_dir`` unless ``journal_path`` is given."""
    if client is None:
        from kiosk.sip2.client import SIP2Client, SIP2Settings
        client = SIP2Client(SIP2Settings.from_config(config))
    journal = Journal(journal_path or default_journal_path(config.station.data_dir))
    policy = SecurityPolicy.from_config(config)
    rules = CirculationRules.from_config(config)
    desk = OfflineDesk.from_config(config, journal)
    security = SecurityWriter(reader, policy, rules.write_retries)
    ctx = Context(client, journal, desk, rules, security, policy, is_offline=is_offline, go_offline=go_offline)
    replayer = Replayer(journal, client)
    worker = ReplayWorker(replayer, float(config.offline.replay_interval),
                          is_online=lambda: client.state == "online", on_report=on_replay_report,
                          recovery=Recovery(journal, client, reader, policy, min_age=RECOVERY_MIN_AGE))
    return CoreServices(journal, client, policy, rules, desk, security, ctx, replayer, worker)


__all__ = ["CoreServices", "RECOVERY_MIN_AGE", "build_core"]

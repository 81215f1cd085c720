"""The circulation services a kiosk station and a return bin share.

Both need the same core around their RFID reader: the journal on disk, the
SIP2 client, the security policy and circulation rules from config, the
offline desk, the security writer, the one online/offline switch
(:class:`kiosk.services.link.ILSLink`, with the replay worker that sends the
offline queue when the ILS is back and settles, on the way, entries that
start-up recovery left waiting for the ILS), and the
:class:`kiosk.circulation.context.Context` that ties them together.
:func:`build_core` assembles them in one place so the two cannot drift apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.circulation.context import CirculationRules, Context, SecurityWriter
from kiosk.config import Config
from kiosk.drivers.rfid.base import RFIDReader
from kiosk.services.link import ILSLink
from kiosk.sip2.api import ILSClient
from kiosk.sip2.client import SIP2Client, SIP2Settings
from kiosk.store.journal import Journal, default_journal_path
from kiosk.store.offline import OfflineDesk
from kiosk.store.recovery import Recovery
from kiosk.store.replay import Replayer
from kiosk.tags.security import SecurityPolicy

#: Entries younger than this are transactions in flight, not leftovers for the
#: replay worker's recovery pass.
RECOVERY_MIN_AGE = 300.0


@dataclass(frozen=True)
class CoreServices:
    journal: Journal
    client: ILSClient
    policy: SecurityPolicy
    rules: CirculationRules
    desk: OfflineDesk
    security: SecurityWriter
    ctx: Context
    link: ILSLink


def build_core(config: Config, reader: RFIDReader | None, *, client: ILSClient | None = None,
               journal_path: str | Path | None = None) -> CoreServices:
    """The shared services for ``config`` around ``reader`` (the RFID pad or
    chute reader). ``client`` defaults to a SIP2 client from ``[sip2]``; the
    journal lives in ``[station] data_dir`` unless ``journal_path`` is given."""
    if client is None:
        client = SIP2Client(SIP2Settings.from_config(config))
    journal = Journal(journal_path or default_journal_path(config.station.data_dir))
    policy = SecurityPolicy.from_config(config)
    rules = CirculationRules.from_config(config)
    desk = OfflineDesk.from_config(config, journal)
    security = SecurityWriter(reader, policy, rules.write_retries)
    link = ILSLink(client, journal, Replayer(journal, client), replay_interval=float(config.offline.replay_interval),
                   recovery=Recovery(journal, client, reader, policy, min_age=RECOVERY_MIN_AGE))
    ctx = Context(client, journal, desk, rules, security, policy, is_offline=lambda: link.offline,
                  go_offline=link.go_offline)
    return CoreServices(journal, client, policy, rules, desk, security, ctx, link)


__all__ = ["CoreServices", "RECOVERY_MIN_AGE", "build_core"]

"""The embedded ILS simulator: a real SIP2 server over TCP with SQLite state,
seeded from a documented TOML file, with Koha-like circulation rules and
switchable faults. The demo, the tests and the benchmarks all talk to it.

Use :class:`ILSSimulator` as a context manager (demo data, ``:memory:``, a
free port): ``with ILSSimulator() as ils:``, connect to ``127.0.0.1:ils.port``
and log in as ``kiosk`` / ``kiosk-pass``; ``ils.faults.fail_next("lost_reply",
command="11")`` and ``ils.set_down(True)`` inject faults.

Modules: ``data`` (seed file), ``store`` (SQLite), ``rules`` (circulation, with
``patrons``, ``fees`` and ``holds``), ``outcomes`` (what the rules decided),
``handlers`` (SIP2 messages <-> rules), ``faults``, ``server``. The command
``kiosk ils-sim`` is in :mod:`kiosk.cli.ils_sim`.
"""

from kiosk.sip2.ils.data import DEMO_DATA, SeedData, load_data
from kiosk.sip2.ils.faults import MODES as FAULT_MODES, Faults
from kiosk.sip2.ils.server import ILSSimulator

INSTITUTION = "DEMO"
LOGIN_USER = "kiosk"
LOGIN_PASSWORD = "kiosk-pass"

__all__ = ["ILSSimulator", "Faults", "FAULT_MODES", "SeedData", "load_data", "DEMO_DATA",
           "INSTITUTION", "LOGIN_USER", "LOGIN_PASSWORD"]

"""The embedded ILS simulator: a real SIP2 server over TCP with SQLite state,
seeded from a documented TOML file, with Koha-like circulation rules and
switchable faults. The demo, the tests and the benchmarks all talk to it.

    from kiosk.sip2.ils import ILSSimulator

    with ILSSimulator() as ils:           # demo data, :memory:, a free port
        ...connect to 127.0.0.1:ils.port, log in as kiosk / kiosk-pass...
        ils.faults.fail_next("lost_reply", command="11")
        ils.set_down(True)

Modules: ``data`` (seed file), ``store`` (SQLite), ``rules`` (circulation, with
``patrons``, ``fees`` and ``holds``), ``outcomes`` (what the rules decided),
``handlers`` (SIP2 messages <-> rules), ``faults``, ``server``, ``cli``
(``kiosk ils-sim``).
"""

from kiosk.sip2.ils.data import DEMO_DATA, SeedData, load_data
from kiosk.sip2.ils.faults import MODES as FAULT_MODES, Faults
from kiosk.sip2.ils.server import ILSSimulator

INSTITUTION = "DEMO"
LOGIN_USER = "kiosk"
LOGIN_PASSWORD = "kiosk-pass"

__all__ = ["ILSSimulator", "Faults", "FAULT_MODES", "SeedData", "load_data", "DEMO_DATA",
           "INSTITUTION", "LOGIN_USER", "LOGIN_PASSWORD"]

"""Where an installed station keeps its configuration.

``kiosk run`` is started by systemd with ``--config /etc/kiosk/kiosk.toml``
(see ``systemd/kiosk.service``); commands staff run on the station by hand
(``kiosk journal status``) default to the same file, or to ``$KIOSK_CONFIG``
when that is set, never to the demo settings.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Mapping

INSTALLED_CONFIG = Path("/etc/kiosk/kiosk.toml")
RETURNBIN_CONFIG = Path("/etc/kiosk/returnbin.toml")


def installed_config(environ: Mapping[str, str] | None = None) -> Path:
    """``$KIOSK_CONFIG`` if set, else :data:`INSTALLED_CONFIG` (which may not exist)."""
    env = os.environ if environ is None else environ
    return Path(env["KIOSK_CONFIG"]) if env.get("KIOSK_CONFIG") else INSTALLED_CONFIG

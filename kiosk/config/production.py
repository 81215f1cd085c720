"""Warnings for settings that are valid but cannot be meant for a station in service.

``kiosk check-config`` prints them after the errors (``--strict`` counts them
as errors). Each reads ``section.key: what is wrong; what to do``. They look
only at a validated :class:`~kiosk.config.loader.Config`; nothing is opened
or resolved on the network.
"""

from __future__ import annotations

import ipaddress
import tempfile
from pathlib import Path, PurePath
from typing import Any

# Values the shipped examples and common tutorials use as placeholders.
PLACEHOLDER_PASSWORDS = frozenset({"change-me", "changeme", "password", "secret", "kiosk-pass", "example"})
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example")
SIMULATED = ("sim", "dummy")


def is_loopback(host: str) -> bool:
    host = host.strip().strip("[]").lower()
    if host in ("localhost", "localhost.localdomain"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def _placeholder_host(host: str) -> bool:
    host = host.strip().lower().rstrip(".")
    return any(host == domain or host.endswith("." + domain) for domain in PLACEHOLDER_DOMAINS)


def production_warnings(config: Any) -> list[str]:
    """Settings of ``config`` that a live station should not run with."""
    warnings: list[str] = []
    sip2, staff, station, receipt = config.sip2, config.staff, config.station, config.receipt
    real_ils = bool(sip2.host) and not is_loopback(sip2.host)
    if sip2.host and _placeholder_host(sip2.host):
        warnings.append(f"sip2.host: {sip2.host!r} is a placeholder from the example; "
                        "set the ILS's SIP2 server")
    if sip2.host and (not sip2.password or sip2.password.lower() in PLACEHOLDER_PASSWORDS):
        what = "empty" if not sip2.password else "still the example value"
        warnings.append(f"sip2.password: {what}; set the SIP2 login password the ILS gave this station")
    if real_ils and not sip2.tls:
        warnings.append(f"sip2.tls: off for {sip2.host}: the SIP2 login and patron PINs cross the network "
                        "in clear; turn it on (or tunnel the connection) unless the link is private")
    if real_ils and sip2.tls and not sip2.tls_verify:
        warnings.append("sip2.tls_verify: off: any server can pretend to be the ILS; give its CA in sip2.cafile")
    if not staff.pin_hash and not staff.badge_hashes:
        warnings.append("staff.pin_hash: empty and no staff.badge_hashes: staff mode cannot be opened on this "
                        "station; make a hash with `kiosk hash-pin`")
    data_dir = PurePath(str(station.data_dir))
    if data_dir.parts[-2:] == ("var", "demo") or _under(data_dir, Path(tempfile.gettempdir())):
        warnings.append(f"station.data_dir: {str(station.data_dir)!r} is a demo or temporary folder; the "
                        "journal and offline queue need persistent storage such as /var/lib/kiosk")
    if real_ils:
        for family in config.devices:
            driver = str(config.devices[family].driver or "")
            if driver.split(":")[0].strip().lower() in SIMULATED:
                warnings.append(f"devices.{family}.driver: {driver!r} is simulated hardware on a station "
                                f"talking to {sip2.host}")
    if receipt.email and receipt.smtp_user and receipt.smtp_security == "none" and not is_loopback(receipt.smtp_host):
        warnings.append(f"receipt.smtp_security: none with a login to {receipt.smtp_host}: the SMTP password "
                        "crosses the network in clear; use starttls or ssl")
    return warnings


def _under(path: PurePath, folder: Path) -> bool:
    try:
        return Path(path).resolve().is_relative_to(folder.resolve())
    except (OSError, ValueError):
        return False

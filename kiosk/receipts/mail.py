"""Send a :class:`~kiosk.receipts.model.Receipt` by email through the library's SMTP
relay (``[receipt]`` smtp_* keys), with :mod:`smtplib`.

The message has a plain-text part (the same lines as the paper receipt) and
an HTML part (right to left for Arabic). The patron's address is used for
this one message only: it is not stored in the journal and it is masked in
logs. Every failure is a :class:`ReceiptEmailError` saying whose fault it is
(the address, the relay, the network) and never carries the SMTP password.
"""

from __future__ import annotations

import html
import logging
import re
import smtplib
import ssl
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, formatdate, make_msgid
from typing import Any

from kiosk.config import Config
from kiosk.errors import KioskError, TransportError
from kiosk.i18n import direction, translator
from kiosk.logs import mask_secrets
from kiosk.receipts.model import Receipt, as_text, layout

log = logging.getLogger(__name__)

__all__ = ["EmailSettings", "ReceiptEmailError", "BadAddress", "compose", "send", "valid_address",
           "mask_address"]

# Deliberately simple: one @, no spaces or control characters, a dotted domain.
_ADDRESS = re.compile(r"^[^@\s\x00-\x1f<>()\[\],;:\"]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?"
                      r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$")


class ReceiptEmailError(KioskError):
    """The receipt could not be emailed. ``reason``: ``address`` (the patron
    typed an unusable address), ``config`` (email not set up), ``relay``
    (the SMTP server refused), ``network`` (cannot reach the relay)."""

    def __init__(self, message: str, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class BadAddress(ReceiptEmailError):
    def __init__(self, message: str) -> None:
        super().__init__(message, "address")


def valid_address(address: str) -> bool:
    return bool(_ADDRESS.match(address or "")) and len(address) <= 254


def mask_address(address: str) -> str:
    """``a***@example.org``: enough for a log line, not enough to identify."""
    local, _, domain = (address or "").partition("@")
    return f"{local[:1]}***@{domain}" if domain else "***"


@dataclass(frozen=True)
class EmailSettings:
    host: str
    port: int = 25
    security: str = "starttls"  # none | starttls | ssl
    user: str = ""
    password: str = ""
    from_address: str = ""
    timeout: float = 10.0
    cafile: str = ""

    @classmethod
    def from_config(cls, config: Config) -> "EmailSettings":
        r = config.receipt
        return cls(host=r.smtp_host, port=r.smtp_port, security=r.smtp_security, user=r.smtp_user,
                   password=r.smtp_password, from_address=r.from_address)

    @property
    def configured(self) -> bool:
        return bool(self.host and self.from_address)

    def __repr__(self) -> str:  # never show the password
        return (f"EmailSettings(host={self.host!r}, port={self.port}, security={self.security!r}, "
                f"user={self.user!r}, from_address={self.from_address!r})")


def _html(receipt: Receipt, lines: list[Any]) -> str:
    parts = []
    for line in lines:
        text = html.escape(line.text)
        if line.style == "rule":
            parts.append("<hr>")
        elif line.style == "qr":
            parts.append(f'<p style="text-align:center"><a href="{text}">{text}</a></p>')
        elif line.style == "title":
            parts.append(f'<h1 style="text-align:center;font-size:1.4em">{text}</h1>')
        elif line.style == "heading":
            parts.append(f"<h2 style=\"font-size:1.1em;margin:.6em 0 .2em\">{text}</h2>")
        else:
            align = "center" if line.align == "center" else "start"
            parts.append(f'<div style="text-align:{align};white-space:pre-wrap">{text}</div>')
    lang = html.escape(receipt.lang)
    return (f'<!DOCTYPE html><html lang="{lang}" dir="{direction(receipt.lang)}"><head><meta charset="utf-8">'
            f"</head><body style=\"font-family:sans-serif;max-width:32em\">{''.join(parts)}</body></html>")


def compose(receipt: Receipt, to: str, settings: EmailSettings, width: int = 60) -> EmailMessage:
    """The email for ``receipt``; raises :class:`BadAddress` for an unusable address."""
    to = (to or "").strip()
    if not valid_address(to):
        raise BadAddress("that does not look like an email address")
    tr = translator(receipt.lang)
    lines = layout(receipt, width, tr)
    message = EmailMessage()
    message["Subject"] = tr.gettext("Your receipt from {library}").format(library=receipt.library_name)
    message["From"] = formataddr((receipt.library_name, settings.from_address))
    message["To"] = to
    message["Date"] = formatdate(localtime=True)
    message["Message-ID"] = make_msgid(domain=settings.from_address.partition("@")[2] or None)
    message["Content-Language"] = receipt.lang
    message.set_content(as_text(lines, width))
    message.add_alternative(_html(receipt, lines), subtype="html")
    return message


def send(message: EmailMessage, settings: EmailSettings) -> None:
    """Hand ``message`` to the relay. Raises :class:`ReceiptEmailError`."""
    if not settings.configured:
        raise ReceiptEmailError("email receipts are not set up ([receipt] smtp_host, from_address)", "config")
    context = ssl.create_default_context(cafile=settings.cafile or None)
    try:
        if settings.security == "ssl":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout,
                                                  context=context)
        else:
            smtp = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        with smtp:
            smtp.ehlo_or_helo_if_needed()
            if settings.security == "starttls":
                smtp.starttls(context=context)
                smtp.ehlo()
            if settings.user:
                smtp.login(settings.user, settings.password)
            refused = smtp.send_message(message)
            if refused:
                raise ReceiptEmailError(f"the relay refused the recipient: {refused}", "relay")
    except smtplib.SMTPRecipientsRefused as exc:
        raise BadAddress(f"the mail server refused the address: {_clean(exc)}") from None
    except smtplib.SMTPNotSupportedError as exc:
        raise ReceiptEmailError(f"SMTP relay {settings.host}:{settings.port}: {_clean(exc)}", "relay") from None
    except smtplib.SMTPException as exc:
        raise ReceiptEmailError(f"SMTP relay {settings.host}:{settings.port} refused: {_clean(exc)}",
                                "relay") from None
    except (OSError, ssl.SSLError) as exc:
        raise ReceiptEmailError(f"cannot reach SMTP relay {settings.host}:{settings.port}: {_clean(exc)}",
                                "network") from TransportError(str(exc))


def _clean(exc: BaseException) -> str:
    return mask_secrets(str(exc))[:300]

"""Emailed receipts through a real SMTP conversation with a loopback sink."""

from __future__ import annotations

import base64
import email
import socket
import socketserver
import threading
from datetime import date, datetime, timezone
from email.message import Message
from pathlib import Path
from typing import Iterator

import pytest

from kiosk.config import load_config
from kiosk.store.journal import Journal
from kiosk.receipts.desk import ReceiptDesk
from kiosk.receipts.mail import (BadAddress, EmailSettings, ReceiptEmailError, compose, mask_address, send,
                                 valid_address)
from kiosk.receipts.model import ItemOutcome, Receipt, ReceiptItem

PATRON = "21000000000001"


class SMTPSink(socketserver.ThreadingTCPServer):
    """A tiny SMTP server on 127.0.0.1: records messages, can refuse a
    recipient and can require AUTH PLAIN. Just enough of RFC 5321."""

    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, refuse: str = "", auth: tuple[str, str] | None = None) -> None:
        super().__init__(("127.0.0.1", 0), _SMTPHandler)
        self.messages: list[tuple[str, list[str], bytes]] = []
        self.refuse = refuse
        self.auth = auth
        self.logins: list[str] = []
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def port(self) -> int:
        return self.server_address[1]

    def __enter__(self) -> "SMTPSink":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join(timeout=5)


class _SMTPHandler(socketserver.StreamRequestHandler):
    timeout = 5

    def reply(self, text: str) -> None:
        self.wfile.write(text.encode() + b"\r\n")

    def handle(self) -> None:
        server: SMTPSink = self.server  # type: ignore[assignment]
        sender, rcpts, authed = "", [], server.auth is None
        self.reply("220 sink ESMTP")
        for _ in range(100):
            line = self.rfile.readline(1000).decode("ascii", "replace").rstrip("\r\n")
            if not line:
                return
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink\r\n250-AUTH PLAIN\r\n250 8BITMIME" if verb == "EHLO" else "250 sink")
            elif verb == "AUTH":
                user, password = base64.b64decode(line.split()[2]).split(b"\0")[1:]
                ok = server.auth == (user.decode(), password.decode())
                server.logins.append(user.decode())
                authed = ok
                self.reply("235 ok" if ok else "535 bad credentials")
            elif verb == "MAIL":
                if not authed:
                    self.reply("530 authentication required")
                    continue
                sender = line.split(":", 1)[1].split()[0].strip("<>")
                self.reply("250 ok")
            elif verb == "RCPT":
                rcpt = line.split(":", 1)[1].strip().strip("<>")
                if server.refuse and rcpt == server.refuse:
                    self.reply("550 no such user")
                else:
                    rcpts.append(rcpt)
                    self.reply("250 ok")
            elif verb == "DATA":
                self.reply("354 go ahead")
                data = b""
                while True:
                    chunk = self.rfile.readline(100_000)
                    if chunk in (b".\r\n", b""):
                        break
                    data += chunk
                server.messages.append((sender, rcpts, data))
                self.reply("250 queued")
            elif verb == "RSET":
                self.reply("250 ok")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:
                self.reply("502 not implemented")


def receipt(lang: str = "es") -> Receipt:
    return Receipt.build(
        library_name="Riverside Public Library", patron_id=PATRON, lang=lang, session_id="s9",
        items=[ReceiptItem("31000000000001", "Cien años de soledad", ItemOutcome.BORROWED, date(2026, 12, 7))],
        created=datetime(2026, 11, 23, 15, 30, tzinfo=timezone.utc), qr_url="https://catalogue.example/me")


@pytest.fixture()
def sink() -> Iterator[SMTPSink]:
    with SMTPSink() as server:
        yield server


def settings(port: int, **kwargs: object) -> EmailSettings:
    values: dict[str, object] = dict(host="127.0.0.1", port=port, security="none",
                                     from_address="kiosk@riverside.example", timeout=5.0)
    values.update(kwargs)
    return EmailSettings(**values)  # type: ignore[arg-type]


def parse(data: bytes) -> Message:
    return email.message_from_bytes(data.replace(b"\r\n", b"\n"))


def test_sends_text_and_html_in_the_patrons_language(sink: SMTPSink) -> None:
    send(compose(receipt("es"), "ana@example.org", settings(sink.port)), settings(sink.port))
    [(sender, rcpts, data)] = sink.messages
    assert (sender, rcpts) == ("kiosk@riverside.example", ["ana@example.org"])
    message = parse(data)
    assert "Su recibo de Riverside Public Library" in str(email.header.make_header(
        email.header.decode_header(message["Subject"])))
    parts = {part.get_content_type(): part.get_payload(decode=True).decode("utf-8") for part in message.walk()
             if not part.is_multipart()}
    assert "Cien años de soledad" in parts["text/plain"] and "Vence el 7 dic 2026" in parts["text/plain"]
    assert message["From"] == "Riverside Public Library <kiosk@riverside.example>"
    assert 'lang="es"' in parts["text/html"] and "https://catalogue.example/me" in parts["text/html"]
    assert PATRON not in data.decode("utf-8", "replace")


def test_arabic_email_is_right_to_left(sink: SMTPSink) -> None:
    send(compose(receipt("ar"), "ana@example.org", settings(sink.port)), settings(sink.port))
    html = [p for p in parse(sink.messages[0][2]).walk() if p.get_content_type() == "text/html"][0]
    assert 'dir="rtl"' in html.get_payload(decode=True).decode()


def test_login_when_configured(tmp_path: Path) -> None:
    with SMTPSink(auth=("kiosk", "s3cret")) as server:
        good = settings(server.port, user="kiosk", password="s3cret")
        send(compose(receipt(), "ana@example.org", good), good)
        assert server.logins == ["kiosk"] and len(server.messages) == 1
        bad = settings(server.port, user="kiosk", password="wrong")
        with pytest.raises(ReceiptEmailError) as info:
            send(compose(receipt(), "ana@example.org", bad), bad)
        assert info.value.reason == "relay" and "wrong" not in str(info.value)
        assert "wrong" not in repr(bad) and "s3cret" not in repr(good)


def test_refused_recipient_is_a_bad_address() -> None:
    with SMTPSink(refuse="nobody@example.org") as server:
        s = settings(server.port)
        with pytest.raises(BadAddress):
            send(compose(receipt(), "nobody@example.org", s), s)


def test_unreachable_relay_is_a_network_error() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again below: nothing listens there
    s = settings(port, timeout=1.0)
    with pytest.raises(ReceiptEmailError) as info:
        send(compose(receipt(), "ana@example.org", s), s)
    assert info.value.reason == "network"


def test_not_configured() -> None:
    s = EmailSettings(host="")
    with pytest.raises(ReceiptEmailError) as info:
        send(compose(receipt(), "ana@example.org", s), s)
    assert info.value.reason == "config"


@pytest.mark.parametrize("address, ok", [
    ("ana@example.org", True), ("a.b+c@mail.example.co.uk", True), ("ana@localhost", False),
    ("ana example@x.org", False), ("ana@example.org\r\nBcc: x@y.org", False), ("", False), ("@x.org", False),
    ("ana@@x.org", False), ("a" * 70 + "@x.org", False),
])
def test_address_validation(address: str, ok: bool) -> None:
    assert valid_address(address) is ok
    if not ok:
        with pytest.raises(BadAddress):
            compose(receipt(), address, settings(25))


def test_mask_address() -> None:
    assert mask_address("ana@example.org") == "a***@example.org"
    assert mask_address("nonsense") == "***"


def test_desk_emails_and_lets_the_patron_fix_a_typo(sink: SMTPSink, tmp_path: Path) -> None:
    config = load_config(None, apply_override_file=False)
    with Journal(tmp_path / "j.sqlite3") as journal:
        desk = ReceiptDesk(config, journal, None, email=settings(sink.port))
        typo = desk.deliver(receipt("tl"), "email", "ana@example")
        assert not typo.ok and typo.retry and typo.receipt_id is None
        done = desk.deliver(receipt("tl"), "email", "ana@example.org")
        assert done.ok and "ana@example.org" in done.message and "Naipadala" in done.message
        assert len(sink.messages) == 1
        stored = journal.last_receipt()
        assert stored is not None and "ana@example.org" not in str(stored.body)


def test_desk_offers_email_only_when_enabled(sink: SMTPSink, tmp_path: Path) -> None:
    override = tmp_path / "email.toml"
    override.write_text(f'[receipt]\nemail = true\nsmtp_host = "127.0.0.1"\nsmtp_port = {sink.port}\n'
                        'smtp_security = "none"\nfrom_address = "kiosk@riverside.example"\n', encoding="utf-8")
    config = load_config(None, [override], apply_override_file=False)
    with Journal(tmp_path / "j.sqlite3") as journal:
        desk = ReceiptDesk(config, journal, None)
        assert desk.options() == ("email", "none")
        assert desk.deliver(receipt(), "email", "ana@example.org").ok
    plain = ReceiptDesk(load_config(None, apply_override_file=False), Journal(":memory:"), None)
    assert "email" not in plain.options()


def test_desk_relay_down_keeps_the_receipt(tmp_path: Path) -> None:
    with SMTPSink() as server:
        port = server.port
    with Journal(tmp_path / "j.sqlite3") as journal:
        desk = ReceiptDesk(load_config(None, apply_override_file=False), journal, None,
                           email=settings(port, timeout=1.0))
        result = desk.deliver(receipt(), "email", "ana@example.org")
        assert not result.ok and not result.retry and "mostrador" in result.message
        assert journal.last_receipt() is not None

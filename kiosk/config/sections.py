"""Every section and key of a station's configuration: type, bounds, default
and a one-line doc. This table is the reference for ``config/*.toml``.

Engineers add keys to their own section with small edits; keep one line of doc
per key.
"""

from __future__ import annotations

from kiosk.config.schema import Key, Section
from dataclasses import dataclass
from typing import Any

from kiosk.config.types import (Boolean, DeviceSpec, Float, Integer, PathValue, Regex, String,
                                StringList, ValueType)
from kiosk.speech.output import parse_output

LANGUAGE = String(pattern=r"[a-z]{2,3}(_[A-Z]{2})?", pattern_doc="a language code such as en, es, tl, ar")
COLOUR = String(pattern=r"#[0-9A-Fa-f]{6}", pattern_doc="a colour like #1B5E7A")
BYTE = Integer(0, 255)
URL = String(pattern=r"https?://\S+", pattern_doc="an http(s) URL", max_length=500)


@dataclass(frozen=True)
class AudioDevice(ValueType):
    """``[accessibility] audio_device``: checked by the parser the speech output uses."""

    def parse(self, value: Any) -> str:
        if not isinstance(value, str):
            raise ValueError(f"expected an audio device string such as \"aplay\", got {type(value).__name__}")
        parse_output(value)
        return value.strip()

    def describe(self) -> str:
        return "audio device string"


@dataclass(frozen=True)
class TextByLanguage(ValueType):
    """A table from language code to text, e.g. ``[ui.footer_text_by_language]``
    with ``es = "..."``; each code and each text is checked."""

    text: String

    def parse(self, value: Any) -> dict[str, str]:
        if not isinstance(value, dict):
            raise ValueError(f"expected a table of language = \"text\", got {type(value).__name__}")
        out = {}
        for code, text in value.items():
            try:
                out[LANGUAGE.parse(code)] = self.text.parse(text)
            except ValueError as exc:
                raise ValueError(f"{code}: {exc}") from None
        return out

    def describe(self) -> str:
        return "table of language = text"

    @staticmethod
    def pick(table: dict[str, str], default: str, lang: str) -> str:
        """The text for ``lang`` (or its base language, ``es`` for ``es_MX``), else ``default``."""
        return table.get(lang) or table.get(lang.split("_")[0]) or default

STATION = Section("station", "Who this station is and where it keeps its data.", (
    Key("id", String(pattern=r"[A-Za-z0-9_.-]{1,64}", pattern_doc="letters, digits, . _ - (1-64)"), "kiosk-1",
        "Station identifier used in logs, metrics and webhooks."),
    Key("mode", String(choices=("kiosk", "returnbin")), "kiosk", "What this station runs: the patron kiosk or a return bin."),
    Key("library_name", String(max_length=80), "Public Library", "Library name shown on screen and receipts."),
    Key("institution_id", String(max_length=32), "", "SIP2 institution id (AO) of this library."),
    Key("location_code", String(max_length=32), "", "SIP2 location (AP/CP) of this station."),
    Key("isil", String(pattern=r"[A-Za-z]{1,4}-[A-Za-z0-9:/-]{1,11}", pattern_doc="an ISIL such as DK-710100 or US-DLC"),
        "", "Owner library ISIL written to new tags and expected on the library's own tags."),
    Key("country", String(pattern=r"[A-Z]{2}", pattern_doc="an ISO 3166 two-letter code"), "",
        "Country of the owner library (Danish tag model, bytes 21-22)."),
    Key("data_dir", PathValue(), "/var/lib/kiosk", "Folder for the journal, offline queue and local overrides."),
    Key("override_file", PathValue(), "", "Settings saved from staff mode; empty = DATA_DIR/overrides.toml."),
    Key("currency", String(pattern=r"[A-Z]{3}", pattern_doc="an ISO 4217 code such as USD"), "USD",
        "Currency of fines and payments (SIP2 BH)."),
    Key("default_language", LANGUAGE, "en", "Language of the attract screen and of sessions until the patron picks one."),
    Key("languages", StringList(LANGUAGE, min_items=1), ("en", "es", "tl", "ar"), "Languages offered to patrons."),
    Key("follow_patron_language", Boolean(), False,
        "Switch to the patron's preferred language from the ILS (SIP2 language field) once the card is read, "
        "unless they picked one; off by default, as many ILSes send a catalogue-wide default there."),
))

SIP2 = Section("sip2", "The connection to the library system (ILS).", (
    Key("host", String(max_length=255), "", "ILS SIP2 server host name or address."),
    Key("port", Integer(1, 65535), 6001, "ILS SIP2 server port."),
    Key("tls", Boolean(), False, "Wrap the connection in TLS (use it wherever the server offers it)."),
    Key("tls_verify", Boolean(), True, "Verify the server certificate and host name."),
    Key("cafile", PathValue(), "", "CA bundle for the server certificate; empty = the system store."),
    Key("username", String(max_length=64), "", "SIP2 login user id (CN)."),
    Key("password", String(secret=True, max_length=64), "", "SIP2 login password (CO); never logged."),
    Key("terminal_password", String(secret=True, max_length=64), "",
        "Terminal password (AC) some ILSs (e.g. Symphony) require in every request; never logged."),
    Key("location_code", String(max_length=32), "", "Location sent in the login (CP); empty = station.location_code."),
    Key("encoding", String(choices=("cp850", "utf-8", "latin-1")), "cp850", "Character set the ILS speaks."),
    Key("terminator", String(choices=("cr", "crlf")), "cr", "Message terminator sent to the ILS (both are accepted)."),
    Key("checksums", Boolean(), True, "Send and check AY sequence numbers and AZ checksums."),
    Key("connect_timeout", Float(0.1, 120), 5.0, "Seconds to wait for the TCP/TLS connection."),
    Key("read_timeout", Float(0.1, 300), 10.0, "Seconds to wait for each reply."),
    Key("retries", Integer(0, 10), 3, "Resend requests (97) after a bad checksum before giving up."),
    Key("keepalive_interval", Float(0, 3600), 60.0, "Seconds between SC status keep-alives; 0 = off."),
    Key("reconnect_interval", Float(0.1, 3600), 5.0, "Seconds between reconnection attempts while the ILS is down."),
    Key("acs_timeout_margin", Float(0, 600), 5.0,
        "Most seconds the ILS's own timeout period (98) may add to read_timeout."),
    Key("nb_due_date", String(choices=("transaction-date", "blank")), "transaction-date",
        "What checkout and renew send as the 'no block' due date: the transaction date, or blanks for an ILS that wants them."),
    Key("max_bad_frames", Integer(1, 1000), 10,
        "Stale or unexpected replies in a row tolerated while waiting for one answer; then the connection is cut."),
))

# [devices.<family>]: every family has driver/required; the rest are the
# driver's options (cfg.devices.<family>.options).
DEVICE_COMMON = (
    Key("driver", DeviceSpec(), "", "Device string (see README, Devices); empty = not fitted."),
    Key("required", Boolean(), False, "Out of service when this device fails (else it disables itself with a warning)."),
)

DEVICE_FAMILIES: dict[str, tuple[str, tuple[Key, ...]]] = {
    "rfid": ("RFID pad for item tags (ISO 15693 / ISO 28560).", (
        Key("poll_interval", Float(0.02, 5), 0.1, "Seconds between inventories."),
        Key("settle_time", Float(0, 5), 0.3, "Seconds without change before a stack counts as settled."),
        Key("security", String(choices=("afi", "eas", "both")), "afi", "How tags are secured for the gates."),
        Key("tag_model", String(choices=("danish", "28560-2")), "danish", "Data model written by the tag programmer."),
        Key("afi_secured", BYTE, 0x07, "AFI of an item in the library (secured)."),
        Key("afi_on_loan", BYTE, 0xC2, "AFI of an item on loan (gates stay quiet)."),
        Key("write_retries", Integer(0, 10), 3, "Retries of a security write while the tag is present."),
        Key("timeout", Float(0.05, 30), 1.0, "Seconds to wait for the reader's reply."),
    )),
    "scanner": ("Barcode scanner.", (
        Key("terminator", String(choices=("cr", "lf", "crlf", "tab", "none")), "cr", "What ends one scan on a serial scanner."),
        Key("prefix", String(max_length=16), "", "Characters the scanner sends before the code (stripped)."),
        Key("suffix", String(max_length=16), "", "Characters the scanner sends after the code (stripped)."),
        Key("baud", Integer(300, 921600), 9600, "Serial scanner baud rate (a device string ,baud=N wins)."),
        Key("repeat_window", Float(0, 10), 0.5, "Seconds in which a repeat of the same code is dropped."),
        Key("idle_timeout", Float(0.05, 10), 0.5, "Seconds after which a partial serial line is dropped (or, with terminator none, ends the code)."),
        Key("max_length", Integer(4, 512), 64, "Longest code accepted; longer lines are noise."),
        Key("wedge_max_gap", Float(0.005, 1), 0.05, "Keyboard-wedge scanners: longest gap between keys of one scan (s)."),
        Key("wedge_min_length", Integer(1, 64), 4, "Keyboard-wedge scanners: fewest characters that count as a scan."),
        Key("keyboard_layout", String(choices=("us", "uk", "de", "fr")), "us", "Keyboard a HID scanner is programmed to emulate."),
    )),
    "nfc": ("NFC patron card reader (nfcpy).", (
        Key("mode", String(choices=("uid", "ndef")), "uid", "Patron id from the card UID, or from an NDEF text record."),
        Key("uid_format", String(choices=("hex", "decimal", "decimal-reversed")), "hex", "How a UID becomes a patron id."),
        Key("targets", String(max_length=64), "106A,106B,212F", "Card technologies polled (nfcpy bitrate+type, comma separated)."),
        Key("poll_interval", Float(0.02, 5), 0.2, "Seconds between polls while no card is present."),
        Key("removal_time", Float(0.1, 10), 1.0, "Seconds without the card before its next presentation counts again."),
    )),
    "printer": ("ESC/POS receipt printer.", (
        Key("width", Integer(24, 64), 42, "Characters per line in the default font."),
        Key("paper_width_px", Integer(256, 832), 512, "Printable width in dots (images, non-ASCII fallback)."),
        Key("codepage", String(max_length=16), "", "Printer code page; empty = chosen per text."),
        Key("cut", Boolean(), True, "Partial cut after each receipt."),
        Key("logo", PathValue(), "", "Image printed at the top of receipts; empty = none."),
        Key("profile", String(max_length=32), "default", "python-escpos capability profile (e.g. TM-T88V) naming code pages and features."),
        Key("font", PathValue(), "", "TrueType font for text no code page can print (e.g. Arabic); empty = DejaVu Sans."),
        Key("status_interval", Float(0, 600), 10.0, "Seconds between DLE EOT status polls while idle; 0 = only on demand."),
        Key("timeout", Float(0.1, 60), 2.0, "Seconds to wait for the printer (connect, status reply)."),
        Key("baud", Integer(300, 921600), 9600, "Serial printer baud rate (a device string ,baud=N wins)."),
    )),
    "sorter": ("Return-bin sorter (conveyor / relay board).", (
        Key("bins", StringList(String(pattern=r"[A-Za-z0-9_-]{1,32}", pattern_doc="a bin name (letters, digits, _ -)"),
                               min_items=1), ("1", "2", "holds", "reject"), "Bins the simulated sorter has."),
        Key("capacity", Integer(0, 100000), 0, "Items per bin before the simulated full sensor trips; 0 = never."),
        Key("baud", Integer(1200, 921600), 9600, "Serial speed of a sorter board."),
        Key("timeout", Float(0.1, 30), 2.0, "Seconds to wait for the sorter board's reply."),
    )),
    "display": ("Return-bin status display or LEDs.", (
        Key("baud", Integer(1200, 921600), 9600, "Serial speed of a status display or LED board."),
    )),
    "payment": ("Payment terminal for fines.", ()),
    "keypad": ("Keypad for patrons who use the kiosk without touch or sight (numeric or audio-nav).", (
        Key("keymap", StringList(String(pattern=r"[^=\s]+=[A-Za-z0-9_]+", pattern_doc="CODE=KEY, e.g. KEY_F5=REPEAT",
                                        max_length=64)), (),
            "Extra codes: evdev KEY_NAME=KEY or serial CHAR=KEY; KEY is UP, SELECT, HELP, REPEAT, DIGIT_5..."),
        Key("baud", Integer(300, 921600), 9600, "Serial keypad baud rate (a device string ,baud=N wins)."),
        Key("framing", String(choices=("byte", "line")), "byte", "Serial keypad: one key per byte, or one key name per line."),
    )),
}

UI = Section("ui", "The touchscreen: look, lock-down and timeouts.", (
    Key("fullscreen", Boolean(), True, "Fullscreen without decorations."),
    Key("width", Integer(0, 8192), 0, "Window width in pixels when not fullscreen; 0 = screen."),
    Key("height", Integer(0, 8192), 0, "Window height in pixels when not fullscreen; 0 = screen."),
    Key("dpi", Integer(0, 1000), 0, "Screen density used to size 15 mm touch targets; 0 = ask the system."),
    Key("hide_cursor", Boolean(), True, "Hide the mouse cursor (touch only)."),
    Key("theme", String(choices=("default", "high-contrast")), "default", "Colour theme patrons start with."),
    Key("large_text", Boolean(), False, "Start sessions in large-text mode."),
    Key("sounds", Boolean(), True, "Play success and error sounds."),
    Key("volume", Float(0, 1), 0.8, "Sound volume, 0 to 1."),
    Key("logo", PathValue(), "", "Library logo on the attract screen; empty = the built-in one."),
    Key("primary_colour", COLOUR, "#1B5E7A", "Brand colour of buttons and headers."),
    Key("accent_colour", COLOUR, "#F2A541", "Accent colour for highlights."),
    Key("footer_text", String(max_length=200), "", "Line at the bottom of every patron screen."),
    Key("footer_text_by_language", TextByLanguage(String(max_length=200)), {},
        "footer_text in other languages: a table [ui.footer_text_by_language] of LANG = \"text\" "
        "(es, tl, ar...); a language without an entry shows footer_text."),
    Key("timeout_pin", Float(5, 600), 30.0, "Seconds of inactivity on the PIN pad before the warning."),
    Key("timeout_home", Float(5, 600), 45.0, "Seconds of inactivity on the home screen before the warning."),
    Key("timeout_borrow", Float(5, 600), 90.0, "Seconds of inactivity while borrowing before the warning."),
    Key("timeout_return", Float(5, 600), 90.0, "Seconds of inactivity while returning before the warning."),
    Key("timeout_account", Float(5, 600), 90.0, "Seconds of inactivity in My account before the warning."),
    Key("timeout_receipt", Float(5, 600), 20.0, "Seconds on the receipt choice before 'no receipt' is taken."),
    Key("warning_seconds", Float(3, 120), 15.0, "Countdown shown before an idle session ends."),
    Key("goodbye_seconds", Float(1, 60), 5.0, "Seconds the goodbye screen stays up."),
))

ACCESSIBILITY = Section("accessibility", "Speech, keypad operation, more time, zoom and low reach (EN 301 549 5.1).", (
    Key("speech_default", Boolean(), False, "Start every session in speech mode (patrons can still turn it off)."),
    Key("speech_on_keypad", Boolean(), True, "The first key pressed on the patron keypad turns speech on."),
    Key("speech_rate", Integer(80, 450), 175, "Speech rate in words per minute; patrons change it with the keypad."),
    Key("speech_volume", Float(0, 1), 0.8, "Speech volume, 0 to 1; patrons change it with the keypad."),
    Key("audio_device", AudioDevice(), "aplay",
        "Where speech plays: aplay[:ALSA_DEVICE] (the headphone jack), pipe:COMMAND, or sim[:DIR] to record it."),
    Key("voices", StringList(String(pattern=r"[a-z]{2,3}(_[A-Z]{2})?=[A-Za-z0-9/_-]+",
                                    pattern_doc="LANG=VOICE, e.g. en=gmw/en-US")), (),
        "Voice per language (espeak-ng identifiers, e.g. en=gmw/en-US); others get espeak-ng's first choice."),
    Key("speech_timeout_factor", Float(1, 10), 2.0, "Inactivity timeouts are this many times longer in speech mode."),
    Key("large_text_timeout_factor", Float(1, 10), 1.5, "Inactivity timeouts are this many times longer in large-text mode."),
    Key("zoom_max", Float(1, 4), 2.0, "Largest magnification patrons can choose, beyond large text (1 = no zoom)."),
    Key("zoom_step", Float(0.1, 1), 0.5, "Magnification added by each step of the zoom control."),
    Key("low_layout", Boolean(), False, "Start sessions with every control in the lower part of a portrait screen."),
))

CIRCULATION = Section("circulation", "Rules that decide what patrons may do and are told.", (
    Key("pin_policy", String(choices=("required", "optional", "none")), "required", "Whether patrons enter a PIN."),
    Key("pin_attempts", Integer(1, 10), 3, "Wrong PINs allowed before the session stops."),
    Key("renew_own_items", Boolean(), True, "An item already on loan to the patron is renewed instead of refused."),
    Key("security_failure", String(choices=("undo", "staff")), "undo",
        "When a tag cannot be set to on-loan: undo the loan (check in) or send the patron to staff."),
    Key("multipart", String(choices=("refuse", "warn", "desk")), "refuse",
        "Incomplete multi-part sets: refuse, lend with a warning, or send to the desk."),
    Key("anonymous_return", Boolean(), True, "Returns without logging in."),
    Key("barcode_items", Boolean(), True, "Items without a tag may be borrowed by scanning their barcode."),
    Key("return_place", String(choices=("pad", "slot", "desk")), "pad",
        "Where patrons leave an item they returned that staff must set aside (on hold for someone else): "
        "on the pad, in the return slot, or at the desk."),
))

BARCODES = Section("barcodes", "Rules that tell patron and item barcodes apart and validate them.", (
    Key("patron_pattern", Regex(), r"2\d{13}", "Regular expression a patron barcode matches in full."),
    Key("item_pattern", Regex(), r"3\d{13}", "Regular expression an item barcode matches in full."),
    Key("check_digit", String(choices=("none", "codabar", "ean13")), "none", "Check digit verified on scanned barcodes."),
    Key("patron_check", String(choices=("", "none", "codabar", "codabar14", "ean13", "isbn10", "isbn")), "", "Check digit of patron barcodes; empty = check_digit."),
    Key("item_check", String(choices=("", "none", "codabar", "codabar14", "ean13", "isbn10", "isbn")), "", "Check digit of item barcodes; empty = check_digit."),
    Key("patron_min_length", Integer(0, 64), 0, "Shortest patron barcode; 0 = no bound."),
    Key("patron_max_length", Integer(0, 64), 0, "Longest patron barcode; 0 = no bound."),
    Key("item_min_length", Integer(0, 64), 0, "Shortest item barcode; 0 = no bound."),
    Key("item_max_length", Integer(0, 64), 0, "Longest item barcode; 0 = no bound."),
    Key("prefer", String(choices=("patron", "item")), "patron", "Kind chosen when a barcode fits both rules."),
    Key("strip_codabar_delimiters", Boolean(), True, "Drop Codabar start/stop characters (A-D) around digits."),
))

RECEIPT = Section("receipt", "Receipts on paper or by email.", (
    Key("default", String(choices=("ask", "print", "email", "none")), "ask", "Offer a choice, or always use one."),
    Key("header", String(max_length=500), "", "Text printed under the library name."),
    Key("footer", String(max_length=500), "Thank you for using the self-service kiosk.", "Text printed at the end."),
    Key("translations", StringList(String(pattern=r"[a-z]{2,3}(_[A-Z]{2})?\.(header|footer)=.*",
                                          pattern_doc="LANG.header=TEXT or LANG.footer=TEXT", max_length=520)),
        (), "Header/footer in other languages, e.g. \"es.footer=Gracias por su visita\"."),
    Key("show_qr", Boolean(), False, "Print a QR code linking to qr_url."),
    Key("qr_url", String(max_length=300), "", "Address in the QR code (e.g. the catalogue's My account page)."),
    Key("email", Boolean(), False, "Offer receipts by email."),
    Key("smtp_host", String(max_length=255), "", "SMTP relay for emailed receipts."),
    Key("smtp_port", Integer(1, 65535), 25, "SMTP relay port."),
    Key("smtp_security", String(choices=("none", "starttls", "ssl")), "starttls", "SMTP transport security."),
    Key("smtp_user", String(max_length=255), "", "SMTP user name; empty = no login."),
    Key("smtp_password", String(secret=True, max_length=255), "", "SMTP password; never logged."),
    Key("from_address", String(max_length=255), "", "Sender address of emailed receipts."),
))

OFFLINE = Section("offline", "What the kiosk does while the ILS cannot be reached.", (
    Key("enabled", Boolean(), True, "Keep serving offline (else out of service while the ILS is down)."),
    Key("allow_checkout", Boolean(), True, "Borrowing is allowed offline (returns always are)."),
    Key("max_items", Integer(0, 100), 5, "Items one patron may borrow offline."),
    Key("replay_interval", Float(0.1, 3600), 30.0, "Seconds between attempts to replay the offline queue."),
    Key("loan_days", Integer(1, 365), 14, "Loan period promised for items borrowed offline (sent as the no-block due date)."),
))

STAFF = Section("staff", "Staff mode access.", (
    Key("pin_hash", String(pattern=r"scrypt\$\d+\$\d+\$\d+\$[0-9a-f]+\$[0-9a-f]+",
                           pattern_doc="a hash made by `kiosk hash-pin`", secret=True),
        "", "Staff PIN as a salted scrypt hash (`kiosk hash-pin`); empty = no PIN access."),
    Key("badge_hashes", StringList(String(pattern=r"scrypt\$\d+\$\d+\$\d+\$[0-9a-f]+\$[0-9a-f]+",
                                          pattern_doc="a hash made by `kiosk hash-pin`", secret=True)),
        (), "Staff badge ids as salted scrypt hashes (`kiosk hash-pin`)."),
    Key("max_failures", Integer(1, 20), 5, "Failed attempts before staff mode locks."),
    Key("lockout_seconds", Integer(10, 86400), 300, "How long staff mode stays locked."),
    Key("badge_pattern", Regex(), "",
        "Regular expression staff badges match in full: such cards are never patron cards, and a wrong one "
        "counts as a failed staff attempt (empty = only scans that fit no patron or item rule count)."),
))

MONITORING = Section("monitoring", "Webhooks, heartbeat and metrics for remote monitoring.", (
    Key("webhook_url", URL, "", "Where events staff must act on are POSTed; empty = off."),
    Key("webhook_urls", StringList(URL), (), "More receivers, each with its own queue and sender thread."),
    Key("webhook_timeout", Float(0.1, 60), 5.0, "Seconds to wait for a receiver's answer to one POST."),
    Key("webhook_connect_timeout", Float(0.1, 60), 3.0, "Seconds to wait for a receiver's connection."),
    Key("webhook_backoff", Float(0.01, 3600), 1.0, "Seconds before the first retry; doubles per failure."),
    Key("webhook_backoff_max", Float(0.01, 86400), 300.0, "Longest wait between retries."),
    Key("webhook_max_age", Float(1, 90 * 86400), 3 * 86400.0,
        "Seconds an undelivered event is kept (on disk) before it is dropped and counted."),
    Key("webhook_retries", Integer(0, 20), 5, "Unused: events are retried until webhook_max_age (kept so old files load)."),
    Key("heartbeat_interval", Float(0, 86400), 300.0, "Seconds between heartbeat webhooks; 0 = off."),
    Key("metrics_host", String(max_length=255), "127.0.0.1", "Address of the Prometheus metrics endpoint (0.0.0.0 = all)."),
    Key("metrics_port", Integer(0, 65535), 0, "Port of the Prometheus metrics endpoint; 0 = off."),
    Key("watchdog_allowance", Float(1, 3600), 20.0,
        "Seconds a worker (UI loop, station worker, device reader, return-bin stage) may show no progress "
        "before the systemd watchdog pings stop; waits on the ILS and devices come on top."),
))

RETURNBIN_RULE = Section("returnbin.rules", "One sorting rule: every given match must hold.", (
    Key("bin", String(max_length=32), "", "Bin the item goes to when the rule matches."),
    Key("sort_bin", String(max_length=32), "", "Match the ILS's sort bin (CL)."),
    Key("alert_type", String(max_length=8), "", "Match the checkin alert type (Koha CV: 01 hold, 04 transit...)."),
    Key("collection", String(max_length=32), "", "Match the item's collection code."),
    Key("location", String(max_length=64), "", "Match the item's permanent location (AQ)."),
    Key("media_type", String(max_length=8), "", "Match the SIP2 media type (CK)."),
    Key("item_pattern", Regex(), "", "Match the item barcode against a regular expression."),
))

RETURNBIN = Section("returnbin", "The after-hours return bin.", (
    Key("default_bin", String(max_length=32), "1", "Bin for items no rule claims, and for all items offline."),
    Key("holds_bin", String(max_length=32), "holds", "Bin for items with a hold or transit alert."),
    Key("reject_bin", String(max_length=32), "reject", "Bin for unreadable, foreign or refused items."),
    Key("print_slip", Boolean(), False, "Print a return slip per item."),
), table_lists={"rules": RETURNBIN_RULE})

SECTIONS: tuple[Section, ...] = (STATION, SIP2, UI, ACCESSIBILITY, CIRCULATION, BARCODES, RECEIPT, OFFLINE, STAFF, MONITORING,
                                 RETURNBIN)

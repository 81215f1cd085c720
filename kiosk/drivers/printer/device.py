"""ReceiptPrinter: the kiosk's receipt printer over any python-escpos backend.

The circulation core composes receipts with the helpers here (``text`` in
the session's language, ``logo``, ``barcode``, ``qr``, ``cut``) or drives
``.escpos`` directly inside ``with printer.job():``, which keeps the status
poller from slipping a DLE EOT query between the bytes of an image.

Status (DLE EOT, see :mod:`kiosk.drivers.printer.status`) is read on demand
with :meth:`status` and, once someone registered with :meth:`on_status`,
every ``status_interval`` seconds by a monitor thread while the printer is
idle; listeners hear only changes. Transports that cannot read (file, CUPS)
report ``known=False`` rather than a guess dressed as fact.
"""

from __future__ import annotations

import contextlib
import copy
import io
import logging
import textwrap
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, Callable

from kiosk.drivers.printer import escpos_import

escpos_import.load()     # before any escpos import: see escpos_import

from escpos.escpos import Escpos  # noqa: E402,I001

from kiosk.drivers.printer import codepages, textimage
from kiosk.drivers.printer.status import (OFFLINE_CAUSE, PAPER, PRINTER, PrinterStatus, check_reply,
                                          decode_status, status_query)
from kiosk.drivers.selftest import SelfTestResult
from kiosk.errors import DeviceError, RemoteProtocolError

log = logging.getLogger(__name__)
StatusListener = Callable[[PrinterStatus], None]


class ReceiptPrinter:
    family = "printer"

    def __init__(self, escpos: Escpos, name: str, options: dict[str, Any] | None = None) -> None:
        options = dict(options or {})
        self.escpos = escpos
        self.name = name
        self.width = int(options.get("width", 42))
        self.paper_width_px = int(options.get("paper_width_px", 512))
        self.codepage = str(options.get("codepage", "") or "")
        self.font = str(options.get("font", "") or "") or None
        self.cut_after = bool(options.get("cut", True))
        self.logo_path = str(options.get("logo", "") or "")
        self.status_interval = float(options.get("status_interval", 10.0))
        self.timeout = float(options.get("timeout", 2.0))
        self._lock = threading.RLock()
        self._listeners: list[StatusListener] = []
        self._last_status: PrinterStatus | None = None
        self._last_write = 0.0
        self._depth = 0
        self._monitor: threading.Thread | None = None
        self._halt = threading.Event()
        # Our own copy of the profile data: python-escpos shares one dict per
        # profile class between all printers. Generic profiles leave the paper
        # width "Unknown", which disables centring images.
        profile_data = copy.deepcopy(self.escpos.profile.profile_data)
        media = profile_data.setdefault("media", {}).setdefault("width", {})
        if not isinstance(media.get("pixels"), int):
            media["pixels"] = self.paper_width_px
        self.escpos.profile.profile_data = profile_data
        # Tables tried in the order most printers have them, not by slot number as text.
        self.encoder = codepages.PreferringEncoder(self.escpos.profile.get_code_pages())
        self.escpos.magic.encoder = self.encoder
        if self.codepage:
            try:
                self.escpos.magic.force_encoding(self.codepage)
            except Exception as exc:  # python-escpos raises its own Error for unknown pages
                raise DeviceError(f"printer: code page {self.codepage!r} not in the printer profile: {exc}",
                                  self.family) from exc

    # -- raw output ----------------------------------------------------------
    @property
    def output(self) -> bytes:
        """Bytes printed so far (simulated/dummy printer only)."""
        # python-escpos backends differ: only the dummy ones keep what was printed.
        return bytes(getattr(self.escpos, "output", b""))

    @property
    def can_read_status(self) -> bool:
        # python-escpos backends differ: some cannot read at all, ours say whether they can now.
        return hasattr(self.escpos, "read_status") and getattr(self.escpos, "can_read", True)

    @contextlib.contextmanager
    def job(self) -> Iterator[Escpos]:
        """Exclusive use of the printer for one receipt; I/O errors become DeviceError.

        The outermost job starts with ESC @ (initialise), so modes left by an
        aborted receipt or a power cycle cannot leak into this one."""
        with self._lock:
            self._depth += 1
            try:
                if self._depth == 1:
                    self._initialise()
                yield self.escpos
            except (OSError, ValueError) as exc:
                raise DeviceError(f"printer: {self.name}: print failed: {exc}", self.family) from exc
            except Exception as exc:
                if type(exc).__module__.startswith("escpos") or type(exc).__module__.startswith("usb"):
                    raise DeviceError(f"printer: {self.name}: print failed: {exc}", self.family) from exc
                raise
            finally:
                self._depth -= 1
                self._last_write = time.monotonic()

    def _initialise(self) -> None:
        self.escpos._raw(b"\x1b@")
        # The printer is back on its default code page; make python-escpos
        # announce the next one (ESC t) instead of assuming it is still set.
        self.escpos.magic.encoding = None
        if self.codepage:
            self.escpos.magic.force_encoding(self.codepage)

    # -- content helpers -----------------------------------------------------
    def text(self, text: str, *, align: str = "left", bold: bool = False, double: bool = False,
             language: str | None = None) -> None:
        """Print ``text`` (lines wrapped to the paper), in a code page where one
        fits every character, else as an image (CJK, Arabic, Hebrew ...)."""
        # Babel and translators use no-break spaces that no code page has.
        text = text.replace("\u202f", " ").replace("\xa0", " ").replace("\u2009", " ")
        with self.job() as p:
            if self._needs_image(text, language):
                size = 40 if double else 24
                p.set(align="left")
                p.image(textimage.render_text(text, self.paper_width_px, font_path=self.font, size=size,
                                              align=align, language=language, bold=bold), center=False)
                return
            self._choose_page(text)
            width = self.width // 2 if double else self.width
            # normal_textsize makes python-escpos send ESC ! 0; without it a
            # double-size line would leave the printer in double size.
            p.set(align=align, bold=bold, normal_textsize=not double, double_width=double, double_height=double)
            for paragraph in text.split("\n"):
                # Lines the core laid out to fit keep their spacing (columns, padding).
                wrapped = [paragraph] if len(paragraph) <= width else textwrap.wrap(paragraph, width)
                for line in wrapped or [""]:
                    p.text(line + "\n")
            p.set(align="left", bold=False, normal_textsize=True)

    def lines(self, lines: list[str], *, language: str | None = None) -> None:
        self.text("\n".join(lines), language=language)

    def columns(self, left: str, right: str, *, language: str | None = None) -> None:
        """``left ..... right`` on one line (title and due date)."""
        if textimage.has_rtl(left + right):
            self.text(f"{left}  {right}", language=language)   # the image path lays out RTL
            return
        room = self.width - len(right) - 1
        if len(left) > room:
            left = left[: max(1, room - 1)] + "…"
        self.text(left.ljust(room) + " " + right, language=language)

    def logo(self, path: str | Path | None = None) -> None:
        path = path or self.logo_path
        if not path:
            return
        if not Path(path).is_file():
            raise DeviceError(f"printer: logo image {str(path)!r} not found", self.family)
        from PIL import Image

        with Image.open(path) as source:
            image = source.convert("RGBA") if source.mode in ("P", "LA") else source.copy()
        if image.width > self.paper_width_px:
            height = round(image.height * self.paper_width_px / image.width)
            image = image.resize((self.paper_width_px, max(1, height)))
        with self.job() as p:
            p.image(image, center=True)

    def barcode(self, code: str, kind: str = "CODE128") -> None:
        with self.job() as p:
            p.set(align="center")
            # python-escpos announces its renderer choice on stdout; keep CLI output clean.
            with contextlib.redirect_stdout(io.StringIO()):
                if kind.upper() == "CODE128":
                    p.barcode("{B" + code, "CODE128", function_type="B", width=2, height=64, pos="BELOW")
                else:
                    p.barcode(code, kind, width=2, height=64, pos="BELOW")
            p.set(align="left")

    def qr(self, data: str, size: int = 6) -> None:
        with self.job() as p:
            native = bool(p.profile.supports("qrCode"))
            p.set(align="center")
            p.qr(data, size=size, center=not native, native=native)
            p.set(align="left")

    def cut(self) -> None:
        """Feed past the cutter and make a partial cut (the receipt stays
        attached at one point, so it does not fall into the return slot)."""
        with self.job() as p:
            p.cut(mode="PART", feed=True)

    def feed(self, lines: int = 1) -> None:
        with self.job() as p:
            p.ln(lines)

    # -- status --------------------------------------------------------------
    def ensure_ready(self) -> PrinterStatus:
        """Status, raising :class:`DeviceError` with the reason when a receipt
        cannot be printed now (the core then offers email or no receipt)."""
        status = self.status()
        if status.known and not status.ready:
            raise DeviceError(f"printer: {status.describe()}", self.family)
        return status

    def status(self) -> PrinterStatus:
        """Ask the printer (DLE EOT 1, 2, 4); listeners hear a change."""
        status = self._query()
        self._publish(status)
        return status

    def on_status(self, callback: StatusListener) -> None:
        """Call ``callback(status)`` whenever the status changes (from the
        monitor thread or any :meth:`status` call)."""
        self._listeners.append(callback)
        if self.can_read_status and self.status_interval > 0 and self._monitor is None:
            self._halt.clear()
            self._monitor = threading.Thread(target=self._watch, name=f"printer-status {self.name}", daemon=True)
            self._monitor.start()

    def _query(self) -> PrinterStatus:
        if not self.can_read_status:
            return PrinterStatus(known=False, detail=f"{self.name} cannot report status")
        status = self._query_once()
        if status.known and not status.online and status.detail.startswith("no connection"):
            # The printer was switched off and on (or the network blipped):
            # reconnect once, here, where no half-sent receipt can be doubled.
            with self._lock:
                try:
                    self.escpos.close()
                    self.escpos.open()
                except Exception as exc:  # any backend's own connection error
                    return PrinterStatus(online=False, detail=f"no connection: {exc}".replace("\n", " "))
            status = self._query_once()
        return status

    def _query_once(self) -> PrinterStatus:
        with self._lock:
            try:
                self.escpos.discard_input()
                replies: dict[int, int] = {}
                for n in (PRINTER, OFFLINE_CAUSE, PAPER):
                    self.escpos._raw(status_query(n))
                    replies[n] = check_reply(n, self.escpos.read_status(self.timeout))
            except RemoteProtocolError as exc:
                return PrinterStatus(online=False, known=False, detail=str(exc))
            except Exception as exc:  # transport failure of any backend library: a fact, not a guess
                return PrinterStatus(online=False, detail=f"no connection: {exc}".replace("\n", " "))
        return decode_status(replies[PRINTER], replies[OFFLINE_CAUSE], replies[PAPER])

    def _publish(self, status: PrinterStatus) -> None:
        if status == self._last_status:
            return
        self._last_status = status
        for listener in list(self._listeners):
            try:
                listener(status)
            except Exception:  # a listener's bug must not stop status reporting
                log.exception("printer status listener failed")

    def _watch(self) -> None:
        while not self._halt.wait(self.status_interval):
            if time.monotonic() - self._last_write < 1.0:
                continue  # printing: do not interleave queries with job bytes
            self.status()

    # -- lifecycle -----------------------------------------------------------
    def self_test(self, print_page: bool = False) -> SelfTestResult:
        """Status query (safe); with ``print_page`` also a short test slip."""
        status = self.status()
        if status.known and not status.ready:
            return SelfTestResult.failed(f"{self.name}: {status.describe()}")
        warnings = ("paper near end",) if status.near_end else ()
        if print_page:
            try:
                self.text("Kiosk printer test", align="center", bold=True)
                self.text(f"{self.name}\n{time.strftime('%Y-%m-%d %H:%M:%S')}\nÅ é ñ ß € Ж Ω", align="center")
                self.cut()
            except DeviceError as exc:
                return SelfTestResult.failed(str(exc))
            return SelfTestResult(True, f"{self.name}: test slip printed; {status.describe()}", warnings)
        return SelfTestResult(True, f"{self.name}: {status.describe()}", warnings)

    def close(self) -> None:
        self._halt.set()
        monitor, self._monitor = self._monitor, None
        if monitor is not None and monitor is not threading.current_thread():
            monitor.join(timeout=self.timeout * 3 + 1)
        with contextlib.suppress(Exception):
            self.escpos.close()

    # -- internals -----------------------------------------------------------
    def _needs_image(self, text: str, language: str | None) -> bool:
        if textimage.has_rtl(text) or (language or "").split("-")[0] in textimage.RTL_LANGUAGES:
            return True
        if self.codepage:
            return not all(self.encoder.can_encode(self.codepage, c) for c in text if c != "\n")
        return not codepages.covers(text, self.encoder)

    def _choose_page(self, text: str) -> None:
        """Switch (ESC t) to the one table that prints all of ``text`` unless
        the current one does; python-escpos then writes it without switching."""
        magic = self.escpos.magic
        if self.codepage:
            return
        current = magic.encoding
        if current and all(self.encoder.can_encode(current, c) for c in text):
            return
        page = codepages.page_for(text, self.encoder)
        if page is not None:
            magic.write_with_encoding(page, None)

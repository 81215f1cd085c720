"""Receipt printers through their transports: a loopback TCP printer and a
pty printer that record bytes and answer DLE EOT, a device file, and the
simulator; status decoding tables; typed open errors."""

from __future__ import annotations

import queue
import time
from pathlib import Path

import pytest
from PIL import Image

from kiosk.drivers.printer.render import escpos_to_text
from kiosk.drivers.printer.status import (PrinterStatus, check_reply, decode_status, encode_status,
                                          status_query)
from kiosk.drivers.registry import open_device
from kiosk.errors import DeviceError, RemoteProtocolError

# ---------------------------------------------------------------- status tables
STATUS_BYTES = [
    # (printer, offline cause, paper) -> status (Epson DLE EOT 1/2/4 bit meanings)
    ((0x12, 0x12, 0x12), PrinterStatus()),
    ((0x1A, 0x32, 0x7E), PrinterStatus(online=False, paper_out=True, near_end=True)),
    ((0x12, 0x12, 0x1E), PrinterStatus(near_end=True)),
    ((0x1A, 0x16, 0x12), PrinterStatus(online=False, cover_open=True)),
    ((0x1A, 0x52, 0x12), PrinterStatus(online=False, error=True)),
]


@pytest.mark.parametrize("raw, status", STATUS_BYTES)
def test_decode_and_encode_status(raw: tuple[int, int, int], status: PrinterStatus) -> None:
    assert decode_status(*raw) == status
    encoded = encode_status(status)
    assert decode_status(encoded[1], encoded[2], encoded[4]) == status


@pytest.mark.parametrize("reply, byte", [(b"\x12", 0x12), (b"\x00\x00\x0f\x1e", 0x1E), (b"\x16", 0x16)])
def test_check_reply_finds_the_status_byte(reply: bytes, byte: int) -> None:
    assert check_reply(4, reply) == byte


@pytest.mark.parametrize("reply, message", [(b"", "did not answer"), (b"\xff\x00", "not a status byte")])
def test_check_reply_rejects_noise(reply: bytes, message: str) -> None:
    with pytest.raises(RemoteProtocolError, match=message):
        check_reply(1, reply)


def test_status_query_bytes() -> None:
    assert status_query(4) == b"\x10\x04\x04"
    with pytest.raises(ValueError):
        status_query(9)


def test_describe() -> None:
    assert PrinterStatus().describe() == "ready"
    assert PrinterStatus(paper_out=True, online=False).describe() == "paper out, offline"
    assert PrinterStatus(near_end=True).describe() == "paper near end"
    assert PrinterStatus(known=False, detail="x").describe() == "status unknown (x)"


# ---------------------------------------------------------------- network printer
def wait_for(predicate, timeout: float = 3.0) -> bool:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.01)
    return False


def test_network_printer_prints_and_reports_status(tcp_printer) -> None:  # type: ignore[no-untyped-def]
    printer = open_device("printer", f"escpos-network:127.0.0.1:{tcp_printer.port}", {"timeout": 1.0})
    try:
        printer.text("Library receipt", align="center", bold=True)
        printer.text("Björn Ångström: Cien años, €1.50")
        printer.barcode("31000000000001")
        printer.cut()
        assert printer.status().ready
        assert wait_for(lambda: b"\x1dV\x01" in tcp_printer.emulator.received)
        text = escpos_to_text(bytes(tcp_printer.emulator.received))
        assert "Library receipt" in text
        assert "Björn Ångström: Cien años, €1.50" in text
        assert "[barcode CODE128: 31000000000001]" in text
        assert "partial cut" in text
        assert tcp_printer.emulator.queries == [1, 2, 4]

        tcp_printer.emulator.state = PrinterStatus(online=False, paper_out=True, near_end=True)
        status = printer.status()
        assert status.paper_out and not status.online and not status.ready
        result = printer.self_test()
        assert not result.ok and "paper out" in result.detail

        tcp_printer.emulator.state = PrinterStatus(near_end=True)
        result = printer.self_test()
        assert result.ok and result.warnings == ("paper near end",)
    finally:
        printer.close()


def test_status_changes_surface_as_events(tcp_printer) -> None:  # type: ignore[no-untyped-def]
    printer = open_device("printer", f"escpos-network:127.0.0.1:{tcp_printer.port}",
                          {"timeout": 1.0, "status_interval": 0.05})
    events: queue.Queue[PrinterStatus] = queue.Queue()
    try:
        printer.on_status(events.put)
        assert events.get(timeout=3).ready
        tcp_printer.emulator.state = PrinterStatus(near_end=True)
        assert events.get(timeout=3).near_end
        tcp_printer.emulator.state = PrinterStatus(online=False, paper_out=True)
        assert events.get(timeout=3).paper_out
        time.sleep(0.2)
        assert events.empty()          # unchanged status is not repeated
    finally:
        printer.close()


def test_silent_or_garbled_printer_gives_unknown_status(tcp_printer) -> None:  # type: ignore[no-untyped-def]
    printer = open_device("printer", f"escpos:network:127.0.0.1:{tcp_printer.port}", {"timeout": 0.2})
    try:
        tcp_printer.emulator.answer = False
        status = printer.status()
        assert not status.known and "did not answer" in status.detail
        tcp_printer.emulator.garbage = b"\xff"
        status = printer.status()
        assert not status.known and "not a status byte" in status.detail
        tcp_printer.emulator.garbage = None
        tcp_printer.emulator.answer = True
        assert printer.status().ready
    finally:
        printer.close()


def test_unreachable_network_printer_is_a_device_error() -> None:
    import socket

    with socket.socket() as s:   # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeviceError, match="cannot reach 127.0.0.1"):
        open_device("printer", f"escpos-network:127.0.0.1:{port}", {"timeout": 0.5})


# ---------------------------------------------------------------- serial printer
def test_serial_printer_on_pty(pty_printer) -> None:  # type: ignore[no-untyped-def]
    printer = open_device("printer", f"escpos-serial:{pty_printer.path},baud=19200", {"timeout": 1.0})
    try:
        printer.text("Ελληνικά και Русский")
        printer.cut()
        assert printer.status().ready
        pty_printer.emulator.state = PrinterStatus(online=False, cover_open=True)
        assert printer.status().describe() == "cover open, offline"
        assert wait_for(lambda: b"\x1dV\x01" in pty_printer.emulator.received)
        assert "Ελληνικά και Русский" in escpos_to_text(bytes(pty_printer.emulator.received))
    finally:
        printer.close()


# ---------------------------------------------------------------- simulator / text
def test_sim_printer_text_in_every_script() -> None:
    printer = open_device("printer", "sim", {"width": 32})
    printer.text("Ana García, Ñandú Peña", align="center")
    printer.text("مرحبا بكم في المكتبة", language="ar")
    printer.text("שלום")
    printer.columns("Die Blechtrommel und andere", "2026-12-14")
    printer.qr("https://catalog.example.org/account")
    printer.cut()
    text = escpos_to_text(printer.output, width=32)
    lines = text.splitlines()
    assert "Ana García, Ñandú Peña".center(32).rstrip() in lines
    assert sum(line.startswith("[image 512x") for line in lines) == 2    # Arabic and Hebrew as images
    assert any(line.startswith("Die Blechtrommel") and line.endswith(" 2026-12-14") for line in lines)
    assert any("[QR: https://catalog.example.org/account]" in line for line in lines)
    assert lines[-1].strip("-") == " partial cut "
    assert all(len(line) <= 32 for line in lines if not line.startswith("["))


def test_rtl_text_is_shaped_and_right_aligned() -> None:
    from kiosk.drivers.printer.textimage import render_text

    image = render_text("مرحبا", 512, language="ar")
    box = Image.eval(image.convert("L"), lambda v: 255 - v).getbbox()
    assert box is not None and box[2] > 480 and box[0] > 256      # ink hugs the right edge
    ltr = Image.eval(render_text("Hello", 512).convert("L"), lambda v: 255 - v).getbbox()
    assert ltr is not None and ltr[0] < 10


def test_double_size_is_switched_off_after_its_text() -> None:
    printer = open_device("printer", "sim", {"width": 20})
    printer.text("Big", double=True, align="center")
    printer.text("small", align="center")
    printer.text("   12.50  x")
    lines = escpos_to_text(printer.output, 20).splitlines()
    assert lines == ["Big".center(10).rstrip(), "small".center(20).rstrip(), "   12.50  x"]
    assert printer.output.rindex(b"\x1b!\x00") > printer.output.index(b"Big")


def test_each_job_starts_from_a_known_printer_state() -> None:
    printer = open_device("printer", "sim", {})
    printer.text("Ελληνικά")                   # leaves the printer on CP737 ...
    printer.text("Ελληνικά")                   # ... after ESC @ it must be selected again
    first, second = printer.output.split(b"\x1b@")[1:]
    assert first.count(b"\x1bt") == 1 and second.count(b"\x1bt") == 1
    with printer.job():
        printer.text("a")
        printer.text("b")
    assert printer.output.count(b"\x1b@") == 3   # one per job, not per helper inside it


def test_long_text_wraps_to_paper_width() -> None:
    printer = open_device("printer", "sim", {"width": 20})
    printer.text("The quick brown fox jumps over the lazy dog again")
    assert all(len(line) <= 20 for line in escpos_to_text(printer.output, 20).splitlines())


def test_logo_and_missing_logo(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("L", (1024, 200), 0).save(logo)
    printer = open_device("printer", "sim", {"logo": str(logo), "paper_width_px": 384})
    printer.logo()
    assert "[image 384x75]" in escpos_to_text(printer.output)
    with pytest.raises(DeviceError, match="not found"):
        printer.logo(tmp_path / "nope.png")


def test_lost_connection_is_offline_not_unknown(tcp_printer) -> None:  # type: ignore[no-untyped-def]
    printer = open_device("printer", f"escpos-network:127.0.0.1:{tcp_printer.port}", {"timeout": 0.5})
    try:
        assert printer.status().ready
        tcp_printer.close()                 # the printer is switched off
        printer.escpos.device.close()       # ... and its socket is gone
        status = printer.status()
        assert status.known and not status.online and "no connection" in status.describe()
        assert not printer.self_test().ok
    finally:
        printer.close()


def test_printer_switched_off_and_on_is_reconnected(tcp_printer) -> None:  # type: ignore[no-untyped-def]
    from kiosk.drivers.printer.emulator import TcpPrinter

    printer = open_device("printer", f"escpos-network:127.0.0.1:{tcp_printer.port}", {"timeout": 0.5})
    port = tcp_printer.port
    try:
        printer.text("first receipt")
        tcp_printer.close()                          # switched off ...
        printer.escpos.device.close()
        assert not printer.status().online
        replacement = TcpPrinter(port=port)          # ... and on again at the same address
        try:
            assert printer.status().ready
            printer.text("second receipt")
            assert wait_for(lambda: b"second receipt" in replacement.emulator.received)
        finally:
            replacement.close()
    finally:
        printer.close()


def test_ensure_ready() -> None:
    printer = open_device("printer", "sim", {})
    assert printer.ensure_ready().ready
    printer.escpos.state = PrinterStatus(online=False, paper_out=True)
    with pytest.raises(DeviceError, match="printer: paper out, offline"):
        printer.ensure_ready()


def test_sim_faults_become_device_errors() -> None:
    printer = open_device("printer", "sim", {})
    printer.escpos.fail_writes = "USB cable pulled"
    with pytest.raises(DeviceError, match="USB cable pulled"):
        printer.text("x")
    printer.escpos.fail_writes = None
    printer.escpos.mute = True
    assert not printer.status().known
    assert printer.self_test().ok       # unknown status is not a failure


def test_self_test_prints_a_slip_only_when_asked() -> None:
    printer = open_device("printer", "sim", {})
    assert printer.self_test().ok and printer.output == b""
    result = printer.self_test(print_page=True)
    assert result.ok and "test slip printed" in result.detail
    assert "Kiosk printer test" in escpos_to_text(printer.output)


def test_forced_code_page(tmp_path: Path) -> None:
    printer = open_device("printer", "sim", {"codepage": "CP858"})
    printer.text("Peña €5")
    assert b"\x1bt\x13" in printer.output and "Peña €5" in escpos_to_text(printer.output)
    with pytest.raises(DeviceError, match="codepage .CP99999. is not in the default profile"):
        open_device("printer", "sim", {"codepage": "CP99999"})


# ---------------------------------------------------------------- file, usb, cups
def test_file_printer_writes_and_has_no_status(tmp_path: Path) -> None:
    target = tmp_path / "lp0"
    printer = open_device("printer", f"escpos-file:{target}", {})
    printer.text("to the file")
    printer.cut()
    printer.close()
    assert "to the file" in escpos_to_text(target.read_bytes())
    status = printer.status()
    assert not status.known and "cannot report status" in status.detail


def test_file_printer_on_a_character_device_reads_status() -> None:
    """A pty slave stands in for /dev/usb/lp0: a character device that can be
    written and read (usblp passes the printer's status bytes back)."""
    import tty

    from kiosk.drivers.printer.emulator import PtyPrinter

    far_end = PtyPrinter()
    tty.setraw(far_end.slave)     # usblp does no newline translation; neither may the pty
    printer = open_device("printer", f"escpos-file:{far_end.path}", {"timeout": 1.0})
    try:
        printer.text("via the device file")
        assert printer.status().ready
        far_end.emulator.state = PrinterStatus(near_end=True)
        assert printer.status().near_end
        assert wait_for(lambda: b"via the device file" in far_end.emulator.received)
    finally:
        printer.close()
        far_end.close()


@pytest.mark.parametrize("spec, message", [
    ("escpos-file:/nonexistent-dir/lp0", "cannot open"),
    ("escpos-file:", "expected a path, e.g. escpos-file:/dev/usb/lp0"),
    ("escpos-serial:/dev/does-not-exist", "cannot open serial port"),
    ("escpos-usb:04b8", "VID:PID"),
    ("escpos-usb:zz:0202", "vendor id .zz. is not a hex id"),
    ("escpos-usb:04b8:0202", "cannot open USB printer 04b8:0202"),
    ("escpos-cups:Receipts", "pycups"),
    ("escpos:telepathy:x", "unknown escpos backend"),
    ("laser:lp0", "valid forms: .*escpos-network:HOST\\[:PORT\\]"),
])
def test_open_errors_are_typed(spec: str, message: str) -> None:
    with pytest.raises(DeviceError, match=message):
        open_device("printer", spec, {})


def test_importing_the_printer_drivers_adds_no_root_log_handler() -> None:
    """python-escpos calls logging.basicConfig() on import; an extra root
    handler would bypass kiosk.logs' secret masking."""
    import subprocess
    import sys

    code = ("import logging, kiosk.drivers.printer\n"
            "from kiosk.drivers.printer.render import escpos_to_text\n"
            "escpos_to_text(b'\\x1bt\\x02\\xa5')\n"
            "import kiosk.drivers.nfc\n"
            "print(len(logging.getLogger().handlers), logging.getLogger('nfc').level)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True)
    assert out.stdout.split() == ["0", "0"]

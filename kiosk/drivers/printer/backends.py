"""python-escpos backends opened for a parsed device string, and their status readers.

The grammar and its parser: :mod:`kiosk.drivers.printer.target`.

Each backend is a python-escpos :class:`~escpos.escpos.Escpos`; the ones that
can read get a ``read_status(timeout) -> bytes`` used by DLE EOT queries.
"""

from __future__ import annotations

import os
import select
import socket
import stat
from typing import Any

import serial

from kiosk.drivers.printer import escpos_import

escpos_import.load()     # before any escpos import: see escpos_import

from escpos.escpos import Escpos  # noqa: E402,I001
from escpos.printer import CupsPrinter, Dummy, File, Network, Serial, Usb  # noqa: E402

from kiosk.drivers.printer.status import DLE_EOT, PrinterStatus, encode_status
from kiosk.drivers.printer.target import PrinterTarget
from kiosk.errors import DeviceError
from kiosk.drivers.serial_port import open_port

FAMILY = "printer"


class SerialEscpos(Serial):  # type: ignore[misc]
    """python-escpos's Serial opened through ``serial_for_url`` so that
    ``socket://`` and ``rfc2217://`` printers and test ptys all work."""

    def open(self, raise_not_found: bool = True) -> None:
        try:
            self.device = open_port(self.devfile, baudrate=self.baudrate, timeout=self.timeout,
                                    dsrdtr=self.dsrdtr, xonxoff=self.xonxoff, exclusive=True)
        except (ValueError, serial.SerialException) as exc:
            self.device = None
            raise DeviceError(f"printer: cannot open serial port {self.devfile!r}: {exc}", FAMILY) from exc

    def read_status(self, timeout: float) -> bytes:
        port = self.device
        port.timeout = timeout
        return bytes(port.read(1))

    def discard_input(self) -> None:
        self.device.reset_input_buffer()


class NetworkEscpos(Network):  # type: ignore[misc]
    def open(self, raise_not_found: bool = True) -> None:
        super().open(raise_not_found)
        if self.device:
            # A 3-byte DLE EOT query behind a print job otherwise waits out
            # Nagle + delayed ACK (~40 ms) before the printer even sees it.
            self.device.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def read_status(self, timeout: float) -> bytes:
        sock: socket.socket = self.device
        old = sock.gettimeout()
        sock.settimeout(timeout)
        try:
            return sock.recv(16)
        except socket.timeout:
            return b""
        finally:
            sock.settimeout(old)

    def discard_input(self) -> None:
        sock: socket.socket = self.device
        for _ in range(64):  # bounded: a chatty printer cannot keep us here
            if not select.select([sock], [], [], 0)[0]:
                return
            if not sock.recv(1024):
                return


class UsbEscpos(Usb):  # type: ignore[misc]
    def read_status(self, timeout: float) -> bytes:
        import usb.core

        try:
            return bytes(self.device.read(self.in_ep, 16, int(timeout * 1000)))
        except usb.core.USBTimeoutError:
            return b""   # silent printer: "did not answer", not "unplugged"

    def discard_input(self) -> None:
        pass


class FileEscpos(File):  # type: ignore[misc]
    """A printer device file. The Linux usblp driver (``/dev/usb/lp0``) is
    bidirectional, so a character device is opened read-write and answers
    DLE EOT; a plain file or FIFO stays write-only (status unknown)."""

    can_read = False

    def open(self, raise_not_found: bool = True) -> None:
        try:
            is_char_device = stat.S_ISCHR(os.stat(self.devfile).st_mode)
        except OSError:
            is_char_device = False
        if not is_char_device:
            super().open(raise_not_found)
            return
        try:
            self.device = open(self.devfile, "r+b", buffering=0)
            self.can_read = True
        except OSError:
            super().open(raise_not_found)   # write-only permission is still a printer

    def read_status(self, timeout: float) -> bytes:
        if not self.can_read or not select.select([self.device], [], [], timeout)[0]:
            return b""
        return bytes(self.device.read(16) or b"")

    def discard_input(self) -> None:
        for _ in range(64):  # bounded, like the network backend
            if not self.can_read or not select.select([self.device], [], [], 0)[0]:
                return
            if not self.device.read(64):
                return


class SimulatedEscpos(Dummy):  # type: ignore[misc]
    """The recording printer. Status queries are answered from ``state`` and
    not recorded, so ``output`` holds exactly what would be printed.
    Fault injection: set ``state`` (paper out, offline ...), ``fail_writes``
    (an OSError message raised by the next writes), ``mute`` (no status reply)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.state = PrinterStatus()
        self.fail_writes: str | None = None
        self.mute = False
        self._reply = b""

    def _raw(self, msg: bytes) -> None:
        if len(msg) == 3 and msg.startswith(DLE_EOT):
            self._reply = b"" if self.mute else bytes([encode_status(self.state)[msg[2]]])
            return
        if self.fail_writes:
            raise OSError(self.fail_writes)
        super()._raw(msg)

    def read_status(self, timeout: float) -> bytes:
        reply, self._reply = self._reply, b""
        return reply

    def discard_input(self) -> None:
        self._reply = b""


def _open_now(printer: Escpos, what: str) -> None:
    """Open at start-up, so a missing printer is reported by ``kiosk diag``
    and the station, not by the first patron who wants a receipt."""
    try:
        printer.open()
    except Exception as exc:  # pyusb, pycups and python-escpos each raise their own types
        hint = " (libusb-1.0 is not installed: apt install libusb-1.0-0)" \
            if type(exc).__name__ == "NoBackendError" else ""
        raise DeviceError(f"printer: cannot open {what}: {exc}{hint}".replace("\n", " "), FAMILY) from exc


def make_backend(target: PrinterTarget, options: dict[str, Any]) -> Escpos:
    """An opened python-escpos printer for a parsed device string."""
    profile = target.profile
    timeout = float(options.get("timeout", 2.0))
    kind, argument = target.kind, target.argument
    if kind in ("sim", "dummy"):
        return SimulatedEscpos(profile=profile)
    if kind == "usb":
        if not Usb.is_usable():
            raise DeviceError("printer: escpos-usb needs the pyusb package (pip install pyusb) and libusb", FAMILY)
        printer = UsbEscpos(target.vendor_id, target.product_id, timeout=int(timeout * 1000), profile=profile)
        _open_now(printer, f"USB printer {argument}")
        return printer
    if kind == "serial":
        printer = SerialEscpos(devfile=target.port, baudrate=target.baud, timeout=timeout, dsrdtr=False,
                               profile=profile)
        printer.open()
        return printer
    if kind == "network":
        host, tcp_port = target.port, target.tcp_port
        network = NetworkEscpos(host=host, port=tcp_port, timeout=timeout, profile=profile)
        try:
            network.open()
        except Exception as exc:  # python-escpos raises its own DeviceNotFoundError
            raise DeviceError(f"printer: cannot reach {host}:{tcp_port}: {exc}".replace("\n", " "),
                              FAMILY) from exc
        return network
    if kind == "file":
        printer = FileEscpos(devfile=target.port, profile=profile)
        try:
            printer.open()
        except Exception as exc:
            raise DeviceError(f"printer: cannot open {argument!r}: {exc}".replace("\n", " "), FAMILY) from exc
        return printer
    if kind == "cups":
        if not CupsPrinter.is_usable():
            raise DeviceError("printer: escpos-cups needs the pycups package (pip install pycups) and CUPS",
                              FAMILY)
        printer = CupsPrinter(printer_name=target.port, profile=profile)
        _open_now(printer, f"CUPS printer {argument!r}")
        return printer
    raise DeviceError(f"printer: unknown escpos backend {kind!r}; use usb, serial, network, file, cups", FAMILY)

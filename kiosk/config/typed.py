"""The typed face of the configuration: one :class:`typing.Protocol` per
section of :mod:`kiosk.config.sections`, each key with its Python type.

:class:`kiosk.config.Config` hands out its validated sections under these
types (``config.sip2.reconnect_interval`` is a ``float`` to mypy), so code
reads a key directly instead of ``getattr(section, "key", default)``: the
schema already guarantees every key is there, with its default when the file
leaves it out. A key with a fixed set of choices is a :data:`typing.Literal`.

These declarations mirror the schema by hand; ``tests/config/test_typed.py``
fails when the two drift apart (a key added, removed or retyped on one side
only). Sections are read-only at run time (assigning raises
:class:`AttributeError`), whatever the annotations allow.
"""

from __future__ import annotations

from typing import Any, Iterator, Literal, Protocol

__all__ = [
    "SectionValues", "StationSection", "SIP2Section", "UISection", "CirculationSection", "BarcodesSection",
    "ReceiptSection", "OfflineSection", "StaffSection", "MonitoringSection", "ReturnBinSection",
    "DeviceSection", "RFIDDevice", "ScannerDevice", "NFCDevice", "PrinterDevice", "SorterDevice",
    "DisplayDevice", "PaymentDevice", "DevicesSection", "SECTION_TYPES", "DEVICE_TYPES",
]


class SectionValues(Protocol):
    """What every section offers besides its keys (:class:`kiosk.config.schema.Values`)."""

    def get(self, name: str, default: Any = None) -> Any: ...

    def __getitem__(self, name: str) -> Any: ...

    def __contains__(self, name: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...

    def as_dict(self, mask_secrets: bool = True) -> dict[str, Any]: ...


class DeviceSection(SectionValues, Protocol):
    """``[devices.<family>]``: the keys every device family has, and the
    family's own keys as ``options`` (what its driver is opened with)."""

    driver: str
    required: bool

    @property
    def options(self) -> dict[str, Any]: ...


class StationSection(SectionValues, Protocol):
    """``[station]``: Who this station is and where it keeps its data."""

    id: str
    mode: Literal["kiosk", "returnbin"]
    library_name: str
    institution_id: str
    location_code: str
    isil: str
    country: str
    data_dir: str
    override_file: str
    currency: str
    default_language: str
    languages: tuple[str, ...]
    follow_patron_language: bool


class SIP2Section(SectionValues, Protocol):
    """``[sip2]``: The connection to the library system (ILS)."""

    host: str
    port: int
    tls: bool
    tls_verify: bool
    cafile: str
    username: str
    password: str
    terminal_password: str
    location_code: str
    encoding: Literal["cp850", "utf-8", "latin-1"]
    terminator: Literal["cr", "crlf"]
    checksums: bool
    connect_timeout: float
    read_timeout: float
    retries: int
    keepalive_interval: float
    reconnect_interval: float
    acs_timeout_margin: float
    nb_due_date: Literal["transaction-date", "blank"]
    max_bad_frames: int


class UISection(SectionValues, Protocol):
    """``[ui]``: The touchscreen: look, lock-down and timeouts."""

    fullscreen: bool
    width: int
    height: int
    dpi: int
    hide_cursor: bool
    theme: Literal["default", "high-contrast"]
    large_text: bool
    sounds: bool
    volume: float
    logo: str
    primary_colour: str
    accent_colour: str
    footer_text: str
    footer_text_by_language: dict[str, str]
    timeout_pin: float
    timeout_home: float
    timeout_borrow: float
    timeout_return: float
    timeout_account: float
    timeout_receipt: float
    warning_seconds: float
    goodbye_seconds: float


class CirculationSection(SectionValues, Protocol):
    """``[circulation]``: Rules that decide what patrons may do and are told."""

    pin_policy: Literal["required", "optional", "none"]
    pin_attempts: int
    renew_own_items: bool
    security_failure: Literal["undo", "staff"]
    multipart: Literal["refuse", "warn", "desk"]
    anonymous_return: bool
    barcode_items: bool
    return_place: Literal["pad", "slot", "desk"]


class BarcodesSection(SectionValues, Protocol):
    """``[barcodes]``: Rules that tell patron and item barcodes apart and validate them."""

    patron_pattern: str
    item_pattern: str
    check_digit: Literal["none", "codabar", "ean13"]
    patron_check: Literal["", "none", "codabar", "codabar14", "ean13", "isbn10", "isbn"]
    item_check: Literal["", "none", "codabar", "codabar14", "ean13", "isbn10", "isbn"]
    patron_min_length: int
    patron_max_length: int
    item_min_length: int
    item_max_length: int
    prefer: Literal["patron", "item"]
    strip_codabar_delimiters: bool


class ReceiptSection(SectionValues, Protocol):
    """``[receipt]``: Receipts on paper or by email."""

    default: Literal["ask", "print", "email", "none"]
    header: str
    footer: str
    translations: tuple[str, ...]
    show_qr: bool
    qr_url: str
    email: bool
    smtp_host: str
    smtp_port: int
    smtp_security: Literal["none", "starttls", "ssl"]
    smtp_user: str
    smtp_password: str
    from_address: str


class OfflineSection(SectionValues, Protocol):
    """``[offline]``: What the kiosk does while the ILS cannot be reached."""

    enabled: bool
    allow_checkout: bool
    max_items: int
    replay_interval: float
    loan_days: int


class StaffSection(SectionValues, Protocol):
    """``[staff]``: Staff mode access."""

    pin_hash: str
    badge_hashes: tuple[str, ...]
    max_failures: int
    lockout_seconds: int
    badge_pattern: str


class MonitoringSection(SectionValues, Protocol):
    """``[monitoring]``: Webhooks, heartbeat and metrics for remote monitoring."""

    webhook_url: str
    webhook_urls: tuple[str, ...]
    webhook_timeout: float
    webhook_connect_timeout: float
    webhook_backoff: float
    webhook_backoff_max: float
    webhook_max_age: float
    webhook_retries: int
    heartbeat_interval: float
    metrics_host: str
    metrics_port: int
    watchdog_allowance: float


class AccessibilitySection(SectionValues, Protocol):
    """``[accessibility]``: Speech, keypad operation, more time, zoom and low reach (EN 301 549 5.1)."""

    speech_default: bool
    speech_on_keypad: bool
    speech_rate: int
    speech_volume: float
    audio_device: str
    voices: tuple[str, ...]
    speech_timeout_factor: float
    large_text_timeout_factor: float
    zoom_max: float
    zoom_step: float
    low_layout: bool


class ReturnBinSection(SectionValues, Protocol):
    """``[returnbin]``: The after-hours return bin."""

    default_bin: str
    holds_bin: str
    reject_bin: str
    print_slip: bool
    rules: tuple[dict[str, Any], ...]


class RFIDDevice(DeviceSection, Protocol):
    """``[devices.rfid]``: RFID pad for item tags (ISO 15693 / ISO 28560)."""

    poll_interval: float
    settle_time: float
    security: Literal["afi", "eas", "both"]
    tag_model: Literal["danish", "28560-2"]
    afi_secured: int
    afi_on_loan: int
    write_retries: int
    timeout: float


class ScannerDevice(DeviceSection, Protocol):
    """``[devices.scanner]``: Barcode scanner."""

    terminator: Literal["cr", "lf", "crlf", "tab", "none"]
    prefix: str
    suffix: str
    baud: int
    repeat_window: float
    idle_timeout: float
    max_length: int
    wedge_max_gap: float
    wedge_min_length: int
    keyboard_layout: Literal["us", "uk", "de", "fr"]


class NFCDevice(DeviceSection, Protocol):
    """``[devices.nfc]``: NFC patron card reader (nfcpy)."""

    mode: Literal["uid", "ndef"]
    uid_format: Literal["hex", "decimal", "decimal-reversed"]
    targets: str
    poll_interval: float
    removal_time: float


class PrinterDevice(DeviceSection, Protocol):
    """``[devices.printer]``: ESC/POS receipt printer."""

    width: int
    paper_width_px: int
    codepage: str
    cut: bool
    logo: str
    profile: str
    font: str
    status_interval: float
    timeout: float
    baud: int


class SorterDevice(DeviceSection, Protocol):
    """``[devices.sorter]``: Return-bin sorter (conveyor / relay board)."""

    bins: tuple[str, ...]
    capacity: int
    baud: int
    timeout: float


class DisplayDevice(DeviceSection, Protocol):
    """``[devices.display]``: Return-bin status display or LEDs."""

    baud: int


class PaymentDevice(DeviceSection, Protocol):
    """``[devices.payment]``: Payment terminal for fines."""


class KeypadDevice(DeviceSection, Protocol):
    """``[devices.keypad]``: Keypad for patrons who use the kiosk without touch or sight (numeric or audio-nav)."""

    keymap: tuple[str, ...]
    baud: int
    framing: Literal["byte", "line"]


class DevicesSection(Protocol):
    """``[devices]``: one table per device family."""

    rfid: RFIDDevice
    scanner: ScannerDevice
    nfc: NFCDevice
    printer: PrinterDevice
    sorter: SorterDevice
    display: DisplayDevice
    payment: PaymentDevice
    keypad: KeypadDevice

    def __getitem__(self, family: str) -> DeviceSection: ...

    def __contains__(self, family: object) -> bool: ...

    def __iter__(self) -> Iterator[str]: ...


#: Section name -> its typed face (the drift test walks these).
SECTION_TYPES: dict[str, type[Any]] = {
    "station": StationSection, "sip2": SIP2Section, "ui": UISection, "circulation": CirculationSection,
    "barcodes": BarcodesSection, "receipt": ReceiptSection, "offline": OfflineSection, "staff": StaffSection,
    "monitoring": MonitoringSection, "returnbin": ReturnBinSection, "accessibility": AccessibilitySection,
}
#: Device family -> its typed face.
DEVICE_TYPES: dict[str, type[Any]] = {
    "rfid": RFIDDevice, "scanner": ScannerDevice, "nfc": NFCDevice, "printer": PrinterDevice,
    "sorter": SorterDevice, "display": DisplayDevice, "payment": PaymentDevice, "keypad": KeypadDevice,
}

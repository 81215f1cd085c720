"""What the Kivy app, its screens and the demo may ask of the station:
:class:`StationAPI`. :class:`kiosk.station.facade.Station` is the one
implementation; the UI depends on this protocol only.

Patron actions never block (their results come back as events, on worker
threads); queries return snapshots at once; the staff calls marked "blocks"
talk to hardware and belong on a staff-screen worker, not the UI thread.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Callable, Protocol

from kiosk.circulation.session import Timeouts
from kiosk.drivers.selftest import SelfTestResult
from kiosk.events import (AccountView, DeviceStatus, OfflineStatus, ReceiptResult, SessionView, SIP2Status,
                          StationEvent, TransactionView)
from kiosk.staff import StaffAuth

__all__ = ["StationAPI", "Subscriber"]

Subscriber = Callable[[StationEvent], None]


class StationAPI(Protocol):
    # -- events ------------------------------------------------------------------------
    def subscribe(self, callback: Subscriber) -> Callable[[], None]:
        """``callback(event)`` for every event (on worker threads); returns an unsubscribe function."""

    # -- patron actions (non-blocking) --------------------------------------------------
    def identify(self, barcode: str, source: str = "scanner") -> None: ...
    def enter_pin(self, pin: str) -> None: ...
    def start_borrow(self) -> None: ...
    def borrow_barcode(self, item_id: str) -> None: ...
    def accept_fee(self, item_id: str) -> None: ...
    def start_return(self) -> None: ...
    def return_barcode(self, item_id: str) -> None: ...
    def open_account(self) -> None: ...
    def go_home(self) -> None: ...
    def renew(self, item_id: str) -> None: ...
    def renew_all(self) -> None: ...
    def pay(self, fee_id: str | None, amount: str | Decimal) -> None: ...
    def finish(self) -> None: ...
    def choose_receipt(self, choice: str, email: str | None = None) -> None: ...
    def end_session(self) -> None: ...
    def touch(self) -> None: ...
    def set_language(self, code: str) -> None: ...
    def set_timeouts(self, timeouts: Timeouts) -> None: ...

    # -- queries (snapshots, any thread) -------------------------------------------------
    @property
    def timeouts(self) -> Timeouts:
        """The inactivity timeouts in force."""

    @property
    def offline(self) -> bool:
        """True while the ILS link is offline."""

    def session_view(self) -> SessionView: ...
    def account(self) -> AccountView | None: ...

    def receipt_options(self) -> tuple[str, ...]:
        """Blocks up to the printer's timeout."""

    # -- staff and diagnostics -------------------------------------------------------------
    @property
    def staff_auth(self) -> StaffAuth:
        """The staff PIN and badge checks: the app's sign-in and the station's readers share its lockout."""

    def device_status(self) -> list[DeviceStatus]:
        """Blocks up to each device's timeout."""

    def device_test(self, family: str) -> SelfTestResult:
        """Blocks (an inventory, a test print, or up to 15 s for a scan or a card tap)."""

    def sip2_status(self) -> SIP2Status: ...
    def offline_status(self) -> OfflineStatus: ...
    def replay_now(self) -> None: ...
    def recent_transactions(self, n: int = 20) -> list[TransactionView]: ...
    def conflicts(self) -> list[TransactionView]: ...

    def reprint(self, receipt_id: int | None = None) -> ReceiptResult:
        """Blocks while the printer prints."""

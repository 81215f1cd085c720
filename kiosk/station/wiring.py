"""How the station's flows are put together: each flow gets only the parts it
uses, and :func:`action_table` is the one table from action type to handler.

Read :func:`action_table` to follow a tap to its handler: ``station.renew(id)``
posts :class:`~kiosk.station.actions.Renew`, which the worker hands to
``Account.renew``.
"""

from __future__ import annotations

import queue
from dataclasses import dataclass
from typing import Callable

from kiosk.circulation.account import AccountService
from kiosk.circulation.borrow import BorrowEngine
from kiosk.circulation.returns import ReturnProcessor
from kiosk.circulation.session import Session
from kiosk.config import Config
from kiosk.drivers.barcode.rules import BarcodeRules
from kiosk.drivers.rfid.events import PadWatcher
from kiosk.events import DeviceChanged
from kiosk.receipts.desk import ReceiptDesk
from kiosk.receipts.session import session_receipt
from kiosk.services.core import CoreServices
from kiosk.services.devices import Devices
from kiosk.staff import StaffAuth
from kiosk.station import actions as a
from kiosk.station.account import Account
from kiosk.station.borrowing import Borrowing
from kiosk.station.ending import Ending
from kiosk.station.identification import Identification
from kiosk.station.inputs import DeviceInputs, FlowSteps
from kiosk.station.lifecycle import Lifecycle
from kiosk.station.live import Emit, LiveSession
from kiosk.station.offline import OfflineNotices
from kiosk.station.ports import LanguagePolicy, Placed
from kiosk.station.returning import Returning
from kiosk.station.settings import SessionSettings
from kiosk.station.worker import ActionTable, StationWorker

__all__ = ["Flows", "StationParts", "action_table", "wire"]

@dataclass(frozen=True)
class StationParts:
    """What the facade built: the shared core, the devices, the session and the engines."""

    config: Config
    core: CoreServices
    devices: Devices
    session: Session
    emit: Emit
    borrower: BorrowEngine
    return_processor: ReturnProcessor
    accounts: AccountService
    receipts: ReceiptDesk
    staff: StaffAuth


@dataclass(frozen=True)
class Flows:
    live: LiveSession
    identification: Identification
    borrowing: Borrowing
    returning: Returning
    account: Account
    ending: Ending
    settings: SessionSettings
    lifecycle: Lifecycle
    inputs: DeviceInputs
    worker: StationWorker


def wire(parts: StationParts, *, pad_timing: tuple[float, float] | None, tick: float, recover: bool) -> Flows:
    config, core, devices, emit = parts.config, parts.core, parts.devices, parts.emit
    link = core.link
    live = LiveSession(parts.session, emit, core.rules, is_offline=lambda: link.offline,
                       payment_fitted=devices.payment is not None)
    watcher = _watcher(config, devices, pad_timing, parts.borrower)
    placed: Placed = watcher.placed if watcher is not None else tuple
    languages = LanguagePolicy.from_config(config)

    def device_changed(family: str, ok: bool, detail: str) -> None:
        emit(DeviceChanged(family, ok, detail))

    ending = Ending(live, link, parts.receipts, parts.accounts, drain=parts.borrower.drain,
                    processing=lambda: parts.borrower.writer.busy,
                    receipt_default=str(config.receipt.default),
                    receipt_for=lambda session, holds: session_receipt(config, session, holds))
    identification = Identification(live, link, core.desk, core.rules, languages=languages,
                                    staff=parts.staff, end=ending.end)
    borrowing = Borrowing(live, link, core.desk, parts.borrower, core.rules, placed=placed)
    returning = Returning(live, parts.return_processor, core.rules, placed=placed)
    account = Account(live, link, parts.accounts, core.desk.policy)
    settings = SessionSettings(live, languages)
    inputs = DeviceInputs(live, BarcodeRules.from_config(config),
                          FlowSteps(identify=identification.identify, borrow_from_pad=borrowing.from_pad,
                                    borrow_identified=borrowing.identified,
                                    return_from_pad=returning.from_pad, borrow_barcode=borrowing.barcode,
                                    return_barcode=returning.barcode),
                          staff_card=lambda card, source, other_use: identification.staff_card(
                              card, source, other_use=other_use),
                          device_changed=device_changed)
    inbox: queue.Queue[a.Action] = queue.Queue()
    post = inbox.put
    lifecycle = Lifecycle(link, core.journal, devices, core.policy, end_any_session=ending.end_for_shutdown,
                          watcher=watcher, post=post, device_changed=device_changed, recover_at_start=recover)
    flows_table = action_table(lifecycle, inputs, identification, borrowing, returning, account, ending, settings)
    worker = StationWorker(flows_table, inbox, periodic=ending.check_inactivity, on_error=ending.after_error,
                           tick=tick)
    link.add_listener(OfflineNotices(live, post=post, recover=recover).changed)
    return Flows(live, identification, borrowing, returning, account, ending, settings, lifecycle, inputs, worker)


def action_table(lifecycle: Lifecycle, inputs: DeviceInputs, identification: Identification, borrowing: Borrowing,
                 returning: Returning, account: Account, ending: Ending, settings: SessionSettings) -> ActionTable:
    """The one table: every :mod:`~kiosk.station.actions` type to its handler."""
    return (ActionTable()
            .on(a.Startup, lambda _: lifecycle.startup())
            .on(a.Shutdown, lambda _: lifecycle.shutdown())
            .on(a.Recover, lambda act: lifecycle.recover(act.min_age))
            .on(a.PadChanged, lambda act: inputs.pad(act.event))
            .on(a.Scanned, lambda act: inputs.scan(act.code))
            .on(a.Identify, lambda act: identification.identify(act.barcode, act.source))
            .on(a.EnterPin, lambda act: identification.enter_pin(act.pin))
            .on(a.StartBorrow, lambda _: borrowing.start())
            .on(a.BorrowBarcode, lambda act: borrowing.barcode(act.item_id))
            .on(a.AcceptFee, lambda act: borrowing.accept_fee(act.item_id))
            .on(a.StartReturn, lambda _: returning.start())
            .on(a.ReturnBarcode, lambda act: returning.barcode(act.item_id))
            .on(a.OpenAccount, lambda _: account.open())
            .on(a.Renew, lambda act: account.renew(act.item_id))
            .on(a.RenewAll, lambda _: account.renew_all())
            .on(a.Pay, lambda act: account.pay(act.fee_id, act.amount))
            .on(a.GoHome, lambda _: ending.go_home())
            .on(a.Finish, lambda _: ending.finish())
            .on(a.ChooseReceipt, lambda act: ending.choose_receipt(act.choice, act.email))
            .on(a.EndSession, lambda _: ending.end_session())
            .on(a.Touch, lambda _: settings.touch())
            .on(a.SetLanguage, lambda act: settings.set_language(act.code))
            .on(a.SetTimeouts, lambda act: settings.set_timeouts(act.timeouts))
            .on(a.SetTimeFactor, lambda act: settings.set_time_factor(act.factor)))


def _watcher(config: Config, devices: Devices, pad_timing: tuple[float, float] | None,
             borrower: BorrowEngine) -> PadWatcher | None:
    if devices.rfid is None:
        return None
    rfid = config.devices.rfid
    poll, settle = pad_timing or (float(rfid.poll_interval), float(rfid.settle_time))
    # Inventories wait while items are checked out and tags switched: writes go first.
    return PadWatcher(devices.rfid, poll_interval=poll, settle_time=settle, busy=borrower.busy)


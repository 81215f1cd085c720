"""Which screen shows what: station events (already on the UI thread) to
screens. The station's session state picks the patron screen; the app adds
what the core does not know about: the goodbye pause, the inactivity dialog,
out-of-service and staff mode."""

from __future__ import annotations

import logging
import time
from typing import Any, Callable

from kivy.clock import Clock

from kiosk.events import (AccountChanged, DeviceChanged, InactivityWarning, ItemResult, Notice, OfflineChanged,
                          PaymentResult, ReceiptResult, RenewResult, SessionChanged, SessionEnded, SessionView,
                          StaffBadge)
from kiosk.i18n import N_

log = logging.getLogger(__name__)

STATE_SCREENS = {"idle": "attract", "identifying": "attract", "pin_entry": "pin", "ready": "home",
                 "borrowing": "items", "returning": "items", "account": "account", "receipt": "receipt",
                 "ending": "goodbye"}
PATRON_SCREENS = set(STATE_SCREENS.values())

MSG_ONE_MOMENT = N_("One moment, checking your card\u2026")
MSG_ILS_DOWN = N_("The library system cannot be reached right now.")
MSG_DEVICE_DOWN = N_("A part of this kiosk is not working ({device}).")


class Router:
    def __init__(self, app: Any) -> None:
        self.app = app
        self.state = "idle"
        self.view: SessionView | None = None
        self.offline = False
        self.failed_devices: dict[str, str] = {}
        self.goodbye_until = 0.0
        self.warning: Any = None
        self._attract_event: Any = None
        self.history: list[str] = []          # screens shown, in order (tests, the tour)
        self.handlers: dict[type, Callable[[Any], None]] = {
            SessionChanged: self.on_SessionChanged, SessionEnded: self.on_SessionEnded,
            ItemResult: self.on_ItemResult, AccountChanged: self.on_AccountChanged,
            RenewResult: self.on_RenewResult, PaymentResult: self.on_PaymentResult,
            ReceiptResult: self.on_ReceiptResult, StaffBadge: self.on_StaffBadge, Notice: self.on_Notice,
            InactivityWarning: self.on_InactivityWarning, OfflineChanged: self.on_OfflineChanged,
            DeviceChanged: self.on_DeviceChanged,
        }

    # -- plumbing ----------------------------------------------------------------------
    @property
    def sm(self) -> Any:
        return self.app.shell.sm

    def show(self, name: str) -> None:
        self.app.root_screen(name)          # built now if it is one built on first use
        if self.sm.current != name:
            self.sm.current = name
            self.history.append(name)
            del self.history[:-100]

    def handle(self, event: Any) -> None:
        handler = self.handlers.get(type(event))
        if handler is None:
            log.debug("no screen handles %s", type(event).__name__)
            return
        try:
            handler(event)
        except Exception:  # one broken render must not freeze the kiosk
            log.exception("showing %s failed", type(event).__name__)
        self.app.access.on_event(event)     # speech and the focus ring follow what is shown

    def sync(self, view: SessionView) -> None:
        self.on_SessionChanged(SessionChanged(view.state, view.patron, view.message, view))

    # -- session -----------------------------------------------------------------------
    def on_SessionChanged(self, event: SessionChanged) -> None:
        view = event.view or self.app.station.session_view()
        state = str(view.state)
        previous, self.state, self.view = self.state, state, view
        if state != previous or state == "idle":
            self.close_warning()
        if state != "idle":
            self.app.follow_language(view.language)   # e.g. the patron's preferred language from the ILS
        if self.app.staff_mode:
            return
        if state in ("borrowing", "returning") and previous != state:
            self.app.root_screen("items").reset("borrow" if state == "borrowing" else "return")
        name = STATE_SCREENS.get(state, "attract")
        if state == "identifying" and not view.message:
            view = SessionView(**{**view.__dict__, "message": self.app.tr(MSG_ONE_MOMENT)})
        if state == "idle":
            self.app.root_screen("attract").update(view)
            if self.sm.current == "goodbye" and time.monotonic() < self.goodbye_until:
                return self._attract_later(self.goodbye_until - time.monotonic())
            return self.go_attract(reset=previous != "idle")
        if self.out_of_service_reason() and state == "identifying":
            return
        self.cancel_attract()
        self.app.root_screen(name).update(view)
        self.show(name)

    def on_SessionEnded(self, event: SessionEnded) -> None:
        self.close_warning()
        if self.app.staff_mode:
            return
        self.app.root_screen("goodbye").show(event.message)
        self.goodbye_until = time.monotonic() + float(self.app.kiosk_config.ui.goodbye_seconds)
        self.show("goodbye")
        self._attract_later(float(self.app.kiosk_config.ui.goodbye_seconds))

    def _attract_later(self, seconds: float) -> None:
        self.cancel_attract()
        self._attract_event = Clock.schedule_once(lambda _dt: self.go_attract(reset=True), max(0.0, seconds))

    def cancel_attract(self) -> None:
        if self._attract_event is not None:
            self._attract_event.cancel()
            self._attract_event = None

    def go_attract(self, force: bool = False, reset: bool = False) -> None:
        """The attract screen (or out of service); ``reset``: the next patron
        starts with the station's language and look, not the last patron's."""
        self.cancel_attract()
        if self.app.staff_mode and not force:
            return
        if self.state not in ("idle", "ending") and not force:
            return  # a new session started meanwhile
        if reset or force:
            self.app.reset_look()
        reason = self.out_of_service_reason()
        if reason:
            self.app.root_screen("out_of_service").show(reason)
            return self.show("out_of_service")
        self.show("attract")

    # -- items, account, receipts ---------------------------------------------------------
    def on_ItemResult(self, result: ItemResult) -> None:
        if self.sm.current == "items":
            self.app.root_screen("items").add_result(result)
        if str(result.status) != "pending":
            self.app.sounds.play("success" if result.ok and not result.warning else "error")

    def on_AccountChanged(self, event: AccountChanged) -> None:
        self.app.root_screen("account").show(event.account)

    def on_RenewResult(self, event: RenewResult) -> None:
        ok = all(r.ok for r in event.results) and bool(event.results)
        lines = [event.message, *event.ils_message] + [
            f"{r.title or r.item_id}: {r.message}" for r in event.results if not r.ok and r.message]
        self.app.root_screen("account").show_result("\n".join(x for x in lines if x), ok)
        self.app.sounds.play("success" if ok else "error")

    def on_PaymentResult(self, event: PaymentResult) -> None:
        self.app.root_screen("account").show_result("\n".join([event.message, *event.ils_message]), event.ok)
        self.app.sounds.play("success" if event.ok else "error")

    def on_ReceiptResult(self, event: ReceiptResult) -> None:
        if not event.ok:
            self.app.root_screen("receipt").failed(event.message)
            self.app.sounds.play("error")

    def on_StaffBadge(self, event: StaffBadge) -> None:
        # The core verified the badge against [staff] badge_hashes.
        if not self.app.staff_mode:
            self.app.open_staff_from_badge()

    def on_Notice(self, event: Notice) -> None:
        self.app.shell.show_notice(event.message, event.level)
        if event.level == "error":
            self.app.sounds.play("error")

    # -- inactivity --------------------------------------------------------------------------
    def on_InactivityWarning(self, event: InactivityWarning) -> None:
        if self.app.staff_mode or self.state == "idle":
            return
        if self.warning is None:
            # Its .kv rules load on first use, after configure_kivy (this module is imported before it).
            from kiosk.screens.inactivity import InactivityWarning as Dialog
            self.warning = Dialog()
        self.warning.seconds = event.seconds_left
        if self.warning.parent is None:
            self.warning.open(animation=False)
            self.app.sounds.play("notice")

    def close_warning(self) -> None:
        if self.warning is not None and self.warning.parent is not None:
            self.warning.dismiss(animation=False)

    # -- offline, devices, out of service ------------------------------------------------------
    def on_OfflineChanged(self, event: OfflineChanged) -> None:
        self.offline = event.offline
        self.app.shell.banner = event.message if event.offline else ""
        if not event.offline and event.message:
            self.app.shell.show_notice(event.message)
        self.check_service()

    def on_DeviceChanged(self, event: DeviceChanged) -> None:
        if event.ok:
            self.failed_devices.pop(event.device, None)
        else:
            self.failed_devices[event.device] = event.detail
            log.warning("device %s: %s", event.device, event.detail)
        self.check_service()

    def out_of_service_reason(self) -> str:
        cfg = self.app.kiosk_config
        if self.offline and not cfg.offline.enabled:
            return self.app.tr(MSG_ILS_DOWN)
        for device in self.failed_devices:
            if cfg.devices[device].required:
                return self.app.tr(MSG_DEVICE_DOWN).format(device=device)
        return ""

    def check_service(self) -> None:
        if self.app.staff_mode or self.state != "idle":
            return
        if self.sm.current in ("attract", "out_of_service"):
            self.go_attract()

    def language_changed(self) -> None:
        """Re-render what Python (not kv) put on screen in the old language."""
        if self.view is not None and self.sm.current in PATRON_SCREENS and self.sm.current != "goodbye":
            self.app.root_screen(self.sm.current).update(self.view)
        attract = self.app.root_screen("attract")
        attract.mark_language(self.app.language)

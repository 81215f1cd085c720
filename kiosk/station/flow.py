"""The patron flow behind :class:`kiosk.station.facade.Station`: one ``do_<action>``
per queued action, all run on the station's worker thread (so the session
needs no lock for its own state; views and item results take the station's
lock because the borrow engine's writer thread adds results too).

Identification (patron barcode, RFID patron card with usage 8, NFC card)
follows ``circulation.pin_policy``: ``required`` always asks the PIN,
``optional`` asks it only when the ILS says the account has one (CQ N for an
empty PIN), ``none`` never does. A wrong PIN shows the ILS's answer; after
``pin_attempts`` wrong PINs the session stops politely. Blocked, expired or
fined-over-limit patrons get the ILS's screen message and keep what they may
still do (return, account, pay).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from kiosk.circulation.account import AccountUnavailable
from kiosk.circulation.borrow import BorrowJob, Candidate, group_tags
from kiosk.circulation.context import M, ils_words
from kiosk.drivers.barcode.rules import BarcodeRules
from kiosk.errors import KioskError, RemoteProtocolError, TransportError
from kiosk.events import (AccountChanged, EndReason, ItemResult, ItemStatus, Notice, PatronView, ReceiptResult,
                          RenewResult, SessionEnded, SessionState, SessionView, StaffBadge)
from kiosk.i18n import N_, Translator, from_sip2_language, is_rtl, normalize, translator
from kiosk.logs import mask_patron_id
from kiosk.receipts.session import receipt_items, session_receipt
from kiosk.circulation.session import Patron

if TYPE_CHECKING:
    from kiosk.station.facade import Station

log = logging.getLogger(__name__)

S = SessionState

MSG_WELCOME = N_("Welcome, {name}.")
MSG_WELCOME_ANON = N_("Welcome.")
MSG_ENTER_PIN = N_("Please enter your PIN.")
MSG_UNKNOWN_CARD = N_("We do not recognise this card. Please check it or ask at the desk.")
MSG_WRONG_PIN = N_("That PIN is not right. Please try again ({left} tries left).")
MSG_PIN_STOP = N_("That PIN was not right too many times. Please ask at the desk for help.")
MSG_OUT_OF_SERVICE = N_("This kiosk cannot reach the library system right now. Please ask at the desk.")
MSG_PLACE_ITEMS = N_("Place your items on the pad.")
MSG_RETURN_ITEMS = N_("Place the items you are returning on the pad.")
MSG_GOODBYE = N_("Thank you. Goodbye!")
MSG_TIMED_OUT = N_("Your session has ended because the screen was not used.")
MSG_CANCELLED = N_("Your session has ended.")
MSG_NO_BARCODE_ITEMS = N_("Items without a tag cannot be borrowed here. Please take them to the desk.")
MSG_RECEIPT = N_("Would you like a receipt?")
MSG_WAIT_ITEMS = N_("Please wait: some items are still being processed.")
MSG_NO_ANON_RETURN = N_("Please scan your library card first.")

_FINAL = {ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS, ItemStatus.RETURNED,
          ItemStatus.REFUSED, ItemStatus.SEE_STAFF, ItemStatus.CONFIRM_FEE}


class Flow:
    def __init__(self, station: "Station") -> None:
        self.st = station
        self.barcodes = BarcodeRules.from_config(station.config)
        # Asked of the printer once when the receipt screen opens, so views never block on it.
        self.receipt_choices: tuple[str, ...] = ()

    # -- helpers -------------------------------------------------------------------------
    @property
    def session(self) -> Any:
        return self.st.session

    @property
    def tr(self) -> Translator:
        return translator(self.session.language)

    def _changed(self, message: str = "") -> None:
        self.session.message = message
        self.st.session_changed(message)

    def _notice(self, message: str, level: str = "info") -> None:
        self.session.message = message
        self.st.emit(Notice(message, level))

    def patron_view(self) -> PatronView | None:
        p = self.session.patron
        if p is None:
            return None
        return PatronView(display_name=p.name, masked_id=mask_patron_id(p.patron_id), can_borrow=p.can_borrow,
                          can_renew=p.can_renew and not p.offline, can_pay=not p.offline and self.st.devices.payment
                          is not None, blocked_reason=p.blocked_reason, ils_message=p.ils_message,
                          fines_total=p.fines_total, currency=self.st.rules.currency, holds_ready=len(p.holds_ready),
                          offline=p.offline, offline_left=p.offline_left, language=self.session.language)

    def view(self, message: str | None = None) -> SessionView:
        s = self.session
        left = max(0, self.st.rules.pin_attempts - s.pin_tries) if s.state is S.PIN_ENTRY else 0
        return SessionView(state=s.state, patron=self.patron_view(), language=s.language, rtl=is_rtl(s.language),
                           items=tuple(s.items), message=s.message if message is None else message,
                           pin_tries_left=left, offline=self.st.offline,
                           receipt_options=self.receipt_choices if s.state is S.RECEIPT else (),
                           session_id=s.session_id)

    def item_result(self, result: ItemResult) -> None:
        """An engine's result: record it in the session, then tell subscribers."""
        with self.st._lock:
            self.session.add_item(result)
        self.session.touch()
        self.st.emit(result)

    # -- start-up / shutdown -------------------------------------------------------------
    def do_startup(self) -> None:
        st = self.st
        add = getattr(st.client, "add_listener", None)
        if add is not None:
            add(st.on_sip2_state)
        try:
            if getattr(st.client, "state", "online") != "online":
                st.client.connect()
        except KioskError as exc:  # unreachable, login refused, garbage: serve offline
            st._go_offline(str(exc))
        if st.recover:
            self.do_recover()
        if not st.offline and st.journal.pending_offline():
            st._go_offline("offline queue not yet replayed")
            st.replay_worker.trigger()
        st.replay_worker.start()
        for family, error in st.devices.errors.items():
            st.device_changed(family, False, error)
        self._start_devices()
        st._started.set()

    def do_recover(self, min_age: float = 0.0) -> None:
        """Settle unfinished journal entries (start-up, and again when the ILS is
        back: entries that waited for it). Runs on the worker, between stacks."""
        st = self.st
        if not st.journal.unfinished():
            return
        try:
            from kiosk.store.recovery import Recovery
            st.last_recovery = Recovery(st.journal, None if st.offline else st.client, st.devices.rfid,
                                        st.policy, min_age=min_age).run()
        except Exception:  # recovery trouble must not keep the kiosk down; entries stay unfinished
            log.exception("journal recovery failed")

    def _start_devices(self) -> None:
        st = self.st
        reader = st.devices.rfid
        if reader is not None:
            from kiosk.drivers.rfid import PadWatcher
            rfid = st.config.devices.rfid
            poll, settle = st.pad_timing or (float(rfid.poll_interval), float(rfid.settle_time))
            st.watcher = PadWatcher(reader, poll_interval=poll, settle_time=settle)
            st.watcher.start(lambda event: st._post("pad", event))
        if st.devices.scanner is not None:
            st.devices.scanner.start(lambda code: st._post("scan", code))
        if st.devices.nfc is not None:
            st.devices.nfc.start(lambda card: st._post("identify", card, "nfc"))

    def do_shutdown(self) -> None:
        st = self.st
        if self.session.state is not S.IDLE:
            self._end(EndReason.STAFF, "")
        for device in (st.devices.scanner, st.devices.nfc):
            if device is not None:
                device.stop()
        if st.watcher is not None:
            st.watcher.stop()

    # -- identification ---------------------------------------------------------------------
    def do_identify(self, barcode: str, source: str = "scanner") -> None:
        s = self.session
        barcode = (barcode or "").strip()
        if not barcode:
            return
        if s.state is not S.IDLE:
            if s.patron is None or s.patron.patron_id != barcode:
                log.info("card presented during a session (state %s); ignored", s.state.value)
            return
        if self.st.is_staff_badge(barcode):
            log.info("staff badge presented by %s", source)
            return self.st.emit(StaffBadge(source))
        s.step("identify")
        s.patron = Patron(barcode, source=source)
        log.info("session %s: patron %s by %s", s.session_id, mask_patron_id(barcode), source)
        self._changed()
        if self.st.offline:
            return self._identify_offline()
        try:
            info = self.st.client.patron_information(barcode, pin="" if self.st.rules.pin_policy == "optional"
                                                     else None)
        except TransportError as exc:
            self.st._go_offline(str(exc))
            return self._identify_offline()
        if info.valid_patron is False:
            return self._end(EndReason.UNKNOWN_CARD, self.tr(MSG_UNKNOWN_CARD), step="rejected")
        self._adopt_patron_language(info)
        policy = self.st.rules.pin_policy
        if policy == "required" or (policy == "optional" and info.valid_patron_password is False):
            s.step("need_pin")
            s.patron.name = info.personal_name or ""
            return self._changed(self.tr(MSG_ENTER_PIN))
        self._identified(info)

    def _identify_offline(self) -> None:
        s, desk = self.session, self.st.desk
        if not desk.policy.enabled:
            return self._end(EndReason.OUT_OF_SERVICE, self.tr(MSG_OUT_OF_SERVICE), step="rejected")
        decision = desk.check_borrow(s.patron.patron_id)
        s.patron.offline = True
        s.patron.verified = False
        s.patron.can_borrow = decision.allowed
        s.patron.can_renew = False
        s.patron.offline_left = decision.left
        s.patron.blocked_reason = "" if decision.allowed else decision.text(self.tr.gettext)
        s.step("identified")
        self._changed(decision.text(self.tr.gettext))

    def do_enter_pin(self, pin: str) -> None:
        s = self.session
        s.step("submit_pin")
        self._changed()
        try:
            info = self.st.client.patron_information(s.patron.patron_id, pin=pin)
        except TransportError as exc:
            # A PIN cannot be checked offline; offline borrowing needs none.
            self.st._go_offline(str(exc))
            return self._identify_offline()
        if info.valid_patron is False:
            return self._end(EndReason.UNKNOWN_CARD, self.tr(MSG_UNKNOWN_CARD), step="rejected")
        if info.valid_patron_password is False:
            s.pin_tries += 1
            left = self.st.rules.pin_attempts - s.pin_tries
            if left <= 0:
                log.info("patron %s: too many wrong PINs", mask_patron_id(s.patron.patron_id))
                return self._end(EndReason.PIN_ATTEMPTS, self.tr(MSG_PIN_STOP))
            s.step("wrong_pin")
            s.patron.ils_message = ils_words(info.screen_message)
            return self._changed(self.tr(MSG_WRONG_PIN).format(left=left))
        s.patron.pin = pin
        self._identified(info)

    def _adopt_patron_language(self, info: Any) -> None:
        """The patron's preferred language from the ILS, where the station follows it,
        the kiosk offers it, and the patron has not pressed a language button."""
        s = self.session
        station = self.st.config.station
        if s.language_chosen or not station.follow_patron_language:
            return
        lang = from_sip2_language(getattr(info, "language", ""))
        if lang is None or lang == s.language or lang not in {normalize(c) for c in station.languages}:
            return
        log.info("session %s: the patron's preferred language, %s", s.session_id, lang)
        s.language = lang
        s.patron.language = lang

    def _identified(self, info: Any) -> None:
        s = self.session
        p = s.patron
        self._adopt_patron_language(info)
        flags = info.patron_status
        words = ils_words(info.screen_message)
        p.name = info.personal_name or p.name
        p.verified = True
        p.can_borrow = not (flags.charge_privileges_denied or flags.card_reported_lost)
        p.can_renew = not (flags.renewal_privileges_denied or flags.card_reported_lost)
        p.blocked_reason = "" if p.can_borrow else (words[0] if words else self.tr(M.NOT_ALLOWED_BLOCKED))
        p.ils_message = words
        p.fines_total = info.fee_amount or ""
        p.email = getattr(info, "email_address", "") or ""
        count = int(getattr(info, "hold_items_count", 0) or 0)
        p.holds_ready = tuple(getattr(info, "hold_items", ()) or ()) or ("",) * count
        s.step("identified")
        if p.can_borrow:
            message = self.tr(MSG_WELCOME).format(name=p.name) if p.name else self.tr(MSG_WELCOME_ANON)
        else:
            message = self.tr(M.NOT_ALLOWED_BLOCKED)
        self._changed(message)

    # -- borrowing ---------------------------------------------------------------------------
    def do_start_borrow(self) -> None:
        s = self.session
        p = s.patron
        if p is None:
            return self._notice(self.tr(MSG_NO_ANON_RETURN), "warning")
        if self.st.offline and not p.offline:
            # Went offline during the session: the offline policy now decides.
            decision = self.st.desk.check_borrow(p.patron_id)
            p.offline, p.offline_left = True, decision.left
            if not decision.allowed:
                return self._notice(decision.text(self.tr.gettext), "warning")
        if not p.can_borrow:
            return self._notice(p.blocked_reason or self.tr(M.NOT_ALLOWED_BLOCKED), "warning")
        s.step("borrow")
        self._changed(self.tr(MSG_PLACE_ITEMS))
        self._borrow_from_pad()

    def _job(self) -> BorrowJob:
        s = self.session
        session_id = s.session_id

        def emit(result: ItemResult) -> None:
            if self.session.session_id != session_id:  # never shown to the next patron
                log.warning("late result for ended session %s dropped from the screen: %s %s",
                            session_id, result.item_id, result.status.value)
                return
            self.item_result(result)
        return BorrowJob(s.patron, self.tr, session_id, emit)

    def _pending(self, item_id: str, action: str) -> bool:
        result = self.session.item(item_id, action)
        if result is not None and result.status in _FINAL:
            return False
        # An item just returned is not borrowed again because it is still on the pad
        # (and vice versa) when the patron switches screens.
        other = self.session.item(item_id, "return" if action == "borrow" else "borrow")
        return other is None or not other.ok

    def _borrow_from_pad(self) -> None:
        watcher = self.st.watcher
        if watcher is None or self.session.state is not S.BORROWING:
            return
        candidates, rejected = group_tags(watcher.placed(), self.st.rules.isil)
        for bad in rejected:
            if bad.patron_card or not self._pending(bad.key, "borrow"):
                continue  # the patron's own card on the pad is not an item
            self.item_result(ItemResult(bad.key, "borrow", bad.status, self.tr(bad.message), uids=bad.uids))
        todo = [c for c in candidates if self._pending(c.item_id, "borrow")]
        if todo:
            self.st.borrower.borrow(self._job(), todo)

    def do_borrow_barcode(self, item_id: str) -> None:
        s = self.session
        if s.state is not S.BORROWING:
            return
        if not self.st.rules.barcode_items:
            return self.item_result(ItemResult(item_id, "borrow", ItemStatus.REFUSED, self.tr(MSG_NO_BARCODE_ITEMS)))
        if self._pending(item_id, "borrow"):
            self.st.borrower.borrow(self._job(), [Candidate(item_id)])

    def do_accept_fee(self, item_id: str) -> None:
        s = self.session
        shown = s.item(item_id, "borrow")
        if s.state is not S.BORROWING or shown is None or shown.status is not ItemStatus.CONFIRM_FEE:
            return
        cand = Candidate(item_id)
        if self.st.watcher is not None:
            candidates, _ = group_tags(self.st.watcher.placed(), self.st.rules.isil)
            cand = next((c for c in candidates if c.item_id == item_id), cand)
        if shown.uids and not cand.uids:  # lifted meanwhile: it must be on the pad to be switched
            return self._notice(self.tr(MSG_PLACE_ITEMS), "warning")
        self.st.borrower.borrow(self._job(), [cand], fee_acknowledged=True)

    # -- returning ---------------------------------------------------------------------------
    def do_start_return(self) -> None:
        s = self.session
        if s.state is S.IDLE:
            if not self.st.rules.anonymous_return:
                return self._notice(self.tr(MSG_NO_ANON_RETURN), "warning")
            s.step("anonymous_return")
        else:
            s.step("return")
        self._changed(self.tr(MSG_RETURN_ITEMS))
        self._return_from_pad()

    def _return_from_pad(self) -> None:
        watcher = self.st.watcher
        if watcher is None or self.session.state is not S.RETURNING:
            return
        candidates, rejected = group_tags(watcher.placed(), self.st.rules.isil)
        for bad in rejected:
            if bad.patron_card or not self._pending(bad.key, "return"):
                continue
            message = self.tr(M.UNREADABLE) if bad.status is ItemStatus.UNREADABLE else self.tr(M.FOREIGN) \
                if bad.message == M.FOREIGN else None
            if message is None:
                continue  # reference copies and discarded items may be returned; they were grouped out
            self.item_result(ItemResult(bad.key, "return", bad.status, message, uids=bad.uids))
        # Reference copies (usage 2) and withdrawn stock (7) come back too: the ILS decides.
        for cand in candidates + self._returnable_extras(watcher.placed(), candidates):
            if self._pending(cand.item_id, "return"):
                self._return_one(cand)

    @staticmethod
    def _returnable_extras(placed: Any, known: list[Candidate]) -> list[Candidate]:
        from kiosk.tags import ItemTag, Usage
        have = {c.item_id for c in known}
        extras: dict[str, list[Any]] = {}
        for event in placed:
            data = event.data
            if isinstance(data, ItemTag) and data.usage in (Usage.NOT_FOR_CIRCULATION, Usage.DISCARDED) \
                    and data.primary_item_id not in have:
                extras.setdefault(data.primary_item_id, []).append(event)
        return [Candidate(item, tuple(e.tag.uid for e in events), tuple(e.tag.afi for e in events))
                for item, events in extras.items()]

    def _return_one(self, cand: Candidate) -> None:
        s = self.session
        outcome = self.st.return_processor.process(
            cand.item_id, cand.uids, patron_id=s.patron.patron_id if s.patron else "",
            session_id=s.session_id, lang=s.language)
        result = outcome.as_item_result()
        if not cand.complete and outcome.accepted:
            from dataclasses import replace
            result = replace(result, warning=self.tr(M.SET_WARNING).format(present=len(cand.present),
                                                                         parts=cand.parts))
        self.item_result(result)

    def do_return_barcode(self, item_id: str) -> None:
        if self.session.state is S.IDLE and self.st.rules.anonymous_return:
            self.do_start_return()
        if self.session.state is S.RETURNING and self._pending(item_id, "return"):
            self._return_one(Candidate(item_id))

    # -- devices -------------------------------------------------------------------------------
    def do_pad(self, event: Any) -> None:
        from kiosk.drivers.rfid import PadFault, PadRecovered, StackSettled, TagPlaced
        from kiosk.tags import ItemTag
        s = self.session
        if isinstance(event, PadFault):
            return self.st.device_changed("rfid", False, event.message)
        if isinstance(event, PadRecovered):
            return self.st.device_changed("rfid", True, "pad working again")
        if isinstance(event, TagPlaced):
            data = event.data
            if isinstance(data, ItemTag) and data.is_patron_card and s.state is S.IDLE:
                return self.do_identify(data.primary_item_id, "rfid")
            if s.state in (S.BORROWING, S.RETURNING):
                s.touch()
            return
        if isinstance(event, StackSettled):
            if s.state is S.BORROWING:
                self._borrow_from_pad()
            elif s.state is S.RETURNING:
                self._return_from_pad()

    def do_scan(self, code: str) -> None:
        code = self.barcodes.normalise(code)
        kind = self.barcodes.classify(code)
        state = self.session.state
        if kind == "patron":
            if state is S.IDLE:
                self.do_identify(code, "scanner")
            return
        if kind != "item":
            if state is S.IDLE and self.st.is_staff_badge(code):
                log.info("staff badge presented by scanner")
                return self.st.emit(StaffBadge("scanner"))
            return self._notice(self.tr(MSG_UNKNOWN_CARD), "warning") if state is S.IDLE else None
        if state is S.BORROWING:
            self.do_borrow_barcode(code)
        elif state in (S.RETURNING, S.IDLE):
            self.do_return_barcode(code)

    # -- account ----------------------------------------------------------------------------------
    def do_open_account(self) -> None:
        from kiosk.store.offline import MSG_OFFLINE_NO_ACCOUNT
        s = self.session
        if s.patron is None:
            return
        if self.st.offline or s.patron.offline:
            return self._notice(self.tr(MSG_OFFLINE_NO_ACCOUNT), "warning")
        s.step("account")
        self._changed()
        self._load_account()

    def _load_account(self) -> None:
        try:
            view = self.st.accounts.load(self.session.patron, self.tr,
                                         progress=lambda partial: self.st.emit(AccountChanged(partial)))
        except AccountUnavailable as exc:
            log.warning("account unavailable: %s", exc)
            from kiosk.circulation.account import MSG_ACCOUNT_UNAVAILABLE
            return self._notice(self.tr(MSG_ACCOUNT_UNAVAILABLE), "error")
        self.st.last_account = view
        self.st.emit(AccountChanged(view))

    def _online_only(self, action: str) -> bool:
        s = self.session
        if s.patron is None or s.state not in (S.ACCOUNT, S.READY, S.BORROWING, S.RETURNING):
            return False
        if self.st.offline or s.patron.offline:
            decision = self.st.desk.policy.may(action)
            self._notice(decision.text(self.tr.gettext), "warning")
            return False
        return True

    def do_renew(self, item_id: str) -> None:
        if not self._online_only("renew"):
            return
        try:
            result = self.st.accounts.renew(self.session.patron, item_id, self.tr, self.session.session_id)
        except AccountUnavailable:
            return self._notice(self.tr(M.REFUSED), "error")
        self.item_result(result)
        self.st.emit(RenewResult((result,), result.message, result.ils_message))
        if self.session.state is S.ACCOUNT:
            self._load_account()

    def do_renew_all(self) -> None:
        if not self._online_only("renew_all"):
            return
        try:
            outcome = self.st.accounts.renew_all(self.session.patron, self.tr, self.session.session_id)
        except AccountUnavailable:
            return self._notice(self.tr(M.REFUSED), "error")
        with self.st._lock:
            for result in outcome.results:
                self.session.add_item(result)
        self.st.emit(outcome)
        if self.session.state is S.ACCOUNT:
            self._load_account()

    def do_pay(self, fee_id: str | None, amount: Any) -> None:
        if not self._online_only("pay"):
            return
        result = self.st.accounts.pay(self.session.patron, fee_id, amount, self.tr, self.session.session_id)
        self.st.emit(result)
        if result.ok:
            self.session.patron.fines_total = ""
        if self.session.state is S.ACCOUNT:
            self._load_account()

    # -- navigation, receipt, end ----------------------------------------------------------------------
    def do_go_home(self) -> None:
        s = self.session
        if s.state is S.READY:
            return
        if s.patron is None:       # anonymous return has no home screen
            return self.do_finish()
        s.step("home")
        self._changed()

    def do_touch(self) -> None:
        self.session.touch()

    def do_set_timeouts(self, timeouts: Any) -> None:
        self.st.timeouts = self.session.timeouts = timeouts
        log.info("inactivity timeouts changed by staff: %s", timeouts)

    def do_set_language(self, code: str) -> None:
        lang = normalize(code)
        if lang not in self.st.config.station.languages and lang != self.st.config.station.default_language:
            log.warning("language %r is not offered at this station", code)
            return
        self.session.language = lang
        self.session.language_chosen = True
        if self.session.patron is not None:
            self.session.patron.language = lang
        self._changed(self.session.message)

    def do_finish(self) -> None:
        s = self.session
        if s.state in (S.IDLE, S.ENDING, S.RECEIPT):
            return
        if s.state in (S.IDENTIFYING, S.PIN_ENTRY):
            return self.do_end_session()
        if not self.st.borrower.drain(30.0):
            return self._notice(self.tr(MSG_WAIT_ITEMS), "warning")
        default = self.st.config.receipt.default
        if not receipt_items(s.items) or default == "none":
            s.step("finish")
            return self._deliver("none", None)
        choices = self.st.receipts.options()
        if self.session.patron is None or not self.session.patron.email:
            choices = tuple(c for c in choices if c != "email")  # no address on file to send it to
        self.receipt_choices = choices
        s.step("finish")
        if default == "print" and "print" in self.receipt_choices:
            return self._deliver("print", None)
        self._changed(self.tr(MSG_RECEIPT))

    def do_choose_receipt(self, choice: str, email: str | None = None) -> None:
        if self.session.state is not S.RECEIPT:
            return
        self._deliver(choice, email)

    def _deliver(self, choice: str, email: str | None) -> None:
        s = self.session
        if choice == "email" and not email and s.patron is not None:
            email = s.patron.email  # the address the library has on file (SIP2 BE)
        try:
            delivery = self.st.receipts.deliver(session_receipt(self.st.config, s, self._receipt_holds(choice)),
                                                choice, email)
        except ValueError as exc:
            log.warning("receipt: %s", exc)
            return self._notice(self.tr(M.REFUSED), "warning")
        self.st.emit(ReceiptResult(choice, delivery.ok, delivery.message, delivery.retry))
        if delivery.retry:
            return self._changed(delivery.message)
        s.step("receipt_done")
        self._end(EndReason.FINISHED, delivery.message or self.tr(MSG_GOODBYE))

    def _receipt_holds(self, choice: str) -> tuple[Any, ...]:
        """The holds ready for the receipt: those of the My account view the patron
        loaded, or else (the ILS said at login that holds are waiting) asked for now.
        A receipt never waits on a failing ILS for them."""
        s = self.session
        if self.st.last_account is not None:
            return self.st.last_account.holds_ready
        if choice == "none" or s.patron is None or not s.patron.holds_ready or s.patron.offline \
                or self.st.offline:
            return ()
        try:
            return self.st.accounts.holds_ready(s.patron)
        except AccountUnavailable as exc:
            log.warning("receipt without the holds ready: %s", exc)
            return ()

    def do_end_session(self) -> None:
        if self.session.state in (S.IDLE,):
            return
        self.st.borrower.drain(30.0)
        self._end(EndReason.CANCELLED, self.tr(MSG_CANCELLED))

    def abandon_if_stuck(self, message: str) -> None:
        """After an unexpected error: states that wait on the kiosk itself
        (identifying, ending) or that would fail the same way on every retry
        (receipt) end the session instead of leaving the patron stuck."""
        if self.session.state in (S.IDENTIFYING, S.ENDING, S.RECEIPT):
            self._end(EndReason.OUT_OF_SERVICE, message)

    def on_timeout(self) -> None:
        s = self.session
        if s.state is S.RECEIPT:
            return self._deliver("none", None)
        if s.state in (S.BORROWING,) and not self.st.borrower.drain(0.0):
            s.touch()  # items still being processed: the patron is not idle
            return
        self._end(EndReason.TIMEOUT, self.tr(MSG_TIMED_OUT))

    def _end(self, reason: EndReason, message: str, step: str = "end") -> None:
        """End the session: SIP2 end session (35), then forget the patron."""
        s = self.session
        if not self.st.borrower.drain(30.0):  # the patron's last results belong to this session
            log.warning("session %s ends with security writes still running", s.session_id)
        if s.state is not S.ENDING:
            s.step(step)
        s.end_reason = reason
        self._changed(message)
        p = s.patron
        log.info("session %s ended (%s)%s; %d item(s)", s.session_id, reason.value,
                 f" for patron {mask_patron_id(p.patron_id)}" if p else "", len(s.items))
        if p is not None and p.verified and not self.st.offline:
            try:
                self.st.client.end_session(p.patron_id, pin=p.pin or None)
            except (TransportError, RemoteProtocolError) as exc:
                log.info("end session (35) not confirmed: %s", exc)
        self.st.emit(SessionEnded(reason, message))
        with self.st._lock:
            s.reset()
        self.st.last_account = None
        self._changed("")


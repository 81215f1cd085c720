"""Identification: a patron card (barcode, RFID patron card with usage 8, NFC
card), then the PIN where the policy asks for one.

Follows ``circulation.pin_policy``: ``required`` always asks the PIN,
``optional`` asks it only when the ILS says the account has one (CQ N for an
empty PIN), ``none`` never does. A wrong PIN is said in the kiosk's words; after
``pin_attempts`` wrong PINs the session stops politely. Blocked, expired or
fined-over-limit patrons are told in the kiosk's words, with the ILS's reason
quoted where the kiosk does not give it (:mod:`kiosk.station.library_words`),
and keep what they may still do (return, account, pay). Offline, the offline
policy decides. Home greets the patron by name, so no "Welcome" message.

Staff badges come through here too (:meth:`Identification.staff_card`): which
cards count as staff attempts is :class:`kiosk.staff.StaffAuth.present_card`'s
rule; while staff mode is locked a badge opens nothing.
"""

from __future__ import annotations

import logging

from kiosk.circulation.context import CirculationRules, M, ils_words
from kiosk.circulation.session import Patron
from kiosk.errors import TransportError
from kiosk.events import EndReason, SessionState, StaffBadge
from kiosk.i18n import N_, from_sip2_language
from kiosk.logs import mask_patron_id
from kiosk.services.link import ILSLink
from kiosk.sip2.messages import PatronInformationResponse
from kiosk.staff import CardVerdict, StaffAuth
from kiosk.station.live import LiveSession
from kiosk.station.ports import EndSessionFn, LanguagePolicy
from kiosk.store.offline import OfflineDesk

log = logging.getLogger(__name__)

__all__ = ["Identification"]

S = SessionState

MSG_ENTER_PIN = N_("Please enter your PIN.")
MSG_UNKNOWN_CARD = N_("We do not recognise this card. Please check it or ask at the desk.")
MSG_WRONG_PIN = N_("That PIN is not right. Please try again ({left} tries left).")
MSG_PIN_STOP = N_("That PIN was not right too many times. Please ask at the desk for help.")
MSG_OUT_OF_SERVICE = N_("This kiosk cannot reach the library system right now. Please ask at the desk.")
MSG_STAFF_LOCKED = N_("Too many attempts. Staff mode is locked for {n} seconds.")


class Identification:
    def __init__(self, live: LiveSession, link: ILSLink, desk: OfflineDesk, rules: CirculationRules, *,
                 languages: LanguagePolicy, staff: StaffAuth, end: EndSessionFn) -> None:
        self.live = live
        self.link = link
        self.desk = desk
        self.rules = rules
        self.languages = languages
        self.staff = staff
        self.end = end

    def identify(self, barcode: str, source: str = "scanner") -> None:
        live, s = self.live, self.live.session
        barcode = (barcode or "").strip()
        if not barcode:
            return
        if s.state is not S.IDLE:
            if s.patron is None or s.patron.patron_id != barcode:
                log.info("card presented during a session (state %s); ignored", s.state.value)
            return
        # A number typed on the patron keypad is never a staff badge: staff
        # mode stays behind the badge itself and the logo's staff PIN.
        if source != "keyboard" and self.staff_card(barcode, source, other_use=True):
            return
        s.step("identify")
        s.patron = Patron(barcode, source=source)
        log.info("session %s: patron %s by %s", s.session_id, mask_patron_id(barcode), source)
        live.changed()
        if self.link.offline:
            return self._identify_offline(s.patron)
        try:
            info = self.link.client.patron_information(barcode, pin="" if self.rules.pin_policy == "optional"
                                                       else None)
        except TransportError as exc:
            self.link.go_offline(str(exc))
            return self._identify_offline(s.patron)
        if info.valid_patron is False:
            return self.end(EndReason.UNKNOWN_CARD, live.tr(MSG_UNKNOWN_CARD), "rejected")
        self._adopt_patron_language(s.patron, info)
        policy = self.rules.pin_policy
        if policy == "required" or (policy == "optional" and info.valid_patron_password is False):
            s.step("need_pin")
            s.patron.name = info.personal_name or ""
            return live.changed(live.tr(MSG_ENTER_PIN))
        self._identified(s.patron, info)

    def staff_card(self, card: str, source: str, *, other_use: bool) -> bool:
        """A card on the idle kiosk checked as a staff badge; True when it was one
        (staff mode opens) or was a refused staff attempt (a notice says so).
        False: not a staff badge, so it is the patron card or item it may be
        (``other_use``)."""
        live = self.live
        verdict = self.staff.present_card(card, other_use=other_use)
        if verdict is CardVerdict.STAFF:
            log.info("staff badge presented by %s", source)
            live.emit(StaffBadge(source))
        elif verdict is CardVerdict.LOCKED:
            log.info("staff badge presented by %s while staff mode is locked", source)
            live.notice(live.tr(MSG_STAFF_LOCKED).format(n=int(self.staff.seconds_locked() + 0.999)), "warning")
        elif verdict is CardVerdict.REFUSED:
            live.notice(live.tr(MSG_UNKNOWN_CARD), "warning")
        return verdict is not CardVerdict.OTHER

    def enter_pin(self, pin: str) -> None:
        live, s = self.live, self.live.session
        s.step("submit_pin")
        live.changed()
        patron = s.patron
        assert patron is not None  # the table allows submit_pin only with a patron card presented
        try:
            info = self.link.client.patron_information(patron.patron_id, pin=pin)
        except TransportError as exc:
            # A PIN cannot be checked offline; offline borrowing needs none.
            self.link.go_offline(str(exc))
            return self._identify_offline(patron)
        if info.valid_patron is False:
            return self.end(EndReason.UNKNOWN_CARD, live.tr(MSG_UNKNOWN_CARD), "rejected")
        if info.valid_patron_password is False:
            s.pin_tries += 1
            left = self.rules.pin_attempts - s.pin_tries
            if left <= 0:
                log.info("patron %s: too many wrong PINs", mask_patron_id(patron.patron_id))
                return self.end(EndReason.PIN_ATTEMPTS, live.tr(MSG_PIN_STOP), "end")
            s.step("wrong_pin")
            patron.ils_message = ils_words(info.screen_message)
            return live.changed(live.tr(MSG_WRONG_PIN).format(left=left))
        patron.pin = pin
        self._identified(patron, info)

    def _identify_offline(self, patron: Patron) -> None:
        live, desk = self.live, self.desk
        if not desk.policy.enabled:
            return self.end(EndReason.OUT_OF_SERVICE, live.tr(MSG_OUT_OF_SERVICE), "rejected")
        decision = desk.check_borrow(patron.patron_id)
        patron.offline = True
        patron.verified = False
        patron.can_borrow = decision.allowed
        patron.can_renew = False
        patron.offline_left = decision.left
        patron.blocked_reason = "" if decision.allowed else decision.text(live.tr.gettext)
        live.session.step("identified")
        live.changed(decision.text(live.tr.gettext))

    def _adopt_patron_language(self, patron: Patron, info: PatronInformationResponse) -> None:
        """The patron's preferred language from the ILS, where the station follows it,
        the kiosk offers it, and the patron has not pressed a language button."""
        s = self.live.session
        if s.language_chosen or not self.languages.follow_patron:
            return
        lang = from_sip2_language(info.language)
        if lang is None or lang == s.language or lang not in self.languages.offered:
            return
        log.info("session %s: the patron's preferred language, %s", s.session_id, lang)
        s.language = lang
        patron.language = lang

    def _identified(self, p: Patron, info: PatronInformationResponse) -> None:
        live = self.live
        self._adopt_patron_language(p, info)
        flags = info.patron_status
        words = ils_words(info.screen_message)
        p.name = info.personal_name or p.name
        p.verified = True
        p.can_borrow = not (flags.charge_privileges_denied or flags.card_reported_lost)
        p.can_renew = not (flags.renewal_privileges_denied or flags.card_reported_lost)
        # The kiosk's own words for a block; the ILS's reason is among its messages, shown
        # once as a message from the library (kiosk/station/library_words.py).
        p.blocked_reason = "" if p.can_borrow else live.tr(M.NOT_ALLOWED_BLOCKED)
        p.ils_message = words
        p.fines_total = info.fee_amount or ""
        p.email = info.email_address or ""
        p.holds_ready = tuple(info.hold_items or ())
        live.holds_waiting = len(p.holds_ready) or int(info.hold_items_count or 0)
        live.session.step("identified")
        # No message: home greets the patron by name and shows a block itself.
        live.changed()

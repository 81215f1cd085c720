"""The patron screens and the controls on each, in focus order, UI-free.

Control ids match the widget ids in ``kiosk/screens/*.kv`` (``borrow``,
``finish``, ``renew_all``, ...), so the UI can draw the focus ring on
``screen.ids[control.id]``; list rows are ``item:ID``, ``loan:ID``,
``hold:ID``, ``fine:ID``; language buttons ``lang_CODE``. Labels are
translated when the controls are built: they are what is spoken.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Iterable

from kiosk.events import AccountView, ItemStatus, SessionState, SessionView
from kiosk.i18n import Translator
from kiosk.speech.phrases import fine_text, hold_text, item_text, language_name, loan_text


class Screen(StrEnum):
    """Every patron screen the kiosk shows (the staff screens are not patron screens)."""

    ATTRACT = "attract"
    IDENTIFYING = "identifying"
    PIN_ENTRY = "pin_entry"
    HOME = "home"
    BORROWING = "borrowing"
    RETURNING = "returning"
    ACCOUNT = "account"
    RECEIPT = "receipt"
    GOODBYE = "goodbye"
    OUT_OF_SERVICE = "out_of_service"
    INACTIVITY_WARNING = "inactivity_warning"


_BY_STATE = {
    SessionState.IDLE: Screen.ATTRACT, SessionState.IDENTIFYING: Screen.IDENTIFYING,
    SessionState.PIN_ENTRY: Screen.PIN_ENTRY, SessionState.READY: Screen.HOME,
    SessionState.BORROWING: Screen.BORROWING, SessionState.RETURNING: Screen.RETURNING,
    SessionState.ACCOUNT: Screen.ACCOUNT, SessionState.RECEIPT: Screen.RECEIPT, SessionState.ENDING: Screen.GOODBYE,
}


def screen_for(view: SessionView, *, out_of_service: bool = False, warning: bool = False) -> Screen:
    """The screen a patron sees: out of service and the inactivity warning
    cover whatever the session's state is."""
    if out_of_service:
        return Screen.OUT_OF_SERVICE
    if warning and view.state not in (SessionState.IDLE, SessionState.ENDING):
        return Screen.INACTIVITY_WARNING
    return _BY_STATE[view.state]


class Role(StrEnum):
    BUTTON = "button"
    FIELD = "field"        # digits type into it; Enter submits
    ITEM = "item"          # a row of a list: Select acts on it (renew, accept) or reads it again
    SWITCH = "switch"      # on/off (``selected``)


class Action(StrEnum):
    """What activating a control asks of the core (phase 2 maps each to one station call)."""

    IDENTIFY = "identify"              # Submit: the typed card number
    ENTER_PIN = "enter_pin"            # Submit: the typed PIN
    CANCEL = "cancel"                  # leave the PIN screen: end the session
    START_RETURN = "start_return"
    SET_LANGUAGE = "set_language"      # target: language code
    LOW_LAYOUT = "low_layout"          # toggle the low layout
    BORROW = "borrow"
    RETURN = "return"
    ACCOUNT = "account"
    FINISH = "finish"
    GO_HOME = "go_home"
    ACCEPT_FEE = "accept_fee"          # target: item id
    RENEW = "renew"                    # target: item id
    RENEW_ALL = "renew_all"
    PAY = "pay"
    RECEIPT = "receipt"                # target: print | email | none
    DONE = "done"                      # goodbye -> attract
    MORE_TIME = "more_time"
    END_SESSION = "end_session"
    READ = "read"                      # no action: the row is read again


@dataclass(frozen=True)
class Control:
    id: str
    label: str                         # translated; what is spoken for it
    role: Role = Role.BUTTON
    action: Action = Action.READ
    target: str = ""
    selected: bool = False             # the current language; a switch that is on
    secret: bool = False               # a PIN field: digits are never spoken


def controls_for(screen: Screen, view: SessionView, tr: Translator, *, account: AccountView | None = None,
                 languages: Iterable[str] = (), anonymous_return: bool = True,
                 low_layout: bool = False) -> tuple[Control, ...]:
    """The controls of ``screen`` in focus order, labelled in ``tr``'s language."""
    _ = tr.gettext
    if screen is Screen.ATTRACT:
        controls = [Control("card", _("Library card number"), Role.FIELD, Action.IDENTIFY)]
        if anonymous_return:
            controls.append(Control("return_button", _("Return items"), action=Action.START_RETURN))
        controls += [Control(f"lang_{code}", _("Language: {name}").format(name=language_name(code, tr)),
                             action=Action.SET_LANGUAGE, target=code, selected=code == view.language)
                     for code in languages]
        controls.append(Control("low_layout", _("Controls at the bottom of the screen"), Role.SWITCH,
                                Action.LOW_LAYOUT, selected=low_layout))
        return tuple(controls)
    if screen is Screen.PIN_ENTRY:
        return (Control("pad", _("PIN"), Role.FIELD, Action.ENTER_PIN, secret=True),
                Control("cancel", _("Cancel"), action=Action.CANCEL))
    if screen is Screen.HOME:
        can_borrow = view.patron is None or view.patron.can_borrow
        return tuple(([Control("borrow", _("Borrow"), action=Action.BORROW)] if can_borrow else []) + [
            Control("return_items", _("Return"), action=Action.RETURN),
            Control("account", _("My account"), action=Action.ACCOUNT),
            Control("finish", _("Finish"), action=Action.FINISH)])
    if screen in (Screen.BORROWING, Screen.RETURNING):
        borrowing = screen is Screen.BORROWING
        rows = [Control(f"item:{r.item_id or ','.join(r.uids)}", item_text(r, tr), Role.ITEM,
                        Action.ACCEPT_FEE if r.status is ItemStatus.CONFIRM_FEE else Action.READ, r.item_id)
                for r in view.items if borrowing == (r.action in ("borrow", "renew"))]
        back = [Control("back", _("Back"), action=Action.GO_HOME)] if view.patron is not None else []
        return tuple(rows + back + [Control("finish", _("Finish"), action=Action.FINISH)])
    if screen is Screen.ACCOUNT:
        return _account_controls(account, tr)
    if screen is Screen.RECEIPT:
        options = view.receipt_options or ("print", "none")
        labels = {"print": _("Print a receipt"), "email": _("Email me a receipt"), "none": _("No receipt")}
        return tuple(Control(choice, labels[choice], action=Action.RECEIPT, target=choice)
                     for choice in ("print", "email", "none") if choice in options or choice == "none")
    if screen is Screen.GOODBYE:
        return (Control("done", _("Done"), action=Action.DONE),)
    if screen is Screen.INACTIVITY_WARNING:
        return (Control("still_here", _("More time"), action=Action.MORE_TIME),
                Control("end_now", _("End my session"), action=Action.END_SESSION))
    return ()   # identifying, out of service: nothing to choose


def _account_controls(account: AccountView | None, tr: Translator) -> tuple[Control, ...]:
    _ = tr.gettext
    controls: list[Control] = []
    if account is not None:
        can_renew = account.can_renew and bool(account.loans)
        if can_renew:
            controls.append(Control("renew_all", _("Renew all"), action=Action.RENEW_ALL))
        for loan in account.loans:
            label = loan_text(loan, tr)
            if can_renew:
                label += " " + _("Select to renew.")
            controls.append(Control(f"loan:{loan.item_id}", label, Role.ITEM,
                                    Action.RENEW if can_renew else Action.READ, loan.item_id))
        controls += [Control(f"hold:{h.item_id}", hold_text(h, tr), Role.ITEM) for h in account.holds_ready]
        money = {f.fee_id: f.amount_display or tr.format_money(f.amount, account.currency) for f in account.fines}
        controls += [Control(f"fine:{f.fee_id}", fine_text(f, money[f.fee_id]), Role.ITEM) for f in account.fines]
        if account.can_pay and account.fines_total not in ("", "0", "0.00"):
            controls.append(Control("pay", _("Pay now"), action=Action.PAY))
    return tuple(controls + [Control("back", _("Back"), action=Action.GO_HOME),
                             Control("finish", _("Finish"), action=Action.FINISH)])

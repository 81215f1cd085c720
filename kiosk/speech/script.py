"""What is spoken, UI-free (EN 301 549 5.1.3): the announcement of each
patron screen, the feedback to each key, and the changes a patron needs to
hear (items, renewals, notices, the inactivity warning).

A screen announcement says where the patron is, what the screen says, what
they can do and which key does it, and ends with the focused control::

    announce_screen(focus, view, translator(lang), account=..., seconds_left=..., reason=...)

Every string goes through :mod:`kiosk.i18n`; station messages in the view
and events are already translated, titles and ILS messages are read as
they are. PIN digits are never spoken: a digit typed into a secret field is
"Digit entered", and nothing here logs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any, Callable

from kiosk.events import (AccountView, InactivityWarning, ItemResult, ItemStatus, Notice, OfflineChanged,
                          PaymentResult, ReceiptResult, RenewResult, SessionView)
from kiosk.i18n import N_, Translator
from kiosk.speech.focus import (Adjust, Control, Deleted, Effect, Focus, Moved, Role, Say, Screen, Speech,
                                Typed)
from kiosk.speech.phrases import item_text, join, sentence

#: Where the patron is: the first words of every screen announcement.
PLACES: dict[Screen, str] = {
    Screen.ATTRACT: N_("Welcome screen."),
    Screen.IDENTIFYING: N_("One moment, checking your card\u2026"),
    Screen.PIN_ENTRY: N_("PIN entry."),
    Screen.HOME: N_("Home screen."),
    Screen.BORROWING: N_("Borrowing."),
    Screen.RETURNING: N_("Returning."),
    Screen.ACCOUNT: N_("My account"),
    Screen.RECEIPT: N_("Would you like a receipt?"),
    Screen.GOODBYE: N_("Thank you, goodbye!"),
    Screen.OUT_OF_SERVICE: N_("Sorry, this kiosk is out of service"),
    Screen.INACTIVITY_WARNING: N_("Are you still there?"),
}

#: What the patron can do, and which key does it.
INSTRUCTIONS: dict[Screen, str] = {
    Screen.ATTRACT: N_("To borrow, scan or tap your library card, or type its number and press Enter. "
                       "To return items without a card, choose Return items."),
    Screen.IDENTIFYING: N_("Please wait."),
    Screen.PIN_ENTRY: N_("Type your PIN with the number keys, then press Enter. "
                         "Each digit is announced only as digit entered."),
    Screen.HOME: N_("Your choices: {choices}."),
    Screen.BORROWING: N_("Place your items on the pad, one stack at a time. Each item is announced when it is done. "
                         "When you have finished, press Select on Finish."),
    Screen.RETURNING: N_("Place the items you are returning on the pad. Each item is announced when it is done. "
                         "When you have finished, press Select on Finish."),
    Screen.ACCOUNT: N_("Move through your loans, holds and fines with the arrow keys. Select on a loan renews it."),
    Screen.RECEIPT: N_("Your choices: {choices}."),
    Screen.GOODBYE: N_("Remember to take your card and your items."),
    Screen.OUT_OF_SERVICE: N_("Please use another kiosk or ask at the desk. Staff have been told."),
    Screen.INACTIVITY_WARNING: N_("Press Select for more time."),
}

KEYS_HINT = N_("Use the arrow keys to move, Select to choose, and Help to hear more.")

#: What the Help key reads, per screen, followed by :data:`KEY_LEGEND`.
HELP: dict[Screen, str] = {
    Screen.ATTRACT: N_("This is the welcome screen. To borrow, scan or tap your library card, or type its number "
                       "and press Enter. To return items without a card, choose Return items. You can also choose "
                       "a language, or move all the controls to the bottom of the screen."),
    Screen.IDENTIFYING: N_("Your card is being checked. Please wait."),
    Screen.PIN_ENTRY: N_("Type your PIN with the number keys, then press Enter. For your privacy each digit is "
                         "announced only as digit entered. Clear deletes the last digit. Back cancels and ends "
                         "the session."),
    Screen.HOME: N_("This is your home screen. Borrow lets you borrow items, Return lets you return them, My account "
                    "lists your loans, holds and fines, and Finish ends your session."),
    Screen.BORROWING: N_("Place your items on the pad, a few at a time, and leave them there until each one is "
                         "announced. Move through the list to hear an item again. Back goes to the home screen; "
                         "Finish ends borrowing."),
    Screen.RETURNING: N_("Place the items you are returning on the pad and leave them there until each one is "
                         "announced. Move through the list to hear an item again. Finish ends returning."),
    Screen.ACCOUNT: N_("Move through your loans, holds and fines. Select on a loan renews it; Renew all renews "
                       "everything. Back goes to the home screen."),
    Screen.RECEIPT: N_("Choose how you would like your receipt, or No receipt."),
    Screen.GOODBYE: N_("Your session has ended. Remember to take your card and your items."),
    Screen.OUT_OF_SERVICE: N_("This kiosk cannot be used right now. Please use another kiosk or ask at the desk."),
    Screen.INACTIVITY_WARNING: N_("Your session is about to end because no key was pressed. Press Select for "
                                  "more time."),
}
KEY_LEGEND = N_("Keys: the arrows move, Select chooses, Back goes back, Help explains the screen, Repeat says the "
                "last announcement again, and the volume keys change the volume.")

CONTROL = N_("{label}, {role}, {n} of {count}.")
SWITCH_ON, SWITCH_OFF, SELECTED = N_("on"), N_("off"), N_("selected")
ROLE_WORDS: dict[Role, str] = {
    Role.BUTTON: N_("button"), Role.FIELD: N_("text field"), Role.ITEM: N_("list item"), Role.SWITCH: N_("switch"),
}

SPOKEN: dict[Speech, str] = {
    Speech.NOTHING_HERE: N_("There is nothing to choose on this screen."),
    Speech.EMPTY_FIELD: N_("Nothing has been typed yet."),
    Speech.NO_BACK: N_("Back does nothing on this screen."),
}
ADJUSTED = {("volume", 1): N_("Louder."), ("volume", -1): N_("Quieter."),
            ("rate", 1): N_("Faster."), ("rate", -1): N_("Slower.")}
DIGIT_ENTERED = N_("Digit entered.")
DIGIT_DELETED = N_("Digit deleted.")
SPEECH_ON = N_("Speech on.")
SPEECH_OFF = N_("Speech off.")
MORE_TIME = N_("Press Select for more time.")
COUNTDOWN_AT = frozenset({10, 5})    # the warning's countdown is spoken at these seconds only


def control_text(control: Control, position: int, count: int, tr: Translator) -> str:
    """``"Borrow, button, 1 of 4."``; a switch says on or off, the chosen language "selected"."""
    role = tr.gettext(ROLE_WORDS[control.role])
    if control.role is Role.SWITCH:
        role = ", ".join((role, tr.gettext(SWITCH_ON if control.selected else SWITCH_OFF)))
    elif control.selected:
        role = ", ".join((role, tr.gettext(SELECTED)))
    return tr.gettext(CONTROL).format(
        label=control.label.rstrip(". "), role=role, n=position, count=count)


def focus_text(focus: Focus, tr: Translator) -> str:
    control = focus.focused
    return control_text(control, *focus.position(), tr) if control is not None else ""


def announce_screen(focus: Focus, view: SessionView, tr: Translator, *, account: AccountView | None = None,
                    seconds_left: int = 0, reason: str = "") -> str:
    """The whole announcement of ``focus.screen`` as it appears."""
    screen = focus.screen
    choices = ", ".join(c.label for c in focus.controls)
    instruction = tr.gettext(INSTRUCTIONS[screen]).format(choices=choices)
    content = _CONTENT[screen](view, tr, account=account, seconds_left=seconds_left, reason=reason)
    place = tr.gettext(PLACES[screen])
    # The station's message often repeats the screen's title or instruction
    # ("Would you like a receipt?"): said once is enough.
    content = [part for part in content if not _repeats(part, place, instruction)]
    hint = tr.gettext(KEYS_HINT) if len(focus.controls) > 1 else ""
    return join(place, *content, instruction, hint, focus_text(focus, tr))


def _repeats(part: str, *said: str) -> bool:
    words = part.strip().rstrip(".!?\u2026\u061f").strip()
    return bool(words) and any(text.strip().startswith(words) for text in said)


def help_text(screen: Screen, tr: Translator) -> str:
    return join(tr.gettext(HELP[screen]), tr.gettext(KEY_LEGEND))


def feedback(effect: Effect, focus: Focus, tr: Translator) -> str | None:
    """What to say for one effect of a key (``None``: nothing; the screen
    that follows an action is announced when it appears)."""
    if isinstance(effect, Moved):
        return control_text(effect.control, effect.position, effect.count, tr)
    if isinstance(effect, Typed):
        return tr.gettext(DIGIT_ENTERED) if effect.control.secret else effect.digit
    if isinstance(effect, Deleted):
        return tr.gettext(DIGIT_DELETED)
    if isinstance(effect, Say):
        return help_text(focus.screen, tr) if effect.what is Speech.HELP else tr.gettext(SPOKEN[effect.what])
    if isinstance(effect, Adjust):
        return tr.gettext(ADJUSTED[(effect.setting, 1 if effect.step > 0 else -1)])
    return None


def speech_toggled(on: bool, tr: Translator) -> str:
    return tr.gettext(SPEECH_ON if on else SPEECH_OFF)


# -- what each screen says besides its place and instruction ------------------------------------

def _nothing(view: SessionView, tr: Translator, **_: Any) -> list[str]:
    return [view.message] if view.message else []


def _pin(view: SessionView, tr: Translator, **_: Any) -> list[str]:
    name = view.patron.display_name.strip() if view.patron else ""
    return [tr.gettext("Hello, {name}").format(name=name) if name else "", view.message]


def _home(view: SessionView, tr: Translator, **_: Any) -> list[str]:
    p = view.patron
    if p is None:
        return [view.message]
    said = [tr.gettext("Hello, {name}").format(name=p.display_name) if p.display_name.strip() else tr.gettext("Hello!")]
    if p.holds_ready:
        said.append(tr.ngettext("{n} hold is ready for you to pick up.", "{n} holds are ready for you to pick up.",
                                p.holds_ready).format(n=p.holds_ready))
    if p.fines_total and p.fines_total.strip("0.,"):
        said.append(tr.gettext("Fines to pay: {amount}").format(amount=tr.format_money(p.fines_total, p.currency)))
    if not p.can_borrow:
        said.append(p.blocked_reason or tr.gettext("Borrowing is not possible on this card. Please ask at the desk."))
    return said + list(p.ils_message) + [view.message]


def _items(view: SessionView, tr: Translator, **_: Any) -> list[str]:
    borrowing = view.state == "borrowing"
    mine = [r for r in view.items if (r.action in ("borrow", "renew")) == borrowing]
    done = sum(1 for r in mine if r.ok)
    if borrowing:
        count = tr.ngettext("{n} item borrowed", "{n} items borrowed", done)
    else:
        count = tr.ngettext("{n} item returned", "{n} items returned", done)
    return [count.format(n=done) if mine else "", view.message]


def _account(view: SessionView, tr: Translator, *, account: AccountView | None = None, **_: Any) -> list[str]:
    if account is None:
        return [tr.gettext("Loading your account\u2026")]
    said = [tr.ngettext("{n} item on loan", "{n} items on loan", len(account.loans)).format(n=len(account.loans))]
    if account.overdue_count:
        said.append(tr.ngettext("{n} overdue", "{n} overdue", account.overdue_count).format(n=account.overdue_count))
    if account.holds_ready:
        said.append(tr.ngettext("{n} hold is ready for you to pick up.", "{n} holds are ready for you to pick up.",
                                len(account.holds_ready)).format(n=len(account.holds_ready)))
    if account.fines:
        total = account.fines_total_display or tr.format_money(account.fines_total, account.currency)
        said.append(tr.gettext("Fines to pay: {amount}").format(amount=total))
    return said + [account.message, *account.ils_message]


def _out_of_service(view: SessionView, tr: Translator, *, reason: str = "", **_: Any) -> list[str]:
    return [reason]


def _warning(view: SessionView, tr: Translator, *, seconds_left: int = 0, **_: Any) -> list[str]:
    if seconds_left <= 0:
        return []
    return [tr.ngettext("Your session ends in {n} second.", "Your session ends in {n} seconds.",
                        seconds_left).format(n=seconds_left)]


_CONTENT: dict[Screen, Callable[..., list[str]]] = {
    Screen.ATTRACT: _nothing, Screen.IDENTIFYING: _nothing, Screen.PIN_ENTRY: _pin, Screen.HOME: _home,
    Screen.BORROWING: _items, Screen.RETURNING: _items, Screen.ACCOUNT: _account, Screen.RECEIPT: _nothing,
    Screen.GOODBYE: _nothing, Screen.OUT_OF_SERVICE: _out_of_service, Screen.INACTIVITY_WARNING: _warning,
}


# -- changes ---------------------------------------------------------------------------------------

def _item(event: ItemResult, tr: Translator) -> str | None:
    return None if event.status is ItemStatus.PENDING else item_text(event, tr)


def _renewal(event: RenewResult, tr: Translator) -> str | None:
    # The event's own ILS lines are the ones the station chose to pass on (each once,
    # "Message from the library: ..."); an item's raw ILS lines would say them again.
    said = [item_text(replace(r, ils_message=()), tr) for r in event.results]
    # Each item's line already carries the station's words more often than not.
    head = "" if any(event.message.strip().rstrip(".") in s for s in said) else event.message
    extra = [m for m in event.ils_message if not any(m.strip().rstrip(".") in s for s in said)]
    return join(head, *said, *extra) or None


def _message(event: Notice | PaymentResult | ReceiptResult | OfflineChanged, tr: Translator) -> str | None:
    return sentence(event.message) or None


def _countdown(event: InactivityWarning, tr: Translator) -> str | None:
    if event.seconds_left not in COUNTDOWN_AT:
        return None
    return join(tr.ngettext("Your session ends in {n} second.", "Your session ends in {n} seconds.",
                            event.seconds_left).format(n=event.seconds_left), tr.gettext(MORE_TIME))


_EVENTS: dict[type, Callable[[Any, Translator], str | None]] = {
    ItemResult: _item, RenewResult: _renewal, Notice: _message, PaymentResult: _message,
    ReceiptResult: _message, OfflineChanged: _message, InactivityWarning: _countdown,
}


def announce_event(event: object, tr: Translator) -> str | None:
    """What to say when a station event arrives, or ``None`` (screen changes
    are announced with :func:`announce_screen`; device and staff events are
    not the patron's business). Items still being checked say nothing yet;
    the inactivity countdown speaks at 10 and 5 seconds (the warning screen's
    own announcement says the rest)."""
    handler = _EVENTS.get(type(event))
    return handler(event, tr) if handler is not None else None

"""How to say one thing: an item's result, a loan, a hold, a fine, a language.

Shared by :mod:`kiosk.speech.focus` (the labels of list rows) and
:mod:`kiosk.speech.script` (announcements). Translated text from the
station (``message``) is used as it is; titles and ILS messages are passed
through unchanged, as everywhere in the kiosk.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

from kiosk.events import FineView, HoldView, ItemResult, ItemStatus, LoanView
from kiosk.i18n import LANGUAGES, N_, Translator

# What an item's row says when the station sent no message of its own.
STATUS_WORDS: dict[tuple[str, ItemStatus], str] = {
    ("borrow", ItemStatus.BORROWED): N_("Borrowed"),
    ("borrow", ItemStatus.ALREADY_YOURS): N_("Borrowed"),
    ("renew", ItemStatus.RENEWED): N_("Renewed"),
    ("renew", ItemStatus.ALREADY_YOURS): N_("Renewed"),
    ("return", ItemStatus.RETURNED): N_("Returned"),
    ("borrow", ItemStatus.REFUSED): N_("Not borrowed"),
    ("return", ItemStatus.REFUSED): N_("Not returned"),
    ("renew", ItemStatus.REFUSED): N_("Not renewed. Please ask at the desk if you need it longer."),
}
CHECKING = N_("Checking\u2026")
UNKNOWN_ITEM = N_("Unknown item")
ASK_AT_DESK = N_("Please ask at the desk.")


def sentence(text: str) -> str:
    """``text`` ending in a full stop (or its own ?, !, …), for a voice to pause on."""
    text = text.strip()
    return text if not text or text[-1] in ".?!\u2026:\u061f\u201d\u00bb" else text + "."


def join(*parts: str) -> str:
    """Sentences joined with a space; empty parts dropped."""
    return " ".join(sentence(p) for p in parts if p and p.strip())


def item_text(result: ItemResult, tr: Translator) -> str:
    """One item as spoken: its title, then what happened and what to do."""
    title = result.title or tr.gettext(UNKNOWN_ITEM)
    if result.status is ItemStatus.PENDING:
        return join(title, tr.gettext(CHECKING))
    said = result.message
    if not said:
        word = STATUS_WORDS.get((result.action, result.status))
        said = tr.gettext(word) if word else tr.gettext(ASK_AT_DESK)
        if result.ok and result.due_display and result.action != "return":
            said = join(said, tr.gettext("Due back {date}").format(date=result.due_display))
    extra = [m for m in result.ils_message if m and m not in said]
    if result.title and result.title in said:
        title = ""          # the station's message names the item already ("Renewed: Dune. ...")
    return join(title, said, result.warning, *extra)


def loan_text(loan: LoanView, tr: Translator) -> str:
    title = loan.title or loan.item_id
    date = loan.due_display or loan.due_date
    if not date:
        return sentence(title)
    due = tr.gettext("Overdue! Was due {date}") if loan.overdue else tr.gettext("Due {date}")
    return join(title, due.format(date=date))


def hold_text(hold: HoldView, tr: Translator) -> str:
    return join(hold.title or hold.item_id, tr.gettext("Ready for pickup"))


def fine_text(fine: FineView, currency_display: str) -> str:
    return sentence(f"{fine.description or fine.fee_id}: {currency_display}")


def language_name(code: str, tr: Translator) -> str:
    """``code``'s name in the language being spoken (``es`` -> "Spanish" in
    English, "español" in Spanish), so the current voice can say it."""
    if code == "tl":
        return LANGUAGES["tl"]     # CLDR only knows Filipino; the kiosk offers it as Tagalog
    try:
        name = Locale.parse(code).get_display_name("fil" if tr.lang == "tl" else tr.lang)
    except (UnknownLocaleError, ValueError):
        name = None
    return name or LANGUAGES.get(code, code)

"""The ILS's screen messages (SIP2 AF) on the patron's screens, said once.

The kiosk says the usual things itself, in the patron's language: hello with
the patron's name, holds ready, fines, a block, overdue loans, a wrong PIN.
An ILS line on a topic the kiosk already says on that screen is not repeated
("Tiene 2 reservas listas para recoger." beside "You have 2 holds ready for
pickup."); every other line is shown as a quoted message from the library,
in the ILS's own words inside a translated frame.

An item's lines (a checkout's or a checkin's reply) are treated alike: the
kiosk's line for the item says what happened and, for a refusal it can name
(on hold, in transit, not for loan), why; the ILS's line saying the same is
not repeated, anything else it says is quoted.

Topics are recognised by words ILSs commonly use in English and Spanish (and
the patron's name for a greeting). A line with no recognised topic, or with
one the kiosk does not say there, is shown: when in doubt, the patron sees it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Collection, Iterable

from kiosk.circulation.context import M
from kiosk.events import ItemStatus
from kiosk.i18n import N_, Translator

__all__ = ["MSG_FROM_LIBRARY", "Topic", "item_says", "library_lines", "topics", "unsaid"]

MSG_FROM_LIBRARY = N_("Message from the library: \u201c{message}\u201d")


class Topic(StrEnum):
    GREETING = "greeting"      # "Welcome, Ana García." (the screen says hello with the name)
    HOLDS = "holds"            # holds ready for pickup
    FINES = "fines"            # fines, fees, a balance owed
    BLOCK = "block"            # the account is blocked
    OVERDUE = "overdue"        # overdue loans
    PIN = "pin"                # a wrong PIN
    # What an item's own line says (a borrow or a return):
    OUTCOME = "outcome"        # checked out, checked in, renewed, due
    TRANSIT = "transit"        # on its way to another branch
    NOT_FOR_LOAN = "not_for_loan"


_WORDS: dict[Topic, re.Pattern[str]] = {
    Topic.GREETING: re.compile(r"\b(welcome|hello|hi|greetings|good (morning|afternoon|evening)|bienvenid[oa]s?|"
                               r"hola|saludos|buen(os|as) (d[ií]as|tardes|noches))\b"),
    Topic.HOLDS: re.compile(r"\b(holds?|reserv\w*|pick ?up|recoger|retirar)\b"),
    Topic.FINES: re.compile(r"\b(fines?|fees?|owes?|outstanding|balance|charges|multas?|deudas?|adeuda\w*|saldo)\b"),
    Topic.BLOCK: re.compile(r"\b(block\w*|bloque\w*|barred|suspend\w*)\b"),
    Topic.OVERDUE: re.compile(r"\b(overdue|late|vencid\w*|atrasad\w*|retrasad\w*)\b"),
    Topic.PIN: re.compile(r"\b(pin|password|contrase[nñ]a|clave)\b"),
}
#: Recognised only in an item's lines (a patron screen's "renew online" is news there).
_ITEM_WORDS: dict[Topic, re.Pattern[str]] = {
    **_WORDS,
    Topic.OUTCOME: re.compile(r"\b(check(ed|s)?[ -]?(out|in)|charged|discharged|borrowed|lent|loaned|renew\w*|"
                              r"returned|due|prestad\w*|devuelt\w*|renovad\w*|vence|vencimiento)\b"),
    Topic.TRANSIT: re.compile(r"\b(transit|another (branch|library)|tr[aá]nsito|otra (biblioteca|sucursal))\b"),
    Topic.NOT_FOR_LOAN: re.compile(r"\b(not for loan|reference only|non[- ]?circulating|no se presta|"
                                   r"no (es )?prestable|solo consulta)\b"),
}


def topics(line: str, name: str = "", *, item: bool = False) -> set[Topic]:
    """The topics of one ILS line (``item``: one about an item, which may also
    say what happened to it); the patron's ``name`` in it makes it a greeting."""
    text = line.casefold()
    found = {topic for topic, words in (_ITEM_WORDS if item else _WORDS).items() if words.search(text)}
    if name.strip() and name.strip().casefold() in text:
        found.add(Topic.GREETING)
    return found


def unsaid(lines: Iterable[str], said: Collection[Topic], name: str = "", *,
           item: bool = False) -> tuple[str, ...]:
    """The ILS ``lines`` worth showing where the kiosk already says ``said``:
    a line is dropped only when every topic it has is said (and it has one)."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        found = topics(line, name, item=item)
        if line and line not in out and not (found and found <= set(said)):
            out.append(line)
    return tuple(out)


def library_lines(lines: Iterable[str], said: Collection[Topic], tr: Translator, name: str = "", *,
                  item: bool = False) -> tuple[str, ...]:
    """:func:`unsaid` lines, each framed as a quoted message from the library."""
    frame = tr(MSG_FROM_LIBRARY)
    return tuple(frame.format(message=line) for line in unsaid(lines, said, name, item=item))


def item_says(status: ItemStatus, message: str, tr: Translator) -> frozenset[Topic]:
    """What an item's own line (``message``, in ``tr``'s language) already
    tells the patron, so the ILS's line saying the same is not repeated
    ("Item is on hold for another patron" under "Not borrowed: another patron
    has reserved this item."). A refusal the kiosk words only in general says
    nothing: the ILS's reason is the news, shown as the library's message."""
    if not message:
        return frozenset()
    if status in (ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS):
        return frozenset({Topic.OUTCOME})
    if status is ItemStatus.RETURNED:          # the kiosk's line says where a held or travelling book goes
        return frozenset({Topic.OUTCOME, Topic.HOLDS, Topic.TRANSIT})
    if status is ItemStatus.REFUSED:
        specific = {tr(M.REFUSED_HOLD): {Topic.HOLDS}, tr(M.REFUSED_TRANSIT): {Topic.TRANSIT},
                    tr(M.REFUSED_OTHER_LOAN): set(), tr(M.NOT_CIRCULATING): {Topic.NOT_FOR_LOAN}}.get(message)
        if specific is not None:
            return frozenset({Topic.OUTCOME, *specific})
    return frozenset()

"""The ILS's screen messages (SIP2 AF) on the patron's screens, said once.

The kiosk says the usual things itself, in the patron's language: hello with
the patron's name, holds ready, fines, a block, overdue loans, a wrong PIN.
An ILS line on a topic the kiosk already says on that screen is not repeated
("Tiene 2 reservas listas para recoger." beside "You have 2 holds ready for
pickup."); every other line is shown as a quoted message from the library,
in the ILS's own words inside a translated frame.

Topics are recognised by words ILSs commonly use in English and Spanish (and
the patron's name for a greeting). A line with no recognised topic, or with
one the kiosk does not say there, is shown: when in doubt, the patron sees it.
"""

from __future__ import annotations

import re
from enum import StrEnum
from typing import Collection, Iterable

from kiosk.i18n import N_, Translator

__all__ = ["MSG_FROM_LIBRARY", "Topic", "library_lines", "topics", "unsaid"]

MSG_FROM_LIBRARY = N_("Message from the library: \u201c{message}\u201d")


class Topic(StrEnum):
    GREETING = "greeting"      # "Welcome, Ana García." (the screen says hello with the name)
    HOLDS = "holds"            # holds ready for pickup
    FINES = "fines"            # fines, fees, a balance owed
    BLOCK = "block"            # the account is blocked
    OVERDUE = "overdue"        # overdue loans
    PIN = "pin"                # a wrong PIN


_WORDS: dict[Topic, re.Pattern[str]] = {
    Topic.GREETING: re.compile(r"\b(welcome|hello|hi|greetings|good (morning|afternoon|evening)|bienvenid[oa]s?|"
                               r"hola|saludos|buen(os|as) (d[ií]as|tardes|noches))\b"),
    Topic.HOLDS: re.compile(r"\b(holds?|reserv\w*|pick ?up|recoger|retirar)\b"),
    Topic.FINES: re.compile(r"\b(fines?|fees?|owes?|outstanding|balance|charges|multas?|deudas?|adeuda\w*|saldo)\b"),
    Topic.BLOCK: re.compile(r"\b(block\w*|bloque\w*|barred|suspend\w*)\b"),
    Topic.OVERDUE: re.compile(r"\b(overdue|late|vencid\w*|atrasad\w*|retrasad\w*)\b"),
    Topic.PIN: re.compile(r"\b(pin|password|contrase[nñ]a|clave)\b"),
}


def topics(line: str, name: str = "") -> set[Topic]:
    """The topics of one ILS line; the patron's ``name`` in it makes it a greeting."""
    text = line.casefold()
    found = {topic for topic, words in _WORDS.items() if words.search(text)}
    if name.strip() and name.strip().casefold() in text:
        found.add(Topic.GREETING)
    return found


def unsaid(lines: Iterable[str], said: Collection[Topic], name: str = "") -> tuple[str, ...]:
    """The ILS ``lines`` worth showing where the kiosk already says ``said``:
    a line is dropped only when every topic it has is said (and it has one)."""
    out: list[str] = []
    for line in lines:
        line = line.strip()
        found = topics(line, name)
        if line and line not in out and not (found and found <= set(said)):
            out.append(line)
    return tuple(out)


def library_lines(lines: Iterable[str], said: Collection[Topic], tr: Translator, name: str = "") -> tuple[str, ...]:
    """:func:`unsaid` lines, each framed as a quoted message from the library."""
    frame = tr(MSG_FROM_LIBRARY)
    return tuple(frame.format(message=line) for line in unsaid(lines, said, name))

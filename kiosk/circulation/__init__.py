"""Circulation: the rules of one patron's visit, free of UI and hardware.

``session`` (state table, inactivity), ``context`` (what every engine shares:
the ILS link, journal, offline desk, security writer), ``borrow`` (with
``candidates``, the stack grouped into items, and ``loan_writer``, the tag
writes after the ILS said yes), ``returns`` and ``account`` (renew, pay).
Engines emit :mod:`kiosk.events`; they never touch the screen.
"""

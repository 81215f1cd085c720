"""Circulation: the rules of one patron's visit, free of UI and hardware.

``session`` (state table, inactivity), ``context`` (what every engine shares:
the ILS link, journal, offline desk, security writer), ``borrow``, ``returns``
and ``account`` (renew, pay). Engines emit :mod:`kiosk.events`; they never
touch the screen.
"""

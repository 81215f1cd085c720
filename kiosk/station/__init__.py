"""The touchscreen station: the facade the Kivy app talks to and the patron flows behind it.

:mod:`~kiosk.station.facade` (``Station``) and :mod:`~kiosk.station.api`
(``StationAPI``, what the UI may call) at the top; :mod:`~kiosk.station.actions`
and :mod:`~kiosk.station.worker` (typed actions, one table, one error
boundary); one module per flow, each handed only its ports
(:mod:`~kiosk.station.ports`, :mod:`~kiosk.station.live`).
"""

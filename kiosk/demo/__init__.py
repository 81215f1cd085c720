"""Demo mode: the ILS simulator, simulated devices and the kiosk UI together,
with a virtual hardware panel (``kiosk demo``) or as a headless tour.

Importing this package sets up Kivy's and SDL's environment (a quiet
console: :mod:`kiosk.demo.console`) before anything below imports Kivy.
"""

from kiosk.demo.console import quiet_kivy

quiet_kivy()

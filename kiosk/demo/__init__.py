"""Demo mode: the ILS simulator, simulated devices and the kiosk UI together,
with a virtual hardware panel (``kiosk demo``) or as a headless tour."""

import os

# Kivy parses sys.argv and writes log files on import unless told not to.
os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

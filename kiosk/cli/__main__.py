"""``python -m kiosk.cli``: the same as the ``kiosk`` console script."""

import sys

from kiosk.cli import main

sys.exit(main())

"""Import python-escpos without its logging side effect.

``escpos.capabilities`` calls ``logging.basicConfig()`` at import time. If
that happens before :func:`kiosk.logs.setup_logging`, the root logger gains
an unfiltered stderr handler that bypasses the secret masking and doubles
every line in the journal. Every module of ours that needs python-escpos
imports it through here, which removes whatever handler the import added.
"""

from __future__ import annotations

import logging

_root = logging.getLogger()
_before = list(_root.handlers)

import escpos.capabilities  # noqa: E402,F401  (the import is the point)
import escpos.escpos  # noqa: E402,F401
import escpos.printer  # noqa: E402,F401

for _handler in list(_root.handlers):
    if _handler not in _before:
        _root.removeHandler(_handler)

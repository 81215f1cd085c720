"""Import python-escpos without its side effects, once, with its
capabilities cache in the state folder.

Two things happen in ``escpos.capabilities`` at import time:

* ``logging.basicConfig()``: if that happens before
  :func:`kiosk.logs.setup_logging`, the root logger gains an unfiltered stderr
  handler that bypasses the secret masking and doubles every line in the
  journal. :func:`load` removes whatever handler the import added.
* The printer database (a large YAML file) is parsed with PyYAML (about 0.2 s)
  unless a pickled copy sits in ``$ESCPOS_CAPABILITIES_PICKLE_DIR``, which
  defaults to a fresh ``mkdtemp()`` folder: parsed again at every start, and a
  ``tmpXXXX`` folder left in the temp directory each time (the module calls
  ``mkdtemp()`` even when the variable is set). :func:`use_cache_folder`
  names a persistent folder (``[station] data_dir``/cache/escpos, set by the
  station before the printer opens; a config naming a printer ``profile`` or
  ``codepage`` loads python-escpos earlier, to check them, and then goes
  without the cache); :func:`load` points the throwaway
  ``mkdtemp()`` into a scratch folder it removes, and without a cache folder
  keeps the pickle there too (nothing is left behind, nothing is reused).

Every module of ours that needs python-escpos calls :func:`load` before its
first ``escpos`` import.
"""

from __future__ import annotations

import logging
import os
import tempfile
import threading
from pathlib import Path

__all__ = ["CACHE_ENV", "use_cache_folder", "load", "cache_folder"]

log = logging.getLogger(__name__)

CACHE_ENV = "ESCPOS_CAPABILITIES_PICKLE_DIR"
_lock = threading.Lock()
_loaded = False


def use_cache_folder(folder: str | Path) -> bool:
    """Keep python-escpos's capabilities cache in ``folder`` (made if missing).
    Takes effect at :func:`load`; False (and no change) when the folder cannot
    be made or written, or python-escpos is already loaded."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        log.warning("printer: no capabilities cache in %s (%s); python-escpos parses its database at each start",
                    folder, exc)
        return False
    if not os.access(folder, os.W_OK | os.X_OK):
        log.warning("printer: capabilities cache folder %s is not writable", folder)
        return False
    with _lock:
        if _loaded:
            return False
        os.environ[CACHE_ENV] = str(folder)
    return True


def cache_folder() -> Path | None:
    """The folder python-escpos keeps (or will keep) its cache in, if one is set and usable."""
    value = os.environ.get(CACHE_ENV, "")
    return Path(value) if value and os.access(value, os.W_OK | os.X_OK) else None


def load() -> None:
    """Import python-escpos (once): no logging handler, no folder left in the temp directory."""
    global _loaded
    with _lock:
        if _loaded:
            return
        root = logging.getLogger()
        before = list(root.handlers)
        cache = cache_folder()
        saved_env = os.environ.get(CACHE_ENV)
        saved_tempdir = tempfile.tempdir
        with tempfile.TemporaryDirectory(prefix="kiosk-escpos-") as scratch:
            # The module's own mkdtemp() lands in the scratch folder, removed below.
            tempfile.tempdir = scratch
            if cache is None:
                os.environ[CACHE_ENV] = scratch
            try:
                import escpos.capabilities  # noqa: F401  (the import is the point)
                import escpos.escpos  # noqa: F401
                import escpos.printer  # noqa: F401
            finally:
                tempfile.tempdir = saved_tempdir
                if cache is None:
                    if saved_env is None:
                        os.environ.pop(CACHE_ENV, None)
                    else:
                        os.environ[CACHE_ENV] = saved_env
                for handler in list(root.handlers):
                    if handler not in before:
                        root.removeHandler(handler)
        _loaded = True

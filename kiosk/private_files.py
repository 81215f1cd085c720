"""Files that hold patron data are readable by the kiosk's own user only,
whatever the process umask.

SQLite creates a database's ``-wal`` and ``-shm`` files with the mode of the
main file *as it is when they are created*, so the main file must be private
before SQLite first opens it: a ``chmod`` afterwards is too late for the two
side files (they stay 0644 under the usual umask 022). :func:`create_private`
makes the file first, with mode 0600, and tightens files an older version
left wider. The journal (transactions and stored receipts,
:mod:`kiosk.store.database`) and the webhook outbox
(:mod:`kiosk.monitoring.outbox`) use it, so it stands on the ground layer;
the staff override file is written through ``mkstemp``, which is 0600 already.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["create_private", "PRIVATE_MODE", "SQLITE_SIDE_FILES"]

PRIVATE_MODE = 0o600
SQLITE_SIDE_FILES = ("-wal", "-shm", "-journal")


def create_private(path: str | Path) -> None:
    """Create ``path`` (and its folder) with mode 0600 if it is missing, and
    tighten it and its SQLite side files if they exist with a wider mode.
    Call it before the database opens. Raises OSError."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # O_CREAT's mode is filtered by the umask, which can only take bits away
    # from 0600; the chmod below covers a file that existed already.
    os.close(os.open(path, os.O_CREAT | os.O_RDWR, PRIVATE_MODE))
    for name in (path, *(Path(f"{path}{suffix}") for suffix in SQLITE_SIDE_FILES)):
        try:
            if name.stat().st_mode & 0o077:
                os.chmod(name, PRIVATE_MODE)
        except FileNotFoundError:
            continue  # the side files exist only while a connection has them open

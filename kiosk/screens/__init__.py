"""Kivy screens: one ``.py`` + one ``.kv`` per screen (see docs/ARCHITECTURE.md).

Import after :func:`kiosk.screens.app.configure_kivy`; :func:`load_screens` builds
one instance of each in the order the screen manager holds them."""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("KIVY_NO_ARGS", "1")
os.environ.setdefault("KIVY_NO_FILELOG", "1")
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")


def load_screens() -> list[Any]:
    """The patron screens, built now (the app shows them within a session)."""
    # Each screen loads its .kv rules on import: only now, once the app builds its window.
    from kiosk.screens.account import AccountScreen
    from kiosk.screens.attract import AttractScreen
    from kiosk.screens.goodbye import GoodbyeScreen
    from kiosk.screens.home import HomeScreen
    from kiosk.screens.items import ItemsScreen
    from kiosk.screens.pin import PinScreen
    from kiosk.screens.receipt import ReceiptScreen

    return [AttractScreen(), PinScreen(), HomeScreen(), ItemsScreen(), AccountScreen(), ReceiptScreen(),
            GoodbyeScreen()]


def build_later(name: str) -> Any | None:
    """The screens most days never show (out of service, staff), built on first use:
    a patron's session does not carry their widgets and textures."""
    if name == "out_of_service":
        from kiosk.screens.out_of_service import OutOfServiceScreen
        return OutOfServiceScreen()
    if name == "staff_login":
        from kiosk.screens.staff_login import StaffLoginScreen
        return StaffLoginScreen()
    if name == "staff":
        from kiosk.screens.staff import StaffScreen
        return StaffScreen()
    return None

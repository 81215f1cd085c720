"""What activating a control with the keypad does: one table from the
control's :class:`~kiosk.speech.focus.Action` to the screen method its
button's tap calls, so a key and a finger take the same way to the station.
"""

from __future__ import annotations

from typing import Any, Callable

from kiosk.speech.focus import Action

__all__ = ["control_actions"]

ControlAction = Callable[[str], None]      # called with the control's target (an item id, a choice, a code)


def control_actions(app: Any, toggle_low_layout: Callable[[], None]) -> dict[Action, ControlAction]:
    """The table for ``app`` (a :class:`~kiosk.screens.app.KioskApp`); every
    :class:`Action` has an entry (a test checks it)."""

    def screen(name: str) -> Any:
        return app.root_screen(name)

    def warning(method: str) -> ControlAction:
        def act(_target: str) -> None:
            dialog = app.router.warning
            if dialog is not None and dialog.parent is not None:
                {"still_here": dialog.still_here, "end_now": dialog.end_now}[method]()
        return act
    return {
        Action.IDENTIFY: lambda _t: None, Action.ENTER_PIN: lambda _t: None,   # by Submit, with the digits
        Action.CANCEL: lambda _t: screen("pin").cancel(),
        Action.START_RETURN: lambda _t: screen("attract").start_return(),
        Action.SET_LANGUAGE: lambda code: app.set_language(code),
        Action.LOW_LAYOUT: lambda _t: toggle_low_layout(),
        Action.BORROW: lambda _t: screen("home").borrow(),
        Action.RETURN: lambda _t: screen("home").return_items(),
        Action.ACCOUNT: lambda _t: screen("home").account(),
        Action.FINISH: lambda _t: app.station.finish(),
        Action.GO_HOME: lambda _t: app.station.go_home(),
        Action.ACCEPT_FEE: lambda item_id: app.station.accept_fee(item_id),
        Action.RENEW: lambda item_id: screen("account").renew(item_id),
        Action.RENEW_ALL: lambda _t: screen("account").renew_all(),
        Action.PAY: lambda _t: screen("account").pay(),
        Action.RECEIPT: lambda choice: screen("receipt").choose(choice),
        Action.DONE: lambda _t: screen("goodbye").done(),
        Action.MORE_TIME: warning("still_here"),
        Action.END_SESSION: warning("end_now"),
        Action.READ: lambda _t: None,
    }

"""The monitor's four outcomes of one item, from the result the patron sees.

``kiosk_items_total{action, result}`` counts items by ``ok`` (done with the
ILS), ``offline`` (done, queued for the ILS), ``refused`` (the ILS or a local
rule said no) and ``error`` (staff must look: an unknown outcome, a security
write that failed, an unreadable tag). Results still on their way (pending,
waiting for more parts, a fee to confirm) are not counted.
"""

from __future__ import annotations

from kiosk.events import ItemResult, ItemStatus

__all__ = ["OUTCOMES", "item_outcome"]

OUTCOMES = ("ok", "offline", "refused", "error")

_DONE = {ItemStatus.BORROWED, ItemStatus.RENEWED, ItemStatus.ALREADY_YOURS, ItemStatus.RETURNED}
_ERROR = {ItemStatus.SEE_STAFF, ItemStatus.UNREADABLE}


def item_outcome(result: ItemResult) -> str | None:
    """``ok``/``offline``/``refused``/``error``, or None for a result not final yet."""
    if result.status in _DONE:
        return "offline" if result.offline else "ok"
    if result.status is ItemStatus.REFUSED:
        return "refused"
    if result.status in _ERROR:
        return "error"
    return None

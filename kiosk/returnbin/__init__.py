"""The after-hours return bin service (``kiosk returnbin``)."""

from kiosk.returnbin.rules import BinRules, Decision, SortFacts
from kiosk.returnbin.service import ReturnBin
from kiosk.returnbin.stages import ChuteItem, ItemSorted

__all__ = ["BinRules", "ChuteItem", "Decision", "ItemSorted", "ReturnBin", "SortFacts"]

"""The after-hours return bin service (``kiosk returnbin``)."""

from kiosk.returnbin.rules import BinRules, Decision, SortFacts
from kiosk.returnbin.service import ChuteItem, ItemSorted, ReturnBin

__all__ = ["BinRules", "ChuteItem", "Decision", "ItemSorted", "ReturnBin", "SortFacts"]

"""Bin choice: reject, offline, config rules in order, alerts, ILS sort bin, default."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.config import load_config
from kiosk.returnbin.rules import BinRules, SortFacts

BINS = ("1", "2", "AV", "holds", "reject")


@pytest.fixture
def rules(tmp_path: Path) -> BinRules:
    path = tmp_path / "bin.toml"
    path.write_text("""
[returnbin]
default_bin = "1"
holds_bin = "holds"
reject_bin = "reject"

[[returnbin.rules]]
bin = "AV"
media_type = "006"

[[returnbin.rules]]
bin = "2"
collection = "JUV"
location = "Children"

[[returnbin.rules]]
bin = "2"
item_pattern = '39\\d+'
""")
    return BinRules.from_config(load_config(path, check_devices=False, apply_override_file=False), BINS)


@pytest.mark.parametrize("facts,expected", [
    (SortFacts("31", accepted=False, reject_reason="foreign tag"), ("reject", "foreign tag")),
    (SortFacts("31", offline=True, alert=True), ("1", "offline: queued for the ILS")),
    (SortFacts("31", media_type="006", alert=True), ("AV", "rule 1")),
    (SortFacts("31", collection="JUV", location="Children"), ("2", "rule 2")),
    (SortFacts("31", collection="JUV", location="Adult"), ("1", "default")),
    (SortFacts("3900001"), ("2", "rule 3")),
    (SortFacts("31", alert=True, alert_type="01"), ("holds", "alert 01")),
    (SortFacts("31", sort_bin="2"), ("2", "ILS sort bin")),
    (SortFacts("31", sort_bin="nowhere"), ("1", "default")),
])
def test_choice(rules: BinRules, facts: SortFacts, expected: tuple[str, str]) -> None:
    decision = rules.choose(facts)
    assert (decision.bin, decision.reason) == expected


def test_bins_the_sorter_lacks_are_reported(rules: BinRules) -> None:
    assert rules.problems() == []
    small = BinRules("1", "holds", "reject", rules.rules, ("1", "reject"))
    problems = small.problems()
    assert "returnbin.holds_bin: the sorter has no bin 'holds' (bins: 1, reject)" in problems
    assert any(p.startswith("returnbin.rules[1].bin") for p in problems)

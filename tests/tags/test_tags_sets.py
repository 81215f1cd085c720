"""Multi-part sets (ISO 28560-1 4.2.4) and ownership checks."""

from __future__ import annotations

from kiosk.tags import ItemTag, PartSet, group_sets


def tag(item: str, parts: int = 1, part: int = 1, isil: str = "DK-710100") -> ItemTag:
    return ItemTag("danish", item, parts=parts, part=part, owner_isil=isil)


def test_complete_two_part_set_in_part_order() -> None:
    (s,) = group_sets([(b"B", tag("31000000000014", 2, 2)), (b"A", tag("31000000000014", 2, 1))])
    assert s.complete and s.present == (1, 2) and s.missing == () and s.uids == (b"A", b"B")
    assert s.describe() == "31000000000014: parts 1, 2 of 2 present"


def test_missing_part() -> None:
    (s,) = group_sets([(b"A", tag("31000000000014", 3, 1)), (b"C", tag("31000000000014", 3, 3))])
    assert not s.complete and s.missing == (2,)
    assert s.describe() == "31000000000014: parts 1, 3 of 3 present, missing 2"


def test_items_are_kept_apart_in_order_of_first_sight() -> None:
    sets = group_sets([(b"1", tag("A")), (b"2", tag("B", 2, 1)), (b"3", tag("A", isil="SE-Ltu"))])
    assert [(s.primary_item_id, s.owner_isil) for s in sets] == [("A", "DK-710100"), ("B", "DK-710100"),
                                                                ("A", "SE-Ltu")]
    assert sets[0].describe() == "A: single part"


def test_same_uid_twice_counts_once_and_isil_case_is_ignored() -> None:
    (s,) = group_sets([(b"A", tag("X", 2, 1)), (b"A", tag("X", 2, 1)), (b"B", tag("X", 2, 2, isil="dk-710100"))])
    assert s.complete and len(s.tags) == 2


def test_owner_less_tag_joins_its_set() -> None:
    (s,) = group_sets([(b"A", tag("X", 2, 1, isil="")), (b"B", tag("X", 2, 2))])
    assert s.complete and s.owner_isil == "DK-710100"


def test_conflicts_make_the_set_incomplete() -> None:
    (s,) = group_sets([(b"A", tag("X", 2, 1)), (b"B", tag("X", 3, 2)), (b"C", tag("X", 3, 2))])
    assert not s.complete and s.parts == 3
    assert any("disagree" in p for p in s.problems) and any("part 2" in p for p in s.problems)
    assert "missing 3" in s.describe()


def test_empty() -> None:
    assert group_sets([]) == ()
    assert isinstance(PartSet("X", "", 1, ()), PartSet)


def test_is_owned_by() -> None:
    assert tag("1").is_owned_by("dk-710100") is True
    assert tag("1").is_owned_by("DK-710101") is False
    assert tag("1", isil="").is_owned_by("DK-710100") is None

"""The seed data file: the demo data keeps the contract's well-known
barcodes, and broken files are reported key by key, all at once."""

from __future__ import annotations

from pathlib import Path

import pytest

from kiosk.errors import ConfigError
from kiosk.sip2.ils.data import format_amount, load_data, parse_amount, parse_data


def test_demo_data_has_every_well_known_barcode() -> None:
    data = load_data()
    patrons = {p.id: p for p in data.patrons}
    items = {i.id: i for i in data.items}
    for n in range(1, 7):
        assert f"2100000000000{n}" in patrons
    for n in range(1, 17):
        assert f"310000000000{n:02d}" in items
    assert patrons["21000000000001"].name == "Ana García" and patrons["21000000000001"].pin == "1234"
    assert patrons["21000000000002"].name == "Björn Ångström" and patrons["21000000000002"].pin == ""
    assert patrons["21000000000003"].blocked
    assert patrons["21000000000004"].expires_in_days < 0
    assert patrons["21000000000006"].name == "Ñandú Peña"
    assert sum(f.amount_cents for f in data.fines if f.patron == "21000000000005") == 1250
    assert {h.item for h in data.holds if h.patron == "21000000000006" and h.status == "waiting"}
    assert items["31000000000012"].state == "in_transit"
    assert items["31000000000013"].not_for_loan
    assert items["31000000000014"].parts == 2
    assert any(loan.item == "31000000000015" for loan in data.loans)
    assert items["31000000000016"].max_renewals == 0
    assert data.library.institution == "DEMO"
    assert (data.logins[0].user, data.logins[0].password) == ("kiosk", "kiosk-pass")


def test_demo_data_is_multilingual_and_complete() -> None:
    data = load_data()
    titles = [i.title for i in data.items]
    assert "Cien años de soledad" in titles
    assert any(any("\u0600" <= ch <= "\u06ff" for ch in t) for t in titles)  # Arabic
    assert any(t.startswith("Åsa") for t in titles)
    assert len(data.items) >= 25
    for item in data.items:
        assert item.media_type.isdigit() and len(item.media_type) == 3
        assert item.branch and item.collection and item.sort_bin


@pytest.mark.parametrize("text, cents", [("12.50", 1250), ("0", 0), ("3", 300), ("0.05", 5), (" 7.1 ", 710)])
def test_amounts_are_exact(text: str, cents: int) -> None:
    assert parse_amount(text) == cents


@pytest.mark.parametrize("text", ["-1", "1.005", "abc", "", "NaN", "Infinity"])
def test_bad_amounts_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        parse_amount(text)


def test_format_amount() -> None:
    assert [format_amount(c) for c in (0, 5, 1250, -75)] == ["0.00", "0.05", "12.50", "-0.75"]


BASE = {"item_types": {"BOOK": {}}, "patrons": [{"id": "P1", "name": "A"}],
        "items": [{"id": "I1", "title": "T"}]}


@pytest.mark.parametrize("change, expected", [
    ({"patrons": [{"id": "P1", "nmae": "A"}]}, "patrons[0].nmae: unknown key (did you mean 'name'?)"),
    ({"patrons": [{"id": "P1"}]}, "patrons[0].name: required"),
    ({"items": [{"id": "I1", "title": "T", "media_type": "scroll"}]}, "items[0].media_type: unknown media type"),
    ({"items": [{"id": "I1", "title": "T", "item_type": "VINYL"}]}, "items[0].item_type: 'VINYL' is not in"),
    ({"items": [{"id": "I1", "title": "T|x"}]}, "items[0].title: must not contain '|'"),
    ({"fines": [{"id": "F", "patron": "P1", "amount": 1.5}]}, "fines[0].amount: write amounts as strings"),
    ({"fines": [{"id": "F", "patron": "P9", "amount": "1"}]}, "fines[0].patron: unknown patron 'P9'"),
    ({"loans": [{"item": "I1", "patron": "P1"}, {"item": "I1", "patron": "P1"}]}, "loans[1].item: 'I1' is already on loan"),
    ({"holds": [{"item": "I1", "patron": "P1", "status": "ready"}]}, "holds[0].status: must be one of"),
    ({"library": {"fee_limit": "x"}}, "library.fee_limit: 'x' is not an amount"),
    ({"patrons": [{"id": "P1", "name": "A"}, {"id": "P1", "name": "B"}]}, "patrons: duplicate id 'P1'"),
    ({"itmes": []}, "itmes: unknown table (did you mean 'items'?)"),
])
def test_broken_data_is_reported_by_key(change: dict, expected: str) -> None:
    with pytest.raises(ConfigError) as info:
        parse_data({**BASE, **change}, "t.toml")
    assert any(line.startswith("t.toml: " + expected) for line in info.value.errors), info.value.errors


def test_every_error_is_reported_at_once() -> None:
    raw = {**BASE, "patrons": [{"id": "P1"}], "items": [{"id": "I1", "title": "T", "parts": 0}]}
    with pytest.raises(ConfigError) as info:
        parse_data(raw)
    assert len(info.value.errors) == 2


def test_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read"):
        load_data(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[library\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_data(bad)

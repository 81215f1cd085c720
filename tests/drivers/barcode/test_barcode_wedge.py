"""Keyboard-wedge recogniser: scanner bursts versus people typing (tables of
timed key sequences)."""

from __future__ import annotations

import pytest

from kiosk.drivers.barcode.wedge import KeyPassed, Scanned, Typed, WedgeRecogniser


def burst(text: str, start: float, gap: float) -> list[tuple[str, float]]:
    return [(ch, start + i * gap) for i, ch in enumerate(text)]


def run(rec: WedgeRecogniser, keys: list[tuple[str, float]], end: str | None, end_t: float,
        poll_at: float | None = None) -> list[object]:
    out: list[object] = []
    for ch, t in keys:
        out += rec.key(ch, t)
    if end:
        out += rec.terminator(end_t, end)
    if poll_at is not None:
        out += rec.poll(poll_at)
    return out


CASES = [
    # name, keys, terminator, its time, poll time, expected
    ("scanner burst with enter", burst("31000000000001", 0.0, 0.004), "enter", 0.06, None,
     [Scanned("31000000000001")]),
    ("burst delivered in frame clumps", [(c, 0.0 if i < 7 else 0.033) for i, c in enumerate("21000000000001")],
     "enter", 0.034, None, [Scanned("21000000000001")]),
    ("human typing a PIN then enter", burst("1234", 0.0, 0.18), "enter", 0.75, None,
     [Typed("1"), Typed("2"), Typed("3"), Typed("4"), KeyPassed("enter")]),
    ("human enter on empty field", [], "enter", 1.0, None, [KeyPassed("enter")]),
    ("short fast burst is not a scan", burst("ab", 0.0, 0.01), "enter", 0.02, None,
     [Typed("ab"), KeyPassed("enter")]),
    ("typing then a scan", burst("x", 0.0, 0.1) + burst("31000000000002", 1.0, 0.005), "tab", 1.08, None,
     [Typed("x"), Scanned("31000000000002")]),
    ("unterminated burst is typing by default", burst("123456", 0.0, 0.005), None, 0.0, 1.0,
     [Typed("123456")]),
    ("pause in the middle splits", burst("12", 0.0, 0.01) + burst("345678", 0.5, 0.01), "enter", 0.56, None,
     [Typed("12"), Scanned("345678")]),
]


@pytest.mark.parametrize("name, keys, end, end_t, poll_at, expected", CASES, ids=[c[0] for c in CASES])
def test_wedge(name: str, keys: list[tuple[str, float]], end: str | None, end_t: float,
               poll_at: float | None, expected: list[object]) -> None:
    assert run(WedgeRecogniser(), keys, end, end_t, poll_at) == expected


def test_unterminated_scan_when_enabled() -> None:
    rec = WedgeRecogniser(accept_unterminated=True)
    out = run(rec, burst("31000000000003", 0.0, 0.003), None, 0.0)
    assert out == [] and rec.pending
    assert rec.poll(0.04) == []          # still inside max_gap of the last key
    assert rec.poll(0.2) == [Scanned("31000000000003")]
    assert not rec.pending


def test_tunable_gap() -> None:
    slow_scanner = burst("31000000000004", 0.0, 0.06)
    assert run(WedgeRecogniser(max_gap=0.08), slow_scanner, "enter", 0.85, None) == [Scanned("31000000000004")]
    assert Scanned("31000000000004") not in run(WedgeRecogniser(), slow_scanner, "enter", 0.85, None)


def test_bad_settings() -> None:
    with pytest.raises(ValueError):
        WedgeRecogniser(max_gap=0)


def test_from_config() -> None:
    from kiosk.config import load_config

    rec = WedgeRecogniser.from_config(load_config(None))
    assert rec.max_gap == 0.05 and rec.min_length == 4


from hypothesis import given, settings, strategies as st  # noqa: E402


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from("0123456789abc"), st.floats(0.0, 0.3)), max_size=40),
       st.booleans())
def test_no_key_is_ever_lost_or_reordered(keys: list[tuple[str, float]], unterminated: bool) -> None:
    rec = WedgeRecogniser(accept_unterminated=unterminated)
    t, out = 0.0, []
    for char, gap in keys:
        t += gap
        out += rec.key(char, t)
    out += rec.poll(t + 1.0)
    text = "".join(e.code if isinstance(e, Scanned) else e.text for e in out if not isinstance(e, KeyPassed))
    assert text == "".join(c for c, _ in keys)
    assert not rec.pending

"""The chaos test, fast and seeded (issue 11): a station process and the real
``kiosk returnbin`` process against the ILS simulator, with random SIGKILLs
of both, ILS outages and restarts, dropped, lost, garbled and corrupted
replies, failed tag writes, lifted tags and books moved at the desk between
an offline return and its replay. After every run the ILS's database, the
tags' AFI and the journals are compared with where each book physically is
(:mod:`chaos_truths`). The long variant is ``benchmarks/chaos.py``.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from chaos_run import run_chaos


@pytest.mark.timeout(150)
def test_nothing_lost_nothing_wrong_under_chaos(tmp_path: Path) -> None:
    report = run_chaos(tmp_path, seed=11, sessions=24, run_length=12, kill_rate=0.35, items=30)
    figures = report.figures() + "\n" + "\n".join(str(f) for f in report.findings)
    assert report.counters.sessions == 24 and report.counters.runs == 2, figures
    assert report.counters.kills >= 1, figures            # the run did kill kiosks mid-session
    assert report.count("disagreement") == 0, figures
    assert report.count("false_flag") == 0, figures
    assert report.count("done_twice") == 0, figures
    assert report.count("unsettled") == 0, figures

"""config/monitoring/: the Prometheus config and alert rules pass promtool (and
their unit tests), and every expression of the rules and the Grafana
dashboard names metrics a station really exposes."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Iterator

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from kiosk.monitoring import Monitor

FLEET = Path(__file__).resolve().parents[2] / "config" / "monitoring"
DASHBOARD = FLEET / "grafana-kiosk-branch.json"
needs_promtool = pytest.mark.skipif(
    shutil.which("promtool") is None,
    reason="promtool not installed (Debian package prometheus; `make test` installs it when run as root)")

PROMQL_WORDS = {"and", "or", "unless", "by", "without", "on", "ignoring", "group_left", "group_right", "offset",
                "bool", "inf", "nan"}


def promtool(*args: str) -> str:
    result = subprocess.run(["promtool", *args], cwd=FLEET, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@needs_promtool
def test_promtool_checks_the_scrape_config() -> None:
    assert "SUCCESS" in promtool("check", "config", "prometheus.yml")


@needs_promtool
def test_promtool_checks_the_rules() -> None:
    assert "SUCCESS: 9 rules found" in promtool("check", "rules", "kiosk-alerts.yml")


@needs_promtool
def test_promtool_runs_the_rules_unit_tests() -> None:
    assert "SUCCESS" in promtool("test", "rules", "kiosk-alerts.test.yml")


def test_every_target_names_its_branch_station_and_kind() -> None:
    stations = []
    for path in sorted((FLEET / "stations").glob("*.yml")):
        for group in yaml.safe_load(path.read_text()):
            assert set(group["labels"]) == {"branch", "station", "kind"}, path
            assert group["labels"]["kind"] in ("kiosk", "returnbin")
            assert len(group["targets"]) == 1, "one station per group, so its labels are its own"
            stations.append(group["labels"]["station"])
    assert len(stations) == len(set(stations)) >= 2


@pytest.fixture(scope="module")
def exposed() -> Iterator[set[str]]:
    """Every sample name a station's /metrics can carry (with all its parts in use)."""
    monitor = Monitor("k", webhook_url="http://127.0.0.1:9/hook",
                      journal_counts=lambda: {"pending": 0, "conflicts": 0, "unfinished": 0}, ils_online=lambda: True)
    monitor.device("rfid", up=True)
    monitor.bin("holds", full=False)
    monitor.item("borrow", "ok")
    monitor.session_started()
    monitor.sip2_rtt(0.1)
    monitor.returnbin_item("1")
    monitor.event("printer_ok")
    names = {sample.name for family in text_string_to_metric_families(monitor.metrics.exposition())
             for sample in family.samples}
    monitor.stop()
    yield names | {"up"}  # Prometheus adds `up` to every target


def metric_names(expr: str) -> set[str]:
    """The metric names a PromQL expression reads (label matchers, grouping
    clauses, ranges, strings and functions left out)."""
    expr = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    expr = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", expr)
    expr = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", expr)
    names = set(re.findall(r"(?<![\w$.])([a-zA-Z_:][\w:]*)\b(?!\s*\()", expr))
    return {name for name in names if name.lower() not in PROMQL_WORDS}


def dashboard_exprs() -> list[str]:
    board = json.loads(DASHBOARD.read_text())
    exprs = [target["expr"] for panel in board["panels"] for target in panel.get("targets", [])]
    for var in board["templating"]["list"]:  # Grafana's label_values(SELECTOR, LABEL): the selector is PromQL
        exprs.append(re.sub(r"^label_values\((.*),\s*\w+\)$", r"\1", var["query"]["query"]))
    return exprs


def rule_exprs() -> list[str]:
    groups = yaml.safe_load((FLEET / "kiosk-alerts.yml").read_text())["groups"]
    return [rule["expr"] for group in groups for rule in group["rules"]]


def test_the_name_finder_reads_promql() -> None:
    assert metric_names('histogram_quantile(0.95, sum by (station, le) (rate(kiosk_x_bucket{a="b"}[5m])))') \
        == {"kiosk_x_bucket"}
    assert metric_names('count(kiosk_y{branch=~"$branch"} == 0) or vector(0)') == {"kiosk_y"}


@pytest.mark.parametrize("source", ["dashboard", "rules"])
def test_every_expression_uses_exposed_metrics(source: str, exposed: set[str]) -> None:
    exprs = dashboard_exprs() if source == "dashboard" else rule_exprs()
    assert exprs
    for expr in exprs:
        used = metric_names(expr)
        assert used, f"no metric in {expr!r}"
        assert used <= exposed, f"{expr!r} reads {sorted(used - exposed)}, which no station exposes"


def test_the_dashboard_is_importable_grafana_json() -> None:
    board = json.loads(DASHBOARD.read_text())
    assert board["uid"] and board["title"] and board["schemaVersion"] >= 36
    ids = [panel["id"] for panel in board["panels"]]
    assert len(ids) == len(set(ids))
    for panel in board["panels"]:
        assert {"x", "y", "w", "h"} <= set(panel["gridPos"])
        for target in panel.get("targets", []):
            assert 'branch=~"$branch"' in target["expr"], "every panel follows the branch picker"

"""The alert rules file: the packaged one loads; a wrong one stops with a message saying where."""

from __future__ import annotations

import pytest
import yaml

from shouwang.marts.alerts import RULES
from shouwang.marts.rules import DEFAULT_PATH, KNOWN_RULES, RulesError, load_rules


def test_packaged_rules_cover_every_implemented_rule():
    rules = load_rules()
    assert set(rules.rules) == set(KNOWN_RULES) == set(RULES)
    assert rules.for_year(2021)["monitoring_line"] == 6000
    assert rules.for_year(2023)["monitoring_line"] == 7000
    assert rules.for_year(2030)["monitoring_line"] == rules.thresholds["monitoring_line"]
    assert {r.kind for r in rules.rules.values()} == {"risk", "signal"}


def _write(tmp_path, change) -> str:
    raw = yaml.safe_load(DEFAULT_PATH.read_text(encoding="utf-8"))
    change(raw)
    path = tmp_path / "rules.yaml"
    path.write_text(yaml.safe_dump(raw, allow_unicode=True), encoding="utf-8")
    return str(path)


@pytest.mark.parametrize(
    "change,message",
    [
        (
            lambda r: r["rules"].update({"guess_poverty": {"kind": "risk", "severity": "high"}}),
            "no such rule",
        ),
        (lambda r: r["rules"]["low_income"].update({"severity": "urgent"}), "severity must be one of"),
        (lambda r: r["rules"]["low_income"].update({"scope": "everyone"}), "scope must be one of"),
        (lambda r: r["rules"]["child_dropout"].update({"statuses": "辍学"}), "must be a list of values"),
        (lambda r: r["thresholds"].pop("monitoring_line"), "thresholds lack monitoring_line"),
        (lambda r: r["thresholds"].update({"monitoring_line": "6000元"}), "non-negative number"),
        (lambda r: r["thresholds"].update({"working_age": [16]}), "[low, high]"),
        (lambda r: r["years"].update({"twenty": {"monitoring_line": 1}}), "is not a year"),
        (lambda r: r["years"][2021].update({"poverty_line": 1}), "unknown threshold"),
        (
            lambda r: r["rules"]["disaster_house"].update({"lookback_days": "two years"}),
            "whole number of days",
        ),
    ],
)
def test_a_wrong_rules_file_is_refused(tmp_path, change, message):
    with pytest.raises(RulesError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_rules(_write(tmp_path, change))


def test_a_rule_can_be_switched_off_and_a_threshold_changed(tmp_path, monkeypatch):
    def change(raw):
        raw["rules"]["duplicate_benefit"]["enabled"] = False
        raw["years"][2021]["monitoring_line"] = 6200

    monkeypatch.setenv("SHOUWANG_ALERT_RULES", _write(tmp_path, change))
    rules = load_rules()
    assert "duplicate_benefit" not in {r.name for r in rules.enabled()}
    assert rules.for_year(2021)["monitoring_line"] == 6200

"""The alert rules configuration (alert_rules.yaml), loaded and checked into typed settings.

A wrong rules file must stop the marts with a clear message, not raise alerts nobody asked for,
so every rule name, kind, severity, scope and threshold is checked at load.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

DEFAULT_PATH = Path(__file__).with_name("alert_rules.yaml")

KINDS = ("risk", "signal")
SEVERITIES = ("high", "medium", "low")
SCOPES = ("all", "assisted")

#: every rule the code implements (alerts.py); the file may disable one, not invent one
KNOWN_RULES = (
    "low_income",
    "medical_burden",
    "medical_share",
    "disaster_house",
    "working_age_death",
    "severe_disability",
    "child_dropout",
    "unsafe_house",
    "water_problem",
    "uninsured",
    "loan_overdue",
    "income_drop",
    "hardship_petition",
    "vehicle_owner",
    "urban_flat",
    "business_owner",
    "public_employee",
    "high_income",
    "paid_after_death",
    "deceased_on_roster",
    "duplicate_benefit",
)

_THRESHOLDS = {
    "monitoring_line": float,
    "medical_oop_yuan": float,
    "medical_oop_income_share": float,
    "window_days": int,
    "working_age": list,
    "income_drop_share": float,
    "high_wage_yuan": float,
    "high_business_yuan": float,
    "business_capital_wan": float,
    "new_disability_days": int,
    "loan_grace_days": int,
    "farm_income_per_mu": float,
}


class RulesError(ValueError):
    """The rules file is not usable; the message says where."""


@dataclass(frozen=True)
class Rule:
    name: str
    kind: str
    severity: str
    scope: str
    enabled: bool = True
    options: dict[str, Any] = field(default_factory=dict)

    def option(self, key: str, default: Any = None) -> Any:
        return self.options.get(key, default)


@dataclass(frozen=True)
class AlertRules:
    thresholds: dict[str, Any]
    years: dict[int, dict[str, Any]]
    rules: dict[str, Rule]
    source: str = ""

    def for_year(self, year: int) -> dict[str, Any]:
        """The thresholds in force for a year: the defaults, overridden by the year's entry."""
        out = dict(self.thresholds)
        out.update(self.years.get(year, {}))
        return out

    def enabled(self) -> list[Rule]:
        return [r for r in self.rules.values() if r.enabled]


def _check_threshold(key: str, value: Any, where: str) -> Any:
    if key not in _THRESHOLDS:
        raise RulesError(f"{where}: unknown threshold {key!r} (known: {', '.join(sorted(_THRESHOLDS))})")
    want = _THRESHOLDS[key]
    if want is list:
        if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, int) for v in value)):
            raise RulesError(f"{where}: {key} must be [low, high] in whole years")
        return value
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise RulesError(f"{where}: {key} must be a non-negative number, not {value!r}")
    return want(value)


def load_rules(path: Path | str | None = None) -> AlertRules:
    """Load and check the rules file (default: $SHOUWANG_ALERT_RULES or the packaged one)."""
    path = Path(path or os.environ.get("SHOUWANG_ALERT_RULES") or DEFAULT_PATH)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise RulesError(f"{path}: cannot read the alert rules: {exc}") from exc
    thresholds = {
        k: _check_threshold(k, v, f"{path}: thresholds") for k, v in (raw.get("thresholds") or {}).items()
    }
    missing = sorted(set(_THRESHOLDS) - set(thresholds))
    if missing:
        raise RulesError(f"{path}: thresholds lack {', '.join(missing)}")
    years: dict[int, dict[str, Any]] = {}
    for year, over in (raw.get("years") or {}).items():
        if not isinstance(year, int) or not 2000 <= year <= 2100:
            raise RulesError(f"{path}: years: {year!r} is not a year")
        years[year] = {k: _check_threshold(k, v, f"{path}: years {year}") for k, v in (over or {}).items()}
    rules: dict[str, Rule] = {}
    for name, spec in (raw.get("rules") or {}).items():
        where = f"{path}: rules.{name}"
        if name not in KNOWN_RULES:
            raise RulesError(f"{where}: no such rule (known: {', '.join(KNOWN_RULES)})")
        spec = dict(spec or {})
        kind, severity, scope = spec.pop("kind", None), spec.pop("severity", None), spec.pop("scope", "all")
        enabled = spec.pop("enabled", True)
        if kind not in KINDS:
            raise RulesError(f"{where}: kind must be one of {KINDS}")
        if severity not in SEVERITIES:
            raise RulesError(f"{where}: severity must be one of {SEVERITIES}")
        if scope not in SCOPES:
            raise RulesError(f"{where}: scope must be one of {SCOPES}")
        for key, value in spec.items():
            if key.endswith("_days"):
                if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                    raise RulesError(f"{where}: {key} must be a whole number of days")
            elif not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                raise RulesError(f"{where}: {key} must be a list of values")
        rules[name] = Rule(name, kind, severity, scope, bool(enabled), spec)
    return AlertRules(thresholds, years, rules, str(path))

"""Per-feed suites on staging, derived from the feed registry (`shouwang gate write-suites`).

What the contract says of a feed becomes expectations on its current staged rows
(`staging.<feed_id>_current`): required fields present, the share of valid subject IDs at
least the feed's `id_valid_min`, contract enumerations and township codes, amounts not negative,
dates not after the delivery's extract date, unique keys, and for full-snapshot feeds a row
count near the previous delivery's. Derived expectations carry `meta.generated`; hand-written
ones (no such mark, e.g. the small-loan limits of xiangcun_xiaoe) are kept when the file is
written again.
"""

from __future__ import annotations

import json
from pathlib import Path

from shouwang.registry import Feed, Registry, load_registry
from shouwang.registry.model import CHANGE_TYPES
from shouwang.staging.standardize.places import COUNTY_CODE

GENERATED = {"generated": True}
# Enumerations: a few odd values are tolerated, a broken column is not.
ENUM_MOSTLY = 0.99
# Full snapshots: fewer than half the previous delivery's rows is a truncated file (critical);
# more than 30 % up or down is worth a look (warning).
ROW_BAND_CRITICAL = (0.5, 2.0)
ROW_BAND_WARNING = (0.7, 1.3)
# Dates that lie ahead by nature (a loan's due date) are not checked against the extract date.
FUTURE_DATE_FIELDS = frozenset({"due_on"})


def _exp(kind: str, kwargs: dict, severity: str, description: str) -> dict:
    return {
        "type": kind,
        "kwargs": kwargs,
        "severity": severity,
        "description": description,
        "meta": GENERATED,
    }


def _row_band(feed: Feed, low: float, high: float, severity: str) -> dict:
    previous = (
        "SELECT rows_loaded FROM raw.delivery"
        f" WHERE feed_id = '{feed.feed_id}' AND status IN ('loaded', 'superseded')"
        " ORDER BY extract_date DESC, delivery_id DESC OFFSET 1 LIMIT 1"
    )
    query = (
        f"SELECT n.rows_now, p.rows_loaded FROM (SELECT count(*) AS rows_now FROM {{batch}} b) n"
        f" JOIN ({previous}) p ON n.rows_now < p.rows_loaded * {low} OR n.rows_now > p.rows_loaded * {high}"
    )
    return _exp(
        "unexpected_rows_expectation",
        {"unexpected_rows_query": query},
        severity,
        f"row count within {low:g}-{high:g} x the previous delivery's",
    )


def generated_expectations(feed: Feed) -> list[dict]:
    """The registry-derived expectations of one feed."""
    out = [
        _exp("expect_column_values_to_be_unique", {"column": "record_key"}, "critical", "record keys unique"),
    ]
    for c in feed.columns:
        if c.required and c.type != "change_type":
            out.append(
                _exp(
                    "expect_column_values_to_not_be_null",
                    {"column": c.field},
                    "critical",
                    f"{c.source} present",
                )
            )
    if feed.field_column("id_number") is not None and feed.id_valid_min:
        out.append(
            _exp(
                "expect_column_values_to_be_in_set",
                {
                    "column": "id_number_status",
                    "value_set": ["valid", "converted_15"],
                    "mostly": feed.id_valid_min,
                },
                "critical",
                f"at least {feed.id_valid_min:.0%} of subject IDs valid",
            )
        )
    for c in feed.columns:
        if c.type == "change_type":
            out.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    {"column": c.field, "value_set": list(CHANGE_TYPES)},
                    "critical",
                    f"{c.source} one of {'/'.join(CHANGE_TYPES)}",
                )
            )
        elif c.type == "enum":
            out.append(
                _exp(
                    "expect_column_values_to_be_in_set",
                    {"column": c.field, "value_set": list(c.values), "mostly": ENUM_MOSTLY},
                    "critical",
                    f"{c.source} from the contract's list",
                )
            )
        elif c.type == "township":
            out.append(
                _exp(
                    "unexpected_rows_expectation",
                    {
                        "unexpected_rows_query": (
                            f"SELECT b.record_key FROM {{batch}} b LEFT JOIN ref.township t"
                            f" ON t.township_code = b.{c.field}_code"
                            f" WHERE b.{c.field}_code IS NOT NULL AND b.{c.field}_code <> '{COUNTY_CODE}'"
                            " AND t.township_code IS NULL"
                        )
                    },
                    "critical",
                    f"{c.source}: codes of the county's townships (or the county, 全县)",
                )
            )
        elif c.type in ("int", "decimal"):
            out.append(
                _exp(
                    "expect_column_values_to_be_between",
                    {"column": c.field, "min_value": 0, "mostly": 0.999},
                    "critical",
                    f"{c.source} not negative",
                )
            )
        elif c.type in ("date", "datetime") and c.field not in FUTURE_DATE_FIELDS:
            out.append(
                _exp(
                    "unexpected_rows_expectation",
                    {
                        "unexpected_rows_query": (
                            f"SELECT b.record_key FROM {{batch}} b"
                            f" JOIN raw.delivery d ON d.delivery_id = b.valid_from"
                            f" WHERE b.{c.field}::date > d.extract_date"
                        )
                    },
                    "warning",
                    f"{c.source} not after the delivery's extract date",
                )
            )
    if not feed.is_delta:
        out.append(_row_band(feed, *ROW_BAND_CRITICAL, "critical"))
        out.append(_row_band(feed, *ROW_BAND_WARNING, "warning"))
    return out


def feed_suite(feed: Feed, existing: dict | None = None) -> dict:
    """The suite document of a feed: derived expectations plus the hand-written ones of `existing`."""
    kept = [e for e in (existing or {}).get("expectations", []) if not (e.get("meta") or {}).get("generated")]
    version = int(((existing or {}).get("meta") or {}).get("version", 0))
    expectations = generated_expectations(feed) + kept
    if existing is None or expectations != existing.get("expectations"):
        version += 1
    return {
        "name": f"feed_{feed.feed_id}",
        "meta": {
            "version": version,
            "table": f"staging.{feed.feed_id}_current",
            "feed_id": feed.feed_id,
            "critical_feed": feed.critical,
            "about": f"{feed.dept_name} {feed.title}: the current staged rows after tonight's delivery.",
        },
        "expectations": expectations,
    }


def write_feed_suites(folder: Path, registry: Registry | None = None) -> list[Path]:
    """(Re)write expectations/feeds/<feed_id>.json for every feed; returns the files written."""
    registry = registry or load_registry()
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for feed in registry.feeds:
        path = folder / f"{feed.feed_id}.json"
        existing = json.loads(path.read_text(encoding="utf-8")) if path.exists() else None
        suite = feed_suite(feed, existing)
        if suite != existing:
            path.write_text(json.dumps(suite, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
            written.append(path)
    return written

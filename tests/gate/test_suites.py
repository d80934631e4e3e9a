"""The suites under expectations/: they load, every expectation has a severity, the tables and
columns they name exist, every feed has one, and the feed suites match the registry."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import text

from shouwang.config import load_settings
from shouwang.gate.feed_suites import feed_suite
from shouwang.gate.gate import decide
from shouwang.gate.suites import SuiteError, load_suite, load_suites
from shouwang.gate.validate import Outcome
from shouwang.registry import load_registry

SUITES = load_settings().expectations_dir


def test_every_suite_loads_with_severities():
    master = load_suites(SUITES / "master")
    feeds = load_suites(SUITES / "feeds")
    assert {s.name for s in master} == {
        "master_person",
        "master_household",
        "master_membership",
        "master_linkage",
    }
    assert len(feeds) == len(load_registry().feeds) == 40
    for s in master + feeds:
        assert all(e["severity"] in ("critical", "warning") for e in s.document["expectations"]), s.name


def test_feed_suites_match_the_registry():
    """`shouwang gate write-suites` would change nothing: the committed suites are up to date."""
    for feed in load_registry().feeds:
        path = SUITES / "feeds" / f"{feed.feed_id}.json"
        existing = json.loads(path.read_text(encoding="utf-8"))
        assert feed_suite(feed, existing) == existing, f"{path.name}: run `shouwang gate write-suites`"


def test_suite_tables_and_columns_exist(engine):
    with engine.connect() as conn:
        columns = {
            (s, t, c)
            for s, t, c in conn.execute(
                text("SELECT table_schema, table_name, column_name FROM information_schema.columns")
            )
        }
    tables = {(s, t) for s, t, _ in columns}
    for suite in load_suites(SUITES / "master") + load_suites(SUITES / "feeds"):
        assert (suite.schema, suite.table) in tables, suite.name
        for e in suite.document["expectations"]:
            column = e["kwargs"].get("column")
            if column:
                assert (suite.schema, suite.table, column) in columns, (suite.name, column)


def test_a_suite_without_severities_is_refused(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text(
        json.dumps(
            {
                "name": "bad",
                "meta": {"version": 1, "table": "master_candidate.person"},
                "expectations": [
                    {"type": "expect_column_values_to_be_unique", "kwargs": {"column": "person_id"}}
                ],
            }
        ),
        encoding="utf-8",
    )
    with pytest.raises(SuiteError, match="severity"):
        load_suite(path)


def test_decision_critical_fails_warning_publishes():
    ok = Outcome("s", 1, "a", "critical", True)
    warn = Outcome("s", 1, "b", "warning", False)
    crit = Outcome("s", 1, "c", "critical", False)
    assert decide([ok]) == "passed"
    assert decide([ok, warn]) == "warned"
    assert decide([ok, warn, crit]) == "failed"

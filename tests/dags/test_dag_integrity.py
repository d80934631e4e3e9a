"""The DAG files parse cleanly, cheaply, and match the registry: one load task per feed."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections import Counter

import pytest

from shouwang.orchestration.assets import feed_asset
from shouwang.orchestration.schedules import CRON, TIMEZONE, department_cadence
from shouwang.registry import load_registry
from tests.dags.conftest import AIRFLOW_ENV, DAGS_FOLDER

DAG_FILES = sorted(p for p in DAGS_FOLDER.glob("*.py") if not p.name.startswith("_"))
# Not imported by Airflow itself, so a DAG file importing them at top level pays for them on every parse.
# (SQLAlchemy is not listed: Airflow core has it loaded already.)
HEAVY = (
    "pandas",
    "numpy",
    "great_expectations",
    "recordlinkage",
    "psycopg2",
    "shouwang.ingest",
    "shouwang.staging",
    "shouwang.db",
    "shouwang.orchestration.tasks",
    "shouwang.marts",
)

# Parse one DAG file in a fresh interpreter the way the dag-processor does (Airflow already loaded):
# report how long the file itself took and which heavy modules it pulled in.
_PROBE = """
import json, runpy, sys, time
# the dag-processor has the authoring API loaded before it parses a file
from airflow.sdk import DAG, Asset, CronTriggerTimetable, dag, get_current_context, task
before = set(sys.modules)
t = time.perf_counter()
runpy.run_path(sys.argv[1])
seconds = time.perf_counter() - t
heavy = sys.argv[2].split(",")
new = sorted(m for m in set(sys.modules) - before if any(m == h or m.startswith(h + ".") for h in heavy))
print(json.dumps({"seconds": seconds, "heavy": new}))
"""


def test_dags_folder_has_dag_files():
    assert DAG_FILES, f"no DAG files in {DAGS_FOLDER}"


def test_dagbag_imports_without_errors(dagbag):
    assert dagbag.import_errors == {}
    assert dagbag.dags


@pytest.mark.parametrize("path", DAG_FILES, ids=lambda p: p.name)
def test_dag_file_parses_fast_and_light(path):
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(path), ",".join(HEAVY)],
        env={**os.environ, **AIRFLOW_ENV},
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    probe = json.loads(out.stdout.strip().splitlines()[-1])
    assert probe["seconds"] < 2.0, f"{path.name} took {probe['seconds']:.2f} s to import"
    assert probe["heavy"] == [], f"{path.name} imports heavy modules at parse time: {probe['heavy']}"


def test_dagbag_parse_times_under_two_seconds(dagbag):
    for stat in dagbag.dagbag_stats:
        assert stat.duration.total_seconds() < 2.0, stat


def test_no_cycles(dagbag):
    for dag in dagbag.dags.values():
        dag.check_cycle()  # raises AirflowDagCycleException


def test_one_dag_per_department(dagbag):
    registry = load_registry()
    ingest = {d for d in dagbag.dag_ids if d.startswith("ingest_")}
    assert ingest == {f"ingest_{dept}" for dept in registry.departments}


def test_every_feed_has_exactly_one_load_task(dagbag):
    registry = load_registry()
    assert len(registry) == 40
    load_tasks = [
        (dag.dag_id, t) for dag in dagbag.dags.values() for t in dag.tasks if t.task_id.startswith("load_")
    ]
    by_asset = Counter(o.uri for _, t in load_tasks for o in t.outlets)
    assert len(load_tasks) == len(registry)
    for feed in registry:
        wanted = (f"ingest_{feed.dept}", f"load_{feed.feed}")
        matches = [t for dag_id, t in load_tasks if (dag_id, t.task_id) == wanted]
        assert len(matches) == 1, feed.feed_id
        (t,) = matches
        assert list(t.op_args) == [feed.feed_id]
        assert t.outlets == [feed_asset(feed.feed_id)]
        assert by_asset[f"shouwang://staging/{feed.feed_id}"] == 1, feed.feed_id


def test_every_task_retries(dagbag):
    for dag in dagbag.dags.values():
        for t in dag.tasks:
            assert t.retries >= 1, (dag.dag_id, t.task_id)
            assert t.retry_exponential_backoff > 1, (dag.dag_id, t.task_id)
            assert t.max_retry_delay is not None, (dag.dag_id, t.task_id)


def test_every_dag_sets_schedule_start_catchup_tags(dagbag):
    from airflow.sdk import CronTriggerTimetable

    for dag in dagbag.dags.values():
        assert dag.schedule is not None, dag.dag_id
        assert dag.start_date is not None, dag.dag_id
        assert dag.catchup is False, dag.dag_id
        assert dag.tags, dag.dag_id
        assert dag.doc_md, dag.dag_id
        if dag.dag_id.startswith("ingest_"):
            assert isinstance(dag.timetable, CronTriggerTimetable), dag.dag_id
            assert dag.max_active_runs == 1


def test_department_schedules_follow_the_registry(dagbag):
    registry = load_registry()
    for dept in registry.departments:
        feeds = [f for f in registry if f.dept == dept]
        dag = dagbag.dags[f"ingest_{dept}"]
        assert dag.timetable.expression == CRON[department_cadence(feeds)], dept
        assert str(dag.timetable.timezone) == TIMEZONE
        assert set(dag.tags) == {"shouwang", "ingest", dept}
    assert dagbag.dags["ingest_gongan"].timetable.expression == CRON["daily"]  # huji is daily
    assert dagbag.dags["ingest_yingji"].timetable.expression == CRON["daily"]  # event feeds: daily poll
    assert dagbag.dags["ingest_zhujian"].timetable.expression == CRON["quarterly"]

"""The whole chain through Airflow on a small generated county, as the scheduler would chain it:
every department's ingestion DAG, then nightly_master, then monitoring_marts (dag.test()); the
outcome is checked in the warehouse (published master, marts, run records) and on disk (reports)."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.dags.test_dag_run import _run
from tests.linkage.helpers import small_county

pytestmark = pytest.mark.airflow


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "chaincounty", 120, 31)


def test_full_chain_through_airflow(airflow_db, dagbag, county, db_url, engine, tmp_path, monkeypatch):
    from airflow.utils.state import DagRunState

    from shouwang.config import load_settings

    monkeypatch.setenv("SHOUWANG_LANDING_DIR", str(county / "landing"))
    monkeypatch.setenv("SHOUWANG_LATE_FEED_WAIT_MINUTES", "0")
    order = sorted(d for d in dagbag.dag_ids if d.startswith("ingest_")) + [
        "nightly_master",
        "monitoring_marts",
    ]
    for dag_id in order:
        dag = dagbag.dags[dag_id]
        for t in dag.tasks:
            monkeypatch.setattr(t, "retries", 0)
        dr, states = _run(dag)
        assert dr.state == DagRunState.SUCCESS, (dag_id, states)
    with engine.connect() as conn:
        statuses = dict(conn.execute(text("SELECT status, count(*) FROM raw.delivery GROUP BY 1")).all())
        unbalanced = conn.execute(
            text("""SELECT count(*) FROM raw.delivery
                    WHERE rows_read <> rows_loaded + rows_quarantined + rows_duplicate""")
        ).scalar_one()
        unexplained = conn.execute(
            text("SELECT count(*) FROM raw.delivery WHERE status = 'rejected' AND problems = '[]'::jsonb")
        ).scalar_one()
        version = conn.execute(text("SELECT max(version) FROM master.publication")).scalar_one()
        households = conn.execute(text("SELECT count(*) FROM master.household")).scalar_one()
        profiles = conn.execute(text("SELECT count(*) FROM mart.household_profile")).scalar_one()
        marts = conn.execute(
            text("SELECT status, master_version FROM mart.run ORDER BY run_id DESC LIMIT 1")
        ).one()
        alerts = conn.execute(text("SELECT count(*) FROM mart.alert")).scalar_one()
        runs = conn.execute(
            text("""SELECT r.kind, r.status, array_agg(s.stage ORDER BY s.started_at)
                    FROM ops.run r JOIN ops.run_stage s USING (run_id) GROUP BY r.run_id, r.kind, r.status""")
        ).all()
    # every file arrived and balances; a damaged file (the generator plants some) is rejected with
    # its problems on the ledger, a feed the gate found broken is quarantined for the night
    assert sum(statuses.values()) == 40 and set(statuses) <= {"loaded", "rejected", "quarantined"}, statuses
    assert statuses["loaded"] >= 30 and unbalanced == 0 and unexplained == 0
    assert version == 1 and households > 100 and profiles == households
    assert marts == ("done", 1) and alerts > 0
    by_kind = {k: (st, stages) for k, st, stages in runs}
    with engine.connect() as conn:
        summary = conn.execute(text("SELECT summary FROM ops.run WHERE kind = 'nightly_master'")).scalar_one()
        rejected = (
            conn.execute(text("SELECT feed_id FROM raw.delivery WHERE status = 'rejected'")).scalars().all()
        )
    # a feed whose only file was rejected has no good delivery: the night went on without it, named stale
    from shouwang.orchestration.freshness import PERIOD_DAYS
    from shouwang.registry import load_registry

    due = {f.feed_id for f in load_registry() if PERIOD_DAYS[f.cadence] is not None}
    assert {f for f in rejected if f in due} <= set(summary["stale"])
    assert by_kind["nightly_master"][0] == "succeeded"
    assert (
        by_kind["nightly_master"][1][0] == "feed_gate"
        and by_kind["nightly_master"][1][-1] == "publish_master"
    )
    assert by_kind["monitoring_marts"] == ("succeeded", ["marts", "reports"])
    reports = load_settings().home / "reports"
    assert list(reports.glob("report_run*.html")) and list(reports.glob("worklists/*.xlsx"))


def test_every_task_reports_failures(dagbag):
    from shouwang.orchestration.schedules import DEFAULT_ARGS

    for dag in dagbag.dags.values():
        for t in dag.tasks:
            callbacks = (
                t.on_failure_callback if isinstance(t.on_failure_callback, list) else [t.on_failure_callback]
            )
            assert DEFAULT_ARGS["on_failure_callback"] in callbacks, (dag.dag_id, t.task_id)


def test_housekeeping_shape(dagbag):
    dag = dagbag.dags["housekeeping"]
    assert dag.timetable.expression == "0 4 * * 0" and str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.max_active_runs == 1
    assert dag.get_task("prune_archive").downstream_task_ids == {"vacuum_analyze"}

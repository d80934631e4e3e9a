"""The nightly master DAG: its shape, and a real dag.test() run of linkage on the shared samples."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from tests.conftest import SAMPLES
from tests.dags.test_dag_run import _run, _xcom

pytestmark = pytest.mark.airflow


def test_nightly_master_shape(dagbag):
    from airflow.sdk import CronTriggerTimetable

    dag = dagbag.dags["nightly_master"]
    assert isinstance(dag.timetable, CronTriggerTimetable)
    assert dag.timetable.expression == "0 2 * * *" and str(dag.timetable.timezone) == "Asia/Shanghai"
    assert dag.max_active_runs == 1 and dag.catchup is False
    linkage = ["wait_for_feeds", "validate_feeds", "prepare_linkage", "score_block", "finish_linkage"]
    master = ["build_golden", "validate_master", "publish_master"]
    assert sorted(t.task_id for t in dag.tasks) == sorted(linkage + master)
    score = dag.get_task("score_block")
    assert score.is_mapped  # one task instance per township block, spread over workers
    assert dag.get_task("wait_for_feeds").downstream_task_ids == {"validate_feeds", "publish_master"}
    assert dag.get_task("validate_feeds").downstream_task_ids == {"prepare_linkage"}
    assert dag.get_task("prepare_linkage").downstream_task_ids == {"score_block"}
    assert score.downstream_task_ids == {"finish_linkage"}
    finish = dag.get_task("finish_linkage")
    assert [o.uri for o in finish.outlets] == ["shouwang://linkage/crosswalk"]
    assert finish.downstream_task_ids == {"build_golden"}
    assert dag.get_task("build_golden").downstream_task_ids == {"validate_master"}
    assert dag.get_task("validate_master").downstream_task_ids == {"publish_master"}
    assert [o.uri for o in dag.get_task("publish_master").outlets] == ["shouwang://master/household"]


def _mapped_states(dag_id: str, run_id: str) -> dict:
    from airflow.models.taskinstance import TaskInstance
    from airflow.utils.session import create_session
    from sqlalchemy import select

    with create_session() as session:
        tis = session.scalars(
            select(TaskInstance).where(TaskInstance.dag_id == dag_id, TaskInstance.run_id == run_id)
        ).all()
        return {(ti.task_id, ti.map_index): ti.state for ti in tis}


def test_nightly_master_links_the_staged_samples(airflow_db, dagbag, db_url, engine, monkeypatch):
    from airflow.utils.state import DagRunState, TaskInstanceState

    from shouwang.ingest import ingest_landing

    monkeypatch.setenv("SHOUWANG_LINK_BLOCKS", "3")
    monkeypatch.setenv("SHOUWANG_LATE_FEED_WAIT_MINUTES", "0")
    ingest_landing(SAMPLES, database_url=db_url, workers=1)
    # not a deepcopy: a copied mapped task fails Airflow's identity check on its empty expand input
    dag = dagbag.dags["nightly_master"]
    for t in dag.tasks:
        monkeypatch.setattr(t, "retries", 0)
    dr, _ = _run(dag)
    states = _mapped_states(dag.dag_id, dr.run_id)
    assert dr.state == DagRunState.SUCCESS, states
    ok = TaskInstanceState.SUCCESS
    assert states == {
        ("wait_for_feeds", -1): ok,
        ("validate_feeds", -1): ok,
        ("prepare_linkage", -1): ok,
        ("score_block", 0): ok,
        ("score_block", 1): ok,
        ("score_block", 2): ok,
        ("finish_linkage", -1): ok,
        ("build_golden", -1): ok,
        ("validate_master", -1): ok,
        ("publish_master", -1): ok,
    }
    counts = _xcom(dag.dag_id, dr.run_id, "finish_linkage")
    with engine.connect() as conn:
        records = conn.execute(text("SELECT count(*) FROM linkage.record")).scalar_one()
        xref = conn.execute(text("SELECT count(*) FROM linkage.crosswalk")).scalar_one()
        blocks = conn.execute(
            text("SELECT count(*) FROM linkage.run_block WHERE run_id = :r"), {"r": counts["run_id"]}
        ).scalar_one()
    assert records > 0 and xref == records == counts["records"]
    assert blocks == 3
    # XCom carries counts, never data
    assert set(counts) >= {"run_id", "mode", "records", "master_persons", "master_households"}
    assert all(not isinstance(v, str) or len(v) < 20 for v in counts.values())
    published = _xcom(dag.dag_id, dr.run_id, "publish_master")
    assert published["version"] == 1 and published["person"]["opened"] == counts["master_persons"]
    # a second night with nothing new keeps every id and publishes no new versions
    dr2, states2 = _run(dag)
    assert dr2.state == DagRunState.SUCCESS
    again = _xcom(dag.dag_id, dr2.run_id, "finish_linkage")
    assert again["mode"] == "incremental" and again["person_ids"]["new"] == 0
    republished = _xcom(dag.dag_id, dr2.run_id, "publish_master")
    assert republished["version"] == 2 and republished["person"] == {"opened": 0, "closed": 0}
    # the marts run on the published master: profile, alerts, roster, comparison and the reports
    marts = dagbag.dags["monitoring_marts"]
    for t in marts.tasks:
        monkeypatch.setattr(t, "retries", 0)
    dr3, states3 = _run(marts)
    assert dr3.state == DagRunState.SUCCESS, states3
    refreshed = _xcom(marts.dag_id, dr3.run_id, "refresh_marts")
    written = _xcom(marts.dag_id, dr3.run_id, "write_reports")
    with engine.connect() as conn:
        run = conn.execute(
            text("SELECT status, master_version FROM mart.run WHERE run_id = :r"),
            {"r": refreshed["marts_run"]},
        ).one()
        households = conn.execute(text("SELECT count(*) FROM mart.household_profile")).scalar_one()
        master = conn.execute(text("SELECT count(*) FROM master.household")).scalar_one()
    assert run.status == "done" and run.master_version == 2
    assert households == master == refreshed["households"] > 0
    assert written["work_lists"] >= 0
    from shouwang.config import load_settings

    reports = load_settings().home / "reports"
    assert list(reports.glob("report_run*.html")) and list(reports.glob("summary_*.xlsx"))


def test_monitoring_marts_shape(dagbag):
    dag = dagbag.dags["monitoring_marts"]
    assert dag.max_active_runs == 1 and dag.catchup is False
    assert sorted(t.task_id for t in dag.tasks) == ["refresh_marts", "write_reports"]
    assert dag.get_task("refresh_marts").downstream_task_ids == {"write_reports"}
    assert all(t.retries >= 1 for t in dag.tasks)
    uris = {str(getattr(a, "uri", a)) for a in _assets_of(dag)}
    assert uris == {"shouwang://master/household"}


def _assets_of(dag):
    cond = dag.timetable.asset_condition
    return list(getattr(cond, "objects", [cond]))

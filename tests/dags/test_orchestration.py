"""shouwang.orchestration without a scheduler: schedules, assets and the load task's contract."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from airflow.sdk import Asset, CronTriggerTimetable
from airflow.sdk.exceptions import AirflowSkipException
from sqlalchemy import text

from shouwang.orchestration import schedules
from shouwang.orchestration.assets import feed_asset
from shouwang.orchestration.tasks import FeedLoadFailed, load_feed, resolve_landing_dir
from shouwang.registry import load_registry
from shouwang.registry.model import CADENCES
from tests.conftest import SAMPLES

COUNT_KEYS = {
    "files",
    "loaded_files",
    "rejected_files",
    "resent_files",
    "failed_files",
    "read",
    "loaded",
    "quarantined",
    "duplicate",
    "new",
    "changed",
    "removed",
}


# --- schedules ------------------------------------------------------------------------------------


def test_every_registry_cadence_has_a_schedule():
    for cadence in CADENCES:
        assert schedules.cron_for(cadence) in schedules.CRON.values()
    assert schedules.run_cadence("event") == schedules.run_cadence("irregular") == "daily"
    assert schedules.run_cadence("termly") == "monthly"
    with pytest.raises(ValueError):
        schedules.run_cadence("hourly")


def test_department_runs_at_its_most_frequent_feed():
    registry = load_registry()
    by_dept = {d: [f for f in registry if f.dept == d] for d in registry.departments}
    assert schedules.department_cadence(by_dept["gongan"]) == "daily"  # daily huji + monthly jidongche
    assert schedules.department_cadence(by_dept["minzheng"]) == "weekly"  # monthly, quarterly, weekly
    assert schedules.department_cadence(by_dept["jiaoyu"]) == "monthly"  # monthly + termly
    assert schedules.department_cadence(by_dept["yingji"]) == "daily"  # event
    assert schedules.department_cadence(by_dept["shenji"]) == "daily"  # irregular
    assert schedules.department_cadence(by_dept["tongji"]) == "yearly"
    with pytest.raises(ValueError):
        schedules.department_cadence([])


def test_timetables_fire_at_one_in_the_morning_shanghai_time():
    tt = schedules.department_schedule([load_registry().get("zhujian_fangwu")])
    assert isinstance(tt, CronTriggerTimetable)
    assert tt.expression == "0 1 1 1,4,7,10 *"
    assert str(tt.timezone) == "Asia/Shanghai"


def test_next_daily_run_is_17_00_utc():
    import pendulum
    from airflow.serialization.encoders import coerce_to_core_timetable
    from airflow.timetables.base import TimeRestriction

    core = coerce_to_core_timetable(schedules.timetable_for("daily"))
    start = pendulum.datetime(2026, 3, 1, 12, tz="UTC")
    info = core.next_dagrun_info(
        last_automated_data_interval=None, restriction=TimeRestriction(start, None, catchup=True)
    )
    assert info.run_after == pendulum.datetime(2026, 3, 1, 17, tz="UTC")  # 2 March 01:00 in Shanghai


# --- assets ---------------------------------------------------------------------------------------


def test_feed_asset_uri_and_name_survive_airflow_normalisation():
    asset = feed_asset("gongan_huji")
    assert asset.uri == "shouwang://staging/gongan_huji"
    assert asset.name == "staging_gongan_huji"
    assert asset == Asset(uri="shouwang://staging/gongan_huji", name="staging_gongan_huji")
    for feed in load_registry():
        assert feed_asset(feed.feed_id).uri == f"shouwang://staging/{feed.feed_id}"
    with pytest.raises(ValueError):
        feed_asset("Gongan/huji")


# --- load_feed ------------------------------------------------------------------------------------


def test_landing_dir_resolution(tmp_path, monkeypatch):
    monkeypatch.delenv("SHOUWANG_LANDING_DIR", raising=False)
    monkeypatch.setenv("SHOUWANG_HOME", str(tmp_path / "home"))
    assert resolve_landing_dir() == tmp_path / "home" / "landing"
    monkeypatch.setenv("SHOUWANG_LANDING_DIR", str(tmp_path / "zone"))
    assert resolve_landing_dir() == tmp_path / "zone"
    assert resolve_landing_dir(str(tmp_path / "given")) == tmp_path / "given"


@pytest.fixture
def landing(tmp_path, monkeypatch) -> Path:
    target = tmp_path / "landing"
    shutil.copytree(SAMPLES / "gongan", target / "gongan")
    monkeypatch.setenv("SHOUWANG_LANDING_DIR", str(target))
    return target


def _only_counts(counts: dict) -> None:
    """XCom-safe: the feed id and integer counts, nothing from the data."""
    assert set(counts) == COUNT_KEYS | {"feed_id"}
    assert all(type(counts[k]) is int for k in COUNT_KEYS)


def test_load_feed_loads_then_skips(landing, db_url, engine):
    counts = load_feed("gongan_huji")
    _only_counts(counts)
    assert counts["files"] == counts["loaded_files"] == 1
    assert counts["new"] > 0 and counts["loaded"] > 0
    assert counts["read"] == counts["loaded"] + counts["quarantined"] + counts["duplicate"]
    with engine.connect() as conn:
        feeds = conn.execute(text("SELECT DISTINCT feed_id FROM raw.delivery")).scalars().all()
        current = conn.execute(text("SELECT count(*) FROM staging.gongan_huji_current")).scalar_one()
    assert feeds == ["gongan_huji"]  # only the feed asked for
    assert current > 0
    with pytest.raises(AirflowSkipException, match="no change"):
        load_feed("gongan_huji")
    again = load_feed("gongan_huji", skip_if_unchanged=False)  # a retry: counts, no skip
    assert again["resent_files"] == 1 and again["new"] == again["changed"] == again["removed"] == 0


def test_empty_landing_is_skipped(tmp_path, db_url):
    (tmp_path / "empty").mkdir()
    with pytest.raises(AirflowSkipException):
        load_feed("gongan_huji", str(tmp_path / "empty"))


def test_missing_landing_and_unknown_feed_fail(tmp_path, db_url):
    with pytest.raises(FileNotFoundError):
        load_feed("gongan_huji", str(tmp_path / "nowhere"))
    with pytest.raises(KeyError):
        load_feed("gongan_nothing", str(tmp_path))


def test_rejected_file_does_not_fail_the_task(landing, db_url, engine):
    bad = landing / "gongan" / "huji_20210701.csv"
    bad.write_bytes("序号,备注\n1,没有身份证号\n".encode("gb18030"))
    counts = load_feed("gongan_huji")  # the good sample still loads
    assert counts["files"] == 2 and counts["rejected_files"] == 1 and counts["new"] > 0
    with engine.connect() as conn:
        status = conn.execute(
            text("SELECT status FROM raw.delivery WHERE file_name = 'huji_20210701.csv'")
        ).scalar_one()
    assert status == "rejected"
    # Both files again: re-sends, nothing changed, so skipped (not failed).
    with pytest.raises(AirflowSkipException):
        load_feed("gongan_huji")


def test_infrastructure_failure_raises(landing, db_url, engine):
    with engine.begin() as conn:  # the staging table has gone: not the file's fault
        conn.execute(text("ALTER TABLE staging.gongan_huji RENAME TO gongan_huji_elsewhere"))
    with pytest.raises(FeedLoadFailed, match="huji_20210630.csv"):
        load_feed("gongan_huji")

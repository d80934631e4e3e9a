"""Migrations are versioned and idempotent; the staging tables follow the registry."""

from __future__ import annotations

import shutil

import pytest
from sqlalchemy import create_engine, text

from shouwang.config import PROJECT_ROOT
from shouwang.db.migrate import MigrationError, upgrade


def test_upgrade_is_idempotent_and_creates_every_stage(engine):
    assert upgrade(engine) == []
    with engine.connect() as conn:
        schemas = {r[0] for r in conn.execute(text("SELECT schema_name FROM information_schema.schemata"))}
        feeds = conn.execute(
            text(
                "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'staging'"
                " AND table_type = 'BASE TABLE' AND table_name <> 'change_log'"
            )
        ).scalar_one()
        villages = conn.execute(text("SELECT count(*) FROM ref.village")).scalar_one()
        townships = conn.execute(text("SELECT count(*) FROM ref.township")).scalar_one()
    assert {"raw", "staging", "quarantine", "master", "mart", "ops", "ref"} <= schemas
    assert feeds == 40
    assert townships == 23 and villages > 700


def test_changing_an_applied_migration_is_refused(fresh_database, tmp_path):
    sql_dir = tmp_path / "migrations"
    shutil.copytree(PROJECT_ROOT / "sql" / "migrations", sql_dir)
    engine = create_engine(fresh_database())
    upgrade(engine, sql_dir=sql_dir)
    target = sql_dir / "V001__stage_schemas.sql"
    target.write_text(target.read_text() + "\n-- edited\n")
    with pytest.raises(MigrationError, match="changed after it was applied"):
        upgrade(engine, sql_dir=sql_dir)
    engine.dispose()


def test_a_new_migration_is_applied_once(fresh_database, tmp_path):
    sql_dir = tmp_path / "migrations"
    shutil.copytree(PROJECT_ROOT / "sql" / "migrations", sql_dir)
    engine = create_engine(fresh_database())
    upgrade(engine, sql_dir=sql_dir)
    (sql_dir / "V999__extra.sql").write_text("CREATE TABLE ops.extra (x int);")
    assert upgrade(engine, sql_dir=sql_dir) == ["V999__extra"]
    assert upgrade(engine, sql_dir=sql_dir) == []
    engine.dispose()


def test_embedded_postgres_is_used_when_no_url_is_set(tmp_path, monkeypatch):
    from shouwang.db.embedded import stop_embedded
    from shouwang.db.engine import resolve_database_url

    monkeypatch.delenv("SHOUWANG_DATABASE_URL", raising=False)
    monkeypatch.setenv("SHOUWANG_HOME", str(tmp_path / "home"))
    url = resolve_database_url()
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            assert (
                conn.execute(text("SELECT current_setting('server_version_num')::int")).scalar_one() >= 150000
            )
        upgrade(engine)
        engine.dispose()
    finally:
        assert stop_embedded(tmp_path / "home" / "pgdata")

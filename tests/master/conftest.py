"""A small generated county, ingested and linked once per module into a template database;
each test gets its own copy (CREATE DATABASE ... TEMPLATE), so tests can publish, plant bad
nights and compare without seeing each other's changes."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.linkage.helpers import small_county

HOUSEHOLDS = 150


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "mastercounty", HOUSEHOLDS, 11)


@pytest.fixture(scope="module")
def linked_template(admin_url, county, tmp_path_factory):
    """Name of a database holding the county ingested and linked (never used directly)."""
    from linkage.run import run_linkage
    from shouwang.db.migrate import upgrade
    from shouwang.ingest import ingest_landing

    name = f"sw_tpl_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOUWANG_HOME", str(tmp_path_factory.mktemp("tplhome")))
    mp.setenv("SHOUWANG_DATABASE_URL", url)
    try:
        engine = create_engine(url)
        upgrade(engine)
        ingest_landing(county / "landing", database_url=url, workers=1)
        run_linkage(engine, full=True)
        engine.dispose()
        from shouwang.db.engine import _engine_for

        _engine_for.cache_clear()
    finally:
        mp.undo()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def master_db(admin_url, linked_template, tmp_path, monkeypatch):
    """An engine on a fresh copy of the linked county, configured as the warehouse."""
    from shouwang.db import get_engine
    from shouwang.db.engine import _engine_for

    name = f"sw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # pooled connections left by the template's ingest would block the copy
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"),
            {"d": linked_template},
        )
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{linked_template}"'))
    url = make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    monkeypatch.setenv("SHOUWANG_DATABASE_URL", url)
    monkeypatch.setenv("SHOUWANG_HOME", str(tmp_path / "home"))
    yield get_engine(url)
    _engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

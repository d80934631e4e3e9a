"""Test fixtures: a real PostgreSQL database per test, migrated; never SQLite, never mocks.

The server is SHOUWANG_TEST_ADMIN_URL (default: the local PostgreSQL at 127.0.0.1:5432). When no
server answers there, the embedded PostgreSQL (pgserver) is started under var/test-pgdata, so the
suite also runs on a machine with nothing installed.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent
SAMPLES = ROOT / "tests" / "fixtures" / "samples"


def _admin_url() -> str:
    url = os.environ.get("SHOUWANG_TEST_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    try:
        engine = create_engine(url)
        with engine.connect():
            pass
        engine.dispose()
        return url
    except Exception:
        from shouwang.db.embedded import embedded_url

        return embedded_url(ROOT / "var" / "test-pgdata")


@pytest.fixture(scope="session")
def admin_url() -> str:
    return _admin_url()


@pytest.fixture
def fresh_database(admin_url):
    """Factory: a brand-new empty database; all are dropped at the end of the test."""
    created: list[str] = []
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")

    def make() -> str:
        name = f"sw_test_{uuid.uuid4().hex[:12]}"
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        created.append(name)
        return make_url(admin_url).set(database=name).render_as_string(hide_password=False)

    yield make
    from shouwang.db.engine import _engine_for

    _engine_for.cache_clear()
    with admin.connect() as conn:
        for name in created:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def db_url(fresh_database, tmp_path, monkeypatch) -> str:
    """A migrated database of its own, configured as the warehouse for this test."""
    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade

    url = fresh_database()
    monkeypatch.setenv("SHOUWANG_DATABASE_URL", url)
    monkeypatch.setenv("SHOUWANG_HOME", str(tmp_path / "home"))
    upgrade(get_engine(url))
    return url


@pytest.fixture
def engine(db_url):
    from shouwang.db import get_engine

    return get_engine(db_url)

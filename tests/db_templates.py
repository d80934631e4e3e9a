"""A database built once per module and copied per test (CREATE DATABASE ... TEMPLATE): tests that
need a county ingested, linked or published get their own copy in about a second."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url


def _url(admin_url: str, name: str) -> str:
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def template_database(admin_url: str, home: Path, build: Callable[[Engine, str], None]) -> Iterator[str]:
    """Generator for a module fixture: a new database, migrated, then `build(engine, url)` with the
    warehouse environment pointing at it; yields its name, drops it afterwards."""
    from shouwang.db.engine import _engine_for
    from shouwang.db.migrate import upgrade

    name = f"sw_tpl_{uuid.uuid4().hex[:10]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = _url(admin_url, name)
    mp = pytest.MonkeyPatch()
    mp.setenv("SHOUWANG_HOME", str(home))
    mp.setenv("SHOUWANG_DATABASE_URL", url)
    try:
        engine = create_engine(url)
        upgrade(engine)
        build(engine, url)
        engine.dispose()
        _engine_for.cache_clear()
    finally:
        mp.undo()
    yield name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def database_copy(admin_url: str, template: str, tmp_path: Path, monkeypatch) -> Iterator[Engine]:
    """Generator for a test fixture: an engine on a fresh copy of `template`, configured as the
    warehouse; the copy is dropped afterwards."""
    from shouwang.db import get_engine
    from shouwang.db.engine import _engine_for

    name = f"sw_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        # pooled connections left by the template's build would block the copy
        conn.execute(
            text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :d"), {"d": template}
        )
        conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template}"'))
    url = _url(admin_url, name)
    monkeypatch.setenv("SHOUWANG_DATABASE_URL", url)
    monkeypatch.setenv("SHOUWANG_HOME", str(tmp_path / "home"))
    yield get_engine(url)
    _engine_for.cache_clear()
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()

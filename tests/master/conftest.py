"""A small generated county, ingested and linked once per module into a template database;
each test gets its own copy (CREATE DATABASE ... TEMPLATE), so tests can publish, plant bad
nights and compare without seeing each other's changes."""

from __future__ import annotations

import pytest

from tests.db_templates import database_copy, template_database
from tests.linkage.helpers import small_county

HOUSEHOLDS = 150


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "mastercounty", HOUSEHOLDS, 11)


@pytest.fixture(scope="module")
def linked_template(admin_url, county, tmp_path_factory):
    """Name of a database holding the county ingested and linked (never used directly)."""
    from linkage.run import run_linkage
    from shouwang.ingest import ingest_landing

    def build(engine, url):
        ingest_landing(county / "landing", database_url=url, workers=1)
        run_linkage(engine, full=True)

    yield from template_database(admin_url, tmp_path_factory.mktemp("tplhome"), build)


@pytest.fixture
def master_db(admin_url, linked_template, tmp_path, monkeypatch):
    """An engine on a fresh copy of the linked county, configured as the warehouse."""
    yield from database_copy(admin_url, linked_template, tmp_path, monkeypatch)

"""A small generated county, ingested, linked and published once per module into a template
database; each test gets its own copy and plants crafted records on real households.

`plant` writes a department record the way ingestion and linkage would have left it: a current
row in the feed's staging table and its crosswalk entry placing it on a master person.
"""

from __future__ import annotations

import datetime as dt
import uuid

import pytest
from sqlalchemy import text

from tests.db_templates import database_copy, template_database
from tests.linkage.helpers import small_county

HOUSEHOLDS = 150
AS_OF = dt.date(2021, 6, 30)  # the generator's extract date


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    return small_county(tmp_path_factory, "martscounty", HOUSEHOLDS, 23)


@pytest.fixture(scope="module")
def published_template(admin_url, county, tmp_path_factory):
    """Name of a database holding the county ingested, linked and published (never used directly)."""
    from linkage.run import run_linkage
    from shouwang.ingest import ingest_landing
    from shouwang.master.night import publish_night

    def build(engine, url):
        ingest_landing(county / "landing", database_url=url, workers=1)
        run_linkage(engine, full=True)
        publish_night(engine, AS_OF)

    yield from template_database(admin_url, tmp_path_factory.mktemp("mtplhome"), build)


@pytest.fixture
def marts_db(admin_url, published_template, tmp_path, monkeypatch):
    """An engine on a fresh copy of the published county, configured as the warehouse."""
    yield from database_copy(admin_url, published_template, tmp_path, monkeypatch)


def plant(conn, feed_id: str, person_id: str, **fields) -> str:
    """A current record of `feed_id` about `person_id` (staging row + crosswalk); its key."""
    key = f"T{uuid.uuid4().hex[:14].upper()}"
    # as if tonight's delivery of the feed brought it (golden records date values by their delivery)
    delivery = conn.execute(
        text("""SELECT coalesce((SELECT max(delivery_id) FROM raw.delivery WHERE feed_id = :f),
                                (SELECT max(delivery_id) FROM raw.delivery))"""),
        {"f": feed_id},
    ).scalar_one()
    cols = ["record_key", "row_hash", "valid_from", "change_kind", *fields]
    values = {"record_key": key, "row_hash": 0, "valid_from": delivery, "change_kind": "new", **fields}
    conn.execute(
        text(
            f"INSERT INTO staging.{feed_id} ({', '.join(cols)}) VALUES ({', '.join(':' + c for c in cols)})"
        ),
        values,
    )
    dept, feed = feed_id.split("_", 1)
    conn.execute(
        text("""INSERT INTO linkage.crosswalk (feed_id, record_key, dept, feed, person_id, household_id,
                                               score,
                                               method, run_id)
                SELECT :f, :k, :d, :feed, :p, m.household_id, 1, 'deterministic', 0
                FROM master.membership m WHERE m.person_id = :p"""),
        {"f": feed_id, "k": key, "d": dept, "feed": feed, "p": person_id},
    )
    return key


def household_where(conn, where: str, exclude_types: tuple[str, ...] = ()) -> tuple[str, list[dict]]:
    """A published household matching `where` (SQL over mart-free master views h / profile-free
    members), with no open alert of the given types; returns (household_id, members)."""
    row = conn.execute(
        text(f"""
        SELECT h.household_id FROM master.household h
        WHERE {where}
          AND NOT EXISTS (SELECT 1 FROM mart.alert a WHERE a.household_id = h.household_id
                          AND a.alert_type = ANY(:types))
        ORDER BY h.household_id LIMIT 1"""),
        {"types": list(exclude_types)},
    ).one()
    members = (
        conn.execute(
            text("""SELECT p.person_id, p.birth_date, p.death_date, m.is_head
                FROM master.membership m JOIN master.person p USING (person_id)
                WHERE m.household_id = :h ORDER BY m.is_head DESC, p.birth_date"""),
            {"h": row.household_id},
        )
        .mappings()
        .all()
    )
    return row.household_id, [dict(m) for m in members]


def alerts_of(conn, household_id: str, alert_type: str | None = None) -> list:
    return conn.execute(
        text("""SELECT alert_id, alert_type, status, cause_key, cause_present, cause_changed, evidence, detail
                FROM mart.alert WHERE household_id = :h AND (CAST(:t AS text) IS NULL OR alert_type = :t)
                ORDER BY alert_id"""),
        {"h": household_id, "t": alert_type},
    ).all()


def evidence_keys(alert) -> set[str]:
    return {e["record_key"] for e in alert.evidence}

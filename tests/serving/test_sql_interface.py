"""The api_v1 SQL interface: what the reader and privileged roles can and cannot do, the masks, the
keyed ID hash and the append-only audit trail, against real PostgreSQL."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import exc, text

ID_MASK = re.compile(r"^\d{6}\*{8}[\dX]{4}$")
PHONE_MASK = re.compile(r"^\d{3}\*{4}\d{4}$")  # mobiles and 0377 landlines alike


def _as(engine, role: str, sql: str, params: dict | None = None):
    with engine.begin() as conn:
        conn.execute(text(f"SET LOCAL ROLE {role}"))
        return conn.execute(text(sql), params or {}).all()


def test_reader_sees_masked_values_and_nothing_else(marts_db):
    from shouwang.marts import refresh_marts

    refresh_marts(marts_db)
    rows = _as(
        marts_db,
        "shouwang_reader",
        "SELECT id_number_masked, phone_masked, has_disability FROM api_v1.person"
        " WHERE id_number_masked IS NOT NULL AND length(id_number_masked) = 18",
    )
    assert rows and all(ID_MASK.match(r.id_number_masked) for r in rows)
    phones = [r.phone_masked for r in rows if r.phone_masked]
    assert phones and all(PHONE_MASK.match(p) for p in phones)
    assert _as(marts_db, "shouwang_reader", "SELECT api_v1.mask_id('411328199001011234')")[0][0] == (
        "411328********1234"
    )
    assert _as(marts_db, "shouwang_reader", "SELECT api_v1.mask_phone('13812345678')")[0][0] == "138****5678"
    for view in ("household", "membership", "alert", "indicator"):
        assert _as(marts_db, "shouwang_reader", f"SELECT count(*) FROM api_v1.{view}")[0][0] > 0, view
    # no raw ID numbers, no other schema, no key, no writes
    for sql in (
        "SELECT id_number FROM master.person LIMIT 1",
        "SELECT id_number FROM staging.gongan_huji LIMIT 1",
        "SELECT key FROM audit.hash_key",
        "SELECT id_hash FROM master.person_key LIMIT 1",
        "SELECT audit.rebuild_person_key()",
        "SELECT * FROM api_v1_full.person LIMIT 1",
        "SELECT audit.id_hash('411328199001011234')",
        "UPDATE api_v1.household SET members = 0",
        "DELETE FROM api_v1.alert",
        "INSERT INTO mart.alert_history (alert_id, to_status, event, actor) VALUES (1, 'new', 'x', 'x')",
        "INSERT INTO audit.lookup (target, result_count) VALUES ('x', 0)",
    ):
        with pytest.raises(exc.ProgrammingError, match="permission denied|InsufficientPrivilege"):
            _as(marts_db, "shouwang_reader", sql)


def test_privileged_reads_full_values_and_every_read_is_audited(marts_db):
    rows = _as(
        marts_db,
        "shouwang_privileged",
        "SELECT id_number FROM api_v1_full.person WHERE id_number IS NOT NULL",
    )
    assert rows and all(len(r.id_number) == 18 for r in rows[:100])
    with marts_db.connect() as conn:
        (audit,) = conn.execute(text("SELECT db_role, target, result_count FROM audit.lookup")).all()
        persons = conn.execute(text("SELECT count(*) FROM master.person")).scalar_one()
    assert audit.target == "api_v1_full.person" and audit.result_count == persons
    with pytest.raises(exc.ProgrammingError, match="permission denied"):
        _as(marts_db, "shouwang_privileged", "UPDATE api_v1.household SET members = 0")


def test_lookup_by_id_number_is_answered_masked_and_logged_by_keyed_hash(marts_db):
    with marts_db.connect() as conn:
        person_id, id_number = conn.execute(
            text(
                "SELECT person_id, id_number FROM master.person WHERE length(id_number) = 18"
                " ORDER BY person_id LIMIT 1"
            )
        ).one()
    spaced = " " + id_number[:6] + " " + id_number[6:].lower() + " "  # as typed: spaces, a lower-case x
    rows = _as(
        marts_db,
        "shouwang_reader",
        "SELECT person_id, id_number_masked"
        " FROM api_v1.person_by_id_number(:i, 'township-app', 'door visit')",
        {"i": spaced},
    )
    assert rows == [(person_id, id_number[:6] + "********" + id_number[-4:])]
    assert (
        _as(marts_db, "shouwang_reader", "SELECT count(*) FROM api_v1.person_by_id_number('000', 'a', 'b')")[
            0
        ][0]
        == 0
    )
    with marts_db.connect() as conn:
        logged = conn.execute(
            text("SELECT client, purpose, subject_hash, result_count FROM audit.lookup ORDER BY lookup_id")
        ).all()
        again = conn.execute(text("SELECT audit.id_hash(:i)"), {"i": id_number}).scalar_one()
    assert [(r.client, r.purpose, r.result_count) for r in logged] == [
        ("township-app", "door visit", 1),
        ("a", "b", 0),
    ]
    assert re.fullmatch(r"[0-9a-f]{64}", logged[0].subject_hash) and logged[0].subject_hash == again
    assert id_number not in str(logged)


def test_audit_rows_cannot_be_changed_or_deleted(marts_db):
    _as(marts_db, "shouwang_reader", "SELECT * FROM api_v1.person_by_id_number('x', 'a', 'b')")
    for role in ("shouwang_reader", "shouwang_privileged"):
        for sql in ("UPDATE audit.lookup SET client = 'z'", "DELETE FROM audit.lookup"):
            with pytest.raises(exc.ProgrammingError, match="permission denied"):
                _as(marts_db, role, sql)
    with pytest.raises(exc.DBAPIError, match="cannot be changed or deleted"):
        with marts_db.begin() as conn:  # not even the owner
            conn.execute(text("DELETE FROM audit.lookup"))


def test_id_keys_follow_the_current_master_and_hold_no_id_number(marts_db):
    """Publish keeps one keyed hash per current person with an ID number; a person whose number
    changes in a later publication is found by the new number only."""
    with marts_db.begin() as conn:
        q = conn.exec_driver_sql
        current = q("SELECT count(*) FROM master.person WHERE id_number IS NOT NULL").scalar_one()
        assert current > 0
        assert q("SELECT count(*) FROM master.person_key").scalar_one() == current
        assert (
            q("""SELECT count(*) FROM master.person_key k JOIN master.person p USING (person_id)
                    WHERE k.id_hash = audit.id_hash(p.id_number)""").scalar_one()
            == current
        )
        assert (
            q(
                "SELECT count(*) FROM master.person_key k JOIN master.person p ON p.id_number = k.id_hash"
            ).scalar_one()
            == 0
        )
        person_id, old = q(
            "SELECT person_id, id_number FROM master.person WHERE length(id_number) = 18"
            " ORDER BY person_id LIMIT 1"
        ).one()
        new = "110101199003077777"
        # a later publication (version v) retires the person's row and opens one with another number
        v = q("SELECT max(published_version) + 1 FROM master.person_history").scalar_one()
        q(
            """UPDATE master.person_history SET retired_version = %(v)s
             WHERE person_id = %(p)s AND retired_version IS NULL""",
            {"p": person_id, "v": v},
        )
        q(
            """CREATE TEMP TABLE reopened AS SELECT * FROM master.person_history
             WHERE person_id = %(p)s AND retired_version = %(v)s""",
            {"p": person_id, "v": v},
        )
        q(
            "UPDATE reopened SET id_number = %(n)s, published_version = %(v)s, retired_version = NULL",
            {"n": new, "v": v},
        )
        q("INSERT INTO master.person_history SELECT * FROM reopened")
        assert q("SELECT audit.sync_person_key(%(v)s)", {"v": v}).scalar_one() == 1
        assert q("SELECT count(*) FROM master.person_key").scalar_one() == current
    for number, found in ((old, 0), (new, 1)):
        rows = _as(
            marts_db,
            "shouwang_reader",
            "SELECT person_id FROM api_v1.person_by_id_number(:i, 'township-app', 'door visit')",
            {"i": number},
        )
        assert [r.person_id for r in rows] == [person_id] * found


# The api_v1 contract: other systems code against these names. Changing a list here is a breaking
# change for them (a new schema api_v2), never an edit of api_v1.
CONTRACT = {
    "api_v1.household": "household_id township_code village_code head_person_id members household_type"
    " monitoring_category risk_types risk_eliminated identified_on as_of_date master_version",
    "api_v1.person": "person_id household_id name sex birth_date id_number_masked phone_masked township_code"
    " village_code person_status death_date has_disability enrolment_status assistance_type"
    " monitoring_category master_version",
    "api_v1.membership": "person_id household_id relation_to_head is_head",
    "api_v1.alert": "alert_id household_id alert_type kind severity status detail township_code village_code"
    " created_run last_seen_run cause_changed",
    "api_v1.indicator": "household_id township_code village_code members income_known income_basis"
    " income_assessed_per_capita flag_not_in_school flag_uninsured flag_unsafe_house flag_water_household"
    " flag_water_village has_severe_disability has_chronic_illness",
    "api_v1_full.person": "person_id household_id name sex birth_date id_number phone township_code"
    " village_code person_status death_date disability_category disability_grade enrolment_status"
    " assistance_type monitoring_category",
}


def test_the_views_keep_their_contract_and_every_column_is_documented(marts_db):
    with marts_db.connect() as conn:
        rows = conn.execute(
            text("""SELECT n.nspname || '.' || c.relname AS view, a.attname AS column,
                           col_description(c.oid, a.attnum) AS comment, obj_description(c.oid) AS view_comment
                    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
                    JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
                    WHERE n.nspname IN ('api_v1', 'api_v1_full') AND c.relkind = 'v'
                    ORDER BY 1, a.attnum""")
        ).all()
    found: dict[str, list[str]] = {}
    for r in rows:
        found.setdefault(r.view, []).append(r.column)
    assert found == {view: columns.split() for view, columns in CONTRACT.items()}
    undocumented = [f"{r.view}.{r.column}" for r in rows if not r.comment]
    assert undocumented == [] and all(r.view_comment for r in rows)

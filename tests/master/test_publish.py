"""Golden records -> gate -> publish on a linked county: a good night publishes; planted bad
nights leave the published master byte-identical and name the failing expectations; warnings
publish and are recorded; history answers point-in-time questions; steward pins survive."""

from __future__ import annotations

import datetime as dt
import threading
import time

import pytest
from sqlalchemy import text

from shouwang.master.night import GateFailed, build, publish_night

NIGHT_1 = dt.date(2021, 6, 30)
NIGHT_2 = dt.date(2021, 7, 31)


def _digest(engine) -> str:
    """A fingerprint of everything published (history rows and publications)."""
    parts = []
    with engine.connect() as conn:
        for table, order in (
            ("master.person_history", "person_id, published_version"),
            ("master.household_history", "household_id, published_version"),
            ("master.membership_history", "person_id, published_version"),
            ("master.publication", "version"),
        ):
            cols = "t.*" if table != "master.publication" else "version, gate_run_id, as_of_date, figures"
            parts.append(
                conn.execute(
                    text(
                        f"SELECT md5(coalesce(string_agg(x::text, '|' ORDER BY {order}), '')) FROM"
                        f" (SELECT {cols} FROM {table} t) x"
                    )
                ).scalar_one()
            )
    return "/".join(parts)


def _failed_expectations(exc: GateFailed) -> set[str]:
    return {o.expectation for o in exc.gate.failures}


def test_a_good_night_publishes_the_master_with_lineage(master_db):
    report = publish_night(master_db, NIGHT_1)
    assert report.gate.status in ("passed", "warned")
    assert report.published["version"] == 1
    with master_db.connect() as conn:
        persons = conn.execute(text("SELECT count(*) FROM master.person")).scalar_one()
        linked = conn.execute(text("SELECT count(DISTINCT person_id) FROM linkage.crosswalk")).scalar_one()
        assert persons == linked == report.candidate["person"]
        # every household exactly one head; every person in exactly one household
        bad = conn.execute(
            text(
                "SELECT count(*) FROM (SELECT household_id FROM master.membership GROUP BY 1"
                " HAVING count(*) FILTER (WHERE is_head) <> 1) x"
            )
        ).scalar_one()
        assert bad == 0
        # names come from the hukou register where it has the person, with lineage saying so
        source = conn.execute(
            text("SELECT lineage->'name'->>0, count(*) FROM master.person GROUP BY 1 ORDER BY 2 DESC")
        ).first()
        assert source[0] == "gongan_huji"
        results = conn.execute(
            text("SELECT count(*), count(DISTINCT suite) FROM ops.quality_result WHERE gate_run_id = :g"),
            {"g": report.gate.gate_run_id},
        ).one()
        assert results[0] >= 20 and results[1] == 4
        status = conn.execute(
            text("SELECT status, published_version FROM ops.gate_run WHERE gate_run_id = :g"),
            {"g": report.gate.gate_run_id},
        ).one()
        assert tuple(status) == (report.gate.status, 1)
    assert report.gate.data_docs.exists()


def test_publishing_the_same_data_again_opens_no_new_versions(master_db):
    publish_night(master_db, NIGHT_1)
    again = publish_night(master_db, NIGHT_2)
    assert again.published["version"] == 2
    assert all(
        again.published[t] == {"opened": 0, "closed": 0} for t in ("person", "household", "membership")
    )


def test_duplicate_heads_leave_the_master_unchanged(master_db):
    publish_night(master_db, NIGHT_1)
    before = _digest(master_db)
    with master_db.begin() as conn:  # a hukou delivery that names every spouse as a head too
        conn.execute(
            text("UPDATE linkage.membership SET relation_to_head = '户主' WHERE relation_to_head = '配偶'")
        )
    with pytest.raises(GateFailed) as failed:
        publish_night(master_db, NIGHT_2)
    assert any("at most one head" in e for e in _failed_expectations(failed.value))
    assert _digest(master_db) == before
    with master_db.connect() as conn:
        row = conn.execute(
            text("SELECT status, summary FROM ops.gate_run ORDER BY gate_run_id DESC LIMIT 1")
        ).one()
    assert row[0] == "failed"
    assert row[1]["failed"] and "observed" in row[1]["failed"][0]


def test_a_linkage_regression_that_merges_households_leaves_the_master_unchanged(master_db):
    publish_night(master_db, NIGHT_1)
    before = _digest(master_db)
    with master_db.begin() as conn:  # a broken household resolution: a whole village in one household
        conn.execute(
            text(
                "UPDATE linkage.membership"
                " SET household_id = (SELECT min(household_id) FROM linkage.membership)"
                " WHERE person_id IN (SELECT person_id FROM linkage.membership ORDER BY person_id LIMIT 60)"
            )
        )
    with pytest.raises(GateFailed) as failed:
        publish_night(master_db, NIGHT_2)
    assert any("more than 40 members" in e for e in _failed_expectations(failed.value))
    assert _digest(master_db) == before


def test_a_warning_only_night_publishes_and_records_the_warning(master_db):
    with master_db.begin() as conn:  # a pinned birth date 120 years back: implausible, not impossible
        conn.execute(
            text(
                "INSERT INTO master.golden_override (entity, entity_id, attribute, value, reason, pinned_by)"
                " SELECT 'person', min(person_id), 'birth_date', '1901-01-01', 'test', 'steward1'"
                " FROM linkage.crosswalk"
            )
        )
    report = publish_night(master_db, NIGHT_1)
    assert report.gate.status == "warned" and report.published["version"] == 1
    assert any("ages plausible" in o.expectation for o in report.gate.warnings)
    with master_db.connect() as conn:
        recorded = conn.execute(
            text(
                "SELECT count(*) FROM ops.quality_result WHERE gate_run_id = :g AND NOT success"
                " AND severity = 'warning'"
            ),
            {"g": report.gate.gate_run_id},
        ).scalar_one()
    assert recorded >= 1


def test_point_in_time_membership(master_db):
    publish_night(master_db, NIGHT_1)
    with master_db.begin() as conn:  # a member moves out to a household of their own (分户)
        mover, old_household = conn.execute(
            text(
                "SELECT person_id, household_id FROM linkage.membership WHERE relation_to_head = '子'"
                " ORDER BY person_id LIMIT 1"
            )
        ).one()
        conn.execute(
            text(
                "UPDATE linkage.membership SET household_id = 'H-NEW', relation_to_head = '户主'"
                " WHERE person_id = :p"
            ),
            {"p": mover},
        )
    publish_night(master_db, NIGHT_2)
    with master_db.connect() as conn:

        def members(on: str) -> set[str]:
            return {
                r[0]
                for r in conn.execute(
                    text("SELECT person_id FROM master.household_members_at(:h, :d)"),
                    {"h": old_household, "d": on},
                )
            }

        assert mover in members("2021-07-20")
        assert mover not in members("2021-08-01")
        assert members("2021-06-29") == set()  # before the first publication
        new_home = conn.execute(
            text("SELECT household_id FROM master.membership WHERE person_id = :p"), {"p": mover}
        ).scalar_one()
    assert new_home == "H-NEW"


def test_a_steward_pin_survives_the_next_run_until_removed(master_db):
    with master_db.begin() as conn:
        person = conn.execute(text("SELECT min(person_id) FROM linkage.crosswalk")).scalar_one()
        conn.execute(
            text(
                "INSERT INTO master.golden_override (entity, entity_id, attribute, value, reason, pinned_by)"
                " VALUES ('person', :p, 'name', '王测试', 'name corrected at the door', 'steward1')"
            ),
            {"p": person},
        )
    publish_night(master_db, NIGHT_1)
    publish_night(master_db, NIGHT_2)
    with master_db.begin() as conn:
        row = conn.execute(
            text("SELECT name, lineage->'name'->>0 FROM master.person WHERE person_id = :p"),
            {"p": person},
        ).one()
        assert tuple(row) == ("王测试", "steward")
        conn.execute(text("UPDATE master.golden_override SET removed_at = now()"))
    publish_night(master_db, dt.date(2021, 8, 31))
    with master_db.connect() as conn:
        name = conn.execute(
            text("SELECT name FROM master.person WHERE person_id = :p"), {"p": person}
        ).scalar_one()
        versions = conn.execute(
            text("SELECT count(*) FROM master.person_history WHERE person_id = :p"), {"p": person}
        ).scalar_one()
    assert name != "王测试" and versions == 2


def test_readers_see_the_old_or_the_new_master_never_a_mix(master_db):
    publish_night(master_db, NIGHT_1)
    build(master_db, NIGHT_2)
    with master_db.begin() as conn:  # tonight every household changes (one more member each)
        conn.execute(
            text("UPDATE master_candidate.household SET members = members + 1, row_hash = md5(row_hash)")
        )
    from shouwang.gate.gate import run_gate
    from shouwang.master.publish import publish

    gate = run_gate(master_db, NIGHT_2)
    with master_db.connect() as conn:
        old = tuple(conn.execute(text("SELECT count(*), sum(members) FROM master.household")).one())
    seen: set[tuple] = set()
    stop = threading.Event()

    def reader() -> None:
        with master_db.connect() as conn:
            while not stop.is_set():
                seen.add(
                    tuple(conn.execute(text("SELECT count(*), sum(members) FROM master.household")).one())
                )
                conn.commit()

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        with master_db.begin() as conn:
            publish(conn, gate.gate_run_id, NIGHT_2)
            time.sleep(1.0)  # the publish is done but not committed: readers must still see the old master
            assert seen == {old}
        time.sleep(0.5)
    finally:
        stop.set()
        thread.join()
    new = (old[0], old[1] + old[0])
    assert seen == {old, new}

"""Survivorship on crafted records: authority first, then recency, empty values skipped, any feed
as the last resort, steward pins over all; the lineage names the record each value came from."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import text

from shouwang.master.golden import build_candidate


def _delivery(conn, feed_id: str, day: str) -> int:
    dept, feed = feed_id.split("_", 1)
    return conn.execute(
        text(
            "INSERT INTO raw.delivery (feed_id, dept, feed, file_name, extract_date, sha256, size_bytes,"
            " archive_path, status)"
            " VALUES (:f, :d, :n, :n || '.csv', :day, md5(:f || :day), 1, 'a', 'loaded')"
            " RETURNING delivery_id"
        ),
        {"f": feed_id, "d": dept, "n": feed, "day": day},
    ).scalar_one()


def _record(conn, feed_id: str, key: str, person: str, day: str, **values) -> None:
    d = _delivery(conn, feed_id, day)
    cols = "".join(f", {c}" for c in values)
    params = "".join(f", :{c}" for c in values)
    conn.execute(
        text(
            f"INSERT INTO staging.{feed_id} (record_key, row_hash, valid_from, change_kind{cols})"
            f" VALUES (:k, 1, :d, 'new'{params})"
        ),
        {"k": key, "d": d, **values},
    )
    dept, feed = feed_id.split("_", 1)
    conn.execute(
        text(
            "INSERT INTO linkage.crosswalk (feed_id, record_key, dept, feed, person_id, household_id,"
            " method, run_id) VALUES (:f, :k, :dept, :feed, :p, 'H1', 'deterministic', 1)"
        ),
        {"f": feed_id, "k": key, "dept": dept, "feed": feed, "p": person},
    )


def _persons(conn, *persons: str) -> None:
    """Master persons of run 1, all members of household H1."""
    for p in persons:
        conn.execute(text("INSERT INTO linkage.person (person_id, created_run) VALUES (:p, 1)"), {"p": p})
        conn.execute(
            text(
                "INSERT INTO linkage.membership (person_id, household_id, source, run_id)"
                " VALUES (:p, 'H1', 'hukou', 1)"
            ),
            {"p": p},
        )


def test_authority_then_recency_then_non_empty_and_pins_win(engine):
    with engine.begin() as conn:
        _persons(conn, "P1", "P2")
        # P1: the hukou record has no name; 乡村振兴 (rank 2) beats the newer 民政 record (rank 3)
        _record(conn, "gongan_huji", "h1", "P1", "2021-06-30", name=None, ethnicity="汉族")
        _record(conn, "xiangcun_jiance", "j1", "P1", "2021-06-30", name="甲")
        _record(conn, "minzheng_jiuzhu", "z1", "P1", "2021-07-31", name="乙")
        # P1's phone: two records of the same source, the newer one wins
        _record(conn, "renshe_jiuye", "w1", "P1", "2021-06-30", phone="13800000001")
        _record(conn, "renshe_jiuye", "w2", "P1", "2021-07-31", phone="13800000002")
        # P2: in no ranked source; among all feeds the newest record gives the name
        _record(conn, "renshe_yanglao", "y2", "P2", "2021-06-30", name="丙")
        _record(conn, "yibao_canbao", "c2", "P2", "2021-07-31", name="丁")
        # a steward pin on P2's ethnicity
        conn.execute(
            text(
                "INSERT INTO master.golden_override (entity, entity_id, attribute, value, reason, pinned_by)"
                " VALUES ('person', 'P2', 'ethnicity', '回族', 'seen at the door', 's1')"
            )
        )
        counts = build_candidate(conn, dt.date(2021, 8, 1))
        rows = {
            r.person_id: r
            for r in conn.execute(
                text("SELECT person_id, name, phone, ethnicity, lineage FROM master_candidate.person")
            )
        }
    assert counts["person"] == 2 and counts["pinned_values"] == 1
    p1, p2 = rows["P1"], rows["P2"]
    assert (p1.name, p1.phone, p1.ethnicity) == ("甲", "13800000002", "汉族")
    assert p1.lineage["name"][:3] == ["xiangcun_jiance", "j1", "2021-06-30"]
    assert p1.lineage["phone"][:2] == ["renshe_jiuye", "w2"]
    assert (p2.name, p2.ethnicity) == ("丁", "回族")
    assert p2.lineage["name"][:2] == ["yibao_canbao", "c2"] and p2.lineage["ethnicity"][0] == "steward"


def test_a_birth_date_or_sex_its_own_valid_id_contradicts_gives_way_to_the_id(engine):
    """A day/month swap in the hukou's birth date (2021-12-01 for an ID born 2021-01-12) must not
    become the master birth date, and may lie after the extract date; agreeing values still win.
    An ID with a bad check digit decides nothing: its decoded date is as likely the typo."""
    with engine.begin() as conn:
        _persons(conn, "P1", "P2", "P3", "P4")
        _record(
            conn, "gongan_huji", "h1", "P1", "2021-06-30", id_number_status="valid",
            birth_date=dt.date(2021, 12, 1), id_birth_date=dt.date(2021, 1, 12), birth_date_conflict=True,
            sex="F", id_sex="M", sex_conflict=True,
        )  # fmt: skip
        _record(
            conn, "gongan_huji", "h2", "P2", "2021-06-29", id_number_status="valid",
            birth_date=dt.date(1970, 3, 4), id_birth_date=dt.date(1970, 3, 4), birth_date_conflict=False,
            sex="F", id_sex="F", sex_conflict=False,
        )  # fmt: skip
        _record(
            conn, "gongan_huji", "h3", "P3", "2021-06-28", id_number_status="bad_checksum",
            birth_date=dt.date(2002, 6, 23), id_birth_date=dt.date(2022, 6, 23), birth_date_conflict=True,
        )  # fmt: skip
        _record(
            conn, "yibao_canbao", "c4", "P4", "2021-06-30", id_number_status="bad_checksum",
            id_birth_date=dt.date(1980, 1, 2), id_sex="M",
        )  # fmt: skip
        build_candidate(conn, dt.date(2021, 6, 30))
        rows = {
            r.person_id: r
            for r in conn.execute(
                text("SELECT person_id, birth_date, sex, lineage FROM master_candidate.person")
            )
        }
    assert (rows["P1"].birth_date, rows["P1"].sex) == (dt.date(2021, 1, 12), "M")
    assert rows["P1"].lineage["birth_date"][3] == "source rank 2"
    assert (rows["P2"].birth_date, rows["P2"].sex) == (dt.date(1970, 3, 4), "F")
    assert rows["P2"].lineage["birth_date"][3] == "source rank 1"
    assert rows["P3"].birth_date == dt.date(2002, 6, 23)
    assert (rows["P4"].birth_date, rows["P4"].sex) == (None, None)

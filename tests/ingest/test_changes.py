"""Full snapshots become change sets, deltas apply 变更类型, the ledger handles re-deliveries."""

from __future__ import annotations

from sqlalchemy import text

from shouwang.ingest import ingest_landing
from tests.ingest.helpers import HUJI_HEADER, huji_row, make_id, write_csv

YINGYUN = ["经营许可证号", "业户名称", "证件号码", "经营范围", "车辆数", "许可状态"]
IDS = [make_id("411328", f"1970010{i}", f"{i}{i}{i}") for i in range(1, 6)]


def _yingyun(landing, date, rows):
    return write_csv(landing / "jiaotong" / f"yingyun_{date}.csv", YINGYUN, rows, "gb18030")


def _one(reports, file):
    return next(r for r in reports if r.file == file)


def _current(engine, table, cols="record_key"):
    with engine.connect() as conn:
        return sorted(tuple(r) for r in conn.execute(text(f"SELECT {cols} FROM staging.{table}_current")))


def test_full_snapshots_become_change_sets_with_history(tmp_path, db_url, engine):
    day1, day2 = tmp_path / "n1", tmp_path / "n2"
    _yingyun(
        day1,
        "20210630",
        [
            ["A", "甲", IDS[0], "普通货运", "1", "有效"],
            ["B", "乙", IDS[1], "普通货运", "1", "有效"],
            ["C", "丙", IDS[2], "普通货运", "1", "有效"],
        ],
    )
    _yingyun(
        day2,
        "20210731",
        [
            ["A", "甲", IDS[0], "普通货运", "1", "有效"],
            ["B", "乙", IDS[1], "普通货运", "2", "有效"],
            ["D", "丁", IDS[3], "出租客运", "1", "有效"],
        ],
    )
    r1 = ingest_landing(day1, database_url=db_url, workers=1)[0]
    assert (r1.rows_new, r1.rows_changed, r1.rows_removed) == (3, 0, 0)
    r2 = ingest_landing(day2, database_url=db_url, workers=1)[0]
    assert (r2.rows_new, r2.rows_changed, r2.rows_removed) == (1, 1, 1)
    assert _current(engine, "jiaotong_yingyun", "record_key, vehicles") == [("A", 1), ("B", 2), ("D", 1)]
    with engine.connect() as conn:
        history = conn.execute(
            text(
                "SELECT record_key, vehicles FROM staging.jiaotong_yingyun"
                " WHERE valid_to IS NOT NULL ORDER BY 1"
            )
        ).all()
        log = conn.execute(
            text("SELECT record_key, change_kind FROM staging.change_log WHERE delivery_id = :d ORDER BY 1"),
            {"d": r2.delivery_id},
        ).all()
    assert [tuple(h) for h in history] == [("B", 1), ("C", 1)]
    assert [tuple(x) for x in log] == [("B", "changed"), ("C", "removed"), ("D", "new")]
    with engine.connect() as conn:  # a first load is all new: staging says so, the log does not repeat it
        first = conn.execute(
            text("SELECT count(*) FROM staging.change_log WHERE delivery_id = :d"), {"d": r1.delivery_id}
        ).scalar_one()
        first_rows = conn.execute(
            text(
                "SELECT count(*) FROM staging.jiaotong_yingyun WHERE valid_from = :d AND change_kind = 'new'"
            ),
            {"d": r1.delivery_id},
        ).scalar_one()
    assert (first, first_rows) == (0, 3)


def test_identical_redelivery_is_a_noop(tmp_path, db_url, engine):
    landing, resent = tmp_path / "landing", tmp_path / "resent"
    rows = [["A", "甲", IDS[0], "普通货运", "1", "有效"]]
    _yingyun(landing, "20210630", rows)
    _yingyun(resent, "20210630", rows)  # the same bytes delivered again, in another drop
    first = ingest_landing(landing, database_url=db_url, workers=1)[0]
    again = ingest_landing(resent, database_url=db_url, workers=1)[0]
    left = ingest_landing(landing, database_url=db_url, workers=1)[0]  # file left in place
    assert first.status == "loaded"
    for r in (again, left):
        assert r.status == "identical_resend" and r.delivery_id == first.delivery_id
        assert r.rows_read == r.rows_loaded == 0
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM raw.delivery")).scalar_one() == 1
        assert conn.execute(text("SELECT count(*) FROM staging.jiaotong_yingyun")).scalar_one() == 1
        outcomes = [r[0] for r in conn.execute(text("SELECT outcome FROM raw.delivery_sighting ORDER BY 1"))]
    # the re-send is recorded; a file merely left in the landing zone is not re-hashed or re-recorded
    assert outcomes == ["identical_resend", "new"]


def test_corrected_redelivery_supersedes_and_keeps_the_earlier(tmp_path, db_url, engine):
    first, fixed = tmp_path / "first", tmp_path / "fixed"
    _yingyun(
        first,
        "20210630",
        [["A", "甲", IDS[0], "普通货运", "1", "有效"], ["B", "乙", IDS[1], "普通货运", "9", "有效"]],
    )
    _yingyun(
        fixed,
        "20210630",
        [["A", "甲", IDS[0], "普通货运", "1", "有效"], ["B", "乙", IDS[1], "普通货运", "2", "有效"]],
    )
    r1 = ingest_landing(first, database_url=db_url, workers=1)[0]
    r2 = ingest_landing(fixed, database_url=db_url, workers=1)[0]
    assert r2.status == "loaded" and any(p["code"] == "supersedes" for p in r2.problems)
    # applied against the state before the superseded delivery: everything is new again
    assert (r2.rows_new, r2.rows_changed) == (2, 0)
    assert _current(engine, "jiaotong_yingyun", "record_key, vehicles") == [("A", 1), ("B", 2)]
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT delivery_id, status, superseded_by FROM raw.delivery ORDER BY delivery_id")
        ).all()
        assert conn.execute(text("SELECT count(*) FROM staging.jiaotong_yingyun")).scalar_one() == 2
    assert [tuple(r) for r in rows] == [
        (r1.delivery_id, "superseded", r2.delivery_id),
        (r2.delivery_id, "loaded", None),
    ]


def test_late_older_delivery_is_slotted_in_and_newer_ones_replayed(tmp_path, db_url, engine):
    june, july = tmp_path / "june", tmp_path / "july"
    _yingyun(june, "20210630", [["A", "甲", IDS[0], "普通货运", "1", "有效"]])
    _yingyun(
        july,
        "20210731",
        [["A", "甲", IDS[0], "普通货运", "3", "有效"], ["B", "乙", IDS[1], "普通货运", "1", "有效"]],
    )
    ingest_landing(july, database_url=db_url, workers=1)
    late = ingest_landing(june, database_url=db_url, workers=1)[0]
    assert late.status == "loaded"
    assert _current(engine, "jiaotong_yingyun", "record_key, vehicles") == [("A", 3), ("B", 1)]
    with engine.connect() as conn:
        versions = conn.execute(
            text("SELECT record_key, vehicles, change_kind FROM staging.jiaotong_yingyun ORDER BY 1, 2")
        ).all()
    assert [tuple(v) for v in versions] == [("A", 1, "new"), ("A", 3, "changed"), ("B", 1, "new")]


def test_delta_feed_applies_change_types_and_keeps_tombstones(tmp_path, db_url, engine):
    a, b = IDS[0], IDS[1]
    day1, day2 = tmp_path / "d1", tmp_path / "d2"
    write_csv(
        day1 / "gongan" / "huji_20210630.csv",
        HUJI_HEADER,
        [huji_row("P1", a, "王秀英"), huji_row("P2", b, "张伟")],
        "gb18030",
    )
    write_csv(
        day2 / "gongan" / "huji_20210701.csv",
        HUJI_HEADER,
        [
            huji_row("P1", a, "王秀英", change="变更", hukou="100000002"),
            huji_row("P2", b, "张伟", change="注销", status="死亡"),
            huji_row("P9", b, "无名", change="注销"),
        ],
        "gb18030",
    )
    ingest_landing(day1, database_url=db_url, workers=1)
    r = ingest_landing(day2, database_url=db_url, workers=1)[0]
    assert (r.rows_new, r.rows_changed, r.rows_removed) == (0, 1, 1)
    assert any(p["code"] == "remove_unknown_key" for p in r.problems)
    assert _current(engine, "gongan_huji", "record_key, hukou_no") == [("P1", "100000002")]
    with engine.connect() as conn:
        tomb = conn.execute(
            text(
                "SELECT person_status, valid_from = valid_to FROM staging.gongan_huji"
                " WHERE change_kind = 'removed'"
            )
        ).one()
    assert tuple(tomb) == ("死亡", True)


def test_rerunning_the_same_landing_changes_nothing(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    write_csv(
        landing / "gongan" / "huji_20210630.csv", HUJI_HEADER, [huji_row("P1", IDS[0], "王秀英")], "gb18030"
    )
    _yingyun(landing, "20210630", [["A", "甲", IDS[0], "普通货运", "1", "有效"]])

    def snapshot():
        with engine.connect() as conn:
            return [
                conn.execute(text(q)).all()
                for q in (
                    "SELECT delivery_id, status, rows_loaded FROM raw.delivery ORDER BY 1",
                    "SELECT record_key, row_hash, valid_from, valid_to FROM staging.gongan_huji ORDER BY 1",
                    "SELECT * FROM staging.change_log ORDER BY 1, 2",
                )
            ]

    ingest_landing(landing, database_url=db_url, workers=2)
    before = snapshot()
    ingest_landing(landing, database_url=db_url, workers=2)
    assert snapshot() == before


def test_a_snapshot_with_no_usable_row_removes_nothing(tmp_path, db_url, engine):
    good, broken = tmp_path / "good", tmp_path / "broken"
    _yingyun(good, "20210630", [["A", "甲", IDS[0], "普通货运", "1", "有效"]])
    _yingyun(
        broken,
        "20210731",
        [["", "甲", IDS[0], "普通货运", "1", "有效"], ["", "乙", IDS[1], "普通货运", "1", "有效"]],
    )
    ingest_landing(good, database_url=db_url, workers=1)
    r = ingest_landing(broken, database_url=db_url, workers=1)[0]
    assert r.status == "rejected" and r.balanced
    assert (r.rows_loaded, r.rows_quarantined) == (0, 2)
    assert "no_usable_rows" in {p["code"] for p in r.problems}
    assert _current(engine, "jiaotong_yingyun", "record_key, vehicles") == [("A", 1)]


def test_large_delivery_is_processed_in_chunks(tmp_path, db_url, engine, monkeypatch):
    from shouwang.staging import conform

    monkeypatch.setattr(conform, "CHUNK_ROWS", 7)
    rows = [[f"K{i:03d}", "甲", IDS[i % 5], "普通货运", str(i), "有效"] for i in range(40)]
    rows.append(["K001", "乙", IDS[1], "普通货运", "9", "有效"])  # conflicts with a row of another chunk
    rows.append(rows[5])  # exact duplicate of a row in another chunk
    _yingyun(tmp_path / "big", "20210630", rows)
    r = ingest_landing(tmp_path / "big", database_url=db_url, workers=1)[0]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_duplicate) == (42, 39, 2, 1)
    assert len(_current(engine, "jiaotong_yingyun")) == 39


def test_a_quarantined_row_does_not_remove_its_record(tmp_path, db_url, engine):
    day1, day2 = tmp_path / "d1", tmp_path / "d2"
    _yingyun(
        day1,
        "20210630",
        [["A", "甲", IDS[0], "普通货运", "1", "有效"], ["B", "乙", IDS[1], "普通货运", "1", "有效"]],
    )
    # B comes again, but its required operator name is empty: quarantined, and still B exists
    _yingyun(
        day2,
        "20210731",
        [["A", "甲", IDS[0], "普通货运", "1", "有效"], ["B", "", IDS[1], "普通货运", "5", "有效"]],
    )
    ingest_landing(day1, database_url=db_url, workers=1)
    r = ingest_landing(day2, database_url=db_url, workers=1)[0]
    assert (r.rows_loaded, r.rows_quarantined, r.rows_removed, r.rows_changed) == (1, 1, 0, 0)
    assert _current(engine, "jiaotong_yingyun", "record_key, vehicles") == [("A", 1), ("B", 1)]


def test_row_hashes_are_the_documented_function_of_the_delivered_text():
    """Row hashes are stored in staging and compared with the next delivery's: whatever reader or
    column representation produced the text, the hash of a row must stay pandas' hash of its values
    joined by U+001F with NUL for a missing value (else every record would look changed once)."""
    import numpy as np
    import pandas as pd
    import pyarrow as pa

    from shouwang.landing.readers.base import ReadResult
    from shouwang.staging.conform import _row_hashes

    a = ["王秀英", "張玉蘭(已故)", None, "", "411328199001011234"]
    b = ["411328199001011234", None, "４１１３２８", "源潭镇刘岗村3组", "x"]
    expected = pd.util.hash_array(
        np.array(
            ["\x1f".join("\x00" if v is None else v for v in row) for row in zip(a, b, strict=True)],
            dtype=object,
        ),
        categorize=False,
    )
    for columns in (
        {"a": np.array(a, dtype=object), "b": np.array(b, dtype=object)},  # the general readers
        {"a": pa.array(a, type=pa.string()), "b": pa.array(b, type=pa.string())},  # the Arrow readers
    ):
        read = ReadResult(header=["a", "b"], columns=columns, line_numbers=np.arange(2, 7))
        assert (_row_hashes(read, ["a", "b"]) == expected).all()


def _key_index(engine, table):
    with engine.connect() as conn:
        return conn.execute(
            text(
                "SELECT c.collname FROM pg_index i JOIN pg_collation c ON c.oid = i.indcollation[0]"
                " WHERE i.indexrelid = to_regclass(:ix)"
            ),
            {"ix": f"staging.{table}_current_key"},
        ).scalar_one_or_none()


def test_the_current_key_index_compares_bytes_and_a_keyed_lookup_uses_it(tmp_path, db_url, engine):
    """Record keys are opaque: their unique index is in collation "C" (half the build time of the
    database's own after a large first load), rebuilt so by `db upgrade` where an earlier version
    built it otherwise, and used by the change set's lookups, which compare with COLLATE "C"."""
    from shouwang.db.migrate import upgrade

    assert _key_index(engine, "jiaotong_yingyun") == "C"
    with engine.begin() as conn:  # as an earlier version built it
        conn.execute(text("DROP INDEX staging.jiaotong_yingyun_current_key"))
        conn.execute(
            text(
                "CREATE UNIQUE INDEX jiaotong_yingyun_current_key ON staging.jiaotong_yingyun"
                " (record_key) WHERE valid_to IS NULL"
            )
        )
    assert _key_index(engine, "jiaotong_yingyun") == "default"
    upgrade(engine)
    assert _key_index(engine, "jiaotong_yingyun") == "C"

    rows = [[f"K{i}", "甲", IDS[0], "普通货运", "1", "有效"] for i in range(3)]
    _yingyun(tmp_path / "n1", "20210630", rows)
    ingest_landing(tmp_path / "n1", database_url=db_url, workers=1)
    assert _key_index(engine, "jiaotong_yingyun") == "C"  # rebuilt after the first load's COPY
    with engine.begin() as conn:
        conn.execute(text("SET LOCAL enable_seqscan = off"))
        plan = "\n".join(
            r[0]
            for r in conn.execute(
                text(
                    "EXPLAIN SELECT 1 FROM staging.jiaotong_yingyun s"
                    " WHERE s.record_key = 'K1' COLLATE \"C\" AND s.valid_to IS NULL"
                )
            )
        )
    assert "jiaotong_yingyun_current_key" in plan

"""Damaged deliveries as the contract warns they arrive: truncated, stray quotes, odd lines, huge numbers.
Nothing may be lost silently, and a damaged full snapshot must not remove the records it still holds."""

from __future__ import annotations

from sqlalchemy import text

from shouwang.ingest import ingest_landing
from tests.ingest.helpers import make_id, write_csv, write_jsonl

YINGYUN = ["经营许可证号", "业户名称", "证件号码", "经营范围", "车辆数", "许可状态"]
IDS = [make_id("411328", f"1970010{i}", f"{i}{i}{i}") for i in range(1, 6)]
DAY1 = [
    [k, n, IDS[i], "普通货运", "1", "有效"] for i, (k, n) in enumerate(zip("ABCD", "甲乙丙丁", strict=True))
]


def _file(landing, date):
    return landing / "jiaotong" / f"yingyun_{date}.csv"


def _current(engine):
    with engine.connect() as conn:
        return [
            r[0]
            for r in conn.execute(text("SELECT record_key FROM staging.jiaotong_yingyun_current ORDER BY 1"))
        ]


def _day1(tmp_path, db_url):
    write_csv(_file(tmp_path / "d1", "20210630"), YINGYUN, DAY1, "gb18030")
    ingest_landing(tmp_path / "d1", database_url=db_url, workers=1)


def test_truncated_last_line_of_a_full_snapshot_holds_its_record(tmp_path, db_url, engine):
    _day1(tmp_path, db_url)
    path = write_csv(_file(tmp_path / "d2", "20210731"), YINGYUN, DAY1[:3], "gb18030")
    with path.open("ab") as fh:
        fh.write("D,丁,4113".encode("gb18030"))  # cut after the ID began
    r = ingest_landing(tmp_path / "d2", database_url=db_url, workers=1)[0]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_removed) == (4, 3, 1, 0)
    assert _current(engine) == ["A", "B", "C", "D"]


def test_line_without_a_readable_key_holds_every_record(tmp_path, db_url, engine):
    _day1(tmp_path, db_url)
    path = write_csv(_file(tmp_path / "d2", "20210731"), YINGYUN, DAY1[:2], "gb18030")
    with path.open("ab") as fh:
        fh.write("C".encode("gb18030"))  # the key itself may be cut: it proves nothing
    r = ingest_landing(tmp_path / "d2", database_url=db_url, workers=1)[0]
    assert r.rows_removed == 0 and "removals_held" in {p["code"] for p in r.problems}
    assert _current(engine) == ["A", "B", "C", "D"]


def test_truncation_inside_a_multibyte_character_quarantines_only_that_line(tmp_path, db_url, engine):
    _day1(tmp_path, db_url)
    path = write_csv(_file(tmp_path / "d2", "20210731"), YINGYUN, DAY1[:3], "gb18030")
    with path.open("ab") as fh:
        fh.write("D,丁".encode("gb18030")[:-1])  # half a character
    r = ingest_landing(tmp_path / "d2", database_url=db_url, workers=1)[0]
    assert r.status == "loaded" and r.balanced
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (4, 3, 1)
    assert "truncated_last_line" in {p["code"] for p in r.problems}
    assert _current(engine) == ["A", "B", "C", "D"]


def test_a_stray_quote_does_not_swallow_the_following_lines(tmp_path, db_url, engine):
    _day1(tmp_path, db_url)
    rows = [DAY1[0], ["B", '"乙', IDS[1], "普通货运", "1", "有效"], DAY1[2], DAY1[3]]
    lines = [",".join(YINGYUN)] + [",".join(r) for r in rows]
    path = _file(tmp_path / "d2", "20210731")
    path.parent.mkdir(parents=True)
    path.write_bytes(("\n".join(lines) + "\n").encode("gb18030"))
    r = ingest_landing(tmp_path / "d2", database_url=db_url, workers=1)[0]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_removed) == (4, 3, 1, 0)
    assert _current(engine) == ["A", "B", "C", "D"]


def test_whitespace_only_lines_are_blank_on_both_reading_paths(tmp_path, db_url):
    rows = "\n".join([",".join(YINGYUN), ",".join(DAY1[0]), "   ", ",".join(DAY1[1])]) + "\n"
    plain = _file(tmp_path / "a", "20210630")
    quoted = _file(tmp_path / "b", "20210630")  # a quote sends this one down the Python path
    for path, body in ((plain, rows), (quoted, rows.replace("甲", '"甲"'))):
        path.parent.mkdir(parents=True)
        path.write_bytes(body.encode("gb18030"))
    r1 = ingest_landing(tmp_path / "a", database_url=db_url, workers=1)[0]
    r2 = ingest_landing(tmp_path / "b", database_url=db_url, workers=1)[0]
    assert (r1.rows_read, r1.rows_quarantined) == (r2.rows_read, r2.rows_quarantined) == (2, 0)


def test_jsonl_values_with_line_separators_stay_one_record(tmp_path, db_url, engine):
    base = {"主键": "K1", "姓名": "王秀英", "证件号码": IDS[0], "性别": "女", "出生日期": "1970-01-01",
            "手机号码": "13800000000", "现住址": "唐河县源潭镇\u2028李楼村", "数据来源": "公安户籍",
            "更新时间": "2021-06-29 00:00:00"}  # fmt: skip
    other = dict(base, **{"主键": "K2", "手机号码": 13900000000})  # a number: the Python path
    write_jsonl(tmp_path / "l" / "dashuju" / "renkou_20210630.jsonl", [base, other])
    r = ingest_landing(tmp_path / "l", database_url=db_url, workers=1)[0]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 2, 0)


def test_an_absurd_amount_is_a_parse_issue_not_a_failed_delivery(tmp_path, db_url, engine):
    write_csv(
        _file(tmp_path / "l", "20210630"),
        YINGYUN,
        [["A", "甲", IDS[0], "普通货运", "1e15", "有效"]],
        "gb18030",
    )
    r = ingest_landing(tmp_path / "l", database_url=db_url, workers=1)[0]
    assert (r.status, r.rows_loaded) == ("loaded", 1)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT parse_issues FROM staging.jiaotong_yingyun")).scalar_one() == {
            "vehicles": "1e15"
        }

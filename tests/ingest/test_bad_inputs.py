"""Each kind of bad input gets its specific reason, and the other feeds still load."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from shouwang.ingest import ingest_landing
from tests.ingest.helpers import HUJI_HEADER, huji_row, make_id, write_csv, write_jsonl, write_xlsx

ID_A = make_id("411328", "19800101", "123")
ID_B = make_id("411328", "19820202", "234")
GONGZHI_HEADER = ["人员代码", "姓名", "身份证号", "单位名称", "人员类别"]


def _good_other_feed(landing):
    """A healthy delivery of another feed that must load whatever happens to the bad one."""
    return write_csv(
        landing / "zuzhi" / "gongzhi_20210630.csv",
        GONGZHI_HEADER,
        [["GZ1", "张三", ID_A, "县财政局", "公务员"]],
        "gb18030",
    )


def _ingest(landing, db_url):
    reports = ingest_landing(landing, database_url=db_url, workers=1)
    by_feed = {r.feed: r for r in reports}
    assert by_feed["gongzhi"].status == "loaded" and by_feed["gongzhi"].rows_loaded == 1
    for r in reports:
        assert r.balanced, r
    return by_feed


def _reasons(engine, feed_id):
    with engine.connect() as conn:
        return [
            r[0]
            for r in conn.execute(
                text("SELECT reason_code FROM quarantine.row WHERE feed_id = :f ORDER BY line_no"),
                {"f": feed_id},
            )
        ]


def test_wrong_encoding_is_rejected_not_loaded_as_mojibake(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    write_csv(
        landing / "gongan" / "huji_20210630.csv", HUJI_HEADER, [huji_row("P1", ID_A, "王秀英")], "utf-8"
    )
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "rejected"
    assert [p["code"] for p in r.problems] == ["wrong_encoding"]
    assert "UTF-8" in r.problems[0]["message"]
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM staging.gongan_huji")).scalar_one() == 0


def test_gb18030_file_in_a_utf8_feed_is_rejected(tmp_path, db_url):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    header = ["登记编号", "逝者姓名", "身份证号", "死亡日期", "户籍地址", "变更类型"]
    write_csv(
        landing / "minzheng" / "binzang_20210630.csv",
        header,
        [["BZ1", "王秀英", ID_A, "2021/6/1", "唐河县源潭镇", "新增"]],
        "gb18030",
    )
    r = _ingest(landing, db_url)["binzang"]
    assert r.status == "rejected" and r.problems[0]["code"] == "wrong_encoding"


def test_missing_required_column_rejects_the_file_and_quarantines_its_rows(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    header = [h for h in HUJI_HEADER if h != "人员编号"]
    rows = [[v for h, v in zip(HUJI_HEADER, huji_row("P1", ID_A, "王秀英"), strict=True) if h != "人员编号"]]
    write_csv(landing / "gongan" / "huji_20210630.csv", header, rows, "gb18030")
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "rejected"
    assert "missing_required_column" in {p["code"] for p in r.problems}
    assert (r.rows_read, r.rows_quarantined) == (1, 1)
    assert _reasons(engine, "gongan_huji") == ["file_rejected:missing_required_column"]


def test_missing_optional_column_loads_with_a_note(tmp_path, db_url):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    header = [h for h in HUJI_HEADER if h != "曾用名"]
    rows = [[v for h, v in zip(HUJI_HEADER, huji_row("P1", ID_A, "王秀英"), strict=True) if h != "曾用名"]]
    write_csv(landing / "gongan" / "huji_20210630.csv", header, rows, "gb18030")
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "loaded" and r.rows_loaded == 1
    assert "missing_column" in {p["code"] for p in r.problems}


def test_unexpected_extra_column_is_reported_and_ignored(tmp_path, db_url):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    write_csv(
        landing / "gongan" / "huji_20210630.csv",
        HUJI_HEADER + ["备注"],
        [huji_row("P1", ID_A, "王秀英") + ["x"]],
        "gb18030",
    )
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "loaded" and r.rows_loaded == 1
    assert any(p["code"] == "unexpected_column" and "备注" in p["message"] for p in r.problems)


def test_unreadable_workbook_is_rejected(tmp_path, db_url):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    (landing / "canlian").mkdir(parents=True)
    (landing / "canlian" / "canjiren_20210630.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    r = _ingest(landing, db_url)["canjiren"]
    assert r.status == "rejected" and r.problems[0]["code"] == "unreadable"


@pytest.mark.parametrize("content", [b"", b"   \n"])
def test_empty_file_is_rejected(tmp_path, db_url, content):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    (landing / "gongan").mkdir(parents=True)
    (landing / "gongan" / "huji_20210630.csv").write_bytes(content)
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "rejected" and r.problems[0]["code"] == "empty_file"


def test_header_only_full_snapshot_is_rejected_rather_than_removing_everything(tmp_path, db_url):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    write_csv(
        landing / "jiaotong" / "yingyun_20210630.csv",
        ["经营许可证号", "业户名称", "证件号码", "经营范围", "车辆数", "许可状态"],
        [],
        "gb18030",
    )
    r = _ingest(landing, db_url)["yingyun"]
    assert r.status == "rejected" and r.problems[-1]["code"] == "empty_snapshot"


def test_row_level_faults_are_quarantined_with_their_reason(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    rows = [
        huji_row("P1", ID_A, "王秀英"),  # good
        huji_row("", ID_B, "张伟"),  # no key
        huji_row("P3", ID_B, ""),  # required name empty
        huji_row("P4", ID_B, "李娜", change="修改"),  # change type not in the contract
        huji_row("P5", ID_B, "赵敏"),  # same key twice, different content
        huji_row("P5", ID_B, "赵敏", sex="女"),
        huji_row("P6", ID_B, "孙丽"),  # exact duplicate: collapsed, not quarantined
        huji_row("P6", ID_B, "孙丽"),
    ]
    path = write_csv(landing / "gongan" / "huji_20210630.csv", HUJI_HEADER, rows, "gb18030")
    with path.open("ab") as fh:  # a truncated last line
        fh.write("P7,41132819".encode("gb18030"))
    r = _ingest(landing, db_url)["huji"]
    assert r.status == "loaded"
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined, r.rows_duplicate) == (9, 2, 6, 1)
    assert sorted(_reasons(engine, "gongan_huji")) == sorted(
        [
            "missing_key",
            "missing_required:name",
            "bad_change_type",
            "duplicate_key_conflict",
            "duplicate_key_conflict",
            "wrong_field_count",
        ]
    )
    with engine.connect() as conn:
        raw = conn.execute(
            text("SELECT raw->>'姓名', message FROM quarantine.row WHERE reason_code = 'bad_change_type'")
        ).one()
    assert raw[0] == "李娜" and "变更类型" in raw[1]


def test_unparseable_required_value_is_quarantined(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    write_csv(landing / "tongji" / "shouzhi_20210630.csv", ["x"], [["y"]], "gb18030")  # wrong extension
    write_xlsx(
        landing / "tongji" / "shouzhi_20210630.xlsx",
        "唐河县农村住户收支调查汇总",
        ["统计年度", "乡镇", "农村居民人均可支配收入", "农村居民人均消费支出", "调查户数"],
        [[2020, "源潭镇", 15000, 9000, 30], ["二〇二〇年", "张店镇", 14000, 9000, 30]],
    )
    reports = ingest_landing(landing, database_url=db_url, workers=1)
    shouzhi = next(r for r in reports if r.file == "shouzhi_20210630.xlsx")
    assert (shouzhi.rows_loaded, shouzhi.rows_quarantined) == (1, 1)
    assert _reasons(engine, "tongji_shouzhi") == ["unparseable_required:stat_year"]
    stray = next(r for r in reports if r.file == "shouzhi_20210630.csv")
    assert stray.status == "unrecognised"


def test_unparseable_optional_value_is_kept_in_parse_issues(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    row = huji_row("P1", ID_A, "王秀英", birth="1980年13月40日")
    write_csv(landing / "gongan" / "huji_20210630.csv", HUJI_HEADER, [row], "gb18030")
    r = _ingest(landing, db_url)["huji"]
    assert r.rows_loaded == 1
    with engine.connect() as conn:
        issues = conn.execute(text("SELECT parse_issues FROM staging.gongan_huji")).scalar_one()
    assert issues == {"birth_date": "1980年13月40日"}


def test_jsonl_bad_line_is_quarantined(tmp_path, db_url, engine):
    landing = tmp_path / "landing"
    _good_other_feed(landing)
    good = {
        "信访件编号": "XF1",
        "信访人姓名": "王秀英",
        "证件号码": "",
        "联系电话": "13800000000",
        "住址": "唐河县源潭镇李楼村",
        "诉求类别": "低保救助",
        "诉求摘要": "申请低保",
        "登记日期": "2021-06-01",
        "办理状态": "受理",
        "变更类型": "新增",
    }
    path = write_jsonl(landing / "xinfang" / "xinfang_20210630.jsonl", [good])
    with path.open("a", encoding="utf-8") as fh:
        fh.write('{"信访件编号": "XF2", "信访人姓名": "张')
    r = _ingest(landing, db_url)["xinfang"]
    assert (r.rows_read, r.rows_loaded, r.rows_quarantined) == (2, 1, 1)
    assert _reasons(engine, "xinfang_xinfang") == ["unparseable_line"]

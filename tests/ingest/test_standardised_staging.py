"""What standardisation leaves in staging for the identity fields (end to end through ingest)."""

from __future__ import annotations

from sqlalchemy import text

from shouwang.ingest import ingest_landing
from tests.ingest.helpers import HUJI_HEADER, huji_row, make_id, write_csv, write_xlsx

JIANCE_HEADER = [
    "成员编号",
    "户编号",
    "户类型",
    "监测对象类别",
    "风险类型",
    "风险是否消除",
    "识别日期",
    "姓名",
    "证件号码",
    "与户主关系",
    "家庭人口数",
    "上年度家庭人均纯收入",
    "乡镇",
    "村",
    "帮扶责任人",
]


def test_xlsx_numbers_where_text_was_meant_and_excel_serial_dates(tmp_path, db_url, engine):
    good = make_id("411328", "19600101", "123")
    rows = [
        # the ID typed into a numeric cell (precision lost), identification date as an Excel serial
        [
            "M1",
            "H1",
            "监测户",
            "脱贫不稳定户",
            "因病",
            "否",
            44377,
            "王秀英",
            float(good),
            "户主",
            3,
            5200,
            "源潭",
            "李楼",
        ],
        [
            "M2",
            "H1",
            "监测户",
            "脱贫不稳定户",
            "因病",
            "否",
            "2021-06-30",
            "張玉蘭(已故)",
            good,
            "配偶",
            3.0,
            5200,
            "唐河县源潭镇",
            "李楼村委会",
        ],
    ]
    write_xlsx(
        tmp_path / "l" / "xiangcun" / "jiance_20210630.xlsx", "唐河县2021年6月监测对象", JIANCE_HEADER, rows
    )
    r = ingest_landing(tmp_path / "l", database_url=db_url, workers=1)[0]
    assert (r.status, r.rows_loaded) == ("loaded", 2)
    with engine.connect() as conn:
        got = conn.execute(
            text(
                "SELECT record_key, id_number, id_number_status, identified_on::text, name, name_raw,"
                " name_note, household_size, township_code, village_code"
                " FROM staging.xiangcun_jiance ORDER BY 1"
            )
        ).all()
    m1, m2 = (tuple(g) for g in got)
    assert m1[1:4] == (None, "excel_mangled", "2021-06-30")
    assert m2[1:4] == (good, "valid", "2021-06-30")
    assert m2[4:7] == ("张玉兰", "張玉蘭(已故)", "已故")
    assert m1[7] == m2[7] == 3
    assert m1[8] == m2[8] == "411328101" and m1[9] == m2[9] is not None


def test_sex_and_birth_date_are_cross_checked_with_the_id(tmp_path, db_url, engine):
    male_1980 = make_id("411328", "19800101", "131")  # 17th digit odd: male
    rows = [
        huji_row("P1", male_1980, "张伟", sex="男", birth="19800101"),
        huji_row("P2", male_1980.lower(), "张伟", sex="女", birth="19800110"),
        huji_row("P3", "  4113 2880 0101 131", "张伟"),  # 15-digit old number with spaces
    ]
    write_csv(tmp_path / "l" / "gongan" / "huji_20210630.csv", HUJI_HEADER, rows, "gb18030")
    ingest_landing(tmp_path / "l", database_url=db_url, workers=1)
    with engine.connect() as conn:
        got = conn.execute(
            text(
                "SELECT record_key, id_number_status, id_sex, id_birth_date::text, sex_conflict,"
                " birth_date_conflict FROM staging.gongan_huji ORDER BY 1"
            )
        ).all()
    assert [tuple(g) for g in got] == [
        ("P1", "valid", "M", "1980-01-01", False, False),
        ("P2", "valid", "M", "1980-01-01", True, True),
        ("P3", "converted_15", "M", "1980-01-01", False, False),
    ]

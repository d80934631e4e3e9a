from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shouwang.staging.standardize import parse_dates


def parse(value: object, kind: str = "date") -> tuple[object, bool]:
    values, failed = parse_dates(pd.Series([value], dtype=object), kind)
    return values.iloc[0], bool(failed.iloc[0])


D = pd.Timestamp("2021-06-30")


@pytest.mark.parametrize(
    "raw",
    [
        "20210630",
        "2021-06-30",
        "2021-6-30",
        "2021/6/30",
        "2021/06/30",
        "2021.6.30",
        "2021年6月30日",
        "2021年06月30日",
        "2021年6月30",
        "２０２１－０６－３０",
        " 2021-06-30 ",
        "44377",
        "44377.0",
    ],
)
def test_date_variants(raw):
    assert parse(raw) == (D, False)


@pytest.mark.parametrize(
    "raw", ["2021-06-30 12:34:56", "2021-06-30T12:34:56", "2021/6/30 12:34:56", "20210630123456"]
)
def test_datetime_variants_keep_time(raw):
    assert parse(raw, "datetime") == (pd.Timestamp("2021-06-30 12:34:56"), False)


def test_datetime_without_seconds():
    assert parse("2021-06-30 12:34", "datetime") == (pd.Timestamp("2021-06-30 12:34"), False)


def test_date_kind_drops_time():
    assert parse("2021-06-30 12:34:56") == (D, False)


def test_excel_serial_with_fraction():
    assert parse("44377.5", "datetime") == (pd.Timestamp("2021-06-30 12:00"), False)
    assert parse("44377.5", "date") == (D, False)


def test_excel_1900_system_edges():
    assert parse("1") == (pd.Timestamp("1900-01-01"), False)
    assert parse("59") == (pd.Timestamp("1900-02-28"), False)
    assert parse("60")[1] is True  # Excel's fictitious 1900-02-29
    assert parse("61") == (pd.Timestamp("1900-03-01"), False)
    assert parse("0")[1] is True
    assert parse("99999")[1] is True


@pytest.mark.parametrize(
    "raw", ["2021-02-30", "2021-13-01", "20210230", "2021年2月29日", "2021-06-30 25:00:00"]
)
def test_impossible_dates_fail(raw):
    value, failed = parse(raw, "datetime")
    assert pd.isna(value) and failed


def test_leap_day_parses():
    assert parse("2020-02-29") == (pd.Timestamp("2020-02-29"), False)


@pytest.mark.parametrize("raw", ["1899-12-31", "3021-06-30"])
def test_out_of_range_years_fail(raw):
    assert parse(raw)[1] is True


@pytest.mark.parametrize("raw", ["abc", "2021-06-30x", "30/06/2021", "1234567"])
def test_garbage_fails(raw):
    value, failed = parse(raw)
    assert pd.isna(value) and failed


@pytest.mark.parametrize("raw", [None, "", "   ", "\u3000", "-", "无", float("nan")])
def test_missing_is_not_failed(raw):
    value, failed = parse(raw)
    assert pd.isna(value) and not failed


@pytest.mark.parametrize(
    "raw", ["2021-06", "2021/6", "2021年6月", "2021.06", "202106", "2021-06-15", "44377"]
)
def test_month_kind_gives_first_of_month(raw):
    assert parse(raw, "month") == (pd.Timestamp("2021-06-01"), False)


@pytest.mark.parametrize("raw", ["2021", "2021-06"])
def test_date_kind_rejects_coarser_values(raw):
    assert parse(raw, "date")[1] is True


def test_month_kind_rejects_bare_year():
    assert parse("2021", "month")[1] is True


@pytest.mark.parametrize("raw", ["2021", "2021.0", "2021年", "２０２１", "2021-06-30", "202106", "44377"])
def test_year_kind(raw):
    assert parse(raw, "year") == (2021, False)


def test_year_kind_dtype_and_missing():
    values, failed = parse_dates(pd.Series(["2021", None, "x"], dtype=object), "year")
    assert str(values.dtype) == "Int64"
    assert values.isna().tolist() == [False, True, True]
    assert failed.tolist() == [False, False, True]


def test_dtypes_and_index():
    raw = pd.Series(["20210630", None], index=[7, 9], dtype=object, name="出生日期")
    values, failed = parse_dates(raw)
    assert values.dtype == "datetime64[ns]" and failed.dtype == bool
    assert values.index.tolist() == [7, 9] and failed.index.tolist() == [7, 9]


def test_unknown_kind_raises():
    with pytest.raises(ValueError):
        parse_dates(pd.Series(["2021"]), "week")


@pytest.mark.parametrize(
    ("dept", "feed", "column", "kind"),
    [
        ("gongan", "huji", "出生日期", "date"),
        ("minzheng", "binzang", "死亡日期", "date"),
        ("weijian", "manbing", "确诊日期", "date"),
        ("yibao", "jiesuan", "入院日期", "datetime"),
        ("minzheng", "jiuzhu", "享受起始年月", "month"),
        ("yibao", "canbao", "参保年度", "year"),
        ("jiaoyu", "xueji", "出生日期", "date"),
        ("zhujian", "fangwu", "鉴定日期", "date"),
    ],
)
def test_sample_columns_parse_without_failures(sample, dept, feed, column, kind):
    raw = sample(dept, feed)[column]
    values, failed = parse_dates(raw, kind)
    assert not failed.any()
    assert values.notna().sum() > 0


def test_big_datetime_column_in_slash_format_uses_sniffed_format():
    # > 2,000 distinct leftovers triggers one sniffed strptime format for the whole column
    stamps = pd.Timestamp("2020-01-01") + pd.to_timedelta(np.arange(5_000) * 3_607, unit="s")
    raw = pd.Series([f"{t.year}/{t.month}/{t.day} {t.hour}:{t.minute:02d}:{t.second:02d}" for t in stamps])
    values, failed = parse_dates(raw, "datetime")
    assert not failed.any()
    assert (values == pd.Series(stamps)).all()


def test_100k_rows_mixed_formats_match_expectations():
    rng = np.random.default_rng(11)
    n = 100_000
    days = pd.Timestamp("1930-01-01") + pd.to_timedelta(rng.integers(0, 33_000, n), unit="D")
    shape = rng.integers(0, 6, n)
    raw = []
    for d, k in zip(days, shape.tolist(), strict=True):
        if k == 0:
            raw.append(d.strftime("%Y%m%d"))
        elif k == 1:
            raw.append(d.strftime("%Y-%m-%d"))
        elif k == 2:
            raw.append(f"{d.year}/{d.month}/{d.day}")
        elif k == 3:
            raw.append(f"{d.year}年{d.month}月{d.day}日")
        elif k == 4:
            raw.append(str((d - pd.Timestamp("1899-12-30")).days))
        else:
            raw.append("")
    values, failed = parse_dates(pd.Series(raw, dtype=object))
    expected = pd.Series(days).where(shape != 5)
    assert not failed.any()
    pd.testing.assert_series_equal(values, expected, check_names=False)

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from shouwang.staging.standardize import parse_bools, parse_numbers, parse_sex


def num(value: object, integer: bool = False) -> tuple[object, bool]:
    values, failed = parse_numbers(pd.Series([value], dtype=object), integer=integer)
    return values.iloc[0], bool(failed.iloc[0])


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("960", 960.0),
        (" 960 ", 960.0),
        ("960.00", 960.0),
        ("960元", 960.0),
        ("1,200", 1200.0),
        ("1，200", 1200.0),
        ("１２００", 1200.0),
        ("1.2万", 12000.0),
        ("1.2万元", 12000.0),
        ("￥300", 300.0),
        ("-5", -5.0),
        ("1407.72", 1407.72),
        ("4.6", 4.6),
        ("1E+3", 1000.0),
    ],
)
def test_numbers(raw, expected):
    assert num(raw) == (expected, False)


@pytest.mark.parametrize("raw", ["-", "—", "--", "无", "", "  ", None, float("nan")])
def test_placeholders_are_missing_not_failed(raw):
    value, failed = num(raw)
    assert pd.isna(value) and not failed


@pytest.mark.parametrize("raw", ["abc", "12abc", "inf", "1.2.3"])
def test_garbage_fails(raw):
    value, failed = num(raw)
    assert pd.isna(value) and failed


def test_integer_mode_returns_int64():
    values, failed = parse_numbers(pd.Series(["3", "3.0", "1,200", None], dtype=object), integer=True)
    assert str(values.dtype) == "Int64"
    assert values.tolist()[:3] == [3, 3, 1200] and values.isna().tolist() == [False, False, False, True]
    assert not failed.any()


def test_integer_mode_fails_on_fraction():
    assert num("2.5", integer=True)[1] is True
    assert num("2.5")[1] is False


def test_float_dtype_and_index():
    values, failed = parse_numbers(pd.Series(["1", "x"], index=[3, 4], dtype=object))
    assert values.dtype == np.float64 and failed.dtype == bool
    assert values.index.tolist() == [3, 4]


def test_sample_amounts(sample):
    values, failed = parse_numbers(sample("yibao", "jiesuan")["个人自付"])
    assert not failed.any() and values.notna().all()
    counts, failed = parse_numbers(sample("minzheng", "jiuzhu")["保障人数"], integer=True)
    assert not failed.any() and str(counts.dtype) == "Int64"


def test_100k_numbers():
    rng = np.random.default_rng(5)
    cents = rng.integers(0, 10_000_000, 100_000)
    raw = [
        f"{c // 100:,}.{c % 100:02d}元" if i % 2 else f"{c // 100}.{c % 100:02d}" for i, c in enumerate(cents)
    ]
    values, failed = parse_numbers(pd.Series(raw, dtype=object))
    assert not failed.any()
    np.testing.assert_allclose(values.to_numpy(), cents / 100)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("是", True), ("否", False), ("Y", True), ("n", False), ("1", True), ("0", False), ("true", True),
     ("FALSE", False), (" 是 ", True)],
)  # fmt: skip
def test_bools(raw, expected):
    values, failed = parse_bools(pd.Series([raw], dtype=object))
    assert values.tolist() == [expected] and not failed.iloc[0]


def test_bools_missing_and_failed():
    values, failed = parse_bools(pd.Series(["", None, "也许"], dtype=object))
    assert str(values.dtype) == "boolean"
    assert values.isna().all()
    assert failed.tolist() == [False, False, True]


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("男", "M"), ("女", "F"), ("M", "M"), ("f", "F"), ("1", "M"), ("2", "F"), (" 男 ", "M")],
)
def test_sex(raw, expected):
    values, failed = parse_sex(pd.Series([raw], dtype=object))
    assert values.iloc[0] == expected and not failed.iloc[0]


@pytest.mark.parametrize("raw", ["未知", "", None])
def test_sex_unknown_is_none_not_failed(raw):
    values, failed = parse_sex(pd.Series([raw], dtype=object))
    assert values.iloc[0] is None and not failed.iloc[0]


def test_sex_garbage_fails():
    values, failed = parse_sex(pd.Series(["x"], dtype=object))
    assert values.iloc[0] is None and failed.iloc[0]


def test_sex_sample(sample):
    values, failed = parse_sex(sample("dashuju", "renkou")["性别"])
    assert not failed.any() and set(values.dropna()) == {"M", "F"}

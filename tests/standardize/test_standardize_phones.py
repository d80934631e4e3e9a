from __future__ import annotations

import numpy as np
import pandas as pd
import pyarrow as pa
import pytest

from shouwang.staging.standardize import standardize_phones


def phone(value: object) -> tuple[object, bool]:
    values, failed = standardize_phones(pd.Series([value], dtype=object))
    result = values.iloc[0], bool(failed.iloc[0])
    # Delivered text comes from the readers in Arrow: that path must give the same answer.
    arrow = pd.Series(pd.arrays.ArrowExtensionArray(pa.array([value], type=pa.string())))
    a_values, a_failed = standardize_phones(arrow)
    a_value = a_values.iloc[0]
    assert (None if pd.isna(a_value) else a_value, bool(a_failed.iloc[0])) == result
    return result


@pytest.mark.parametrize(
    "raw",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "008613812345678",
        "8613812345678",
        "１３８１２３４５６７８",
        "13８１２３４５６７８",  # full-width after two ASCII digits: still folded to ASCII
        "13812345678.0",  # Excel numeric cell
        "1.3812345678E+10",  # Excel scientific with every digit kept
        "013812345678",  # trunk 0 before the mobile
    ],
)
def test_mobiles(raw):
    assert phone(raw) == ("13812345678", False)


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("0377-12345678", "037712345678"), ("(0377)62345678", "037762345678"), ("010-62345678", "01062345678")],
)
def test_landlines_with_area_code(raw, expected):
    assert phone(raw) == (expected, False)


@pytest.mark.parametrize(
    "raw", ["62345678", "12345678901", "138123456789", "1381234567", "1.38123E+10", "abc", "138xxxx5678"]
)
def test_unusable_numbers_fail(raw):
    assert phone(raw) == (None, True)


@pytest.mark.parametrize("raw", [None, "", "  ", "-", "无"])
def test_empty_is_not_failed(raw):
    assert phone(raw) == (None, False)


def test_sample_phones(sample):
    values, failed = standardize_phones(sample("jiaoyu", "xueji")["监护人电话"])
    assert not failed.any() and values.dropna().str.fullmatch(r"1[3-9]\d{9}").all()


def test_100k_phones():
    rng = np.random.default_rng(9)
    numbers = [
        f"1{p}{n:09d}"
        for p, n in zip(rng.integers(3, 10, 100_000), rng.integers(0, 10**9, 100_000), strict=True)
    ]
    raw = [f"+86 {x[:3]}-{x[3:7]}-{x[7:]}" if i % 3 == 0 else x for i, x in enumerate(numbers)]
    values, failed = standardize_phones(pd.Series(raw, dtype=object))
    assert values.tolist() == numbers and not failed.any()

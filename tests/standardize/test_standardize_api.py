from __future__ import annotations

import logging

import pandas as pd
import pytest

import shouwang.staging.standardize as std
from shouwang.staging.standardize import (
    DATE_KINDS,
    default_gazetteer,
    name_pinyin,
    parse_bools,
    parse_dates,
    parse_numbers,
    parse_sex,
    split_first,
    standardize_ids,
    standardize_names,
    standardize_phones,
)


def test_public_api_is_exported():
    for name in std.__all__:
        assert hasattr(std, name)


def _all_functions(s: pd.Series) -> list[object]:
    g = default_gazetteer()
    out: list[object] = [
        standardize_ids(s),
        standardize_names(s),
        name_pinyin(s),
        parse_numbers(s),
        parse_numbers(s, integer=True),
        parse_bools(s),
        parse_sex(s),
        standardize_phones(s),
        split_first(s),
        g.townships(s),
        g.villages(s, s),
        g.parse_addresses(s),
    ]
    out += [parse_dates(s, kind) for kind in DATE_KINDS]
    return out


@pytest.mark.parametrize(
    "series",
    [
        pd.Series([], dtype=object),
        pd.Series([None, None], dtype=object),
        pd.Series(["", "  "], dtype=object),
        pd.Series(["a", pd.NA], dtype="string"),
    ],
    ids=["empty", "all-none", "all-blank", "string-dtype"],
)
def test_every_function_accepts_degenerate_input(series):
    for result in _all_functions(series):
        parts = result if isinstance(result, tuple) else (result,)
        for part in parts:
            assert len(part) == len(series)
            assert part.index.equals(series.index)


def test_library_code_prints_and_logs_nothing(capsys, caplog):
    caplog.set_level(logging.DEBUG)
    raw = pd.Series(["41132819900101123X", "张三（已故）", "13812345678", "bad", None], dtype=object)
    _all_functions(raw)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""
    assert not [r for r in caplog.records if r.name.startswith("shouwang")]

"""Throughput of the standardisers on synthetic columns (not collected by pytest).

    .venv/bin/python benchmarks/standardize_benchmark.py [rows]

Prints values per second only; generated IDs, names and phones are never printed.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable

import numpy as np
import pandas as pd

from shouwang.staging.standardize import (
    check_digit,
    default_gazetteer,
    name_pinyin,
    parse_dates,
    parse_numbers,
    standardize_ids,
    standardize_names,
    standardize_phones,
)

SURNAMES = list(
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = list("伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂玉华建国红梅志春海燕云亮斌鑫宇浩然子涵轩")


def ids(n: int, rng: np.random.Generator) -> pd.Series:
    """Mostly distinct valid IDs, with the contract's noise mixed in (~10%)."""
    births = (np.datetime64("1930-01-01") + rng.integers(0, 33_000, n)).astype(str)
    areas = rng.choice(["411328", "412927"], n)
    seq = rng.integers(0, 1000, n)
    noise = rng.integers(0, 100, n)
    out = []
    for area, birth, q, k in zip(areas.tolist(), births.tolist(), seq.tolist(), noise.tolist(), strict=True):
        first17 = f"{area}{birth.replace('-', '')}{q:03d}"
        value = first17 + check_digit(first17)
        if k < 2:
            value = value[:6] + value[8:17]  # 15-digit
        elif k < 4:
            value = value[:17] + ("0" if value[17] != "0" else "1")  # typo
        elif k < 6:
            value = f"'{value}"
        elif k < 8:
            value = value[:6] + " " + value[6:]
        elif k < 9:
            value = "4.11328E+17"
        elif k < 10:
            value = ""
        out.append(value)
    return pd.Series(out, dtype=object)


def names(n: int, rng: np.random.Generator) -> pd.Series:
    base = np.char.add(
        np.char.add(rng.choice(SURNAMES, n), rng.choice(GIVEN, n)), rng.choice(GIVEN + [""], n)
    )
    noise = rng.integers(0, 20, n)
    out = [
        f"{b}（已故）" if k == 0 else f"{b} " if k == 1 else b[0] + "\u3000" + b[1:] if k == 2 else b
        for b, k in zip(base.tolist(), noise.tolist(), strict=True)
    ]
    return pd.Series(out, dtype=object)


def dates(n: int, rng: np.random.Generator) -> pd.Series:
    """Mixed formats in one column: YYYYMMDD, YYYY-MM-DD, YYYY/M/D, 年月日, Excel serial."""
    days = pd.Timestamp("1930-01-01") + pd.to_timedelta(rng.integers(0, 33_000, n), unit="D")
    shape = rng.integers(0, 5, n)
    ymd = days.strftime("%Y%m%d")
    iso = days.strftime("%Y-%m-%d")
    out = []
    for d, a, b, k in zip(days, ymd, iso, shape.tolist(), strict=True):
        if k == 0:
            out.append(a)
        elif k == 1:
            out.append(b)
        elif k == 2:
            out.append(f"{d.year}/{d.month}/{d.day}")
        elif k == 3:
            out.append(f"{d.year}年{d.month}月{d.day}日")
        else:
            out.append(str((d - pd.Timestamp("1899-12-30")).days))
    return pd.Series(out, dtype=object)


def datetimes(n: int, rng: np.random.Generator) -> pd.Series:
    stamps = np.datetime64("2015-01-01T00:00:00") + rng.integers(0, 200_000_000, n).astype("timedelta64[s]")
    return pd.Series(np.char.replace(stamps.astype(str), "T", " "), dtype=object)


def phones(n: int, rng: np.random.Generator) -> pd.Series:
    nums = [f"1{p}{q:09d}" for p, q in zip(rng.integers(3, 10, n), rng.integers(0, 10**9, n), strict=True)]
    return pd.Series(nums, dtype=object)


def addresses(n: int, rng: np.random.Generator) -> pd.Series:
    g = default_gazetteer()
    v = g.villages_df.merge(g.townships_df, on="township_code")
    pick = v.iloc[rng.integers(0, len(v), n)]
    groups = rng.integers(1, 15, n)
    return pd.Series(
        [
            f"河南省唐河县{t}{name}{k}组"
            for t, name, k in zip(pick["township"], pick["village"], groups.tolist(), strict=True)
        ],
        dtype=object,
    )


def amounts(n: int, rng: np.random.Generator) -> pd.Series:
    return pd.Series(np.round(rng.random(n) * 10_000, 2).astype(str), dtype=object)


def run(label: str, make: Callable[[int, np.random.Generator], pd.Series], fn: Callable, n: int) -> None:
    raw = make(n, np.random.default_rng(0))
    distinct = raw.nunique()
    fn(raw.iloc[:1000])  # warm-up: lazy dictionaries (OpenCC, pypinyin, gazetteer)
    best = min(_timed(fn, raw) for _ in range(3))
    print(f"{label:<26} {n:>9,} rows {distinct:>9,} distinct {best:6.2f} s {n / best:>12,.0f} values/s")


def _timed(fn: Callable, raw: pd.Series) -> float:
    start = time.perf_counter()
    fn(raw)
    return time.perf_counter() - start


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1_000_000
    run("standardize_ids", ids, standardize_ids, n)
    run("standardize_names", names, standardize_names, n)
    run("name_pinyin", names, lambda s: name_pinyin(standardize_names(s)["name"]), n)
    run("parse_dates (mixed date)", dates, parse_dates, n)
    run("parse_dates (datetime)", datetimes, lambda s: parse_dates(s, "datetime"), n)
    run("parse_numbers", amounts, parse_numbers, n)
    run("standardize_phones", phones, standardize_phones, n)
    run("parse_addresses", addresses, default_gazetteer().parse_addresses, n)


if __name__ == "__main__":
    main()

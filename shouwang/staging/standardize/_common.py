"""Shared helpers: per-unique evaluation, width folding and calendar arithmetic.

Every public standardiser works the same way: factorise the input once, do the (often
per-string) work only on the distinct values, then broadcast the results back with a single
``take``. Feeds repeat values heavily (dates, townships, amounts), so this is where the speed
comes from; the calendar helpers keep date validation in numpy instead of Python.
"""

from __future__ import annotations

import datetime
import functools
from importlib import resources

import numpy as np
import pandas as pd

# Full-width ASCII (U+FF01..U+FF5E) -> half-width, ideographic space -> ASCII space.
FULLWIDTH: dict[int, int] = {cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)}
FULLWIDTH[0x3000] = 0x20

# Everything that shows up as "blank" in the deliveries (Excel, Word copy-paste, BOMs).
WHITESPACE = (
    " \t\n\r\x0b\x0c\x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009"
    "\u200a\u200b\u200c\u200d\u2028\u2029\u202f\u205f\u2060\u3000\ufeff"
)
DELETE_WHITESPACE: dict[int, None] = {ord(c): None for c in WHITESPACE}

# Placeholders departments type for "no value"; compared after width folding, lower-cased.
NULL_TOKENS = frozenset(
    {"-", "--", "---", "—", "——", "–", "/", "\\", "无", "空", "null", "none", "nan", "nat", "n/a", "#n/a"}
)


def factorize(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes (-1 = missing) and distinct values as an object array of ``str``.

    This is the unit of work for every module: per-string work is done once per distinct value.
    """
    if isinstance(raw.dtype, pd.ArrowDtype):  # delivered text straight from the reader
        codes, uniques = _factorize_arrow(raw)
    else:
        values = raw.to_numpy(dtype=object, na_value=None)
        codes, uniques = pd.factorize(values, use_na_sentinel=True)
        uniques = np.asarray(uniques, dtype=object)
    if len(uniques) and pd.api.types.infer_dtype(uniques, skipna=True) != "string":
        uniques = object_array([u if isinstance(u, str) else str(u) for u in uniques])
    return codes, uniques


def arrow_text(raw: pd.Series):
    """The Arrow array under a Series of Arrow-backed text (one chunk)."""
    import pyarrow as pa

    arrow = pa.array(raw.array)
    return arrow.combine_chunks() if isinstance(arrow, pa.ChunkedArray) else arrow


def take_rows(per_unique, codes: np.ndarray):
    """Rows of an Arrow array of per-unique values by factorize codes (-1 -> null), in C++."""
    import pyarrow as pa

    return per_unique.take(pa.array(codes, mask=codes < 0))


def _factorize_arrow(raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Arrow's dictionary encoding (C++): Python strings are made for the distinct values only."""
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arrow_text(raw))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    return codes, np.asarray(encoded.dictionary.to_numpy(zero_copy_only=False), dtype=object)


def expand(codes: np.ndarray, per_unique: np.ndarray, fill: object) -> np.ndarray:
    """Broadcast per-unique results back to rows; code -1 (missing input) gets ``fill``."""
    values = np.empty(len(per_unique) + 1, dtype=per_unique.dtype)
    values[:-1] = per_unique
    values[-1] = fill
    return values[codes]


def expand_text(raw: pd.Series, codes: np.ndarray, per_unique: np.ndarray):
    """`expand` of per-unique text (str or None; missing input -> None), in Arrow when the input
    text was Arrow: the rows are taken in C++ and staged without a Python object per row."""
    if not isinstance(raw.dtype, pd.ArrowDtype):
        return expand(codes, per_unique, None)
    import pyarrow as pa

    return pd.arrays.ArrowExtensionArray(take_rows(pa.array(per_unique, type=pa.string()), codes))


def object_array(values: list[object] | np.ndarray) -> np.ndarray:
    """1-d object array that never gets broadcast into 2-d (lists of strings stay strings)."""
    out = np.empty(len(values), dtype=object)
    out[:] = values
    return out


@functools.cache
def t2s_table() -> dict[int, str]:
    """Traditional -> simplified single characters, via OpenCC('t2s') on each TSCharacters key.

    Character level only: OpenCC's phrase table would rewrite real names (沈默 -> 沉默).
    """
    from opencc import OpenCC

    converter = OpenCC("t2s")
    text = (resources.files("opencc") / "dictionary" / "TSCharacters.txt").read_text(encoding="utf-8")
    table: dict[int, str] = {}
    for line in text.splitlines():
        key = line.split("\t", 1)[0]
        if len(key) == 1:
            simplified = converter.convert(key)
            if simplified != key and len(simplified) == 1:
                table[ord(key)] = simplified
    return table


_DAYS_IN_MONTH = np.array([31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)


def is_leap(year: np.ndarray) -> np.ndarray:
    return (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))


def valid_ymd(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """True where (year, month, day) is a real calendar date (Gregorian, leap years included)."""
    month_ok = (month >= 1) & (month <= 12)
    dim = _DAYS_IN_MONTH[np.clip(month, 1, 12) - 1] + ((month == 2) & is_leap(year))
    return month_ok & (day >= 1) & (day <= dim)


def ymd_to_datetime64(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """datetime64[ns] from integer components; caller must have validated them (else NaT)."""
    ok = valid_ymd(year, month, day) & (year >= 1678) & (year <= 2261)
    months = np.where(ok, (year - 1970) * 12 + (month - 1), 0).astype("datetime64[M]")
    days = months.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")
    out = days.astype("datetime64[ns]")
    out[~ok] = np.datetime64("NaT")
    return out


def today() -> np.datetime64:
    """Local calendar date (numpy's "today" is UTC, 8 hours behind the county's day)."""
    return np.datetime64(datetime.date.today(), "D").astype("datetime64[ns]")

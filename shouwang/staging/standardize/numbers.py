"""Amounts, counts, yes/no flags and sex codes as typed values plus a failure mask.

Amount columns are free text in half the feeds ("1,200", "960元", "1.2万", full-width digits,
Excel floats). pandas' C number parser takes the clean distinct values; only the leftovers go
through a regex. Placeholders ("-", "无") mean "no value" and are not failures.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ._common import DELETE_WHITESPACE, FULLWIDTH, NULL_TOKENS, expand, factorize, object_array

__all__ = ["parse_bools", "parse_numbers", "parse_sex"]

_TABLE: dict[int, int | None] = dict(FULLWIDTH)
_TABLE.update(DELETE_WHITESPACE)
_TABLE.update({ord(","): None, ord("，"): None, ord("＇"): None, ord("'"): None})

_UNITS = {"": 1, "千": 1_000, "万": 10_000, "亿": 100_000_000}
_NUMBER = re.compile(
    r"(?:¥|￥|RMB|人民币)?([+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(千|万|亿)?"
    r"(?:元|圆|块|元整|人|户|个|岁|亩|平方米|㎡|%|‰)?(?:/(?:月|年|人|户|人月))?"
)


def _is_null(v: str) -> bool:
    return not v or v.lower() in NULL_TOKENS


def parse_numbers(raw: pd.Series, integer: bool = False) -> tuple[pd.Series, pd.Series]:
    """Numbers from free text; returns (float64 or Int64 values, failed_mask).

    With integer=True a non-integral value ("2.5" persons) fails rather than being rounded.
    """
    codes, uniques = factorize(raw)
    n = len(uniques)
    empty = np.zeros(n, dtype=bool)
    norm = object_array([u.translate(_TABLE) for u in uniques.tolist()])
    value = pd.to_numeric(pd.Series(norm, dtype=object), errors="coerce").to_numpy(dtype=np.float64)
    for i in np.flatnonzero(np.isnan(value)).tolist():
        v = uniques[i].strip()
        if _is_null(v if v.isascii() else v.translate(FULLWIDTH).strip()):
            empty[i] = True
            continue
        m = _NUMBER.fullmatch(norm[i])
        if m:
            try:
                value[i] = float(Decimal(m.group(1)) * _UNITS[m.group(2) or ""])
            except InvalidOperation:
                pass
    value[~np.isfinite(value)] = np.nan
    if integer:
        non_integral = np.isfinite(value) & ((value != np.round(value)) | (np.abs(value) > 2**53))
        value[non_integral] = np.nan
    failed_u = np.isnan(value) & ~empty
    failed = pd.Series(expand(codes, failed_u, False), index=raw.index, name=raw.name)
    rows = expand(codes, value, np.nan)
    if integer:
        missing = np.isnan(rows)
        ints = np.where(missing, 0, rows).astype(np.int64)
        return pd.Series(pd.arrays.IntegerArray(ints, missing), index=raw.index, name=raw.name), failed
    return pd.Series(rows, index=raw.index, name=raw.name), failed


def _lookup(raw: pd.Series, mapping: dict[str, object], missing: frozenset[str]) -> tuple[np.ndarray, ...]:
    """Per-distinct-value dictionary lookup after width folding, trimming and lower-casing."""
    codes, uniques = factorize(raw)
    keys = [u.translate(_TABLE).lower() for u in uniques.tolist()]
    found = object_array([mapping.get(k) for k in keys])
    empty = np.array([not k or k in missing for k in keys], dtype=bool)
    failed = np.array([k not in mapping for k in keys], dtype=bool) & ~empty
    return codes, found, failed


_BOOLS: dict[str, object] = {
    "是": True, "否": False, "y": True, "n": False, "yes": True, "no": False, "1": True, "0": False,
    "1.0": True, "0.0": False, "true": True, "false": False, "t": True, "f": False, "√": True,
    "×": False, "有": True, "无": False, "没有": False, "对": True, "错": False,
}  # fmt: skip


def parse_bools(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """是/否, Y/N, 1/0, true/false -> pandas "boolean" dtype; returns (values, failed_mask)."""
    codes, found, failed = _lookup(raw, _BOOLS, NULL_TOKENS - {"无"})
    data = expand(codes, np.array([v is True for v in found], dtype=bool), False)
    mask = expand(codes, np.array([v is None for v in found], dtype=bool), True)
    values = pd.Series(pd.arrays.BooleanArray(data, mask), index=raw.index, name=raw.name)
    return values, pd.Series(expand(codes, failed, False), index=raw.index, name=raw.name)


_SEX: dict[str, object] = {
    "男": "M", "女": "F", "m": "M", "f": "F", "男性": "M", "女性": "F", "male": "M", "female": "F",
    "1": "M", "2": "F", "1.0": "M", "2.0": "F",
    # GB/T 2261.1: 0 = unknown, 9 = not stated; a known "unknown" is not a failure.
    "未知": None, "不详": None, "未说明": None, "0": None, "9": None, "0.0": None, "9.0": None,
}  # fmt: skip


def parse_sex(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """男/女, M/F, 1/2 (GB/T 2261.1) -> 'M'/'F'/None; 未知 is None but not failed."""
    codes, found, failed = _lookup(raw, _SEX, NULL_TOKENS)
    values = pd.Series(expand(codes, found, None), index=raw.index, name=raw.name)
    return values, pd.Series(expand(codes, failed, False), index=raw.index, name=raw.name)

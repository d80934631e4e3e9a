"""Phone numbers as bare digits: 11-digit mobiles, landlines with their area code.

Phones are a secondary linkage signal (a guardian's mobile shared across feeds), so only
numbers that can be dialled as written are kept; everything else is None and flagged.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

import numpy as np
import pandas as pd

from ._common import (
    DELETE_WHITESPACE,
    FULLWIDTH,
    NULL_TOKENS,
    arrow_text,
    expand,
    factorize,
    object_array,
)

__all__ = ["standardize_phones"]

_TABLE: dict[int, int | None] = dict(FULLWIDTH)
_TABLE.update(DELETE_WHITESPACE)
_TABLE.update({ord(c): None for c in "-—–‐‑－()（）'\""})

_MOBILE = re.compile(r"1[3-9]\d{9}", re.ASCII)
_CLEAN_MOBILE = "^1[3-9][0-9]{9}$"  # the same, anchored, for Arrow's RE2 kernel
# Area code (0 + 2-3 digits, e.g. 0377) followed by a 7-8 digit local number.
_LANDLINE = re.compile(r"0\d{2,3}[1-9]\d{6,7}", re.ASCII)
# Country code before a mobile (+86 / 0086 / 86) or a trunk 0 before a mobile (013812345678);
# +86 / 0086 before an area code without its leading 0 (+86 377 12345678).
_MOBILE_PREFIX = re.compile(r"(?:\+86|0086|86|0)(1[3-9]\d{9})", re.ASCII)
_LANDLINE_PREFIX = re.compile(r"(?:\+86|0086)([1-9]\d{1,2}[1-9]\d{6,7})", re.ASCII)
_EXCEL_FLOAT = re.compile(r"(\d+)\.0*", re.ASCII)
_SCIENTIFIC = re.compile(r"(\d)\.(\d+)E\+?(\d+)", re.ASCII | re.IGNORECASE)


def _one(raw: str) -> tuple[str | None, bool]:
    """(digits or None, failed) for one distinct value."""
    v = raw.translate(_TABLE)
    if not v or v.lower() in NULL_TOKENS:
        return None, False
    m = _EXCEL_FLOAT.fullmatch(v)
    if m:  # a phone cell stored as an Excel number: 13812345678.0
        v = m.group(1)
    else:
        m = _SCIENTIFIC.fullmatch(v)
        # 1.3812345678E+10 is exact only when every digit survived in the mantissa.
        if m and len(m.group(2)) == int(m.group(3)):
            try:
                v = str(int(Decimal(v)))
            except InvalidOperation:
                return None, True
    m = _MOBILE_PREFIX.fullmatch(v)
    if m:
        v = m.group(1)
    else:
        m = _LANDLINE_PREFIX.fullmatch(v)
        if m:
            v = "0" + m.group(1)
    if _MOBILE.fullmatch(v) or _LANDLINE.fullmatch(v):
        return v, False
    return None, True


def standardize_phones(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Normalise phone numbers; returns (digits or None, failed_mask). Empty -> None, not failed.

    Delivered text in Arrow (the readers' output) gives values in Arrow: the mobiles that are
    already clean, most of them and nearly all distinct, are recognised and kept by Arrow's regex
    kernel without a Python string each; only the rest goes through the per-value rules.
    """
    if isinstance(raw.dtype, pd.ArrowDtype):
        return _standardize_arrow(raw)
    codes, uniques = factorize(raw)
    clean = _clean_mobiles(uniques)
    values = uniques.copy()
    failed = np.zeros(len(uniques), dtype=bool)
    rest = np.flatnonzero(~clean)
    if len(rest):
        pairs = [_one(u) for u in uniques[rest].tolist()]
        values[rest] = object_array([p[0] for p in pairs])
        failed[rest] = [p[1] for p in pairs]
    return (
        pd.Series(expand(codes, values, None), index=raw.index, name=raw.name),
        pd.Series(expand(codes, failed, False), index=raw.index, name=raw.name),
    )


def _clean_mobiles(uniques: np.ndarray) -> np.ndarray:
    """Distinct values that already are an 11-digit mobile in ASCII digits."""
    if not len(uniques):
        return np.zeros(0, dtype=bool)
    import pyarrow as pa

    return _arrow_mobiles(pa.array(uniques, type=pa.string()))


def _arrow_mobiles(values) -> np.ndarray:
    import pyarrow.compute as pc

    matched = pc.match_substring_regex(values, _CLEAN_MOBILE)
    return pc.fill_null(matched, False).to_numpy(zero_copy_only=False)


def _standardize_arrow(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    import pyarrow as pa
    import pyarrow.compute as pc

    arrow = arrow_text(raw)
    rest = np.flatnonzero(~_arrow_mobiles(arrow) & ~arrow.is_null().to_numpy(zero_copy_only=False))
    failed = np.zeros(len(arrow), dtype=bool)
    values = arrow
    if len(rest):
        subset = pd.Series(arrow.take(pa.array(rest)).to_numpy(zero_copy_only=False), dtype=object)
        sub_values, sub_failed = standardize_phones(subset)
        mask = np.zeros(len(arrow), dtype=bool)
        mask[rest] = True
        replacement = pa.array(sub_values.to_numpy(), type=pa.string(), from_pandas=True)
        values = pc.replace_with_mask(arrow, pa.array(mask), replacement)
        failed[rest] = sub_failed.to_numpy(dtype=bool)
    return (
        pd.Series(pd.arrays.ArrowExtensionArray(values), index=raw.index, name=raw.name, copy=False),
        pd.Series(failed, index=raw.index, name=raw.name),
    )

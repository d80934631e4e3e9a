"""Dates in every shape the departments send them, parsed without per-row dateutil.

Each distinct string is classified once by a small set of anchored regexes (YYYY-MM-DD and
its / . 年月日 variants, YYYYMMDD, YYYY-MM, YYYY, Excel serials); the captured components
are then validated and assembled in numpy. Impossible dates (2021-02-30) fail instead of
rolling over, so the failure mask can drive the quality checks.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._common import FULLWIDTH, NULL_TOKENS, expand, factorize, valid_ymd, ymd_to_datetime64

__all__ = ["DATE_KINDS", "parse_dates"]

DATE_KINDS = ("date", "datetime", "month", "year")

MIN_YEAR, MAX_YEAR = 1900, 2100
# Excel 1900 date system: serial 1 = 1900-01-01, serial 60 = the non-existent 1900-02-29.
_EXCEL_EPOCH = np.datetime64("1899-12-30", "ns")
_MAX_SERIAL = 80_000

_TIME = r"(?:\s*[ T]\s*(\d{1,2})\s*[:时]\s*(\d{1,2})(?:\s*[:分]\s*(\d{1,2})(?:\.(\d{1,9}))?\s*秒?)?)?"
# Shapes, tried in order; groups are always (year, month, day, hour, minute, second, fraction).
_YMD, _YM, _Y, _SERIAL = range(4)
_SHAPES: list[tuple[re.Pattern[str], int]] = [
    (re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?" + _TIME, re.ASCII), _YMD),
    (re.compile(r"(\d{4})(\d{2})(\d{2})" + _TIME, re.ASCII), _YMD),
    (re.compile(r"(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})()", re.ASCII), _YMD),
    (re.compile(r"(\d{4})(?:\.0*)?\s*年?", re.ASCII), _Y),
    (re.compile(r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*月?", re.ASCII), _YM),
    (re.compile(r"(\d{4})(\d{2})", re.ASCII), _YM),
    (re.compile(r"(\d{1,5}(?:\.\d*)?)", re.ASCII), _SERIAL),
]
_NONE = -1
_FIELDS = 7


def _ints(column: list[str | None]) -> np.ndarray:
    """Digit strings (None -> 0) to int64, in one numpy cast."""
    return np.array([c or "0" for c in column], dtype=np.str_).astype(np.int64)


# Exact, zero-padded shapes that pandas' C parser handles much faster than a regex per value.
_FAST_FORMATS = ((19, "%Y-%m-%d %H:%M:%S"), (10, "%Y-%m-%d"), (8, "%Y%m%d"))
_LOW = np.datetime64(f"{MIN_YEAR}-01-01", "ns")
_HIGH = np.datetime64(f"{MAX_YEAR + 1}-01-01", "ns")


# Only worth sniffing a column-specific format when many distinct values are left over.
_SNIFF_MIN = 2_000
_SNIFF_SAMPLE = 50
_SNIFF = re.compile(
    r"(\d{4})([^\d%]{1,2})\d{1,2}([^\d%]{1,2})\d{1,2}([^\d%:]{0,2})(?:\d{1,2}:\d{1,2}(:\d{1,2})?)?"
)


def _sniff_format(sample: list[str]) -> str | None:
    """strptime format of the most common separator layout in a sample (2021/6/3 8:05:00 ...)."""
    found: dict[str, int] = {}
    for v in sample:
        m = _SNIFF.fullmatch(v)
        if not m:
            continue
        _, sep1, sep2, tail, sec = m.groups()
        has_time = m.end(4) < len(v)
        fmt = f"%Y{sep1}%m{sep2}%d{tail}" + (("%H:%M:%S" if sec else "%H:%M") if has_time else "")
        found[fmt] = found.get(fmt, 0) + 1
    return max(found, key=found.__getitem__) if found else None


def _try_format(
    uniques: np.ndarray, idx: np.ndarray, fmt: str, value: np.ndarray, handled: np.ndarray
) -> None:
    parsed = pd.to_datetime(pd.Series(uniques[idx], dtype=object), format=fmt, errors="coerce")
    got = parsed.to_numpy(dtype="datetime64[ns]")
    good = ~np.isnat(got) & (got >= _LOW) & (got < _HIGH)
    value[idx[good]] = got[good]
    handled[idx[good]] = True


def _fast_path(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Values and handled-mask for distinct values pandas' C parser can take directly.

    Exact zero-padded shapes go first, then (for big leftovers) one format sniffed from a
    sample. Anything pandas rejects (2021-02-30, stray text, odd shapes) is left unhandled and
    goes through the regex path, which decides between parsed and failed.
    """
    n = len(uniques)
    value = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    handled = np.zeros(n, dtype=bool)
    lengths = np.fromiter(map(len, uniques), dtype=np.int64, count=n)
    for length, fmt in _FAST_FORMATS:
        idx = np.flatnonzero(lengths == length)
        if len(idx):
            _try_format(uniques, idx, fmt, value, handled)
    rest = np.flatnonzero(~handled)
    if len(rest) >= _SNIFF_MIN:
        fmt = _sniff_format([uniques[i].strip() for i in rest[:_SNIFF_SAMPLE].tolist()])
        if fmt:
            _try_format(uniques, rest, fmt, value, handled)
    return value, handled


def _classify(
    uniques: np.ndarray, skip: np.ndarray
) -> tuple[np.ndarray, list[list[str | None]], list[int], np.ndarray]:
    """Shape per distinct value plus the component strings of the matched ones."""
    n = len(uniques)
    shape = np.full(n, _NONE, dtype=np.int8)
    empty = np.zeros(n, dtype=bool)
    rows: list[int] = []
    parts: list[list[str | None]] = [[] for _ in range(_FIELDS)]
    for i in np.flatnonzero(~skip).tolist():
        u = uniques[i]
        v = (u if u.isascii() else u.translate(FULLWIDTH)).strip()
        if not v or v.lower() in NULL_TOKENS:
            empty[i] = True
            continue
        for rx, kind in _SHAPES:
            m = rx.fullmatch(v)
            if m:
                shape[i] = kind
                groups = m.groups()
                rows.append(i)
                for k in range(_FIELDS):
                    parts[k].append(groups[k] if k < len(groups) else None)
                break
    return shape, parts, rows, empty


def _assemble(shape: np.ndarray, parts: list[list[str | None]], rows: list[int]) -> tuple[np.ndarray, ...]:
    """datetime64[ns] value, precision (0 day, 1 month, 2 year) for the matched distinct values."""
    n = len(shape)
    value = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
    precision = np.zeros(n, dtype=np.int8)
    if not rows:
        return value, precision
    idx = np.array(rows, dtype=np.int64)
    kind = shape[idx]
    serial_rows = kind == _SERIAL
    # A serial's only group is its number; keep it out of the year column.
    is_serial = serial_rows.tolist()
    serial_text = [p for p, flag in zip(parts[0], is_serial, strict=True) if flag]
    years = [None if flag else p for p, flag in zip(parts[0], is_serial, strict=True)]
    y, mo, d, hh, mi, ss = (_ints(years if k == 0 else parts[k]) for k in range(6))
    frac = np.array([(f or "").ljust(9, "0") for f in parts[6]], dtype=np.str_).astype(np.int64)
    mo = np.where(kind == _Y, 1, mo)
    d = np.where((kind == _Y) | (kind == _YM), 1, d)
    ok = ~serial_rows & valid_ymd(y, mo, d) & (y >= MIN_YEAR) & (y <= MAX_YEAR)
    ok &= (hh < 24) & (mi < 60) & (ss < 60)
    dt = ymd_to_datetime64(np.where(ok, y, 1970), np.where(ok, mo, 1), np.where(ok, d, 1))
    dt = dt + (hh * 3600 + mi * 60 + ss).astype("timedelta64[s]") + frac.astype("timedelta64[ns]")

    if serial_rows.any():
        serial = np.array(serial_text, dtype=np.float64)
        s_ok = (serial >= 1) & (serial < _MAX_SERIAL) & ~((serial >= 60) & (serial < 61))
        whole = np.floor(serial)
        seconds = np.round((serial - whole) * 86_400).astype(np.int64)
        days = np.where(serial < 60, whole + 1, whole).astype(np.int64)  # pre-1900-03-01 offset
        s_dt = (
            _EXCEL_EPOCH + np.where(s_ok, days, 0).astype("timedelta64[D]") + seconds.astype("timedelta64[s]")
        )
        s_ok &= s_dt < _HIGH
        dt[serial_rows] = s_dt
        ok[serial_rows] = s_ok
    dt[~ok] = np.datetime64("NaT")
    value[idx] = dt
    precision[idx] = np.select([kind == _Y, kind == _YM], [2, 1], 0)
    return value, precision


def parse_dates(raw: pd.Series, kind: str = "date") -> tuple[pd.Series, pd.Series]:
    """Parse a date column; returns (values, failed_mask) aligned with ``raw``.

    kind "date" / "datetime" need a day (date drops the time), "month" gives the first of the
    month, "year" gives Int64. failed is True where the input was non-empty but unusable,
    including values too coarse for the kind (a bare year in a date column).
    """
    if kind not in DATE_KINDS:
        raise ValueError(f"kind must be one of {DATE_KINDS}")
    codes, uniques = factorize(raw)
    fast_value, fast = _fast_path(uniques)
    shape, parts, rows, empty = _classify(uniques, fast)
    value, precision = _assemble(shape, parts, rows)
    value[fast] = fast_value[fast]
    needed = {"date": 0, "datetime": 0, "month": 1, "year": 2}[kind]
    value[precision > needed] = np.datetime64("NaT")
    if kind == "date":
        value = value.astype("datetime64[D]").astype("datetime64[ns]")
    elif kind == "month":
        value = value.astype("datetime64[M]").astype("datetime64[ns]")
    failed_u = np.isnat(value) & ~empty
    failed = pd.Series(expand(codes, failed_u, False), index=raw.index, name=raw.name)
    rows_value = expand(codes, value, np.datetime64("NaT"))
    if kind == "year":
        missing = np.isnat(rows_value)
        years = np.where(missing, 0, rows_value.astype("datetime64[Y]").astype(np.int64) + 1970)
        return pd.Series(pd.arrays.IntegerArray(years, missing), index=raw.index, name=raw.name), failed
    return pd.Series(rows_value, index=raw.index, name=raw.name), failed

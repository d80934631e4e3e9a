"""Resident ID numbers (GB 11643-1999): normalise, classify and decode sex and birth date.

The ID number is the main linkage key across the 40 feeds, so the status column matters as
much as the value: ``bad_checksum`` values are kept (a one-digit typo is still a strong
near-miss for linkage), while Excel-mangled numbers are dropped because their last digits are
gone. The area code is deliberately not checked: people registered before 1994 carry 412927
(old Nanyang Prefecture) and migrants carry any code.
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from ._common import (
    DELETE_WHITESPACE,
    NULL_TOKENS,
    arrow_text,
    expand,
    factorize,
    object_array,
    take_rows,
    today,
    valid_ymd,
)

__all__ = ["ID_STATUSES", "check_digit", "is_valid_id", "standardize_ids"]

ID_STATUSES = ("valid", "converted_15", "bad_checksum", "malformed", "excel_mangled", "missing")

_WEIGHTS = np.array([7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2], dtype=np.int64)
_CHECK_CHARS = "10X98765432"
_CHECK_BYTES = np.frombuffer(_CHECK_CHARS.encode("ascii"), dtype=np.uint8)
_MIN_BIRTH = np.datetime64("1900-01-01", "ns")

# Full-width digits and X/x -> ASCII, lowercase x -> X, all whitespace removed.
_TABLE: dict[int, int | None] = {0xFF10 + i: 0x30 + i for i in range(10)}
_TABLE.update({0xFF38: ord("X"), 0xFF58: ord("X"), ord("x"): ord("X")})
_TABLE.update(DELETE_WHITESPACE)
_QUOTES = "'\"`‘’“”´′"

_RE_18 = re.compile(r"\d{17}[\dX]", re.ASCII)
_RE_15 = re.compile(r"\d{15}", re.ASCII)
# What a reader makes of an ID stored as an Excel number: 4.11328E+17, 4.11328199001011e+17,
# 411328199001011000.0 (the last digits are lost in every case).
_RE_EXCEL = re.compile(r"\d+(?:\.\d*)?E\+?\d+|\d{15,}\.\d*", re.ASCII | re.IGNORECASE)


def _normalise(value: str) -> str:
    return value.translate(_TABLE).strip(_QUOTES)


def check_digit(first17: str) -> str:
    """GB 11643-1999 check character for the first 17 digits (weights mod 11 -> "10X98765432")."""
    if len(first17) != 17 or not first17.isascii() or not first17.isdigit():
        raise ValueError("check_digit needs exactly 17 ASCII digits")
    total = sum(int(c) * int(w) for c, w in zip(first17, _WEIGHTS, strict=True))
    return _CHECK_CHARS[total % 11]


def is_valid_id(s: str) -> bool:
    """True for an 18-character ID (after the same normalisation) with a correct check digit
    and a real birth date between 1900-01-01 and today."""
    if not isinstance(s, str):
        return False
    v = _normalise(s)
    if not _RE_18.fullmatch(v) or check_digit(v[:17]) != v[17]:
        return False
    y, m, d = (np.array([int(x)]) for x in (v[6:10], v[10:12], v[12:14]))
    if not valid_ymd(y, m, d)[0]:
        return False
    born = np.datetime64(f"{v[6:10]}-{v[10:12]}-{v[12:14]}", "ns")
    return bool(_MIN_BIRTH <= born <= today())


def _bytes(values: np.ndarray | list[str], width: int) -> np.ndarray:
    """(n, width) uint8 matrix of equal-length strings without a Python loop (non-ASCII -> '?')."""
    if len(values) == 0:
        return np.zeros((0, width), dtype=np.uint8)
    return np.frombuffer("".join(values).encode("ascii", "replace"), dtype=np.uint8).reshape(-1, width)


def _is_id18(chars: np.ndarray) -> np.ndarray:
    digit = (chars >= 48) & (chars <= 57)
    return digit[:, :17].all(axis=1) & (digit[:, 17] | (chars[:, 17] == ord("X")))


def _checks(first17: np.ndarray) -> np.ndarray:
    """Expected check bytes for an (n, 17) byte matrix of ASCII digits."""
    total = np.zeros(len(first17), dtype=np.int32)
    for k, w in enumerate(_WEIGHTS.tolist()):  # 17 column passes beat an int64 matmul copy
        total += first17[:, k].astype(np.int32) * w
    return _CHECK_BYTES[(total - 48 * int(_WEIGHTS.sum())) % 11]


def _decode(chars: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Birth date (datetime64[ns], NaT if unusable) and its usable mask for (n, 18) bytes."""
    d = chars[:, 6:14].astype(np.int64) - 48
    year = d[:, 0] * 1000 + d[:, 1] * 100 + d[:, 2] * 10 + d[:, 3]
    month = d[:, 4] * 10 + d[:, 5]
    day = d[:, 6] * 10 + d[:, 7]
    ok = valid_ymd(year, month, day) & (year >= 1900)
    months = np.where(ok, (year - 1970) * 12 + month - 1, 0).astype("datetime64[M]")
    born = (months.astype("datetime64[D]") + np.where(ok, day - 1, 0).astype("timedelta64[D]")).astype(
        "datetime64[ns]"
    )
    ok &= (born >= _MIN_BIRTH) & (born <= today())
    born[~ok] = np.datetime64("NaT")
    return born, ok


# Internal status codes (index into ID_STATUSES) so that per-row work stays integer-only.
_VALID, _CONV15, _BADSUM, _MALFORMED, _EXCEL, _MISSING = range(6)
_STATUS_OBJ = object_array(list(ID_STATUSES))
_SEX_OBJ = object_array(["F", "M", None])  # sex code: 0 = even 17th digit, 1 = odd, 2 = unknown


def standardize_ids(raw: pd.Series) -> pd.DataFrame:
    """Normalise resident IDs; returns id_number, id_status, id_sex, id_birth_date (same index).

    id_number is kept for valid, converted_15 and bad_checksum (linkage uses near-misses);
    sex and birth date are decoded for those three statuses only. Delivered text in Arrow (the
    readers' output) gives id_number, id_status and id_sex in Arrow: the IDs that are already
    clean, most of them and nearly all distinct, never become Python strings.
    """
    if isinstance(raw.dtype, pd.ArrowDtype):
        return _standardize_arrow(raw)
    codes, uniques = factorize(raw)
    lengths = np.fromiter(map(len, uniques), dtype=np.int64, count=len(uniques))
    cand = np.flatnonzero(lengths == 18)
    d = _per_distinct(len(uniques), cand, _bytes(uniques[cand], 18), lambda idx: uniques[idx].tolist())
    number = np.full(len(uniques), None, dtype=object)
    number[d.as_delivered] = uniques[d.as_delivered]
    number[d.rewritten] = object_array(d.rewritten_values)
    return pd.DataFrame(
        {
            "id_number": expand(codes, number, None),
            "id_status": _STATUS_OBJ[expand(codes, d.status, _MISSING)],
            "id_sex": _SEX_OBJ[expand(codes, d.sex, 2)],
            "id_birth_date": expand(codes, d.born, np.datetime64("NaT")),
        },
        index=raw.index,
    )


def _standardize_arrow(raw: pd.Series) -> pd.DataFrame:
    """`standardize_ids` on Arrow text: the distinct values' bytes are read from Arrow's buffers."""
    import pyarrow as pa
    import pyarrow.compute as pc

    encoded = pc.dictionary_encode(arrow_text(raw))
    codes = pc.fill_null(encoded.indices, -1).to_numpy(zero_copy_only=False).astype(np.intp, copy=False)
    uniques = encoded.dictionary.cast(pa.large_string())  # 64-bit offsets, whatever the size
    n = len(uniques)
    offsets = np.frombuffer(uniques.buffers()[1], dtype=np.int64)[uniques.offset : uniques.offset + n + 1]
    buffer = uniques.buffers()[2]  # Arrow may leave it out when no value has a byte
    data = np.frombuffer(buffer, dtype=np.uint8) if buffer is not None else np.zeros(0, dtype=np.uint8)
    cand = np.flatnonzero(np.diff(offsets) == 18)  # 18 bytes: the only ones that can be clean
    chars = data[offsets[cand][:, None] + np.arange(18)] if len(cand) else np.zeros((0, 18), np.uint8)
    d = _per_distinct(n, cand, chars, lambda idx: uniques.take(pa.array(idx)).to_pylist())
    replace = np.zeros(n, dtype=bool)
    replace[d.rewritten] = True
    number = pc.replace_with_mask(
        uniques, pa.array(replace), pa.array(d.rewritten_values, type=pa.large_string())
    )
    kept = pa.array(d.as_delivered | replace)
    number = pc.if_else(kept, number, pa.scalar(None, pa.large_string())).cast(pa.string())

    def column(values) -> pd.Series:
        return pd.Series(pd.arrays.ArrowExtensionArray(values), index=raw.index, copy=False)

    return pd.DataFrame(
        {
            "id_number": column(take_rows(number, codes)),
            "id_status": column(pa.array(ID_STATUSES).take(pa.array(expand(codes, d.status, _MISSING)))),
            "id_sex": column(pa.array(["F", "M", None]).take(pa.array(expand(codes, d.sex, 2)))),
            "id_birth_date": expand(codes, d.born, np.datetime64("NaT")),
        },
        index=raw.index,
    )


class _Distinct:
    """Per distinct value: status and decoded sex / birth date, and the ID number to keep: the
    value as delivered (`as_delivered`) or a rewritten one (`rewritten`: ascending positions, and
    their values in the same order)."""

    def __init__(self, n: int):
        self.status = np.full(n, _MALFORMED, dtype=np.int8)
        self.sex = np.full(n, 2, dtype=np.int8)
        self.born = np.full(n, np.datetime64("NaT"), dtype="datetime64[ns]")
        self.as_delivered = np.zeros(n, dtype=bool)
        self.rewritten = np.zeros(0, dtype=np.int64)
        self.rewritten_values: list[str] = []


def _per_distinct(n: int, cand: np.ndarray, cand_chars: np.ndarray, strings) -> _Distinct:
    """Classify n distinct values. `cand`: those 18 characters (or bytes) long, `cand_chars` their
    (k, 18) bytes; `strings(positions)` gives other values as Python strings (the dirty ones only)."""
    d = _Distinct(n)
    # Fast path, fully vectorised: values that already are 18 ASCII digits(+X).
    clean = _is_id18(cand_chars)
    idx18 = [cand[clean]]
    chars18 = [cand_chars[clean]]
    d.as_delivered[cand[clean]] = True

    # Slow path, per distinct dirty value: spaces, full-width digits, quotes, x, 15 digits, junk.
    is_dirty = np.ones(n, dtype=bool)
    is_dirty[cand[clean]] = False
    dirty = np.flatnonzero(is_dirty)
    dirty18: list[int] = []
    norm18: list[str] = []
    idx15: list[int] = []
    norm15: list[str] = []
    for i, value in zip(dirty.tolist(), strings(dirty) if len(dirty) else [], strict=True):
        v = _normalise(value)
        if _RE_18.fullmatch(v):
            dirty18.append(i)
            norm18.append(v)
        elif _RE_15.fullmatch(v):
            idx15.append(i)
            norm15.append(v)
        elif not v or v.lower() in NULL_TOKENS:
            d.status[i] = _MISSING
        elif _RE_EXCEL.fullmatch(v):
            d.status[i] = _EXCEL
    rewritten: dict[int, str] = {}
    if dirty18:
        idx18.append(np.array(dirty18, dtype=np.int64))
        chars18.append(_bytes(norm18, 18))
        rewritten.update(zip(dirty18, norm18, strict=True))

    i18 = np.concatenate(idx18)
    chars = np.concatenate(chars18)
    ok_sum = chars[:, 17] == _checks(chars[:, :17])
    b18, date_ok = _decode(chars)
    zeros = (chars[:, 15] == 48) & (chars[:, 16] == 48) & (chars[:, 17] == 48)
    st = np.select([~date_ok, ok_sum, zeros], [_MALFORMED, _VALID, _EXCEL], _BADSUM).astype(np.int8)
    keep = (st == _VALID) | (st == _BADSUM)
    d.status[i18] = st
    d.as_delivered[i18[~keep]] = False
    for i in i18[~keep].tolist():
        rewritten.pop(i, None)
    d.sex[i18[keep]] = (chars[keep, 16] - 48) % 2
    d.born[i18[keep]] = b18[keep]

    if idx15:
        i15 = np.array(idx15, dtype=np.int64)
        old = _bytes(norm15, 15)
        nineteen = np.broadcast_to(np.frombuffer(b"19", dtype=np.uint8), (len(old), 2))
        first17 = np.concatenate([old[:, :6], nineteen, old[:, 6:]], axis=1)
        chars = np.concatenate([first17, _checks(first17)[:, None]], axis=1)
        b15, date_ok = _decode(chars)
        ok = i15[date_ok]
        d.status[ok] = _CONV15
        rewritten.update(
            zip(ok.tolist(), chars[date_ok].copy().view("S18").ravel().astype(str).tolist(), strict=True)
        )
        d.sex[ok] = (chars[date_ok, 16] - 48) % 2
        d.born[ok] = b15[date_ok]
    order = sorted(rewritten)  # ascending positions, as a mask would consume them
    d.rewritten = np.array(order, dtype=np.int64)
    d.rewritten_values = [rewritten[i] for i in order]
    return d

"""Conform one delivery's rows to the feed's staging shape, and decide what must be quarantined.

Input: the reader's columns of delivered text. Output: typed columns in staging order for the rows
that can be used, and a quarantine frame (line, key, reason code, message, raw row) for the rest.
Accounting holds by construction: rows_read = loaded + quarantined + exact duplicates collapsed.

Everything is column-wise over numpy arrays (no per-row Python, no DataFrame-wide operations):
a night is about nine million rows.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

from shouwang.landing.readers import ReadResult
from shouwang.landing.readers.base import column_values
from shouwang.registry import CHANGE_TYPES, Column, Feed
from shouwang.staging import standardize as std
from shouwang.staging.schema import staged_columns

MAX_AMOUNT = 1e14  # numeric(16,2)
CHUNK_ROWS = 200_000  # rows standardised and written at a time


class _Issues:
    """Per-row quarantine reasons (first reason wins) and optional-field parse failures."""

    def __init__(self, n: int):
        self.rejected = np.zeros(n, dtype=bool)
        self.reason = np.full(n, None, dtype=object)
        self.message = np.full(n, None, dtype=object)
        self.parse: dict[str, np.ndarray] = {}

    def reject(self, mask, code: str, message: str) -> None:
        m = np.asarray(mask, dtype=bool) & ~self.rejected
        if m.any():
            self.rejected |= m
            self.reason[m] = code
            self.message[m] = message

    def note_parse(self, fieldname: str, raw: np.ndarray, failed) -> None:
        failed = np.asarray(failed, dtype=bool)
        if failed.any():
            self.parse[fieldname] = np.where(failed, raw, None)

    def parse_issues(self) -> np.ndarray:
        out = np.full(len(self.rejected), None, dtype=object)
        if not self.parse:
            return out
        has = np.zeros(len(out), dtype=bool)
        for values in self.parse.values():
            has |= values != None  # noqa: E711 - elementwise comparison on an object array
        for i in np.flatnonzero(has):
            out[i] = {k: v[i] for k, v in self.parse.items() if v[i] is not None}
        return out


def _both_and_differ(a, b) -> np.ndarray:
    """Rows where both text columns (numpy objects or Arrow) have a value and the values differ."""
    if not (_is_arrow(a) or _is_arrow(b)):
        return ~_isnull(a) & ~_isnull(b) & (a != b)
    import pyarrow as pa
    import pyarrow.compute as pc

    a, b = (v if _is_arrow(v) else pa.array(v, type=pa.string(), from_pandas=True) for v in (a, b))
    return pc.fill_null(pc.not_equal(a, b), False).to_numpy(zero_copy_only=False)


def _isnull(values) -> np.ndarray:
    if _is_arrow(values):
        return values.is_null().to_numpy(zero_copy_only=False)
    return pd.isna(values) if values.dtype != object else np.equal(values, None)


def _required(
    col: Column, value_missing: np.ndarray, raw_missing: np.ndarray, failed, issues: _Issues
) -> None:
    """Quarantine rows whose required field is empty, or delivered but unusable."""
    if not col.required:
        return
    issues.reject(raw_missing, f"missing_required:{col.field}", f"required field {col.source} is empty")
    bad = value_missing & ~raw_missing
    if failed is not None:
        bad |= np.asarray(failed, dtype=bool)
    issues.reject(bad, f"unparseable_required:{col.field}", f"required field {col.source} cannot be read")


def _series(values: np.ndarray) -> pd.Series:
    return pd.Series(values, dtype=object, copy=False)


def _values(series: pd.Series):
    """A standardiser's result column as staged: its Arrow data when it has some (no Python
    object per row), else its numpy values."""
    import pyarrow as pa

    if isinstance(series.dtype, pd.ArrowDtype):
        return pa.array(series.array)
    return series.to_numpy()


def _text_series(arrow) -> pd.Series:
    """Delivered text as a Series over the Arrow data itself (no copy): the standardisers'
    `factorize` encodes it in Arrow and turns only the distinct values into Python strings."""
    import pyarrow as pa

    if isinstance(arrow, np.ndarray):
        return _series(arrow)
    if isinstance(arrow, pa.ChunkedArray):
        arrow = arrow.combine_chunks()
    return pd.Series(pd.arrays.ArrowExtensionArray(arrow), copy=False)


def _conform_column(
    col: Column,
    arrow,
    missing: np.ndarray,
    out: dict,
    issues: _Issues,
    gaz,
    township_code,
) -> None:
    """Standardise one delivered column into its staging columns (see schema.column_expansion).

    `arrow` is the delivered text as an Arrow array: columns written unchanged (text, enums, the
    originals kept beside cleaned values) stay in Arrow; only what Python must look at is converted.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    f, t = col.field, col.type
    if t in ("text", "change_type"):
        out[f] = arrow
        _required(col, missing, missing, None, issues)
        return
    if t == "enum":
        out[f] = arrow
        allowed = pc.fill_null(pc.is_in(arrow, value_set=pa.array(col.values, type=pa.string())), False)
        bad = ~missing & ~allowed.to_numpy(zero_copy_only=False)
        if col.required:
            issues.reject(missing, f"missing_required:{f}", f"required field {col.source} is empty")
            issues.reject(bad, f"bad_enum:{f}", f"{col.source} is not one of the contract's values")
        elif bad.any():
            issues.note_parse(f, column_values(arrow), bad)
        return
    s = _text_series(arrow)  # the standardisers work per distinct value: no Python string per row
    if t in ("id", "ids"):
        first = std.split_first(s)[0] if t == "ids" else s
        ids = std.standardize_ids(first)
        out[f] = _values(ids["id_number"])
        out[f"{f}_raw"] = first.to_numpy() if t == "ids" else arrow
        out[f"{f}_status"] = _values(ids["id_status"])
        if f == "id_number":
            out["id_sex"] = _values(ids["id_sex"])
            out["id_birth_date"] = ids["id_birth_date"].to_numpy()
        if t == "ids":
            out[f"{f}_all"] = arrow
        _required(col, _isnull(out[f]), missing, None, issues)
    elif t in ("name", "names"):
        first = std.split_first(s)[0] if t == "names" else s
        names = std.standardize_names(first)
        out[f] = _values(names["name"])
        out[f"{f}_raw"] = first.to_numpy() if t == "names" else arrow
        out[f"{f}_note"] = _values(names["name_note"])
        if t == "names":
            out[f"{f}_all"] = arrow
        _required(col, _isnull(out[f]), missing, None, issues)
    elif t in ("date", "datetime", "month", "year", "int", "decimal", "bool", "sex"):
        if t in ("date", "datetime", "month", "year"):
            values, failed = std.parse_dates(s, kind=t)
        elif t in ("int", "decimal"):
            values, failed = std.parse_numbers(s, integer=(t == "int"))
            # numeric(16,2) holds less than 1e14: a larger value is a typing error, not a number to
            # fail the whole delivery's COPY on (it becomes a parse issue or quarantines the row).
            too_big = (values.abs() >= MAX_AMOUNT).fillna(False).to_numpy(dtype=bool)
            if too_big.any():
                values = values.mask(too_big)
                failed = failed | too_big
        elif t == "bool":
            values, failed = std.parse_bools(s)
        else:
            values, failed = std.parse_sex(s)
        out[f] = values.to_numpy() if t not in ("year", "int", "bool") else values.array
        failed = failed.to_numpy(dtype=bool)
        _required(col, values.isna().to_numpy(), missing, failed, issues)
        if not col.required and failed.any():
            issues.note_parse(f, column_values(arrow), failed)
    elif t == "phone":
        values, failed = std.standardize_phones(s)
        out[f] = _values(values)
        out[f"{f}_raw"] = arrow
        _required(col, _isnull(out[f]), missing, failed.to_numpy(dtype=bool), issues)
    elif t == "township":
        out[f"{f}_code"] = township_code
        out[f] = arrow
        _required(col, _isnull(township_code), missing, None, issues)
    elif t == "village":
        codes = _values(gaz.villages(_text_series(township_code), s))
        out[f"{f}_code"] = codes
        out[f] = arrow
        _required(col, _isnull(codes), missing, None, issues)
    elif t == "address":
        parsed = gaz.parse_addresses(s)
        out[f] = arrow
        out[f"{f}_township_code"] = _values(parsed["township_code"])
        out[f"{f}_village_code"] = _values(parsed["village_code"])
        out[f"{f}_detail"] = _values(parsed["detail"])
        _required(col, missing, missing, None, issues)
    else:  # pragma: no cover - registry validation forbids this
        raise ValueError(t)


_SECOND_KEY = "shouwang-2nd-key"  # a second, independent 64-bit hash: collisions become negligible


@dataclass
class Plan:
    """What must be known about the whole file before any chunk is conformed."""

    keep: np.ndarray  # False for exact duplicates of an earlier row (collapsed)
    row_hash: np.ndarray  # int64 content hash per row, change type excluded
    record_key: object  # Arrow string array (key parts joined with '+')
    key_missing: np.ndarray
    conflict: np.ndarray  # the key appears again with different content

    @property
    def rows_duplicate(self) -> int:
        return int((~self.keep).sum())


def _full_column(read: ReadResult, source: str, rows: np.ndarray | None = None) -> np.ndarray:
    n = read.n_rows if rows is None else len(rows)
    if source not in read.columns:  # an optional column the file does not have
        return np.full(n, None, dtype=object)
    return column_values(read.columns[source], rows)


def analyse(feed: Feed, read: ReadResult) -> Plan:
    """Row hashes, exact duplicates, record keys and key conflicts over the whole file.

    Rows are hashed as one joined string each (Arrow joins the columns in C++), so this holds only
    hashes and keys for the whole file, never every value as a Python string.
    """
    import pyarrow.compute as pc

    n = read.n_rows
    ct = feed.change_type_column
    everything = [c.source for c in feed.columns]
    content_sources = [s for s in everything if ct is None or s != ct.source]
    row_hash = _row_hashes(read, content_sources)
    if ct is None:
        full = row_hash
    else:  # the change type folded into the content hash (no second join of every column)
        change = pd.util.hash_array(_full_column(read, ct.source).astype(object), categorize=True)
        with np.errstate(over="ignore"):
            full = (row_hash * np.uint64(1000003)) ^ change
    dup = pd.Series(full).duplicated(keep="first").to_numpy()
    if dup.any():  # confirm with an independent hash of the candidates and their first occurrences
        cand = np.flatnonzero(pd.Series(full).duplicated(keep=False).to_numpy())
        second = _row_hashes(read, everything, rows=cand, hash_key=_SECOND_KEY)
        both = pd.DataFrame({"a": full[cand], "b": second})
        dup = np.zeros(n, dtype=bool)
        dup[cand[both.duplicated(keep="first").to_numpy()]] = True
    keep = ~dup

    record_key, key_missing = _record_keys(read, feed.key)
    # Same key twice with different content (exact duplicates aside): ambiguous, quarantine every copy.
    # Counted on Arrow's dictionary codes: no Python string per key.
    candidates = keep & ~key_missing
    codes = pc.fill_null(pc.dictionary_encode(record_key).indices, -1).to_numpy(zero_copy_only=False)
    codes = np.where(candidates, codes, -1)
    counts = np.bincount(codes[codes >= 0], minlength=1)
    conflict = candidates & (counts[np.maximum(codes, 0)] > 1)
    return Plan(
        keep=keep,
        row_hash=row_hash.view(np.int64),
        record_key=record_key,
        key_missing=key_missing,
        conflict=conflict,
    )


def _record_keys(read: ReadResult, key: tuple[str, ...] | list[str]):
    """Record keys (parts joined with '+', a missing part as empty) and where a part is missing."""
    import pyarrow as pa
    import pyarrow.compute as pc

    everything = np.arange(read.n_rows)
    parts = [_arrow_rows(read, k, everything) for k in key]
    parts = [p.combine_chunks() if isinstance(p, pa.ChunkedArray) else p for p in parts]
    missing = np.zeros(read.n_rows, dtype=bool)
    for part in parts:
        missing |= part.is_null().to_numpy(zero_copy_only=False)
    if len(parts) == 1:
        return parts[0], missing
    joined = pc.binary_join_element_wise(*parts, "+", null_handling="replace", null_replacement="")
    return joined, missing


def _is_arrow(values) -> bool:
    return hasattr(values, "is_null") and not isinstance(values, np.ndarray)


def _take(array, rows: np.ndarray):
    """Rows of an Arrow array (a zero-copy slice where the rows are contiguous)."""
    import pyarrow as pa

    if len(rows) and int(rows[-1]) - int(rows[0]) + 1 == len(rows):
        return array.slice(int(rows[0]), len(rows))
    return array.take(pa.array(rows))


def _arrow_rows(read: ReadResult, source: str, rows: np.ndarray):
    """Rows of a read column as an Arrow string array (zero-copy slice where the rows are contiguous)."""
    import pyarrow as pa

    column = read.columns.get(source)
    if column is None:
        return pa.nulls(len(rows), pa.string())
    if isinstance(column, np.ndarray):
        return pa.array(column[rows], type=pa.string(), from_pandas=True)
    return _take(column, rows)


def _row_hashes(
    read: ReadResult, sources: list[str], rows: np.ndarray | None = None, hash_key: str | None = None
) -> np.ndarray:
    """64-bit hash of each row's delivered values joined into one string (unit separator between,
    NUL for missing), chunk by chunk so that the joined strings never exist for the whole file."""
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = np.arange(read.n_rows) if rows is None else rows
    out = np.empty(len(rows), dtype=np.uint64)
    extra = {} if hash_key is None else {"hash_key": hash_key}
    for start in range(0, len(rows), CHUNK_ROWS):
        part = rows[start : start + CHUNK_ROWS]
        arrays = [_arrow_rows(read, s, part) for s in sources]
        joined = pc.binary_join_element_wise(
            *arrays, "\x1f", null_handling="replace", null_replacement="\x00"
        )
        # as UTF-8 bytes: the same hash as of the decoded strings, without decoding and re-encoding
        binary = pa.large_binary() if pa.types.is_large_string(joined.type) else pa.binary()
        strings = np.asarray(joined.cast(binary).to_numpy(zero_copy_only=False), dtype=object)
        out[start : start + len(part)] = pd.util.hash_array(strings, categorize=False, **extra)
    return out


@dataclass
class ConformedChunk:
    staged: dict[str, np.ndarray]  # staging columns (no valid_from/valid_to/change_kind) + 'action'
    quarantined: pd.DataFrame  # line_no, record_key, reason_code, message, raw

    @property
    def rows(self) -> int:
        return len(self.staged["record_key"])


def conform_chunks(feed: Feed, read: ReadResult, plan: Plan, gazetteer=None) -> Iterator[ConformedChunk]:
    """Standardise and check the delivery chunk by chunk (memory stays bounded for any file size)."""
    gaz = gazetteer or std.default_gazetteer()
    rows_all = np.flatnonzero(plan.keep)
    for start in range(0, len(rows_all), CHUNK_ROWS):
        yield _conform_rows(feed, read, plan, rows_all[start : start + CHUNK_ROWS], gaz)


def _conform_rows(feed: Feed, read: ReadResult, plan: Plan, rows: np.ndarray, gaz) -> ConformedChunk:
    import pyarrow as pa

    n = len(rows)
    cols = {c.source: _arrow_rows(read, c.source, rows) for c in feed.columns}
    lines = read.line_numbers[rows]
    record_key = _take(plan.record_key, rows)
    missing = {src: values.is_null().to_numpy(zero_copy_only=False) for src, values in cols.items()}

    issues = _Issues(n)
    issues.reject(plan.key_missing[rows], "missing_key", f"record key {'+'.join(feed.key)} is empty")
    issues.reject(
        plan.conflict[rows], "duplicate_key_conflict", "the same record key appears with different content"
    )

    out: dict[str, object] = {"record_key": record_key, "row_hash": plan.row_hash[rows]}
    township_col = next((c for c in feed.columns if c.type == "township"), None)
    if township_col is not None:
        township_code = _values(gaz.townships(_text_series(cols[township_col.source])))
    else:
        township_code = np.full(n, None, dtype=object)
    for col in feed.columns:
        _conform_column(col, cols[col.source], missing[col.source], out, issues, gaz, township_code)

    action = np.full(n, "upsert", dtype=object)
    ct = feed.change_type_column
    if ct is not None:
        mapped = _series(column_values(cols[ct.source])).map(CHANGE_TYPES).to_numpy()
        unknown = pd.isna(mapped)  # map() leaves NaN (not None) for values outside the contract
        issues.reject(unknown, "bad_change_type", f"{ct.source} is not one of 新增/变更/注销/删除")
        action = np.where(unknown, "upsert", mapped).astype(object)

    # Cross-check the given sex and birth date with those encoded in a valid ID number.
    if "id_sex" in out and "sex" in out:
        out["sex_conflict"] = _both_and_differ(out["sex"], out["id_sex"])
    if "id_birth_date" in out and "birth_date" in out:
        given, derived = out["birth_date"], out["id_birth_date"]
        out["birth_date_conflict"] = ~pd.isna(given) & ~pd.isna(derived) & (given != derived)
    out["line_no"] = lines
    out["parse_issues"] = issues.parse_issues()
    out["action"] = action

    bad = issues.rejected
    ok = ~bad
    order = [c for c, _ in staged_columns(feed) if c in out] + ["action"]
    if bad.any():
        keep_mask = pa.array(ok)
        staged = {c: out[c].filter(keep_mask) if _is_arrow(out[c]) else out[c][ok] for c in order}
    else:
        staged = {c: out[c] for c in order}
    bad_rows = np.flatnonzero(bad)
    raw_bad = {src: column_values(values, bad_rows) for src, values in cols.items()}
    quarantined = _quarantine_frame(
        raw_bad, lines[bad], column_values(record_key, bad_rows), issues.reason[bad], issues.message[bad]
    )
    return ConformedChunk(staged=staged, quarantined=quarantined)


def _quarantine_frame(cols: dict[str, np.ndarray], lines, keys, reasons, messages) -> pd.DataFrame:
    names = list(cols)
    raw = (
        [
            {name: v for name, v in zip(names, values, strict=True) if v is not None}
            for values in zip(*cols.values(), strict=True)
        ]
        if len(lines)
        else []
    )
    return pd.DataFrame(
        {"line_no": lines, "record_key": keys, "reason_code": reasons, "message": messages, "raw": raw}
    )


def bad_line_key(feed: Feed | None, header: list[str], raw: dict) -> str | None:
    """The record key of a line that could not be read whole, when its key fields survived.

    A truncated last line usually still carries its key (keys come first): knowing it lets a full
    snapshot hold that record instead of treating it as removed. The last surviving field may itself
    be cut, so a key found there does not count.
    """
    if feed is None:
        return None
    fields = raw.get("fields")
    if fields is None and "line" in raw and feed.format == "csv":
        try:
            fields = next(csv.reader([raw["line"]]), None)
        except csv.Error:
            fields = None
    if fields is not None:
        try:
            idx = [header.index(k) for k in feed.key]
        except ValueError:
            return None
        if max(idx) >= len(fields) - 1:
            return None
        parts = [fields[i].strip() for i in idx]
    elif "line" in raw:  # JSONL: the key's value must be a complete JSON string
        parts = []
        for k in feed.key:
            m = re.search(r'"' + re.escape(k) + r'"\s*:\s*"((?:[^"\\]|\\.)*)"\s*[,}]', raw["line"])
            parts.append(m.group(1).strip() if m else "")
    else:
        return None
    return "+".join(parts) if all(parts) else None


def with_bad_lines(frame: pd.DataFrame, read: ReadResult, feed: Feed | None = None) -> pd.DataFrame:
    """Append the lines the reader could not split into fields (with their key where it survived)."""
    if not read.bad_lines:
        return frame
    bad = pd.DataFrame(
        {
            "line_no": [b.line_no for b in read.bad_lines],
            "record_key": [bad_line_key(feed, read.header, b.raw) for b in read.bad_lines],
            "reason_code": [b.reason_code for b in read.bad_lines],
            "message": [b.message for b in read.bad_lines],
            "raw": [b.raw for b in read.bad_lines],
        }
    )
    return pd.concat([frame, bad], ignore_index=True) if len(frame) else bad


def reject_all(read: ReadResult, code: str, message: str) -> pd.DataFrame:
    """Quarantine every row of a file that cannot be loaded as a whole (e.g. a required column missing)."""
    n = read.n_rows
    frame = _quarantine_frame(
        {name: column_values(values) for name, values in read.columns.items()},
        read.line_numbers,
        np.full(n, None, dtype=object),
        np.full(n, code, dtype=object),
        np.full(n, message, dtype=object),
    )
    return with_bad_lines(frame, read)

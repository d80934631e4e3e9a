"""Conform one delivery's rows to the feed's staging shape, and decide what must be quarantined.

Input: the reader's string rows. Output: a typed DataFrame in staging column order for the rows
that can be used, and a quarantine frame (line, key, reason code, message, raw row) for the rest.
Accounting holds by construction: rows_read = loaded + quarantined + exact duplicates collapsed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from shouwang.landing.readers import FileProblem, ReadResult
from shouwang.registry import CHANGE_TYPES, Column, Feed
from shouwang.staging import standardize as std
from shouwang.staging.schema import staged_columns


@dataclass
class Conformed:
    staged: pd.DataFrame  # staging columns (without valid_from/valid_to/change_kind) + 'action'
    quarantined: pd.DataFrame  # line_no, record_key, reason_code, message, raw
    rows_read: int
    rows_duplicate: int
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def rows_loaded(self) -> int:
        return len(self.staged)

    @property
    def rows_quarantined(self) -> int:
        return len(self.quarantined)


class _Issues:
    """Collects per-row quarantine reasons and optional-field parse failures, vectorised."""

    def __init__(self, n: int):
        self.reason = np.full(n, None, dtype=object)
        self.message = np.full(n, None, dtype=object)
        self.parse: dict[str, pd.Series] = {}

    def reject(self, mask: pd.Series | np.ndarray, code: str, message: str) -> None:
        m = np.asarray(mask, dtype=bool) & pd.isna(self.reason)
        self.reason[m] = code
        self.message[m] = message

    def note_parse(self, fieldname: str, raw: pd.Series, failed: pd.Series) -> None:
        if failed.any():
            self.parse[fieldname] = raw.where(failed)

    def parse_issues(self, n: int) -> np.ndarray:
        out = np.full(n, None, dtype=object)
        if not self.parse:
            return out
        frame = pd.DataFrame(self.parse)
        has = frame.notna().any(axis=1).to_numpy()
        records = frame[has].to_dict("records")
        out[np.flatnonzero(has)] = [{k: v for k, v in r.items() if isinstance(v, str)} for r in records]
        return out


def _failed_required(
    col: Column, value: pd.Series, raw: pd.Series, failed: pd.Series | None, issues: _Issues
):
    if not col.required:
        return
    issues.reject(raw.isna(), f"missing_required:{col.field}", f"required field {col.source} is empty")
    bad = value.isna() & raw.notna()
    if failed is not None:
        bad = bad | failed
    issues.reject(bad, f"unparseable_required:{col.field}", f"required field {col.source} cannot be read")


def _conform_column(col: Column, raw: pd.Series, out: dict, issues: _Issues, gaz, township_code):
    f, t = col.field, col.type
    if t in ("text", "change_type"):
        out[f] = raw
        _failed_required(col, raw, raw, None, issues)
    elif t == "enum":
        out[f] = raw
        bad = raw.notna() & ~raw.isin(col.values)
        if col.required:
            issues.reject(raw.isna(), f"missing_required:{f}", f"required field {col.source} is empty")
            issues.reject(bad, f"bad_enum:{f}", f"{col.source} is not one of the contract's values")
        else:
            issues.note_parse(f, raw, bad)
    elif t in ("id", "ids"):
        first = std.split_first(raw)[0] if t == "ids" else raw
        ids = std.standardize_ids(first)
        out[f] = ids["id_number"].to_numpy()
        out[f"{f}_raw"] = first
        out[f"{f}_status"] = ids["id_status"].to_numpy()
        if f == "id_number":
            out["id_sex"] = ids["id_sex"].to_numpy()
            out["id_birth_date"] = ids["id_birth_date"].to_numpy()
        if t == "ids":
            out[f"{f}_all"] = raw
        _failed_required(col, ids["id_number"], first, None, issues)
    elif t in ("name", "names"):
        first = std.split_first(raw)[0] if t == "names" else raw
        names = std.standardize_names(first)
        out[f] = names["name"].to_numpy()
        out[f"{f}_raw"] = first
        out[f"{f}_note"] = names["name_note"].to_numpy()
        if t == "names":
            out[f"{f}_all"] = raw
        _failed_required(col, names["name"], first, None, issues)
    elif t in ("date", "datetime", "month", "year"):
        values, failed = std.parse_dates(raw, kind=t)
        out[f] = values
        _failed_required(col, values, raw, failed, issues)
        if not col.required:
            issues.note_parse(f, raw, failed)
    elif t in ("int", "decimal"):
        values, failed = std.parse_numbers(raw, integer=(t == "int"))
        out[f] = values
        _failed_required(col, values, raw, failed, issues)
        if not col.required:
            issues.note_parse(f, raw, failed)
    elif t == "bool":
        values, failed = std.parse_bools(raw)
        out[f] = values
        _failed_required(col, values, raw, failed, issues)
        if not col.required:
            issues.note_parse(f, raw, failed)
    elif t == "sex":
        values, failed = std.parse_sex(raw)
        out[f] = values
        _failed_required(col, values, raw, failed, issues)
        if not col.required:
            issues.note_parse(f, raw, failed)
    elif t == "phone":
        values, failed = std.standardize_phones(raw)
        out[f] = values
        out[f"{f}_raw"] = raw
        _failed_required(col, values, raw, failed, issues)
    elif t == "township":
        codes = gaz.townships(raw)
        out[f"{f}_code"] = codes
        out[f] = raw
        _failed_required(col, codes, raw, None, issues)
    elif t == "village":
        codes = gaz.villages(township_code, raw)
        out[f"{f}_code"] = codes
        out[f] = raw
        _failed_required(col, codes, raw, None, issues)
    elif t == "address":
        parsed = gaz.parse_addresses(raw)
        out[f] = raw
        out[f"{f}_township_code"] = parsed["township_code"].to_numpy()
        out[f"{f}_village_code"] = parsed["village_code"].to_numpy()
        _failed_required(col, raw, raw, None, issues)
    else:  # pragma: no cover - registry validation forbids this
        raise ValueError(t)


def row_hashes(frame: pd.DataFrame) -> np.ndarray:
    """Stable 64-bit content hash of the delivered values (as signed int for PostgreSQL bigint)."""
    hashed = pd.util.hash_pandas_object(frame.fillna("\x00"), index=False, categorize=True)
    return hashed.to_numpy().view(np.int64)


def conform(feed: Feed, read: ReadResult, gazetteer=None) -> Conformed:
    """Standardise and check the rows of one delivery (see module docstring)."""
    gaz = gazetteer or std.default_gazetteer()
    problems = list(read.problems)
    source = pd.DataFrame(read.rows, columns=read.header, dtype=object)
    source = source.loc[:, ~source.columns.duplicated()]
    for col in feed.columns:  # optional columns absent from the file read as empty
        if col.source not in source.columns:
            source[col.source] = None
    source = source[list(feed.source_columns)]
    source = source.where(source.notna(), None)
    n = len(source)
    lines = np.asarray(read.line_numbers, dtype=np.int64)

    # Exact duplicate rows: the same delivered values twice; collapse to the first.
    dup = source.duplicated(keep="first").to_numpy()
    rows_duplicate = int(dup.sum())
    keep = ~dup
    source = source[keep].reset_index(drop=True)
    lines = lines[keep]
    n = len(source)

    issues = _Issues(n)
    key = source[list(feed.key)]
    key_missing = key.isna().any(axis=1).to_numpy()
    record_key = key.fillna("").astype(str).agg("+".join, axis=1) if len(feed.key) > 1 else key.iloc[:, 0]
    issues.reject(key_missing, "missing_key", f"record key {'+'.join(feed.key)} is empty")

    out: dict[str, object] = {"record_key": record_key.to_numpy()}
    township_col = next((c for c in feed.columns if c.type == "township"), None)
    township_code = pd.Series([None] * n, dtype=object)
    if township_col is not None:
        township_code = gaz.townships(source[township_col.source])
    for col in feed.columns:
        _conform_column(col, source[col.source], out, issues, gaz, township_code)

    action = np.full(n, "upsert", dtype=object)
    ct = feed.change_type_column
    if ct is not None:
        raw_ct = source[ct.source]
        mapped = raw_ct.map(CHANGE_TYPES)
        issues.reject(
            mapped.isna().to_numpy(), "bad_change_type", f"{ct.source} is not one of 新增/变更/注销/删除"
        )
        action = mapped.fillna("upsert").to_numpy()

    hash_cols = [c.source for c in feed.columns if c.type != "change_type"]
    hashes = row_hashes(source[hash_cols])

    # Same key twice with different content (after exact duplicates are gone): ambiguous, quarantine all.
    usable = pd.isna(issues.reason)
    rk = pd.Series(record_key.to_numpy())
    conflict = rk.where(usable).duplicated(keep=False).to_numpy() & usable
    issues.reject(conflict, "duplicate_key_conflict", "the same record key appears with different content")

    # Cross-check the given sex and birth date with those encoded in a valid ID number.
    if "id_sex" in out and "sex" in out:
        given, derived = pd.Series(out["sex"]), pd.Series(out["id_sex"])
        out["sex_conflict"] = (given.notna() & derived.notna() & (given != derived)).to_numpy()
    if "id_birth_date" in out and "birth_date" in out:
        given, derived = pd.Series(out["birth_date"]), pd.Series(out["id_birth_date"])
        out["birth_date_conflict"] = (given.notna() & derived.notna() & (given != derived)).to_numpy()
    out["line_no"] = lines
    out["row_hash"] = hashes
    out["parse_issues"] = issues.parse_issues(n)
    out["action"] = action

    frame = pd.DataFrame(out)
    bad = ~pd.isna(issues.reason)
    cols = [c for c, _ in staged_columns(feed) if c in frame.columns] + ["action"]
    staged = frame.loc[~bad, cols].reset_index(drop=True)

    quarantined = _quarantine_frame(
        source[bad], lines[bad], record_key.to_numpy()[bad], issues.reason[bad], issues.message[bad]
    )
    quarantined = _with_bad_lines(quarantined, read)
    return Conformed(
        staged=staged,
        quarantined=quarantined,
        rows_read=read.rows_read,
        rows_duplicate=rows_duplicate,
        problems=problems,
    )


def _quarantine_frame(rows: pd.DataFrame, lines, keys, reasons, messages) -> pd.DataFrame:
    raw = [{k: v for k, v in rec.items() if v is not None} for rec in rows.to_dict("records")]
    return pd.DataFrame(
        {"line_no": lines, "record_key": keys, "reason_code": reasons, "message": messages, "raw": raw}
    )


def _with_bad_lines(frame: pd.DataFrame, read: ReadResult) -> pd.DataFrame:
    """Append the lines the reader could not split into fields."""
    if not read.bad_lines:
        return frame
    bad = pd.DataFrame(
        {
            "line_no": [b.line_no for b in read.bad_lines],
            "record_key": [None] * len(read.bad_lines),
            "reason_code": [b.reason_code for b in read.bad_lines],
            "message": [b.message for b in read.bad_lines],
            "raw": [b.raw for b in read.bad_lines],
        }
    )
    return pd.concat([frame, bad], ignore_index=True) if len(frame) else bad


def reject_all(read: ReadResult, code: str, message: str) -> pd.DataFrame:
    """Quarantine every row of a file that cannot be loaded as a whole (e.g. a required column missing)."""
    rows = pd.DataFrame(read.rows, columns=read.header, dtype=object)
    frame = _quarantine_frame(
        rows, read.line_numbers, [None] * len(rows), [code] * len(rows), [message] * len(rows)
    )
    return _with_bad_lines(frame, read)

"""A later night's deliveries for a generated county: a given share of rows changed.

Used by the linkage benchmark's incremental night and by the demo's second run. For each CSV/JSONL
feed, `fraction` of the rows get a changed attribute (an amount, a date or a text column: the row
hash changes, the person does not); a fifth of those also lose their ID number, as happens when a
department re-keys a record by hand, so the incremental run has new work for the probabilistic pass
too. Full feeds are re-delivered whole; delta feeds deliver only the changed rows as 变更. XLSX feeds are not
re-delivered (a department that sends nothing on a night is normal).
"""

from __future__ import annotations

import csv
import json
from pathlib import Path

import numpy as np

from shouwang.registry import Feed, load_registry

_CHANGEABLE = ("decimal", "int", "text", "date")


def _target_column(feed: Feed) -> tuple[str, str] | None:
    keys = set(feed.key)
    for col in feed.columns:
        if col.source in keys or col.field in ("id_number", "name") or col.type not in _CHANGEABLE:
            continue
        return col.source, col.type
    return None


def _changed(value: str, kind: str) -> str:
    if kind in ("decimal", "int"):
        try:
            return str(round(float(value or 0) + 1, 2))
        except ValueError:
            return value + "1"
    if kind == "date":
        return "2021-07-01"
    return (value or "") + "改"


def _id_column(feed: Feed) -> str | None:
    return next((c.source for c in feed.columns if c.field == "id_number"), None)


def _change_type_column(feed: Feed) -> str | None:
    return next((c.source for c in feed.columns if c.type == "change_type"), None)


def write_later_delivery(landing: Path, out: Path, date: str, fraction: float = 0.01, seed: int = 5) -> dict:
    """Write changed deliveries dated `date` (YYYYMMDD) under `out`; returns rows changed per feed."""
    rng = np.random.default_rng(seed)
    registry = load_registry()
    changed: dict[str, int] = {}
    for feed in registry.feeds:
        if feed.format not in ("csv", "jsonl"):
            continue
        files = sorted((landing / feed.dept).glob(f"{feed.feed}_*.{feed.format}"))
        target = _target_column(feed)
        if not files or target is None:
            continue
        src = files[-1]
        column, kind = target
        id_col, ct_col = _id_column(feed), _change_type_column(feed)
        dest = out / feed.dept / f"{feed.feed}_{date}.{feed.format}"
        dest.parent.mkdir(parents=True, exist_ok=True)
        if feed.format == "csv":
            enc = feed.encoding or "utf-8-sig"
            with src.open(encoding=enc, newline="") as fh:
                rows = list(csv.reader(fh))
            header, body = rows[0], rows[1:]
            pick = rng.random(len(body)) < fraction
            drop_id = pick & (rng.random(len(body)) < 0.2)
            ci = header.index(column)
            ii = header.index(id_col) if id_col in header else None
            ti = header.index(ct_col) if ct_col and ct_col in header else None
            out_rows = []
            for row, p, d in zip(body, pick, drop_id, strict=True):
                if len(row) != len(header):
                    if not feed.is_delta:
                        out_rows.append(row)
                    continue
                if p:
                    row = list(row)
                    row[ci] = _changed(row[ci], kind)
                    if d and ii is not None:
                        row[ii] = ""
                    if ti is not None:
                        row[ti] = "变更"
                if p or not feed.is_delta:
                    out_rows.append(row)
            changed[feed.feed_id] = int(pick.sum())
            if feed.is_delta and not out_rows:
                continue  # no change, no delivery: a department with nothing to say sends nothing
            with dest.open("w", encoding=enc, newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(header)
                writer.writerows(out_rows)
        else:
            lines = src.read_text(encoding="utf-8").splitlines()
            pick = rng.random(len(lines)) < fraction
            drop_id = pick & (rng.random(len(lines)) < 0.2)
            out_lines = []
            for line, p, d in zip(lines, pick, drop_id, strict=True):
                if not p:
                    if not feed.is_delta:
                        out_lines.append(line)
                    continue
                try:
                    obj = json.loads(line)
                except ValueError:
                    continue
                obj[column] = _changed(str(obj.get(column) or ""), kind)
                if d and id_col:
                    obj[id_col] = ""
                if ct_col:
                    obj[ct_col] = "变更"
                out_lines.append(json.dumps(obj, ensure_ascii=False))
            changed[feed.feed_id] = int(pick.sum())
            if feed.is_delta and not out_lines:
                continue
            dest.write_text("\n".join(out_lines) + "\n", encoding="utf-8")
    return changed

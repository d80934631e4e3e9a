"""Reading helpers for the synthetic-county tests (kept apart from conftest.py so that the
import name is unique in the test tree)."""

from __future__ import annotations

import csv
import json
from pathlib import Path

from python_calamine import CalamineWorkbook

from shouwang.synth.registry import FeedSpec


def cell_text(v: object) -> str:
    """Cell value as the text a reader would see (whole floats without '.0')."""
    if v is None:
        return ""
    if isinstance(v, float):
        return str(int(v)) if v.is_integer() and abs(v) < 1e15 else repr(v)
    return str(v)


def read_rows(path: Path, spec: FeedSpec) -> tuple[list[str], list[list[object]]]:
    """(header, raw rows) of a delivery, in the feed's format."""
    if spec.format == "csv":
        text = path.read_bytes().decode(spec.encoding or "utf-8")
        rows = list(csv.reader(text.splitlines()))
        return rows[0], rows[1:]
    if spec.format == "jsonl":
        objs = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        header = list(objs[0]) if objs else list(spec.columns)
        return header, [[o.get(c) for c in header] for o in objs]
    sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).to_python()
    return [cell_text(v) for v in sheet[1]], sheet[2:]

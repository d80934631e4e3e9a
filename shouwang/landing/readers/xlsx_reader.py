"""XLSX deliveries: first sheet, a merged title row above the header, typed cells.

Cells arrive typed by Excel, so they are turned back into the text the department meant:
integral floats lose their ".0"; numbers too large to be exact (an ID number typed into a numeric
cell) keep a scientific form so that standardisation can recognise them as Excel-mangled; dates
become ISO text; Excel serial dates stay numbers and are parsed later.
"""

from __future__ import annotations

import datetime as dt
from itertools import zip_longest
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shouwang.landing.readers.base import (
    FileProblem,
    ReadResult,
    RejectedFile,
    _unique_names,
    clean_cell,
    header_problems,
)

_MAX_HEADER_SEARCH = 10


def excel_cell_text(value: object) -> str | None:
    """Text of one typed Excel cell (see module docstring)."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return f"{value:.15g}"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, dt.datetime):
        return (
            value.isoformat(sep=" ")
            if (value.hour or value.minute or value.second)
            else value.date().isoformat()
        )
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    return clean_cell(value)


def _find_header(rows: list[list], expected: tuple[str, ...]) -> int | None:
    wanted = set(expected)
    for i, row in enumerate(rows[:_MAX_HEADER_SEARCH]):
        names = [str(v).strip() for v in row if v not in (None, "")]
        if names and sum(n in wanted for n in names) >= max(1, len(names) // 2):
            return i
    return None


def read_xlsx(path: Path, expected: tuple[str, ...]) -> ReadResult:
    """Read the first sheet of an XLSX delivery."""
    from python_calamine import CalamineWorkbook

    if path.stat().st_size == 0:
        raise RejectedFile(FileProblem("empty_file", "file is empty", fatal=True))
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
    except Exception as exc:  # calamine raises several error types for broken workbooks
        raise RejectedFile(
            FileProblem("unreadable", f"not a readable XLSX workbook: {type(exc).__name__}", fatal=True)
        ) from exc
    header_at = _find_header(grid, expected)
    if header_at is None:
        raise RejectedFile(
            FileProblem(
                "unreadable", "no header row with the contract's column names in the first rows", True
            )
        )
    raw_header = [str(v).strip() for v in grid[header_at]]
    while raw_header and raw_header[-1] == "":
        raw_header.pop()
    width = len(raw_header)
    problems = header_problems(raw_header, expected)
    body = grid[header_at + 1 :]
    del grid
    n = len(body)
    # Transposed in C (zip), one tuple per sheet column; a short row reads as empty cells.
    columns = [_column_text(cells) for cells, _ in zip(zip_longest(*body), range(width), strict=False)]
    if len(columns) < width:  # no row below the header (nothing to transpose)
        columns += [pa.nulls(n, pa.string()) for _ in range(width - len(columns))]
    del body
    empty = np.ones(n, dtype=bool)  # empty sheet rows: nothing delivered
    for col in columns:
        empty &= col.is_null().to_numpy(zero_copy_only=False)
    lines = np.arange(header_at + 2, header_at + 2 + n, dtype=np.int64)
    if empty.any():
        keep = ~empty
        columns = [c.filter(pa.array(keep)) for c in columns]
        lines = lines[keep]
    return ReadResult(
        header=raw_header,
        columns=dict(zip(_unique_names(raw_header), columns, strict=True)),
        line_numbers=lines,
        problems=problems,
    )


def _column_text(values: tuple):
    """One sheet column as trimmed text in Arrow (empty -> null). Text cells go to Arrow as they
    are (trimmed in C++, as on the CSV path); only typed cells are turned into text one by one
    (`excel_cell_text`), and only in a column that has them."""
    try:
        arr = pa.array(values, type=pa.string())
    except (pa.ArrowTypeError, pa.ArrowInvalid):
        arr = pa.array([v if type(v) is str else excel_cell_text(v) for v in values], type=pa.string())
    trimmed = pc.utf8_trim_whitespace(arr)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)

"""Delivery writers: CSV (gb18030 / utf-8-sig), XLSX (title row + header on row 2), JSONL.

Writers take a mapping column -> sequence of cell values (str, int, float or None) in the
registry's column order and produce byte-for-byte reproducible files.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xlsxwriter

_NEEDS_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def write_csv(path: Path, columns: Sequence[str], data: Mapping[str, Any], encoding: str) -> None:
    """Comma separated, header on line 1, "\\n" line ends, in the feed's encoding."""
    df = pd.DataFrame({c: _as_object(data[c]) for c in columns}, columns=list(columns))
    df.to_csv(path, index=False, encoding=encoding, lineterminator="\n")


def write_xlsx(
    path: Path,
    columns: Sequence[str],
    data: Mapping[str, Any],
    title: str,
    created: datetime,
) -> None:
    """First sheet; merged title row (row 1) across the header width, header on row 2.

    Numbers are written as numbers (so Excel-mangled IDs and serial dates stay numeric cells),
    strings as inline strings (constant_memory mode keeps memory flat for large rosters)."""
    wb = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
        },
    )
    wb.set_properties({"created": created})
    ws = wb.add_worksheet("Sheet1")
    title_fmt = wb.add_format({"bold": True, "align": "center", "valign": "vcenter"})
    ncol = len(columns)
    if ncol > 1:
        ws.merge_range(0, 0, 0, ncol - 1, title, title_fmt)
    else:
        ws.write_string(0, 0, title, title_fmt)
    for c, name in enumerate(columns):
        ws.write_string(1, c, name)
    cols = [_as_list(data[c]) for c in columns]
    write_string = ws.write_string
    write_number = ws.write_number
    r = 2
    for row in zip(*cols, strict=True):
        for c, v in enumerate(row):
            if v.__class__ is str:
                if v:
                    write_string(r, c, v)
            elif v is None:
                continue
            elif isinstance(v, float) and v != v:
                continue
            else:
                write_number(r, c, v)
        r += 1
    wb.close()


def write_jsonl(path: Path, columns: Sequence[str], data: Mapping[str, Any], chunk: int = 200_000) -> None:
    """One JSON object per line, UTF-8, keys in column order, non-ASCII kept as is.

    Lines are assembled column-wise (values are plain strings; the rare ones that need JSON
    escaping go through json.dumps)."""
    enc = [_json_strings(_as_object(data[c])) for c in columns]
    keys = [json.dumps(c, ensure_ascii=False) + ":" for c in columns]
    n = len(enc[0]) if enc else 0
    with open(path, "w", encoding="utf-8", newline="\n") as fh:
        for start in range(0, n, chunk):
            stop = min(n, start + chunk)
            acc = "{" + keys[0] + enc[0][start:stop]
            for k, col in zip(keys[1:], enc[1:], strict=True):
                acc = acc + ("," + k) + col[start:stop]
            acc = acc + "}\n"
            fh.write("".join(acc.tolist()))


def _json_strings(values: np.ndarray) -> np.ndarray:
    """JSON string literals for a column (plain values are quoted; only odd ones are escaped)."""
    strs = (
        np.array(["" if v is None else str(v) for v in values], dtype=object)
        if not _all_str(values)
        else values
    )
    out = '"' + strs + '"'
    if len(strs) and _NEEDS_ESCAPE.search("\uffff".join(strs.tolist())) is not None:
        for i, v in enumerate(strs.tolist()):
            if _NEEDS_ESCAPE.search(v):
                out[i] = json.dumps(v, ensure_ascii=False)
    return out


def _all_str(values: np.ndarray) -> bool:
    return len(values) == 0 or pd.api.types.infer_dtype(values, skipna=False) == "string"


def _as_object(values: Any) -> np.ndarray:
    arr = np.asarray(values)
    return arr if arr.dtype == object else arr.astype(object)


def _as_list(values: Any) -> list:
    if isinstance(values, np.ndarray):
        return values.tolist()
    return list(values)

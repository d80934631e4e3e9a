"""Fast reading paths through Apache Arrow's C++ CSV and JSON parsers.

They handle the common case (a CSV whose quoted lines, if any, read the same with Python's csv
module, a JSONL file of string values) about ten times faster than the Python parsers and with a
fraction of the memory. Whenever a file is not that
common case they return None and the caller uses the general Python path, so results never depend
on which path ran: same values, same line numbers, same bad lines.
"""

from __future__ import annotations

import csv
import io

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from shouwang.landing.readers.base import BadLine, clean_cell


def _line_bounds(data: bytes):
    arr = np.frombuffer(data, dtype=np.uint8)
    nl = np.flatnonzero(arr == 10)
    return arr, np.concatenate(([0], nl + 1)), np.concatenate((nl, [len(arr)]))


def arrow_csv_line_numbers(data: bytes) -> np.ndarray:
    """1-based physical lines as Arrow's CSV reader numbers its rows: all but empty (or lone CR) lines."""
    arr, starts, ends = _line_bounds(data)
    lengths = ends - starts
    keep = lengths > 0
    one = np.flatnonzero(lengths == 1)
    keep[one[arr[starts[one]] == 13]] = False
    return np.flatnonzero(keep) + 1


def _physical_lines(data: bytes, arrow_lines: int) -> np.ndarray:
    """`arrow_csv_line_numbers`, without scanning every byte in the common case: when every CR is
    part of a CRLF and Arrow saw as many lines as there are line breaks, no line is empty, so the
    lines are simply 1..n (Arrow skips empty lines and also breaks lines at a lone CR)."""
    crs = data.count(b"\r")
    if crs == 0 or crs == data.count(b"\r\n"):
        lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
        if lines == arrow_lines:
            return np.arange(1, lines + 1, dtype=np.int64)
    return arrow_csv_line_numbers(data)


def _may_have_blank_line(data: bytes) -> bool:
    """False only when no line can be blank: a blank line is empty or white space only, so it
    starts the file or follows a line break with one of LF, CR, space, tab. Substring searches
    (memchr speed) instead of a mask of every byte; a line that merely starts with a space also
    answers True, which only costs the exact scan."""
    return data[:1].isspace() or any(p in data for p in (b"\n\n", b"\n\r", b"\n ", b"\n\t"))


def nonblank_line_numbers(data: bytes) -> np.ndarray:
    """1-based physical line numbers of the lines that are not blank (spaces, tabs and CR only)."""
    if data and not _may_have_blank_line(data):
        return np.arange(1, data.count(b"\n") + (not data.endswith(b"\n")) + 1, dtype=np.int64)
    arr, starts, ends = _line_bounds(data)
    keep = ends > starts
    # Only a line that starts with white space can be blank: look at those few one by one.
    first = arr[np.minimum(starts, max(len(arr) - 1, 0))] if len(arr) else np.empty(0, dtype=np.uint8)
    maybe = np.flatnonzero(keep & ((first == 32) | (first == 9) | (first == 13)))
    for i in maybe:
        if not data[starts[i] : ends[i]].strip(b" \t\r"):
            keep[i] = False
    return np.flatnonzero(keep) + 1


def _strings(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """Trimmed values, empty becoming null (as the Python paths do); kept in Arrow (compact)."""
    trimmed = pc.utf8_trim_whitespace(column)
    return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)


def _quoted_lines_agree(body: bytes, rows_physical: np.ndarray, columns: dict, names: list[str]) -> bool:
    """True when every line holding a quote reads the same with Python's csv module as Arrow read it.

    Only such lines can read differently: a quote opening a value that runs on to the next line
    (Python joins the lines into one record; Arrow, told that values hold no line breaks, does not),
    a quote inside a value, a stray quote. Each such line is parsed on its own, with its line
    break: a value that swallowed the line break means a record spanning lines, so the file goes
    to the Python path; so does any difference in the values.
    """
    arr, starts, ends = _line_bounds(body)
    quotes = np.flatnonzero(arr == ord('"'))
    lines = np.unique(np.searchsorted(ends, quotes))  # 0-based physical lines holding a quote
    lines = lines[lines > 0]  # the header was read by the csv module already
    if not len(lines):
        return True
    at = np.searchsorted(rows_physical, lines + 1)
    if (at >= len(rows_physical)).any() or (
        rows_physical[np.minimum(at, len(rows_physical) - 1)] != lines + 1
    ).any():
        return False  # a quoted line Arrow did not read as a row (skipped as blank or invalid)
    taken = pa.array(at)
    arrow_rows = zip(*(columns[n].take(taken).to_pylist() for n in names), strict=True)
    for line, arrow_values in zip(lines.tolist(), arrow_rows, strict=True):
        text = body[starts[line] : min(ends[line] + 1, len(body))].decode("utf-8")
        try:
            records = list(csv.reader(io.StringIO(text, newline="")))
        except csv.Error:
            return False
        if len(records) != 1 or len(records[0]) != len(names):
            return False
        if any("\n" in v or "\r" in v for v in records[0]):
            return False
        if [clean_cell(v) for v in records[0]] != list(arrow_values):
            return False
    return True


def read_csv_fast(body: bytes, header: list[str], names: list[str]):
    """Parse UTF-8 CSV bytes (header line included) with Arrow; None when the file needs the
    Python path (records spanning lines, lines Arrow and Python's csv module would read apart)."""
    import pyarrow.csv as pcsv

    quoted = b'"' in body
    invalid: list[tuple[int, str, int]] = []
    blank: list[int] = []

    def on_invalid(row) -> str:
        if row.text is not None and not row.text.strip():
            blank.append(row.number)  # a line of spaces: blank, as on the Python path
        else:
            invalid.append((row.number, row.text, row.actual_columns))
        return "skip"

    try:
        table = pcsv.read_csv(
            io.BytesIO(body),
            read_options=pcsv.ReadOptions(
                use_threads=False, skip_rows=1, column_names=names, block_size=64 << 20
            ),
            parse_options=pcsv.ParseOptions(invalid_row_handler=on_invalid, newlines_in_values=False),
            convert_options=pcsv.ConvertOptions(
                column_types={n: pa.string() for n in names}, strings_can_be_null=False
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    physical = _physical_lines(body, table.num_rows + len(invalid) + len(blank) + 1)  # [0]: header
    if any(num is None for num, _, _ in invalid) or any(num is None for num in blank):
        return None
    if table.num_rows + len(invalid) + len(blank) != len(physical) - 1:
        return None
    is_row = np.ones(len(physical), dtype=bool)
    is_row[0] = False  # the header
    is_row[[num - 1 for num, _, _ in invalid] + [num - 1 for num in blank]] = False
    rows_physical = physical[is_row]
    bad = [
        BadLine(
            int(physical[num - 1]),
            "wrong_field_count",
            f"{actual} fields where the header has {len(header)} (truncated or shifted line)",
            {"fields": text.split(",")},
        )
        for num, text, actual in invalid
    ]
    if quoted and invalid:  # its fields were split at every comma, quotes or not
        return None
    columns = {n: _strings(table.column(n)) for n in names}
    if quoted and not _quoted_lines_agree(body, rows_physical, columns, names):
        return None
    return columns, rows_physical.astype(np.int64), bad


def read_jsonl_fast(body: bytes, expected: tuple[str, ...]):
    """Parse JSONL whose values are all strings or null; None when any line needs the Python path.

    Returns (columns for `expected`, line numbers, extra keys, keys without any value).
    """
    import pyarrow.json as pj

    physical = nonblank_line_numbers(body)
    if len(physical) == 0:
        return None
    schema = pa.schema([(c, pa.string()) for c in expected])
    try:
        table = pj.read_json(
            io.BytesIO(body),
            parse_options=pj.ParseOptions(explicit_schema=schema, unexpected_field_behavior="infer"),
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != len(physical):
        return None
    extra = [c for c in table.column_names if c not in expected]
    columns = {c: _strings(table.column(c)) for c in expected}
    return columns, physical.astype(np.int64), extra

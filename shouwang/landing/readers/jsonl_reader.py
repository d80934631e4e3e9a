"""JSONL deliveries: one JSON object per line, UTF-8, keys are the contract's column names."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pyarrow as pa

from shouwang.landing.readers.arrow_fast import read_jsonl_fast
from shouwang.landing.readers.base import (
    BadLine,
    FileProblem,
    ReadResult,
    RejectedFile,
    all_missing,
    clean_cell,
    from_rows,
    header_problems,
)
from shouwang.landing.readers.csv_reader import decode_strict, tail_bad_line


def _cell(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return clean_cell(value)


def _read_python(text: str, expected: tuple[str, ...]):
    """The general path: one json.loads per line (numbers, nested values, broken lines)."""
    rows: list[list[str | None]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    extra_keys: dict[str, None] = {}
    for line_no, line in enumerate(text.split("\n"), start=1):  # not splitlines(): U+2028 is data
        line = line.rstrip("\r")
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except json.JSONDecodeError as exc:
            bad.append(BadLine(line_no, "unparseable_line", f"not valid JSON: {exc.msg}", {"line": line}))
            continue
        if not isinstance(obj, dict):
            bad.append(BadLine(line_no, "unparseable_line", "line is not a JSON object", {"line": line}))
            continue
        for k in obj:
            if k not in expected:
                extra_keys[k] = None
        rows.append([_cell(obj.get(col)) for col in expected])
        lines.append(line_no)
    return from_rows(list(expected), rows, lines, bad_lines=bad), list(extra_keys)


def _read_fast_or_python(text: str, body: bytes, expected: tuple[str, ...]):
    """Arrow for the body; a truncated last line (common) does not push the whole file to Python."""
    stripped = body.rstrip(b"\r\n")
    cut = stripped.rfind(b"\n") + 1
    head = read_jsonl_fast(body[:cut], expected) if cut else None
    if head is None:
        return _read_python(text, expected)
    columns, lines, extra = head
    offset = body[:cut].count(b"\n")
    tail, tail_extra = _read_python(body[cut:].decode("utf-8"), expected)
    for c in expected:
        columns[c] = pa.chunked_array([*columns[c].chunks, pa.array(tail.columns[c], type=pa.string())])
    result = ReadResult(
        header=list(expected),
        columns=columns,
        line_numbers=np.concatenate([lines, tail.line_numbers + offset]),
        bad_lines=[BadLine(b.line_no + offset, b.reason_code, b.message, b.raw) for b in tail.bad_lines],
    )
    return result, list(dict.fromkeys(extra + tail_extra))


def read_jsonl(path: Path, expected: tuple[str, ...]) -> ReadResult:
    """Read a JSONL delivery; a line that is not a JSON object becomes a bad line."""
    data = path.read_bytes()
    if not data or data.isspace():  # (no stripped copy of the whole file)
        raise RejectedFile(FileProblem("empty_file", "file is empty", fatal=True))
    body = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    fast = read_jsonl_fast(body, expected)  # Arrow validates UTF-8 itself: no decode needed
    if fast is not None:
        columns, lines, extra = fast
        result, problems = ReadResult(header=list(expected), columns=columns, line_numbers=lines), []
    else:
        text, problems, tail = decode_strict(data, "utf-8")
        result, extra = _read_fast_or_python(text, text.encode("utf-8"), expected)
        result.bad_lines += tail_bad_line(text, tail)
        del text
    del data, body
    if extra:
        problems.append(
            FileProblem("unexpected_column", f"keys not in the contract, ignored: {', '.join(extra)}")
        )
    # A key no line carries a value for is treated like a CSV column that is not there.
    absent = [c for c in expected if all_missing(result.columns[c])]
    for c in absent:
        del result.columns[c]
    result.header = [c for c in expected if c not in absent]
    problems += [p for p in header_problems(result.header, expected) if p.code != "unexpected_column"]
    result.problems = problems
    return result

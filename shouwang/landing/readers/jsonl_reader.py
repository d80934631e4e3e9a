"""JSONL deliveries: one JSON object per line, UTF-8, keys are the contract's column names."""

from __future__ import annotations

import json
from pathlib import Path

from shouwang.landing.readers.base import (
    BadLine,
    FileProblem,
    ReadResult,
    RejectedFile,
    clean_cell,
    header_problems,
)
from shouwang.landing.readers.csv_reader import decode_strict


def _cell(value: object) -> str | None:
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        value = int(value)
    if isinstance(value, (dict, list)):
        value = json.dumps(value, ensure_ascii=False)
    return clean_cell(value)


def read_jsonl(path: Path, expected: tuple[str, ...]) -> ReadResult:
    """Read a JSONL delivery; a line that is not a JSON object becomes a bad line."""
    data = path.read_bytes()
    if not data.strip():
        raise RejectedFile(FileProblem("empty_file", "file is empty", fatal=True))
    text, problems = decode_strict(data, "utf-8")
    header = list(expected)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    extra_keys: dict[str, None] = {}
    seen_keys: set[str] = set()
    for line_no, line in enumerate(text.splitlines(), start=1):
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
        seen_keys.update(obj)
        for k in obj:
            if k not in expected:
                extra_keys[k] = None
        rows.append([_cell(obj.get(col)) for col in header])
        lines.append(line_no)
    if extra_keys:
        problems.append(
            FileProblem("unexpected_column", f"keys not in the contract, ignored: {', '.join(extra_keys)}")
        )
    # Columns that no line carried are treated like a CSV header without them.
    present = [i for i, c in enumerate(header) if c in seen_keys] if rows else list(range(len(header)))
    if len(present) != len(header):
        header = [header[i] for i in present]
        rows = [[r[i] for i in present] for r in rows]
    problems += [p for p in header_problems(header, expected) if p.code != "unexpected_column"]
    return ReadResult(header=header, rows=rows, line_numbers=lines, bad_lines=bad, problems=problems)

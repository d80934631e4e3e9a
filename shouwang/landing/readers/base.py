"""Shared result types of the readers."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class FileProblem:
    """A file-level finding, recorded on the delivery. `fatal` problems reject the file."""

    code: str  # e.g. wrong_encoding, missing_column, unexpected_column, empty_file, unreadable
    message: str
    fatal: bool = False

    def as_dict(self) -> dict:
        return {"code": self.code, "message": self.message, "fatal": self.fatal}


class RejectedFile(Exception):
    """The file cannot be read at all (wrong encoding, not a workbook, empty)."""

    def __init__(self, problem: FileProblem):
        super().__init__(problem.message)
        self.problem = problem


@dataclass
class BadLine:
    """A physical line/row that could not be split into the header's fields."""

    line_no: int
    reason_code: str
    message: str
    raw: dict


@dataclass
class ReadResult:
    """A file's delivered values, column by column, aligned: each column is a numpy object array
    (str or None) or, from the Arrow fast paths, an Arrow string array (compact); read values with
    `column_values`."""

    header: list[str]
    columns: dict[str, object]  # one entry per header name, in header order
    line_numbers: np.ndarray  # physical line (csv/jsonl) or sheet row (xlsx) of each row
    bad_lines: list[BadLine] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def n_rows(self) -> int:
        return len(self.line_numbers)

    @property
    def rows_read(self) -> int:
        return self.n_rows + len(self.bad_lines)


def column_values(column, rows: np.ndarray | None = None) -> np.ndarray:
    """Values of a read column (numpy object array or Arrow string array) as an object array.

    The fast readers keep columns in Arrow (compact); callers convert the rows they work on, chunk
    by chunk, so a large file never exists as millions of Python strings at once.
    """
    if isinstance(column, np.ndarray):
        return column if rows is None else column[rows]
    if rows is not None:
        if len(rows) == 0:
            return np.empty(0, dtype=object)
        if int(rows[-1]) - int(rows[0]) + 1 == len(rows):  # contiguous: a zero-copy slice
            column = column.slice(int(rows[0]), len(rows))
        else:
            import pyarrow as pa

            column = column.take(pa.array(rows))
    return np.asarray(column.to_numpy(zero_copy_only=False), dtype=object)


def all_missing(column) -> bool:
    if isinstance(column, np.ndarray):
        return bool(len(column)) and all(v is None for v in column)
    return len(column) > 0 and column.null_count == len(column)


def from_rows(header: list[str], rows: list[list[str | None]], lines: list[int], **kw) -> ReadResult:
    """Build a columnar result from row lists (the slow, fully general reading paths)."""
    width = len(header)
    cols = [np.empty(len(rows), dtype=object) for _ in range(width)]
    if rows:
        for j, values in enumerate(zip(*rows, strict=True)):
            cols[j][:] = values
    unique = _unique_names(header)
    return ReadResult(
        header=header,
        columns=dict(zip(unique, cols, strict=True)),
        line_numbers=np.asarray(lines, dtype=np.int64),
        **kw,
    )


def _unique_names(header: list[str]) -> list[str]:
    """Header names made unique (a duplicated column is a fatal problem, reported separately)."""
    seen: dict[str, int] = {}
    out = []
    for name in header:
        n = seen.get(name, 0)
        out.append(name if n == 0 else f"{name}#{n}")
        seen[name] = n + 1
    return out


def clean_cell(value: object) -> str | None:
    """A delivered value as text; empty and whitespace-only become None."""
    if value is None:
        return None
    text = value if isinstance(value, str) else str(value)
    text = text.strip()
    return text or None


def header_problems(header: list[str], expected: tuple[str, ...]) -> list[FileProblem]:
    """Compare a delivered header to the contract: extra columns are reported, missing ones too.

    Whether a missing column is fatal depends on the feed (required fields), so this only reports;
    the staging step decides.
    """
    problems: list[FileProblem] = []
    seen = set()
    for name in header:
        if name in seen:
            problems.append(FileProblem("duplicate_column", f"column {name!r} appears twice", fatal=True))
        seen.add(name)
    extra = [h for h in header if h not in expected]
    missing = [e for e in expected if e not in seen]
    if extra:
        problems.append(
            FileProblem("unexpected_column", f"columns not in the contract, ignored: {', '.join(extra)}")
        )
    if missing:
        problems.append(FileProblem("missing_column", f"columns missing: {', '.join(missing)}"))
    return problems

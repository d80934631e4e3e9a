"""Shared result types of the readers."""

from __future__ import annotations

from dataclasses import dataclass, field


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
    header: list[str]
    rows: list[list[str | None]]  # aligned with header
    line_numbers: list[int]
    bad_lines: list[BadLine] = field(default_factory=list)
    problems: list[FileProblem] = field(default_factory=list)

    @property
    def rows_read(self) -> int:
        return len(self.rows) + len(self.bad_lines)


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

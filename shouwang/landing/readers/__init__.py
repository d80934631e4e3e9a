"""Readers turn one delivery file into string rows, exactly as delivered, and report problems.

Every reader returns a :class:`ReadResult`: the header, good rows (all values str or None) with
their line numbers, rows that could not be split into fields (to quarantine), and file-level
problems. Readers never guess an encoding silently: a file in the wrong encoding is rejected.
"""

from __future__ import annotations

from pathlib import Path

from shouwang.landing.readers.base import FileProblem, ReadResult, RejectedFile
from shouwang.landing.readers.csv_reader import read_csv
from shouwang.landing.readers.jsonl_reader import read_jsonl
from shouwang.landing.readers.xlsx_reader import read_xlsx
from shouwang.registry import Feed

__all__ = ["FileProblem", "ReadResult", "RejectedFile", "read_delivery"]


def read_delivery(path: Path, feed: Feed) -> ReadResult:
    """Read `path` with the reader for the feed's contract format."""
    if feed.format == "csv":
        return read_csv(path, encoding=feed.encoding or "utf-8", expected=feed.source_columns)
    if feed.format == "xlsx":
        return read_xlsx(path, expected=feed.source_columns)
    if feed.format == "jsonl":
        return read_jsonl(path, expected=feed.source_columns)
    raise ValueError(f"no reader for format {feed.format!r}")

"""CSV deliveries: GB18030 or UTF-8 with BOM, header on line 1, comma separated."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shouwang.landing.readers.base import (
    BadLine,
    FileProblem,
    ReadResult,
    RejectedFile,
    clean_cell,
    header_problems,
)


def _looks_utf8(data: bytes) -> bool:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return any(ord(ch) > 127 for ch in text)


def decode_strict(data: bytes, encoding: str) -> tuple[str, list[FileProblem]]:
    """Decode with the contract's encoding or reject; never produce mojibake.

    GB18030 decodes almost any byte string, so a UTF-8 file declared GB18030 would load as garbage:
    check for valid non-ASCII UTF-8 first. A UTF-8 file missing its BOM is accepted with a note.
    """
    problems: list[FileProblem] = []
    enc = encoding.lower()
    if enc == "gb18030":
        if data.startswith(b"\xef\xbb\xbf") or _looks_utf8(data):
            raise RejectedFile(
                FileProblem("wrong_encoding", "file is UTF-8 but the contract says GB18030", fatal=True)
            )
        try:
            return data.decode("gb18030"), problems
        except UnicodeDecodeError as exc:
            raise RejectedFile(
                FileProblem("wrong_encoding", f"not valid GB18030 at byte {exc.start}", fatal=True)
            ) from exc
    # utf-8-sig / utf-8
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        try:
            data.decode("gb18030")
            hint = "; it decodes as GB18030"
        except UnicodeDecodeError:
            hint = ""
        raise RejectedFile(
            FileProblem("wrong_encoding", f"not valid UTF-8 at byte {exc.start}{hint}", fatal=True)
        ) from exc
    if enc == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
        problems.append(FileProblem("missing_bom", "UTF-8 without the byte-order mark the contract states"))
    return text, problems


def read_csv(path: Path, encoding: str, expected: tuple[str, ...]) -> ReadResult:
    """Read a CSV delivery; lines with the wrong number of fields are returned as bad lines."""
    data = path.read_bytes()
    if not data.strip():
        raise RejectedFile(FileProblem("empty_file", "file is empty", fatal=True))
    text, problems = decode_strict(data, encoding)
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = [h.strip() for h in next(reader)]
    except (StopIteration, csv.Error) as exc:
        raise RejectedFile(FileProblem("unreadable", f"no header line: {exc}", fatal=True)) from exc
    problems += header_problems(header, expected)
    width = len(header)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    line_no = 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a quote left open by a truncated line
            bad.append(BadLine(reader.line_num, "unparseable_line", f"CSV error: {exc}", {}))
            break
        line_no = reader.line_num
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line: nothing delivered
        if len(fields) != width:
            bad.append(
                BadLine(
                    line_no,
                    "wrong_field_count",
                    f"{len(fields)} fields where the header has {width} (truncated or shifted line)",
                    {"fields": fields},
                )
            )
            continue
        rows.append([clean_cell(v) for v in fields])
        lines.append(line_no)
    return ReadResult(header=header, rows=rows, line_numbers=lines, bad_lines=bad, problems=problems)

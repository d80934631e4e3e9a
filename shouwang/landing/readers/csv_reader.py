"""CSV deliveries: GB18030 or UTF-8 with BOM, header on line 1, comma separated."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from shouwang.landing.readers.arrow_fast import read_csv_fast
from shouwang.landing.readers.base import (
    BadLine,
    FileProblem,
    ReadResult,
    RejectedFile,
    _unique_names,
    clean_cell,
    from_rows,
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


def _read_python(text: str, header: list[str]) -> ReadResult:
    """The general path: Python's csv module handles quoting and embedded newlines."""
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    width = len(header)
    rows: list[list[str | None]] = []
    lines: list[int] = []
    bad: list[BadLine] = []
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:  # e.g. a quote left open by a truncated line
            bad.append(BadLine(reader.line_num, "unparseable_line", f"CSV error: {exc}", {}))
            break
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            continue  # blank line: nothing delivered
        if len(fields) != width:
            bad.append(
                BadLine(
                    reader.line_num,
                    "wrong_field_count",
                    f"{len(fields)} fields where the header has {width} (truncated or shifted line)",
                    {"fields": fields},
                )
            )
            continue
        rows.append([clean_cell(v) for v in fields])
        lines.append(reader.line_num)
    return from_rows(header, rows, lines, bad_lines=bad)


def read_csv(path: Path, encoding: str, expected: tuple[str, ...]) -> ReadResult:
    """Read a CSV delivery; lines with the wrong number of fields are returned as bad lines."""
    data = path.read_bytes()
    if not data.strip():
        raise RejectedFile(FileProblem("empty_file", "file is empty", fatal=True))
    if encoding.lower().startswith("utf-8") and data.startswith(b"\xef\xbb\xbf"):
        # Already UTF-8: Arrow validates it while parsing, so skip the full decode/encode round trip.
        body, problems = data[3:], []
        first_line = body[: body.find(b"\n") + 1 or len(body)]
        try:
            header_text = first_line.decode("utf-8")
        except UnicodeDecodeError:
            header_text = None
        fast = _fast(body, header_text, expected, problems) if header_text is not None else None
        if fast is not None:
            return fast
    text, problems = decode_strict(data, encoding)
    del data
    body = text.encode("utf-8")
    fast = _fast(body, text[: text.find("\n") + 1 or len(text)], expected, problems)
    if fast is not None:
        return fast
    del body
    header = _header(text)
    result = _read_python(text, header)
    result.problems = problems + header_problems(header, expected)
    return result


def _header(text: str) -> list[str]:
    try:
        return [h.strip() for h in next(csv.reader(io.StringIO(text, newline="")))]
    except (StopIteration, csv.Error) as exc:
        raise RejectedFile(FileProblem("unreadable", f"no header line: {exc}", fatal=True)) from exc


def _fast(body: bytes, header_text: str, expected, problems) -> ReadResult | None:
    """The Arrow path (see arrow_fast); None when this file needs the Python path."""
    header = _header(header_text)
    fast = read_csv_fast(body, header, _unique_names(header))
    if fast is None:
        return None
    columns, lines, bad = fast
    return ReadResult(
        header=header,
        columns=columns,
        line_numbers=lines,
        bad_lines=bad,
        problems=problems + header_problems(header, expected),
    )

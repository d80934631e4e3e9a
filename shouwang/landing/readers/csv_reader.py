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


def _complete_lines(data: bytes) -> tuple[bytes, bytes]:
    """The bytes up to the last line break, and the last line after it."""
    end = len(data)
    while end and data[end - 1] in b"\r\n":  # the trailing line breaks, without copying the file
        end -= 1
    cut = data.rfind(b"\n", 0, end) + 1
    return data[:cut], data[cut:]


def decode_strict(data: bytes, encoding: str) -> tuple[str, list[FileProblem], bytes]:
    """Decode with the contract's encoding or reject; never produce mojibake.

    GB18030 decodes almost any byte string, so a UTF-8 file declared GB18030 would load as garbage:
    check for valid non-ASCII UTF-8 first. A UTF-8 file missing its BOM is accepted with a note.
    A last line cut inside a multi-byte character (a truncated delivery) does not reject the file:
    its bytes are returned separately, for the reader to quarantine as a bad line.
    Returns (text, problems, undecodable last line).
    """
    problems: list[FileProblem] = []
    enc = "gb18030" if encoding.lower() == "gb18030" else "utf-8-sig"
    head, tail = _complete_lines(data)
    if enc == "gb18030" and (data.startswith(b"\xef\xbb\xbf") or _looks_utf8(data) or _looks_utf8(head)):
        raise RejectedFile(FileProblem("wrong_encoding", "file is UTF-8 but the contract says GB18030", True))
    try:
        text = data.decode(enc)
        tail = b""
    except UnicodeDecodeError as exc:
        if head and exc.start >= len(head):
            try:
                text = head.decode(enc)
            except UnicodeDecodeError:
                text = None
            if text is not None:
                problems.append(
                    FileProblem("truncated_last_line", "the last line ends inside a character (cut off)")
                )
                return text, problems + _bom_note(data, encoding), tail
        hint = ""
        if enc != "gb18030":
            try:
                data.decode("gb18030")
                hint = "; it decodes as GB18030"
            except UnicodeDecodeError:
                pass
        name = "GB18030" if enc == "gb18030" else "UTF-8"
        raise RejectedFile(
            FileProblem("wrong_encoding", f"not valid {name} at byte {exc.start}{hint}", fatal=True)
        ) from exc
    return text, problems + _bom_note(data, encoding), tail


def _bom_note(data: bytes, encoding: str) -> list[FileProblem]:
    if encoding.lower() == "utf-8-sig" and not data.startswith(b"\xef\xbb\xbf"):
        return [FileProblem("missing_bom", "UTF-8 without the byte-order mark the contract states")]
    return []


def tail_bad_line(text: str, tail: bytes) -> list[BadLine]:
    """The undecodable last line of a truncated file, as a bad line to quarantine."""
    if not tail:
        return []
    line_no = text.count("\n") + 1
    return [
        BadLine(line_no, "truncated_line", "the last line is cut inside a character", {"bytes": tail.hex()})
    ]


def _read_python(text: str, header: list[str]) -> ReadResult:
    """The general path: Python's csv module handles quoting and embedded newlines.

    A stray quote makes the csv module read on to the end of the file as one record: a record that
    spans several physical lines and still has the wrong field count is therefore split back into
    its lines, each parsed on its own, so one broken line never swallows the lines after it.
    """
    lines = text.split("\n")
    width = len(header)
    rows: list[list[str | None]] = []
    numbers: list[int] = []
    bad: list[BadLine] = []

    def take(fields: list[str], line_no: int) -> None:
        if not fields or (len(fields) == 1 and not fields[0].strip()):
            return  # blank line: nothing delivered
        if len(fields) != width:
            bad.append(
                BadLine(
                    line_no,
                    "wrong_field_count",
                    f"{len(fields)} fields where the header has {width} (truncated or shifted line)",
                    {"fields": fields},
                )
            )
            return
        rows.append([clean_cell(v) for v in fields])
        numbers.append(line_no)

    def one_by_one(first: int, last: int) -> None:  # 1-based physical lines, inclusive
        for k in range(first, last + 1):
            try:
                fields = next(csv.reader([lines[k - 1].rstrip("\r")]), [])
            except csv.Error as exc:
                bad.append(BadLine(k, "unparseable_line", f"CSV error: {exc}", {"line": lines[k - 1]}))
                continue
            if len(fields) == width or not any(f.strip() for f in fields):
                take(fields, k)
            else:
                bad.append(
                    BadLine(
                        k,
                        "wrong_field_count",
                        f"{len(fields)} fields where the header has {width}",
                        {"line": lines[k - 1]},
                    )
                )

    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    start = reader.line_num + 1
    while True:
        try:
            fields = next(reader)
        except StopIteration:
            break
        except csv.Error:  # the reader cannot go on: the rest is read line by line
            one_by_one(start, len(lines) if lines[-1] else len(lines) - 1)
            break
        end = reader.line_num
        if len(fields) != width and end > start and fields:
            one_by_one(start, end)
        else:
            take(fields, start)
        start = end + 1
    return from_rows(header, rows, numbers, bad_lines=bad)


def read_csv(path: Path, encoding: str, expected: tuple[str, ...]) -> ReadResult:
    """Read a CSV delivery; lines with the wrong number of fields are returned as bad lines."""
    data = path.read_bytes()
    if not data or data.isspace():  # (no stripped copy of the whole file)
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
    text, problems, tail = decode_strict(data, encoding)
    del data
    body = text.encode("utf-8")
    result = _fast(body, text[: text.find("\n") + 1 or len(text)], expected, problems)
    del body
    if result is None:
        header = _header(text)
        result = _read_python(text, header)
        result.problems = problems + header_problems(header, expected)
    result.bad_lines += tail_bad_line(text, tail)
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

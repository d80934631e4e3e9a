"""Line numbers of CSV and JSONL rows, as quarantine and staging report them, must be the physical
lines of the delivered file however its lines are laid out: the Arrow paths count line breaks
instead of scanning every byte when they can, and must fall back to the scan whenever a line is
empty or blank."""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from shouwang.landing.readers.arrow_fast import nonblank_line_numbers
from shouwang.landing.readers.base import column_values
from shouwang.landing.readers.csv_reader import read_csv

HEADER = b"a,b"
LINES = [b"1,x", b"2,y", b"", b"   ", b"3,z", b"4,w", b"5,v"]


def _expected(body: bytes) -> list[int]:
    """Physical line numbers of the data rows: every line after the header that has content."""
    return [i + 1 for i, line in enumerate(body.split(b"\n")) if i and line.strip(b" \t\r")]


def _bodies():
    for n in range(1, 5):
        for chosen in itertools.permutations(LINES, n):
            for newline in (b"\n", b"\r\n"):
                body = newline.join([HEADER, *chosen])
                yield body
                yield body + newline


@pytest.mark.parametrize("encoding", ["gb18030", "utf-8-sig"])
def test_rows_keep_their_physical_line_numbers(tmp_path, encoding):
    path = tmp_path / "f.csv"
    checked = 0
    for body in _bodies():
        data = (b"\xef\xbb\xbf" if encoding == "utf-8-sig" else b"") + body
        path.write_bytes(data)
        read = read_csv(path, encoding, ("a", "b"))
        assert read.line_numbers.tolist() == _expected(body), body
        assert [b.line_no for b in read.bad_lines] == []
        checked += 1
    assert checked > 1000


def test_a_carriage_return_inside_a_line_does_not_shift_the_numbers(tmp_path):
    path = tmp_path / "f.csv"
    # Arrow breaks lines at the lone CR as well, so it sees as many lines as there are line
    # breaks: counting them would number "3,w" as line 5.
    path.write_bytes(b"a,b\n1,x\n2,y\rz\n\n3,w\n")
    read = read_csv(path, "gb18030", ("a", "b"))
    numbered = dict(zip(read.line_numbers.tolist(), column_values(read.columns["a"]).tolist(), strict=True))
    assert numbered == {2: "1", 3: "2", 6: "3"}


QUOTED_LINES = [
    b'1,"x,y"',
    b'2,"a""b"',
    b'3,"multi',
    b'line",z',
    b'li,ne"',
    b'4,ab"c',
    b'"5",w',
    b'6,"',
    b"7,v",
    b'8,"t" ',
]


def test_quoted_files_read_exactly_as_the_python_path_reads_them(tmp_path):
    """Arrow reads a file with quotes only when every quoted line reads the same with the csv
    module; whatever path a file takes, values, line numbers and bad lines are those of the
    Python path."""
    from shouwang.landing.readers.csv_reader import _header, _read_python

    path = tmp_path / "f.csv"
    took_arrow = 0
    for n in range(1, 4):
        for chosen in itertools.permutations(QUOTED_LINES, n):
            body = b"\n".join([HEADER, *chosen]) + b"\n"
            path.write_bytes(body)
            fast = read_csv(path, "gb18030", ("a", "b"))
            text = body.decode()
            slow = _read_python(text, _header(text))
            assert fast.line_numbers.tolist() == slow.line_numbers.tolist(), body
            for name in ("a", "b"):
                got = column_values(fast.columns[name]).tolist()
                assert got == column_values(slow.columns[name]).tolist(), body
            assert [(b.line_no, b.reason_code) for b in fast.bad_lines] == [
                (b.line_no, b.reason_code) for b in slow.bad_lines
            ], body
            took_arrow += not isinstance(fast.columns["a"], np.ndarray)
    assert took_arrow > 50  # files with well-formed quotes do take the Arrow path


PIECES = [b'{"a":"1"}', b"", b" ", b"\t", b"\r", b' {"a":"2"}', b'{"a":"3"}\r', b"\x0c"]


def test_nonblank_lines_counted_or_scanned_agree_with_reading_line_by_line():
    checked = 0
    for n in range(1, 5):
        for chosen in itertools.product(PIECES, repeat=n):
            for end in (b"", b"\n"):
                data = b"\n".join(chosen) + end
                lines = data.split(b"\n")
                if end:
                    lines = lines[:-1]  # the break ends the last line; nothing follows it
                expected = [i + 1 for i, line in enumerate(lines) if line.strip(b" \t\r")]
                assert nonblank_line_numbers(data).tolist() == expected, data
                checked += 1
    assert checked > 5000

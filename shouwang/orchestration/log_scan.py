"""Scan log files for personal data: ID numbers, phone numbers and the names of people in the warehouse.

Logs travel further than the warehouse (to operators' terminals, ticket systems, log shippers), so
none may carry an ID number, a phone or a name. Two kinds of evidence:

- patterns: an 18-character ID number with a valid check digit and a plausible birth date, a
  15-digit old-style ID, an 11-digit mobile number standing alone;
- known values: every ID number, phone and name (two characters or more) held by the master and
  staging, when a database is given, so that a mangled number or a bare name is caught too.

A finding names the file, the line and the kind, never the value. `shouwang scan-logs` runs it;
the demo runs it over its own logs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from shouwang.staging.standardize.ids import check_digit

_ID18 = re.compile(r"(?<![0-9A-Za-z])(\d{6})((?:19|20)\d{2})(\d{2})(\d{2})(\d{3})([\dXx])(?![0-9A-Za-z])")
_ID15 = re.compile(r"(?<![0-9A-Za-z])\d{6}(\d{2})(\d{2})(\d{2})\d{3}(?![0-9A-Za-z])")
_MOBILE = re.compile(r"(?<![0-9A-Za-z._-])1[3-9]\d{9}(?![0-9A-Za-z_-])")
_DIGITS = re.compile(r"\d{7,18}[Xx]?")
_CJK = re.compile(r"[\u3400-\u9fff·]{2,}")
_MAX_NAME = 4


@dataclass(frozen=True)
class Finding:
    path: str
    line: int
    kind: str  # id_number / id_number_15 / mobile / known_id_number / known_phone / known_name


@dataclass
class LogScan:
    files: int = 0
    lines: int = 0
    findings: list[Finding] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class KnownValues:
    """Values that must never appear in a log; held in memory only."""

    numbers: frozenset[str] = frozenset()  # ID numbers (upper case) and phones, digits as written
    names: frozenset[str] = frozenset()

    @classmethod
    def from_warehouse(cls, engine: Engine) -> KnownValues:
        """Every ID number, phone and name the master and the staging tables hold."""
        numbers: set[str] = set()
        names: set[str] = set()
        with engine.connect() as conn:
            q = conn.exec_driver_sql
            tables = q(
                """SELECT table_schema || '.' || table_name, array_agg(column_name::text)
                   FROM information_schema.columns
                   WHERE table_schema IN ('staging', 'master') AND table_name NOT LIKE '%%history'
                     AND data_type = 'text'
                     AND column_name ~ '(^|_)(name|id_number|phone)(_raw)?$'
                     AND column_name NOT IN ('file_name', 'business_name')
                   GROUP BY 1"""
            ).all()
            for table, columns in tables:
                for column in columns:
                    values = q(f"SELECT DISTINCT {column}::text FROM {table} WHERE {column} IS NOT NULL")
                    for (value,) in values:
                        value = value.strip()
                        if "name" in column:
                            if len(value) >= 2:
                                names.add(value)
                        elif len(value) >= 7:
                            numbers.add(value.upper())
        return cls(frozenset(numbers), frozenset(names))


def scan_logs(paths: Iterable[Path], known: KnownValues | None = None) -> LogScan:
    """Scan every file under `paths` (files or folders); returns the findings, values left out."""
    result = LogScan()
    known = known or KnownValues()
    for path in _files(paths):
        result.files += 1
        with open(path, encoding="utf-8", errors="replace") as fh:
            for number, line in enumerate(fh, start=1):
                result.lines += 1
                for kind in _kinds(line, known):
                    result.findings.append(Finding(str(path), number, kind))
    return result


def log_files(home: Path) -> list[Path]:
    """The log files a run leaves under SHOUWANG_HOME: Airflow's task logs, *.log files, PostgreSQL's."""
    found = []
    for p in home.rglob("*"):
        if not p.is_file():
            continue
        if p.suffix == ".log" or "logs" in p.relative_to(home).parts or p.name == "log":
            found.append(p)
    return sorted(found)


def _files(paths: Iterable[Path]) -> Iterable[Path]:
    for p in paths:
        p = Path(p)
        if p.is_dir():
            yield from sorted(q for q in p.rglob("*") if q.is_file())
        elif p.is_file():
            yield p


def _kinds(line: str, known: KnownValues) -> list[str]:
    kinds = []
    for m in _ID18.finditer(line):
        first17 = "".join(m.groups()[:5])
        if _plausible_date(m.group(2), m.group(3), m.group(4)) and check_digit(first17) == m.group(6).upper():
            kinds.append("id_number")
    for m in _ID15.finditer(line):
        if _plausible_date("19" + m.group(1), m.group(2), m.group(3)):
            kinds.append("id_number_15")
    if _MOBILE.search(line):
        kinds.append("mobile")
    if known.numbers:
        for m in _DIGITS.finditer(line):
            if m.group(0).upper() in known.numbers:
                kinds.append("known_number")
                break
    if known.names:
        if any(name in known.names for run in _CJK.findall(line) for name in _substrings(run)):
            kinds.append("known_name")
    return kinds


def _substrings(run: str) -> Iterable[str]:
    for i in range(len(run)):
        for n in range(2, _MAX_NAME + 1):
            if i + n <= len(run):
                yield run[i : i + n]


def _plausible_date(year: str, month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31 and 1900 <= int(year) <= 2030

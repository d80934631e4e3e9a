"""Typed model of `feeds.yaml` and its validation.

The YAML is the single source of truth for formats, keys and column mappings; everything else
(readers, staging tables, DAG tasks, the generator) is derived from it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY_FILE = Path(__file__).with_name("feeds.yaml")

COLUMN_TYPES = frozenset(
    {
        "text",
        "id",
        "ids",
        "name",
        "names",
        "sex",
        "date",
        "datetime",
        "month",
        "year",
        "int",
        "decimal",
        "enum",
        "bool",
        "phone",
        "township",
        "village",
        "address",
        "change_type",
    }
)
FORMATS = frozenset({"csv", "xlsx", "jsonl"})
ENCODINGS = frozenset({"gb18030", "utf-8-sig", "utf-8"})
CADENCES = frozenset({"daily", "weekly", "monthly", "termly", "quarterly", "yearly", "event", "irregular"})
SUBJECTS = frozenset({"person", "household", "village", "township"})
CHANGE_TYPES = {"新增": "upsert", "变更": "upsert", "注销": "remove", "删除": "remove"}
_IDENT = re.compile(r"^[a-z][a-z0-9_]*$")


class RegistryError(ValueError):
    """The registry file is inconsistent; raised at load time, never half-way through a night."""


@dataclass(frozen=True)
class Column:
    source: str  # column name as delivered (Chinese)
    field: str  # canonical field name in staging
    type: str
    required: bool = False
    values: tuple[str, ...] = ()


@dataclass(frozen=True)
class AgeRange:
    """Ages (in whole years at the delivery's extract date) a row's subject must have when
    `value` is in the row's `SubjectAge.field` (`value` None: every row). Linkage evidence for
    records without a birth date: a pension being paid says the person is 60 or older."""

    value: str | None
    min_age: int | None
    max_age: int | None


@dataclass(frozen=True)
class SubjectAge:
    field: str | None  # None: one range for all rows
    ranges: tuple[AgeRange, ...]


@dataclass(frozen=True)
class Feed:
    dept: str
    dept_name: str
    feed: str
    title: str
    format: str
    encoding: str | None
    cadence: str
    mode: str
    key: tuple[str, ...]
    subject: str
    critical: bool
    id_valid_min: float | None
    columns: tuple[Column, ...]
    subject_age: SubjectAge | None = None
    # a field whose value names a programme the subject is in (代缴类型 低保对象, 补贴项目 护林员补助):
    # linkage learns from the data which feed each value points to (docs/linkage.md)
    subject_programme: str | None = None

    @property
    def feed_id(self) -> str:
        """Unique id `<dept>_<feed>`, also the staging table name."""
        return f"{self.dept}_{self.feed}"

    @property
    def extension(self) -> str:
        return self.format

    @property
    def is_delta(self) -> bool:
        return self.mode == "delta"

    @property
    def has_person(self) -> bool:
        return self.subject in ("person", "household")

    def column(self, source: str) -> Column:
        for col in self.columns:
            if col.source == source:
                return col
        raise KeyError(source)

    def field_column(self, field: str) -> Column | None:
        return next((c for c in self.columns if c.field == field), None)

    @property
    def change_type_column(self) -> Column | None:
        return next((c for c in self.columns if c.type == "change_type"), None)

    @property
    def source_columns(self) -> tuple[str, ...]:
        return tuple(c.source for c in self.columns)


@dataclass(frozen=True)
class Registry:
    feeds: tuple[Feed, ...]

    def __iter__(self):
        return iter(self.feeds)

    def __len__(self) -> int:
        return len(self.feeds)

    def get(self, feed_id: str) -> Feed:
        for f in self.feeds:
            if f.feed_id == feed_id:
                return f
        raise KeyError(f"unknown feed {feed_id!r}")

    def find(self, dept: str, feed: str) -> Feed | None:
        return next((f for f in self.feeds if f.dept == dept and f.feed == feed), None)

    @property
    def departments(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(f.dept for f in self.feeds))


def _parse_feed(dept: dict, raw: dict) -> Feed:
    where = f"{dept.get('dept')}/{raw.get('feed')}"
    try:
        columns = tuple(
            Column(
                source=src,
                field=spec["field"],
                type=spec["type"],
                required=bool(spec.get("required", False)),
                values=tuple(str(v) for v in spec.get("values", ())),
            )
            for src, spec in raw["columns"].items()
        )
        feed = Feed(
            dept=dept["dept"],
            dept_name=dept["name"],
            feed=raw["feed"],
            title=raw.get("title", ""),
            format=raw["format"],
            encoding=raw.get("encoding"),
            cadence=raw["cadence"],
            mode=raw["mode"],
            key=tuple(raw["key"]),
            subject=raw["subject"],
            critical=bool(raw.get("critical", False)),
            id_valid_min=raw.get("id_valid_min"),
            columns=columns,
            subject_age=_parse_subject_age(raw.get("subject_age")),
            subject_programme=raw.get("subject_programme"),
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise RegistryError(f"{where}: missing or malformed entry {exc}") from exc
    _validate(feed, where)
    return feed


def _age_range(value: str | None, spec: dict) -> AgeRange:
    unknown = set(spec) - {"min", "max"}
    if unknown or not spec:
        raise ValueError(f"subject_age range {spec!r}: give min and/or max")
    lo, hi = spec.get("min"), spec.get("max")
    return AgeRange(value, None if lo is None else int(lo), None if hi is None else int(hi))


def _parse_subject_age(raw: dict | None) -> SubjectAge | None:
    """`{min: 18}` (every row) or `{field: F, values: {V: {min: 60}, ...}}` (by the value of F)."""
    if raw is None:
        return None
    if "field" in raw:
        ranges = tuple(_age_range(str(v), spec) for v, spec in raw["values"].items())
        return SubjectAge(raw["field"], ranges)
    return SubjectAge(None, (_age_range(None, raw),))


def _validate(feed: Feed, where: str) -> None:
    problems = []
    if feed.format not in FORMATS:
        problems.append(f"format {feed.format!r}")
    if feed.format == "csv" and feed.encoding not in ENCODINGS:
        problems.append(f"csv needs an encoding in {sorted(ENCODINGS)}")
    if feed.cadence not in CADENCES:
        problems.append(f"cadence {feed.cadence!r}")
    if feed.mode not in ("full", "delta"):
        problems.append(f"mode {feed.mode!r}")
    if feed.subject not in SUBJECTS:
        problems.append(f"subject {feed.subject!r}")
    if not _IDENT.match(feed.dept) or not _IDENT.match(feed.feed):
        problems.append("dept/feed must be lowercase identifiers")
    sources = {c.source for c in feed.columns}
    problems += [f"key column {k!r} not among columns" for k in feed.key if k not in sources]
    fields = [c.field for c in feed.columns]
    if len(set(fields)) != len(fields):
        problems.append("duplicate field names")
    for c in feed.columns:
        if c.type not in COLUMN_TYPES:
            problems.append(f"{c.source}: type {c.type!r}")
        if not _IDENT.match(c.field):
            problems.append(f"{c.source}: field {c.field!r} is not an identifier")
        if c.type == "enum" and not c.values:
            problems.append(f"{c.source}: enum without values")
    if feed.is_delta and feed.change_type_column is None:
        problems.append("delta feed without a change_type column")
    if feed.has_person and (feed.field_column("name") is None or feed.field_column("id_number") is None):
        problems.append("person feed needs fields 'name' and 'id_number' (the subject)")
    problems += _age_problems(feed)
    programme = feed.subject_programme
    if programme is not None and feed.field_column(str(programme)) is None:
        problems.append(f"subject_programme: no field {programme!r}")
    if problems:
        raise RegistryError(f"{where}: " + "; ".join(problems))


def _age_problems(feed: Feed) -> list[str]:
    age = feed.subject_age
    if age is None:
        return []
    problems = []
    column = feed.field_column(age.field) if age.field else None
    if age.field and column is None:
        problems.append(f"subject_age: no field {age.field!r}")
    for r in age.ranges:
        if column is not None and column.values and r.value not in column.values:
            problems.append(f"subject_age: {r.value!r} is not a value of {age.field}")
        if r.min_age is not None and r.max_age is not None and r.min_age > r.max_age:
            problems.append(f"subject_age: min {r.min_age} above max {r.max_age}")
    return problems


def load_registry(path: Path | str | None = None) -> Registry:
    """Load and validate the registry (cached for the default file)."""
    if path is None:
        return _default_registry()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_registry() -> Registry:
    return _load(REGISTRY_FILE)


def _load(path: Path) -> Registry:
    doc = yaml.safe_load(path.read_text(encoding="utf-8"))
    feeds = tuple(_parse_feed(dept, raw) for dept in doc["departments"] for raw in dept["feeds"])
    ids = [f.feed_id for f in feeds]
    if len(set(ids)) != len(ids):
        raise RegistryError("duplicate feed ids")
    return Registry(feeds=feeds)

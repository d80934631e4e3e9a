"""Typed survivorship rules (`survivorship.yaml`), checked against the feed registry at load.

A rule that names a feed or a staging column that does not exist fails here, with the attribute
named, before a night starts building anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from linkage.records import linked_feeds
from shouwang.registry import Registry, load_registry
from shouwang.staging.schema import staged_columns

RULES_FILE = Path(__file__).with_name("survivorship.yaml")
ENTITIES = ("person", "household")


class RulesError(ValueError):
    """The survivorship rules do not fit the registry."""


@dataclass(frozen=True)
class Source:
    """One rank of an attribute's sources: one feed, or every feed that has the column ("*")."""

    feeds: tuple[str, ...]
    column: str
    id_column: bool  # an ID number: only valid / converted values count
    # feeds whose records flag this value as contradicting their own ID number
    # (`<column>_conflict`: a given sex or birth date the ID disagrees with): when that ID is
    # valid, the value is skipped, so the rank that reads the ID's own value decides
    conflict_feeds: tuple[str, ...] = ()

    @property
    def status_column(self) -> str | None:
        """The ID status that gates this column's values: an ID number's own, or, for the sex
        and birth date decoded from the ID (decoded from bad-checksum IDs too, for linkage), the
        record's ID number's."""
        if self.id_column:
            return f"{self.column}_status"
        return "id_number_status" if self.column in ID_DECODED else None


#: staging columns decoded from the record's ID number
ID_DECODED = ("id_sex", "id_birth_date")


@dataclass(frozen=True)
class AttributeRule:
    entity: str
    attribute: str
    sources: tuple[Source, ...]  # in order of authority


def _source(spec: str, registry: Registry, where: str) -> Source:
    feed_part, _, column = str(spec).partition(".")
    if not column:
        raise RulesError(f"{where}: source {spec!r} is not <feed_id>.<column> or *.<column>")
    linked = {f.feed_id: f for f in linked_feeds(registry)}
    names = list(linked) if feed_part == "*" else [feed_part]
    feeds, conflict_feeds = [], []
    for name in names:
        feed = linked.get(name)
        if feed is None:
            raise RulesError(f"{where}: {name!r} is not a feed whose rows are linked to persons")
        staged = {c for c, _ in staged_columns(feed)}
        if column in staged:
            feeds.append(name)
            if f"{column}_conflict" in staged:
                conflict_feeds.append(name)
        elif feed_part != "*":
            raise RulesError(f"{where}: feed {name} has no staging column {column!r}")
    if not feeds:
        raise RulesError(f"{where}: no linked feed has a staging column {column!r}")
    return Source(tuple(feeds), column, column.endswith("id_number"), tuple(conflict_feeds))


def load_rules(path: Path | str | None = None, registry: Registry | None = None) -> tuple[AttributeRule, ...]:
    """The survivorship rules, validated against the registry."""
    registry = registry or load_registry()
    doc = yaml.safe_load(Path(path or RULES_FILE).read_text(encoding="utf-8")) or {}
    unknown = set(doc) - set(ENTITIES)
    if unknown:
        raise RulesError(f"survivorship rules: unknown entities {sorted(unknown)}")
    rules = []
    for entity in ENTITIES:
        for attribute, sources in (doc.get(entity) or {}).items():
            where = f"{entity}.{attribute}"
            if not sources:
                raise RulesError(f"{where}: no sources")
            rules.append(
                AttributeRule(entity, attribute, tuple(_source(s, registry, where) for s in sources))
            )
    return tuple(rules)

"""The project's feed registry, read so that the generator writes exactly the registered columns.

The registry (shouwang/registry/feeds.yaml) is the single description of the 40 feeds; reading
column order, format and encoding from it means the generator and the pipeline cannot drift.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import yaml

REGISTRY_PATH = Path(__file__).resolve().parent.parent / "registry" / "feeds.yaml"


@dataclass(frozen=True)
class FeedSpec:
    dept: str
    feed: str
    title: str
    format: str
    encoding: str | None
    mode: str
    key: tuple[str, ...]
    subject: str
    columns: tuple[str, ...]
    types: dict[str, str]
    fields: dict[str, str]

    @property
    def feed_id(self) -> str:
        return f"{self.dept}/{self.feed}"

    @property
    def ext(self) -> str:
        return self.format

    def column_of_field(self, field: str) -> str | None:
        for col, f in self.fields.items():
            if f == field:
                return col
        return None


@lru_cache(maxsize=1)
def load_registry(path: Path = REGISTRY_PATH) -> tuple[FeedSpec, ...]:
    """All feeds of the registry, in registry order."""
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    specs = []
    for dept in data["departments"]:
        for f in dept["feeds"]:
            cols = f["columns"]
            specs.append(
                FeedSpec(
                    dept=dept["dept"],
                    feed=f["feed"],
                    title=f["title"],
                    format=f["format"],
                    encoding=f.get("encoding"),
                    mode=f["mode"],
                    key=tuple(f["key"]),
                    subject=f["subject"],
                    columns=tuple(cols.keys()),
                    types={c: v["type"] for c, v in cols.items()},
                    fields={c: v["field"] for c, v in cols.items()},
                )
            )
    return tuple(specs)


def registry_by_id() -> dict[str, FeedSpec]:
    return {s.feed_id: s for s in load_registry()}

"""The quality suites kept under `expectations/` (GX suite JSON plus `meta.table` / `meta.version`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

SEVERITIES = ("critical", "warning", "info")


class SuiteError(ValueError):
    """A suite file is not usable (no table, an expectation without a severity, bad JSON)."""


@dataclass(frozen=True)
class SuiteFile:
    name: str
    version: int
    schema: str
    table: str
    path: Path
    document: dict  # the GX suite JSON as written

    @property
    def qualified_table(self) -> str:
        return f"{self.schema}.{self.table}"


def load_suite(path: Path) -> SuiteFile:
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise SuiteError(f"{path.name}: not JSON ({exc})") from exc
    meta = doc.get("meta") or {}
    table = str(meta.get("table", ""))
    if "." not in table:
        raise SuiteError(f"{path.name}: meta.table must be schema.table")
    if not isinstance(meta.get("version"), int):
        raise SuiteError(f"{path.name}: meta.version must be a whole number")
    for i, exp in enumerate(doc.get("expectations") or []):
        if exp.get("severity") not in SEVERITIES:
            raise SuiteError(
                f"{path.name}: expectation {i} ({exp.get('type')}) needs a severity in {SEVERITIES}"
            )
    if not doc.get("expectations"):
        raise SuiteError(f"{path.name}: no expectations")
    schema, _, name = table.partition(".")
    return SuiteFile(doc["name"], meta["version"], schema, name, path, doc)


def load_suites(folder: Path) -> list[SuiteFile]:
    """All suites of a folder, by file name."""
    suites = [load_suite(p) for p in sorted(folder.glob("*.json"))]
    names = [s.name for s in suites]
    if len(set(names)) != len(names):
        raise SuiteError(f"{folder}: two suites share a name")
    return suites

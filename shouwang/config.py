"""Runtime settings, read from the environment once.

Everything a deployment changes lives here, so that modules never read os.environ themselves.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Typed settings; build with :func:`load_settings`."""

    database_url: str | None
    home: Path
    link_blocks: int = 4
    archive_dir: Path = field(init=False)
    embedded_pgdata: Path = field(init=False)
    sql_dir: Path = field(init=False)
    expectations_dir: Path = field(init=False)
    gx_dir: Path = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "archive_dir", _path("SHOUWANG_ARCHIVE_DIR", self.home / "archive"))
        object.__setattr__(self, "embedded_pgdata", self.home / "pgdata")
        object.__setattr__(self, "sql_dir", _path("SHOUWANG_SQL_DIR", PROJECT_ROOT / "sql" / "migrations"))
        object.__setattr__(
            self, "expectations_dir", _path("SHOUWANG_EXPECTATIONS_DIR", PROJECT_ROOT / "expectations")
        )
        object.__setattr__(self, "gx_dir", self.home / "gx")


def load_settings() -> Settings:
    """Read settings from the environment.

    SHOUWANG_DATABASE_URL  the warehouse; unset -> an embedded PostgreSQL under SHOUWANG_HOME
    SHOUWANG_HOME          working folder for the archive, embedded database, reports (default ./var)
    SHOUWANG_ARCHIVE_DIR   where delivery files are archived unchanged (default $SHOUWANG_HOME/archive)
    SHOUWANG_EXPECTATIONS_DIR  the quality suites (default ./expectations); GX's own project (Data
                           Docs, validation results) lives in $SHOUWANG_HOME/gx
    SHOUWANG_LINK_BLOCKS   township blocks the nightly DAG scores in parallel (default 4; about one
                           per Celery worker slot that linkage may use)
    """
    home = _path("SHOUWANG_HOME", PROJECT_ROOT / "var")
    blocks = os.environ.get("SHOUWANG_LINK_BLOCKS", "4")
    if not blocks.isdigit() or int(blocks) < 1:
        raise ValueError(f"SHOUWANG_LINK_BLOCKS must be a whole number >= 1, not {blocks!r}")
    return Settings(
        database_url=os.environ.get("SHOUWANG_DATABASE_URL") or None, home=home, link_blocks=int(blocks)
    )

"""One place that turns settings into a SQLAlchemy engine."""

from __future__ import annotations

from functools import lru_cache

from sqlalchemy import Engine, create_engine

from shouwang.config import Settings, load_settings


def resolve_database_url(settings: Settings | None = None) -> str:
    """The warehouse URL: SHOUWANG_DATABASE_URL, else the embedded server (started on demand)."""
    settings = settings or load_settings()
    if settings.database_url:
        url = settings.database_url
        if url.startswith("postgresql://"):
            url = url.replace("postgresql://", "postgresql+psycopg2://", 1)
        return url
    from shouwang.db.embedded import embedded_url

    return embedded_url(settings.embedded_pgdata)


@lru_cache(maxsize=8)
def _engine_for(url: str) -> Engine:
    # hide_parameters: an error message must never carry row values (names, ID numbers) into logs.
    return create_engine(url, pool_pre_ping=True, hide_parameters=True)


def get_engine(url: str | None = None) -> Engine:
    """A pooled engine for `url` (default: the configured warehouse), cached per URL."""
    return _engine_for(url or resolve_database_url())

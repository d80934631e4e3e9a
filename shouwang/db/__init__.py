"""Database access: one engine factory, migrations, and the embedded PostgreSQL for zero set-up."""

from shouwang.db.engine import get_engine, resolve_database_url

__all__ = ["get_engine", "resolve_database_url"]

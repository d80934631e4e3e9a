"""The published county of the marts tests, with its marts refreshed, for the serving tests."""

from tests.marts.conftest import county, marts_db, published_template  # noqa: F401

"""The Airflow Assets the pipeline publishes: one per feed's staging data.

A load task lists its feed's asset in ``outlets``; Airflow records an asset event only when the
task succeeds, and a load with nothing new is skipped, so downstream DAGs scheduled on these
assets run when staging data actually changed.

URI rules (Airflow 3.3, ``airflow.sdk.definitions.asset._sanitize_uri``): ASCII (RFC 3986
characters), the ``airflow`` scheme is reserved, no password; schemes without a registered
provider normaliser, like ``shouwang``, are kept as given (lower-cased scheme, no trailing slash).
Feed ids are lowercase identifiers (the registry validates them), so the URI is always valid.
Airflow identifies an asset by name and URI together: build it with :func:`feed_asset`, never by hand.
"""

from __future__ import annotations

import re

from airflow.sdk import Asset

URI_SCHEME = "shouwang"
_FEED_ID = re.compile(r"^[a-z][a-z0-9_]*$")


def feed_asset_uri(feed_id: str) -> str:
    if not _FEED_ID.match(feed_id):
        raise ValueError(f"feed id {feed_id!r} is not a lowercase identifier")
    return f"{URI_SCHEME}://staging/{feed_id}"


def feed_asset(feed_id: str) -> Asset:
    """The asset of a feed's staging tables, e.g. ``shouwang://staging/gongan_huji``."""
    return Asset(uri=feed_asset_uri(feed_id), name=f"staging_{feed_id}")

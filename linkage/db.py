"""Small database helpers shared by the linkage modules (one place for how frames are read)."""

from __future__ import annotations

import pandas as pd
from sqlalchemy import Connection


def frame(conn: Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run driver-level SQL (psycopg2 %(name)s parameters) and return the rows as a DataFrame."""
    result = conn.exec_driver_sql(sql, params) if params else conn.exec_driver_sql(sql)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))

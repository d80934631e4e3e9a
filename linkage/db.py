"""Small database helpers shared by the linkage modules (one place for how frames are read)."""

from __future__ import annotations

import io

import pandas as pd
from sqlalchemy import Connection


def frame(conn: Connection, sql: str, params: dict | None = None) -> pd.DataFrame:
    """Run driver-level SQL (psycopg2 %(name)s parameters) and return the rows as a DataFrame."""
    result = conn.exec_driver_sql(sql, params) if params else conn.exec_driver_sql(sql)
    return pd.DataFrame(result.fetchall(), columns=list(result.keys()))


def copy_frame(conn: Connection, table: str, frame: pd.DataFrame) -> None:
    """COPY a frame's rows into `table` (its columns by name), inside the connection's transaction."""
    buf = io.StringIO()
    frame.to_csv(buf, index=False, header=False)
    buf.seek(0)
    with conn.connection.dbapi_connection.cursor() as cur:
        cur.copy_expert(f"COPY {table} ({', '.join(frame.columns)}) FROM STDIN WITH (FORMAT csv)", buf)

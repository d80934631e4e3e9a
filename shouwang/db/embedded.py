"""An embedded PostgreSQL (the `pgserver` wheel) so that a newcomer needs nothing installed.

Used only when SHOUWANG_DATABASE_URL is not set. The server keeps running after the process that
started it exits (Airflow runs each task in its own process); `shouwang db stop` stops it.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)
logging.getLogger("pgserver").setLevel(logging.WARNING)  # its exit-time chatter is noise


def embedded_url(pgdata: Path) -> str:
    """Start (or reuse) the embedded server in `pgdata` and return its SQLAlchemy URL."""
    import pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
    log.info("embedded PostgreSQL running in %s", pgdata)
    return uri.replace("postgresql://", "postgresql+psycopg2://", 1)


def stop_embedded(pgdata: Path, timeout: float = 30.0) -> bool:
    """Stop the embedded server running in `pgdata` (fast shutdown); True when one was stopped."""
    import os
    import signal
    import time

    pidfile = pgdata / "postmaster.pid"
    if not pidfile.exists():
        return False
    pid = int(pidfile.read_text().splitlines()[0])
    try:
        os.kill(pid, signal.SIGINT)  # PostgreSQL's "fast" shutdown
    except ProcessLookupError:
        return False
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.2)
    return True

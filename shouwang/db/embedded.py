"""An embedded PostgreSQL (the `pgserver` wheel) so that a newcomer needs nothing installed.

Used only when SHOUWANG_DATABASE_URL is not set. The server keeps running after the process that
started it exits (Airflow runs each task in its own process); `shouwang db stop` stops it.
"""

from __future__ import annotations

import logging
from pathlib import Path

log = logging.getLogger(__name__)


def embedded_url(pgdata: Path) -> str:
    """Start (or reuse) the embedded server in `pgdata` and return its SQLAlchemy URL."""
    import pgserver

    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = pgserver.get_server(pgdata, cleanup_mode=None)
    uri = server.get_uri()  # postgresql://postgres:@/postgres?host=<socket dir>
    log.info("embedded PostgreSQL running in %s", pgdata)
    return uri.replace("postgresql://", "postgresql+psycopg2://", 1)


def stop_embedded(pgdata: Path) -> bool:
    """Stop the embedded server if one runs in `pgdata`; True when one was stopped."""
    import subprocess

    import pgserver

    if not (pgdata / "postmaster.pid").exists():
        return False
    pg_ctl = Path(pgserver.__file__).parent / "pginstall" / "bin" / "pg_ctl"
    cmd = [str(pg_ctl), "-D", str(pgdata), "stop", "-m", "fast"]
    # pgserver runs postgres as the 'postgres' OS user when started as root.
    import os

    if os.geteuid() == 0:
        cmd = ["su", "postgres", "-s", "/bin/sh", "-c", " ".join(cmd)]
    subprocess.run(cmd, check=False, capture_output=True)
    return True

"""An isolated Airflow for the DAG tests: its own AIRFLOW_HOME, SQLite metadata DB, this repo's dags.

Airflow reads its configuration once, when `airflow` is first imported, so the environment is set
here at conftest import time, before any test module in this folder imports Airflow (the root
tests/conftest.py imports nothing from Airflow). SQLite is fine as the metadata database for
tests; the warehouse is still the real PostgreSQL of the `db_url` fixture.

AIRFLOW__CORE__UNIT_TEST_MODE is deliberately not set: it loads Airflow's own unit-test config
(its example DAGs folder, load_examples=True, data-interval cron timetables), i.e. Airflow's test
suite settings, not ours.
"""

from __future__ import annotations

import atexit
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DAGS_FOLDER = ROOT / "dags"

if "airflow" in sys.modules:  # configuration already read: our settings would be silently ignored
    raise RuntimeError("tests/dags/conftest.py must run before anything imports airflow")

AIRFLOW_HOME = Path(tempfile.mkdtemp(prefix="shouwang-airflow-"))
atexit.register(shutil.rmtree, AIRFLOW_HOME, ignore_errors=True)

AIRFLOW_ENV = {
    "AIRFLOW_HOME": str(AIRFLOW_HOME),
    "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
    "AIRFLOW__CORE__PLUGINS_FOLDER": str(ROOT / "plugins"),
    "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
    "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{AIRFLOW_HOME / 'airflow.db'}",
    "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(AIRFLOW_HOME / "logs"),
}
os.environ.update(AIRFLOW_ENV)


@pytest.fixture(scope="session")
def airflow_db() -> Path:
    """Migrate the metadata database once per session (`airflow db migrate`, about 3 s)."""
    result = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"],
        env={**os.environ, **AIRFLOW_ENV},
        capture_output=True,
        text=True,
        timeout=300,
    )
    if result.returncode != 0:
        raise RuntimeError(f"airflow db migrate failed:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return AIRFLOW_HOME / "airflow.db"


@pytest.fixture(scope="session")
def dagbag():
    """The DAGs of the repository's dags folder, parsed as the dag-processor parses them."""
    from airflow.dag_processing.dagbag import DagBag

    return DagBag(dag_folder=str(DAGS_FOLDER))

"""Run the nightly chain through Airflow on this machine, without a scheduler: the demo's way.

`run_chain(home)` starts `python -m shouwang.orchestration.local_airflow` in a child process with its
own Airflow configuration (AIRFLOW_HOME under $SHOUWANG_HOME/airflow, a SQLite metadata database,
this checkout's dags/), which migrates the metadata database and runs, with `dag.test()`, every
department's ingestion DAG, then `nightly_master`, then `monitoring_marts` — the DAGs the scheduler
would run, in the order their schedules and assets chain them. A child process, because Airflow reads
its configuration once, at import.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

DAGS_FOLDER = Path(__file__).resolve().parents[2] / "dags"


def airflow_env(home: Path) -> dict[str, str]:
    return {
        "AIRFLOW_HOME": str(home),
        "AIRFLOW__CORE__DAGS_FOLDER": str(DAGS_FOLDER),
        "AIRFLOW__CORE__LOAD_EXAMPLES": "False",
        "AIRFLOW__DATABASE__SQL_ALCHEMY_CONN": f"sqlite:///{home / 'airflow.db'}",
        "AIRFLOW__LOGGING__BASE_LOG_FOLDER": str(home / "logs"),
        "AIRFLOW__LOGGING__LOGGING_LEVEL": "WARNING",
    }


def run_chain(home: Path, extra_env: dict[str, str] | None = None) -> int:
    """Run the chain in a child process; its exit code (0: every DAG run succeeded).

    What the child prints is shown and also kept in `home/logs/chain.log` (the demo scans it with
    the other logs for personal data)."""
    (home / "logs").mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **airflow_env(home), **(extra_env or {}), "PYTHONUNBUFFERED": "1"}
    with (
        open(home / "logs" / "chain.log", "a", encoding="utf-8") as log,
        subprocess.Popen(
            [sys.executable, "-m", "shouwang.orchestration.local_airflow"],
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        ) as child,
    ):
        for line in child.stdout:
            sys.stdout.write(line)
            log.write(line)
        return child.wait()


def _main() -> int:
    if "AIRFLOW_HOME" not in os.environ:
        print("run through run_chain(): the Airflow environment is not set", file=sys.stderr)
        return 2
    migrate = subprocess.run(
        [sys.executable, "-m", "airflow", "db", "migrate"], capture_output=True, text=True, timeout=600
    )
    if migrate.returncode != 0:
        print(migrate.stdout[-2000:], migrate.stderr[-2000:], file=sys.stderr)
        return 1
    from airflow.dag_processing.dagbag import DagBag

    bag = DagBag(dag_folder=str(DAGS_FOLDER))
    if bag.import_errors:
        print(f"DAG import errors: {sorted(bag.import_errors)}", file=sys.stderr)
        return 1
    order = sorted(d for d in bag.dag_ids if d.startswith("ingest_")) + ["nightly_master", "monitoring_marts"]
    failed = []
    for dag_id in order:
        run = bag.dags[dag_id].test()
        state = str(getattr(run, "state", "unknown"))
        print(f"     airflow dag {dag_id}: {state}", flush=True)
        if state != "success":
            failed.append(dag_id)
            if dag_id in ("nightly_master", "monitoring_marts"):
                break
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(_main())

"""The compose file cannot run here (no Docker engine): check that it agrees with the code."""

from __future__ import annotations

import re

import yaml

from shouwang.config import PROJECT_ROOT


def _compose() -> dict:
    return yaml.safe_load((PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8"))


def test_compose_has_airflow_3_services_and_the_warehouse():
    services = set(_compose()["services"])
    assert {
        "postgres",
        "redis",
        "airflow-init",
        "airflow-apiserver",
        "airflow-scheduler",
        "airflow-dag-processor",
        "airflow-worker",
        "airflow-triggerer",
        "warehouse",
        "api",
    } <= services


def test_compose_api_service_runs_the_cli_serve_command():
    api = _compose()["services"]["api"]
    assert "shouwang serve" in " ".join(api["command"]) and "--host 0.0.0.0" in " ".join(api["command"])
    assert api["ports"] == ["8000:8000"]
    assert api["depends_on"]["warehouse"]["condition"] == "service_healthy"


def test_compose_environment_matches_what_the_code_reads():
    common = _compose()["x-airflow-common"]
    env = common["environment"]
    assert (
        env["SHOUWANG_DATABASE_URL"].startswith("postgresql://")
        and "@warehouse:" in env["SHOUWANG_DATABASE_URL"]
    )
    assert env["AIRFLOW__CORE__DAGS_FOLDER"] == "/opt/shouwang/dags"
    assert env["AIRFLOW__CORE__EXECUTION_API_SERVER_URL"].startswith("http://airflow-apiserver:8080")
    mounts = {re.search(r":(/[^:]+)", v).group(1) for v in common["volumes"]}
    assert {env["SHOUWANG_LANDING_DIR"], env["SHOUWANG_HOME"]} <= mounts
    # every ${VAR} the file uses is documented in .env.example
    text = (PROJECT_ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = {m.split(":-")[0] for m in re.findall(r"\$\{([A-Z_:\-./]+)\}", text)}
    documented = {
        line.split("=")[0] for line in (PROJECT_ROOT / ".env.example").read_text().splitlines() if "=" in line
    }
    assert used <= documented


def test_code_reads_the_variables_the_compose_file_sets():
    from shouwang.orchestration.tasks import LANDING_ENV

    assert LANDING_ENV == "SHOUWANG_LANDING_DIR"
    config = (PROJECT_ROOT / "shouwang" / "config.py").read_text(encoding="utf-8")
    assert "SHOUWANG_DATABASE_URL" in config and "SHOUWANG_HOME" in config

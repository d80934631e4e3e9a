"""Run suites with GX Core against PostgreSQL tables and read back one outcome per expectation.

GX keeps its project (suites as loaded tonight, validation definitions, results, Data Docs) in
`$SHOUWANG_HOME/gx`; the suites' source of truth stays `expectations/`. The warehouse URL reaches
GX through an environment variable it substitutes at run time, so it is never written to GX's
files. GX is imported here only, inside functions (it takes seconds to import).
"""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from shouwang.gate.suites import SuiteFile

log = logging.getLogger(__name__)

URL_VARIABLE = "SHOUWANG_GX_WAREHOUSE_URL"
DATASOURCE = "warehouse"
_KEPT = ("observed_value", "element_count", "unexpected_count", "unexpected_percent", "missing_count")


@dataclass(frozen=True)
class Outcome:
    """One expectation's result: no row values, only counts and the observed value."""

    suite: str
    suite_version: int
    expectation: str
    severity: str
    success: bool
    observed: dict = field(default_factory=dict)
    mostly: float | None = None  # the expectation's tolerated share, when it has one


def _label(config) -> str:
    kwargs = config.kwargs or {}
    column = kwargs.get("column")
    what = config.description or (f"column {column}" if column else "")
    return f"{config.type}: {what}" if what else config.type


def _observed(result) -> dict:
    out = {k: result.result[k] for k in _KEPT if result.result and k in result.result}
    info = result.exception_info or {}
    # either {"raised_exception": ..., "exception_message": ...} or the same per metric
    infos = [info] if "raised_exception" in info else [v for v in info.values() if isinstance(v, dict)]
    messages = [str(i.get("exception_message", "")) for i in infos if i.get("raised_exception")]
    if messages:
        out["error"] = "; ".join(messages)[:500]
    return out


def _context(gx_dir: Path):
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    gx_dir.mkdir(parents=True, exist_ok=True)
    context = gx.get_context(mode="file", project_root_dir=str(gx_dir))
    context.enable_analytics(False)
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    return context


def data_docs_index(gx_dir: Path) -> Path:
    return gx_dir / "gx" / "uncommitted" / "data_docs" / "local_site" / "index.html"


def run_suites(
    url: str, suites: list[SuiteFile], gx_dir: Path, run_name: str, parameters: dict | None = None
) -> list[Outcome]:
    """Validate every suite's table, build the Data Docs; one Outcome per expectation.

    `parameters` fill the suites' `{"$PARAMETER": name}` values (e.g. the night's as-of date)."""
    # no usage analytics leave a government network (GX 1.x sends them by default)
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
    import great_expectations as gx
    from great_expectations.checkpoint import UpdateDataDocsAction
    from great_expectations.core import ExpectationSuite
    from great_expectations.core.run_identifier import RunIdentifier

    os.environ[URL_VARIABLE] = url
    context = _context(gx_dir)
    source = context.data_sources.add_or_update_postgres(
        name=DATASOURCE, connection_string="${" + URL_VARIABLE + "}"
    )
    definitions, versions = [], {}
    for s in suites:
        asset_name = s.qualified_table
        existing = {a.name: a for a in source.assets}
        asset = existing.get(asset_name) or source.add_table_asset(
            name=asset_name, table_name=s.table, schema_name=s.schema
        )
        batch = next((b for b in asset.batch_definitions if b.name == "whole_table"), None)
        batch = batch or asset.add_batch_definition_whole_table("whole_table")
        suite = context.suites.add_or_update(ExpectationSuite(**s.document))
        definitions.append(
            context.validation_definitions.add_or_update(
                gx.ValidationDefinition(name=f"validate_{s.name}", data=batch, suite=suite)
            )
        )
        versions[s.name] = s.version
    checkpoint = context.checkpoints.add_or_update(
        gx.Checkpoint(
            name=f"checkpoint_{'_'.join(sorted(versions))}"[:120],
            validation_definitions=definitions,
            actions=[UpdateDataDocsAction(name="update_data_docs")],
            result_format="BASIC",
        )
    )
    result = checkpoint.run(run_id=RunIdentifier(run_name=run_name), expectation_parameters=parameters or {})
    outcomes = []
    for suite_result in result.run_results.values():
        name = suite_result.suite_name
        for r in suite_result.results:
            config = r.expectation_config
            severity = getattr(config.severity, "value", str(config.severity)).lower()
            outcomes.append(
                Outcome(
                    name,
                    versions.get(name, 0),
                    _label(config),
                    severity,
                    bool(r.success),
                    _observed(r),
                    (config.kwargs or {}).get("mostly"),
                )
            )
    return outcomes

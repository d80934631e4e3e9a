"""The `shouwang` command: one entry point for operators, scripts and the demo."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path

from rich.console import Console
from rich.table import Table

console = Console(width=None if sys.stdout.isatty() else 200)


def _setup_logging(verbose: bool) -> None:
    logging.basicConfig(
        level=logging.INFO if verbose else logging.WARNING,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )


def cmd_db_upgrade(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade

    applied = upgrade(get_engine())
    console.print(f"database up to date ({len(applied)} migrations applied now)")
    return 0


def cmd_db_stop(args: argparse.Namespace) -> int:
    from shouwang.config import load_settings
    from shouwang.db.embedded import stop_embedded

    stopped = stop_embedded(load_settings().embedded_pgdata)
    console.print("embedded PostgreSQL stopped" if stopped else "no embedded PostgreSQL running")
    return 0


def accounting_table(reports) -> Table:
    table = Table(title="Deliveries: rows_read = loaded + quarantined + duplicate", show_lines=False)
    for name in (
        "dept",
        "feed",
        "file",
        "read",
        "loaded",
        "quarantined",
        "duplicate",
        "new",
        "changed",
        "removed",
        "status",
        "problems",
    ):
        table.add_column(
            name,
            justify="right"
            if name in ("read", "loaded", "quarantined", "duplicate", "new", "changed", "removed")
            else "left",
        )
    for r in reports:
        codes = ", ".join(sorted({p["code"] for p in r.problems}))
        style = {"loaded": "", "identical_resend": "dim"}.get(r.status, "bold red")
        table.add_row(
            r.dept,
            r.feed,
            r.file,
            f"{r.rows_read:,}",
            f"{r.rows_loaded:,}",
            f"{r.rows_quarantined:,}",
            f"{r.rows_duplicate:,}",
            f"{r.rows_new:,}",
            f"{r.rows_changed:,}",
            f"{r.rows_removed:,}",
            r.status,
            codes,
            style=style,
        )
    from shouwang.staging.load import ROW_COUNTS

    tot = [sum(getattr(r, k) for r in reports) for k in ROW_COUNTS]
    table.add_row("total", "", f"{len(reports)} files", *(f"{v:,}" for v in tot), "", "", style="bold")
    return table


def run_ingest(landing: Path, report: Path | None, workers: int | None, feeds: list[str] | None) -> list:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade
    from shouwang.ingest import ingest_landing, write_report
    from shouwang.landing.discover import discover
    from shouwang.registry import load_registry

    upgrade(get_engine())
    deliveries, _ = discover(landing, load_registry(), set(feeds) if feeds else None)
    n_feeds = len({d.feed.feed_id for d in deliveries})
    with Progress(
        TextColumn("ingesting"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("feeds"),
        TimeElapsedColumn(),
        TextColumn("{task.description}"),
        console=console,
        transient=True,
    ) as progress:
        task = progress.add_task("", total=n_feeds)

        def done(feed_id: str, got: list[dict]) -> None:
            progress.update(task, advance=1, description=feed_id)

        reports = ingest_landing(landing, workers=workers, feed_ids=feeds, on_feed_done=done)
    console.print(accounting_table(reports))
    if report:
        write_report(reports, report)
        console.print(f"report written to {report}")
    return reports


def cmd_ingest(args: argparse.Namespace) -> int:
    landing = Path(args.landing)
    if not landing.is_dir():
        console.print(f"[red]landing folder not found: {landing}[/red]")
        return 2
    reports = run_ingest(landing, Path(args.report) if args.report else None, args.workers, args.feed)
    failed = [r for r in reports if r.status == "failed"]
    return 1 if failed else 0


def cmd_demo_data(args: argparse.Namespace) -> int:
    from shouwang.synth.cli import run

    return run(args)


def cmd_demo(args: argparse.Namespace) -> int:
    """Generate a county and run the whole nightly chain on it through Airflow; a second run delivers
    a later night of the same county and shows the nightly comparison."""
    import shutil

    from shouwang.config import load_settings
    from shouwang.db import get_engine
    from shouwang.db.engine import resolve_database_url
    from shouwang.db.migrate import upgrade
    from shouwang.orchestration.local_airflow import run_chain

    home = load_settings().home
    county, truth, landing = home / "demo" / "county", home / "demo" / "truth", home / "demo" / "landing"
    engine = get_engine()
    upgrade(engine)
    with engine.connect() as conn:
        published = conn.exec_driver_sql("SELECT count(*) FROM master.publication").scalar_one()
        last_extract = conn.exec_driver_sql("SELECT max(extract_date) FROM raw.delivery").scalar_one()
        first_delivery = conn.exec_driver_sql(
            "SELECT coalesce(max(delivery_id), 0) FROM raw.delivery"
        ).scalar_one()
    marker = county / ".complete"
    if published and marker.exists() and last_extract is not None:
        import datetime as dt

        from shouwang.synth.later import write_later_delivery

        night = (last_extract + dt.timedelta(days=1)).strftime("%Y%m%d")
        console.print(
            f"[bold]1/3[/bold] a later night of the same county: deliveries of {night} (1 % of rows changed)"
        )
        write_later_delivery(county, landing, night, fraction=0.01, seed=int(night) % 1000)
    else:
        for old in (county, truth, landing):
            shutil.rmtree(old, ignore_errors=True)
        console.print(
            f"[bold]1/3[/bold] generating a county of {args.households:,} households (seed {args.seed})"
        )
        summary = generate_county_for_demo(args.households, args.seed, county, truth)
        console.print(
            f"     {summary.persons:,} persons, {summary.total_rows:,} rows, {len(summary.rows)} feeds"
        )
        shutil.copytree(county, landing, ignore=shutil.ignore_patterns(".complete"))
        marker.touch()
    console.print(
        "[bold]2/3[/bold] the nightly chain through Airflow"
        " (dag.test(): ingestion DAGs, nightly_master, monitoring_marts)"
    )
    code = run_chain(
        home / "airflow",
        {
            "SHOUWANG_DATABASE_URL": resolve_database_url(),
            "SHOUWANG_HOME": str(home),
            "SHOUWANG_LANDING_DIR": str(landing),
            "SHOUWANG_LATE_FEED_WAIT_MINUTES": "0",
        },
    )
    console.print("[bold]3/3[/bold] summary")
    demo_summary(engine, first_delivery, truth, home)
    from shouwang.orchestration.log_scan import KnownValues, log_files, scan_logs

    scan = scan_logs(log_files(home), KnownValues.from_warehouse(engine))
    _print_log_scan(scan)
    return 0 if code == 0 and scan.clean else 3


def generate_county_for_demo(households: int, seed: int, out: Path, truth: Path):
    from shouwang.synth import generate_county

    return generate_county(households=households, seed=seed, out_dir=out, truth_dir=truth)


def demo_summary(engine, after_delivery: int, truth: Path, home: Path) -> None:
    """What the night did, read back from the warehouse: counts, never data."""
    import json

    from linkage.db import frame
    from linkage.evaluate import score_against_truth
    from shouwang.staging.load import DeliveryReport

    with engine.connect() as conn:
        rows = conn.exec_driver_sql(
            """SELECT dept, feed, file_name, coalesce(rows_read, 0), coalesce(rows_loaded, 0),
                      coalesce(rows_quarantined, 0), coalesce(rows_duplicate, 0), status, problems,
                      coalesce(rows_new, 0), coalesce(rows_changed, 0), coalesce(rows_removed, 0)
               FROM raw.delivery WHERE delivery_id > %(d)s ORDER BY dept, feed, file_name""",
            {"d": after_delivery},
        ).all()
        reports = [
            DeliveryReport(
                r[0],
                r[1],
                r[2],
                r[3],
                r[4],
                r[5],
                r[6],
                r[7],
                list(r[8] or []),
                rows_new=r[9],
                rows_changed=r[10],
                rows_removed=r[11],
            )
            for r in rows
        ]
        link = conn.exec_driver_sql(
            "SELECT run_id, mode, figures FROM linkage.run WHERE status = 'succeeded'"
            " ORDER BY run_id DESC LIMIT 1"
        ).one_or_none()
        gate = conn.exec_driver_sql(
            "SELECT gate_run_id, status, published_version FROM ops.gate_run WHERE scope = 'master'"
            " ORDER BY gate_run_id DESC LIMIT 1"
        ).one_or_none()
        marts = conn.exec_driver_sql(
            "SELECT run_id, figures FROM mart.run WHERE status = 'done' ORDER BY run_id DESC LIMIT 1"
        ).one_or_none()
        changes = (
            dict(
                conn.exec_driver_sql(
                    "SELECT change, count(*) FROM mart.run_change WHERE run_id = %(r)s GROUP BY 1 ORDER BY 1",
                    {"r": marts.run_id},
                ).all()
            )
            if marts
            else {}
        )
        xref = frame(conn, "SELECT dept, feed, record_key, person_id, household_id FROM linkage.crosswalk")
    console.print(accounting_table(reports))
    quarantined = sum(r.status == "quarantined" for r in reports)
    console.print(
        f"     {len(reports)} delivery files: {sum(r.rows_read for r in reports):,} rows read,"
        f" {sum(r.rows_loaded for r in reports):,} loaded, {sum(r.rows_quarantined for r in reports):,} rows"
        f" quarantined; {quarantined} files quarantined by the feed gate;"
        f" {'every row accounted for' if all(r.balanced for r in reports) else 'some files do NOT balance'}"
    )
    if link:
        f = link.figures or {}
        console.print(
            f"     linkage run {link.run_id} ({link.mode}): {f.get('records', 0):,} records ->"
            f" {f.get('master_persons', 0):,} persons, {f.get('master_households', 0):,} households"
        )
        if len(xref) and (truth / "records.csv").exists():
            scores = score_against_truth(xref, truth)
            for level in ("person", "household"):
                sc = scores[level]
                console.print(
                    f"     {level} links vs truth: precision {sc['precision']:.4f},"
                    f" recall {sc['recall']:.4f},"
                    f" F1 {sc['f1']:.4f}"
                )
    if gate:
        console.print(
            f"     master gate run {gate.gate_run_id}: {gate.status};"
            f" published version {gate.published_version}"
        )
    if marts:
        fig = marts.figures or {}
        console.print(
            f"     marts run {marts.run_id}: {fig.get('households', 0):,} households;"
            f" roster {json.dumps(fig.get('roster', {}), ensure_ascii=False)}"
        )
        table = Table("alert type", "open")
        for name, n in sorted((fig.get("open_alerts") or {}).items(), key=lambda kv: -kv[1]):
            table.add_row(name, f"{n:,}")
        console.print(table)
        console.print(
            "     since the previous run: "
            + (", ".join(f"{k} {v:,}" for k, v in changes.items()) or "nothing")
        )
    reports_dir = home / "reports"
    html = sorted(reports_dir.glob("report_run*.html"), key=lambda p: p.stat().st_mtime)
    console.print(
        f"     Data Docs: {home / 'gx' / 'gx' / 'uncommitted' / 'data_docs' / 'local_site' / 'index.html'}"
    )
    if html:
        console.print(f"     HTML report: {html[-1]}")
    console.print(f"     township work lists: {reports_dir / 'worklists'}")


def cmd_link(args: argparse.Namespace) -> int:
    from linkage.run import run_linkage
    from shouwang.db import get_engine

    report = run_linkage(get_engine(), full=args.full)
    f = report.figures
    table = Table(title=f"linkage run {report.run_id} ({report.mode})")
    table.add_column("figure")
    table.add_column("value", justify="right")
    for key in ("records", "profiles", "master_persons", "master_households"):
        table.add_row(key, f"{f.get(key, 0):,}")
    for key, value in f.get("persons", {}).items():
        table.add_row(f"persons.{key}", f"{value:,}")
    for key, value in f.get("crosswalk", {}).items():
        table.add_row(f"crosswalk.{key}", f"{value:,}")
    for key, value in f.get("person_ids", {}).items():
        table.add_row(f"person ids {key}", f"{value:,}")
    for key, value in f.get("seconds", {}).items():
        table.add_row(f"seconds.{key}", f"{value}")
    console.print(table)
    return 0


def cmd_review(args: argparse.Namespace) -> int:
    from linkage import steward
    from shouwang.db import get_engine

    with get_engine().begin() as conn:
        if args.review_command == "list":
            items = steward.review_items(conn, args.limit)
            table = Table(title=f"review queue (top {len(items)})")
            for col in ("item_id", "left", "right", "probability", "reason", "evidence"):
                table.add_column(col)
            for r in items.itertuples(index=False):
                ev = ", ".join(f"{k}:{v['level']}({v['bits']:+.1f})" for k, v in sorted(r.evidence.items()))
                table.add_row(
                    str(r.item_id),
                    f"{r.left_feed_id}/{r.left_record_key}",
                    f"{r.right_feed_id}/{r.right_record_key}",
                    str(r.probability),
                    r.reason,
                    ev,
                )
            console.print(table)
        else:
            steward.decide(conn, args.item_id, args.decision, args.steward, args.note)
            console.print(f"item {args.item_id}: {args.decision} recorded; the next run applies it")
    return 0


def cmd_explain(args: argparse.Namespace) -> int:
    from linkage import steward
    from shouwang.db import get_engine

    with get_engine().connect() as conn:
        try:
            out = steward.explain(conn, args.person_id)
        except KeyError as exc:
            console.print(f"[red]{exc.args[0]}[/red]")
            return 2
    if out["person_id"] != out["asked"]:
        console.print(f"{out['asked']} was retired; it lives on as {out['person_id']}")
    table = Table(title=f"person {out['person_id']}: {len(out['records'])} records")
    columns = ("dept/feed", "record", "method", "score", "id", "name", "birth", "village", "evidence (bits)")
    for col in columns:
        table.add_column(col)
    for r in out["records"].itertuples(index=False):
        ev = (
            ""
            if not isinstance(r.evidence, dict)
            else ", ".join(f"{k} {v['bits']:+.1f}" for k, v in sorted(r.evidence.items()) if v["level"] != -1)
        )
        table.add_row(
            f"{r.dept}/{r.feed}",
            r.record_key,
            r.method,
            str(r.score),
            f"{r.id_digits or ''} ({r.id_status})",
            r.name or "",
            str(r.birth_date or ""),
            r.village_code or "",
            ev,
        )
    console.print(table)
    for e in out["events"].itertuples(index=False):
        console.print(f"run {e.run_id}: {e.kind} {e.old_id or ''} -> {e.new_id or ''}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine

    with get_engine().connect() as conn:
        if args.export_command == "alerts":
            from shouwang.marts.export import export_alerts

            n = export_alerts(conn, Path(args.file), include_finished=args.all)
        else:
            from linkage.steward import export_xref

            n = export_xref(conn, Path(args.file))
    console.print(f"{n:,} rows written to {args.file}")
    return 0


def print_marts(report) -> None:
    """A marts run's figures: counts only."""
    f = report.figures
    life = f["lifecycle"]
    console.print(
        f"     marts run {report.run_id} as of {report.as_of} (master version {report.master_version}):"
        f" {f['households']:,} households, {f['roster'].get('monitored', 0):,} monitored,"
        f" {f['roster'].get('candidate', 0):,} candidates"
    )
    console.print(
        f"     alerts: {life['raised']:,} raised, {life['seen']:,} seen again,"
        f" {life['cause_changed']:,} changed,"
        f" {life['cause_gone']:,} causes gone, {life['auto_closed']:,} closed"
    )
    table = Table("alert type", "open", "found tonight")
    for name, n in sorted(f["open_alerts"].items(), key=lambda kv: -kv[1]):
        table.add_row(name, f"{n:,}", f"{f['findings'].get(name, 0):,}")
    console.print(table)
    changes = f.get("changes") or {}
    if changes:
        console.print(
            "     since the previous run: " + ", ".join(f"{k} {v:,}" for k, v in sorted(changes.items()))
        )
    if f.get("unplaced_records"):
        console.print(
            f"     records not in the published master (left out): {sum(f['unplaced_records'].values()):,}"
        )


def marts_step(as_of=None) -> int:
    from shouwang.db import get_engine
    from shouwang.marts import NoPublishedMaster, RulesError, refresh_marts

    try:
        report = refresh_marts(get_engine(), as_of)
    except (NoPublishedMaster, RulesError) as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    print_marts(report)
    return 0


def cmd_marts(args: argparse.Namespace) -> int:
    import datetime as dt

    return marts_step(dt.date.fromisoformat(args.as_of) if args.as_of else None)


def report_step(out: Path | None, run_id: int | None, push: bool) -> int:
    from shouwang.config import load_settings
    from shouwang.db import get_engine
    from shouwang.marts.reports import write_reports

    out = out or load_settings().home / "reports"
    try:
        files = write_reports(get_engine(), out, run_id, push=push)
    except LookupError as exc:
        console.print(f"[red]{exc}[/red]")
        return 2
    console.print(f"     HTML report: {files.html}")
    console.print(f"     township and village summary: {files.summary_xlsx}")
    console.print(
        f"     {len(files.work_lists)} township work lists in"
        f" {files.work_lists[0].parent if files.work_lists else out}"
        f" ({files.pushed:,} new alerts pushed)"
    )
    return 0


def cmd_report(args: argparse.Namespace) -> int:
    return report_step(Path(args.out) if args.out else None, args.run, not args.no_push)


def cmd_nightly(args: argparse.Namespace) -> int:
    """The whole chain once, as the DAGs run it (for scripted use)."""
    import datetime as dt

    from shouwang.db import get_engine
    from shouwang.orchestration.chain import run_nightly

    result = run_nightly(
        get_engine(),
        Path(args.landing),
        full=args.full,
        as_of=dt.date.fromisoformat(args.as_of) if args.as_of else None,
        workers=args.workers,
    )
    table = Table("stage", "status", "seconds", "figures")
    for name, st in result.stages.items():
        figures = {k: v for k, v in st.items() if k not in ("status", "seconds")}
        table.add_row(name, st["status"], f"{st['seconds'] or 0:.1f}", _short(figures))
    console.print(table)
    if result.stale:
        console.print(f"     stale feeds (their last good data was used): {', '.join(result.stale)}")
    colour = "green" if result.status == "succeeded" else "red"
    console.print(f"nightly run {result.run_id}: [{colour}]{result.status}[/{colour}]")
    return 0 if result.status == "succeeded" else 3


def _short(figures: dict, width: int = 90) -> str:
    text_ = ", ".join(f"{k} {v}" for k, v in figures.items() if v not in (None, [], {}))
    return text_ if len(text_) <= width else text_[: width - 1] + "…"


def cmd_status(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine
    from shouwang.orchestration.status import collect_status

    st = collect_status(get_engine(), args.limit)
    table = Table("run", "kind", "key", "status", "started", "stages (seconds)")
    for r in st.runs:
        stages = " → ".join(
            f"{s['stage']}{'' if s['status'] == 'succeeded' else ' ' + s['status'].upper()}"
            f" {s['seconds'] or 0:.0f}"
            for s in r["stages"]
        )
        table.add_row(
            str(r["run_id"]),
            r["kind"],
            r["run_key"] or "",
            r["status"],
            f"{r['started_at']:%Y-%m-%d %H:%M}",
            stages,
        )
    console.print(table)
    if st.publication:
        p = st.publication
        console.print(
            f"published master: version {p['version']} as of {p['as_of_date']}"
            f" ({p['published_at']:%Y-%m-%d %H:%M})"
        )
    if st.marts_run:
        m = st.marts_run
        total = sum((m["open_alerts"] or {}).values())
        console.print(
            f"marts: run {m['run_id']} {m['status']} as of {m['as_of_date']}, {total:,} open alerts"
        )
    for f in st.failures:
        console.print(
            f"[red]failed[/red] {f['at']:%Y-%m-%d %H:%M} {f['dag_id']}.{f['task_id']}"
            f" try {f['try_number']}: {f['error']}"
        )
    if st.stale:
        console.print(
            "late feeds: "
            + ", ".join(f"{s['feed_id']} ({s['cadence']}, last {s['last_extract']})" for s in st.stale)
        )
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    """The HTTP API (docs/serving.md) with uvicorn; access logs carry paths, never ID numbers."""
    import os

    import uvicorn

    from shouwang.db.engine import resolve_database_url
    from shouwang.serving.app import api_engine, create_app

    url = os.environ.get("SHOUWANG_API_DATABASE_URL") or resolve_database_url()
    engine = api_engine(url, None if args.db_role == "none" else args.db_role)
    uvicorn.run(create_app(engine), host=args.host, port=args.port, workers=1)
    return 0


def cmd_token(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine
    from shouwang.serving.tokens import create_token

    token = create_token(get_engine(), args.client, args.role, args.township)
    console.print(f"token for {args.client} ({args.role}); shown once, keep it secret:")
    print(token)
    return 0


def cmd_scan_logs(args: argparse.Namespace) -> int:
    """Personal data in log files (ID numbers, phones, names of people in the warehouse): 1 if any."""
    from shouwang.config import load_settings
    from shouwang.orchestration.log_scan import KnownValues, log_files, scan_logs

    paths = [Path(p) for p in args.paths] or log_files(load_settings().home)
    if args.no_database:
        known = KnownValues()
    else:
        from shouwang.db import get_engine

        known = KnownValues.from_warehouse(get_engine())
    result = scan_logs(paths, known)
    _print_log_scan(result)
    return 0 if result.clean else 1


def _print_log_scan(result) -> None:
    colour = "green" if result.clean else "red"
    console.print(
        f"     log scan: {result.files} files, {result.lines:,} lines,"
        f" [{colour}]{len(result.findings)} with personal data[/{colour}]"
    )
    for f in result.findings[:20]:
        console.print(f"       {f.path}:{f.line}: {f.kind}")


def cmd_alert(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine
    from shouwang.marts import FeedbackError, record_feedback

    engine = get_engine()
    if args.alert_command == "feedback":
        try:
            with engine.begin() as conn:
                before, after = record_feedback(conn, args.alert_id, args.status, args.by, args.note)
        except FeedbackError as exc:
            console.print(f"[red]{exc}[/red]")
            return 2
        console.print(f"alert {args.alert_id}: {before} -> {after}")
        return 0
    from shouwang.marts.export import open_alerts

    with engine.connect() as conn:
        rows = open_alerts(conn, args.township, args.limit)
    table = Table("alert", "household", "township", "type", "severity", "status", "detail")
    for r in rows:
        table.add_row(
            str(r.alert_id),
            r.household_id,
            r.township_code or "",
            r.alert_type,
            r.severity,
            r.status,
            r.detail or "",
        )
    console.print(table)
    return 0


def print_night(report) -> None:
    """The gate's outcome and what was published (counts only)."""
    gate = report.gate
    colour = {"passed": "green", "warned": "yellow"}.get(gate.status, "red")
    console.print(
        f"     gate run {gate.gate_run_id}: [{colour}]{gate.status}[/{colour}],"
        f" {len(gate.outcomes)} expectations, {len(gate.failures)} critical failures,"
        f" {len(gate.warnings)} warnings"
    )
    for o in gate.failures + gate.warnings:
        console.print(f"       {o.severity}: {o.suite} / {o.expectation} {o.observed}")
    if report.published:
        p = report.published
        tables = ("person", "household", "membership")
        changes = ", ".join(f"{t}s +{p[t]['opened']} -{p[t]['closed']}" for t in tables)
        console.print(f"     master version {p['version']} published as of {p['as_of']}: {changes}")
    if gate.data_docs:
        console.print(f"     Data Docs: {gate.data_docs}")


def publish_step(as_of) -> int:
    """Golden records -> master gate -> publish, printed; 3 when the gate kept the old master."""
    from shouwang.db import get_engine
    from shouwang.master.night import GateFailed, NightReport, publish_night

    try:
        report = publish_night(get_engine(), as_of)
    except GateFailed as exc:
        print_night(NightReport(as_of, {}, exc.gate))
        console.print("[red]the gate failed: the previous master stays published[/red]")
        return 3
    console.print(
        f"     golden records as of {report.as_of}: {report.candidate['person']:,} persons,"
        f" {report.candidate['household']:,} households ({report.seconds})"
    )
    print_night(report)
    return 0


def cmd_publish(args: argparse.Namespace) -> int:
    import datetime as dt

    return publish_step(dt.date.fromisoformat(args.as_of) if args.as_of else None)


def print_feed_gate(result) -> None:
    bad = {f: o for f, o in result.checked.items() if o != "passed"}
    console.print(
        f"     feed gate run {result.gate.gate_run_id}: {len(result.checked)} feeds checked,"
        f" {sum(o == 'quarantined' for o in bad.values())} quarantined for the night,"
        f" {sum(o == 'failed' for o in bad.values())} critical feeds failed"
    )
    for feed_id, outcome in sorted(bad.items()):
        failed = [o for o in result.gate.outcomes if o.suite == f"feed_{feed_id}" and not o.success]
        console.print(f"       {feed_id}: {outcome} ({'; '.join(o.expectation for o in failed)})")


def cmd_gate(args: argparse.Namespace) -> int:
    from shouwang.config import load_settings

    if args.gate_command == "write-suites":
        from shouwang.gate.feed_suites import write_feed_suites

        written = write_feed_suites(load_settings().expectations_dir / "feeds")
        console.print(f"{len(written)} feed suites written")
        return 0
    return feed_gate_step()


def feed_gate_step() -> int:
    """The feed gate, printed; 3 when a critical feed failed (the night stops)."""
    from shouwang.db import get_engine
    from shouwang.gate.gate import FeedGateFailed, run_feed_gate

    try:
        print_feed_gate(run_feed_gate(get_engine()))
    except FeedGateFailed as exc:
        print_feed_gate(exc.result)
        console.print("[red]a critical feed failed its suite: stop the night[/red]")
        return 3
    return 0


def cmd_golden(args: argparse.Namespace) -> int:
    from shouwang.db import get_engine
    from shouwang.master.overrides import pin, unpin

    with get_engine().begin() as conn:
        if args.golden_command == "pin":
            override_id = pin(
                conn, args.entity, args.entity_id, args.attribute, args.value, args.reason, args.steward
            )
            console.print(f"pin {override_id} kept until removed; the next publish applies it")
        else:
            n = unpin(conn, args.entity, args.entity_id, args.attribute)
            console.print(f"{n} pin(s) removed; the next publish goes back to the sources")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="shouwang", description=__doc__)
    parser.add_argument("-v", "--verbose", action="store_true", help="log progress (never personal data)")
    sub = parser.add_subparsers(dest="command", required=True)

    db = sub.add_parser("db", help="database administration")
    dbsub = db.add_subparsers(dest="db_command", required=True)
    dbsub.add_parser("upgrade", help="apply migrations and sync staging tables").set_defaults(
        func=cmd_db_upgrade
    )
    dbsub.add_parser("stop", help="stop the embedded PostgreSQL").set_defaults(func=cmd_db_stop)

    p = sub.add_parser("ingest", help="load every delivery in a landing folder")
    p.add_argument("landing")
    p.add_argument("--report", help="write the accounting as JSON to this file")
    p.add_argument("--workers", type=int, default=None, help="parallel feed workers (default: 2)")
    p.add_argument("--feed", action="append", help="only this feed id (repeatable), e.g. gongan_huji")
    p.set_defaults(func=cmd_ingest)

    p = sub.add_parser("link", help="link staged records to master persons and households")
    p.add_argument("--full", action="store_true", help="re-link everything (default: only what changed)")
    p.set_defaults(func=cmd_link)

    p = sub.add_parser("review", help="the steward review queue")
    rsub = p.add_subparsers(dest="review_command", required=True)
    r = rsub.add_parser("list", help="open items, most probable first")
    r.add_argument("--limit", type=int, default=50)
    r.set_defaults(func=cmd_review)
    r = rsub.add_parser("decide", help="answer one item (kept for every later run)")
    r.add_argument("item_id", type=int)
    r.add_argument("decision", choices=["match", "non_match"])
    r.add_argument("--steward", required=True, help="who decides (kept with the decision)")
    r.add_argument("--note")
    r.set_defaults(func=cmd_review)

    p = sub.add_parser("explain", help="a master person's records and the evidence of each link")
    p.add_argument("person_id")
    p.set_defaults(func=cmd_explain)

    p = sub.add_parser("publish", help="golden records -> quality gate -> publish the master")
    p.add_argument("--as-of", help="business date of the night, YYYY-MM-DD (default: newest extract date)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("gate", help="feed quality suites")
    gsub = p.add_subparsers(dest="gate_command", required=True)
    gsub.add_parser(
        "feeds", help="validate feeds with new deliveries; quarantine failing ones for the night"
    ).set_defaults(func=cmd_gate)
    gsub.add_parser(
        "write-suites", help="(re)write expectations/feeds/*.json from the registry (hand-written parts kept)"
    ).set_defaults(func=cmd_gate)

    p = sub.add_parser("golden", help="steward pins on master attributes")
    gsub = p.add_subparsers(dest="golden_command", required=True)
    g = gsub.add_parser("pin", help="keep this value for the attribute until the pin is removed")
    g.add_argument("entity", choices=["person", "household"])
    g.add_argument("entity_id")
    g.add_argument("attribute")
    g.add_argument("value")
    g.add_argument("--reason", required=True)
    g.add_argument("--steward", required=True)
    g.set_defaults(func=cmd_golden)
    g = gsub.add_parser("unpin", help="remove the pin: the sources decide again")
    g.add_argument("entity", choices=["person", "household"])
    g.add_argument("entity_id")
    g.add_argument("attribute")
    g.set_defaults(func=cmd_golden)

    p = sub.add_parser("export", help="export linkage results")
    esub = p.add_subparsers(dest="export_command", required=True)
    e = esub.add_parser("xref", help="dept, feed, record_key, person_id, household_id as CSV")
    e.add_argument("file")
    e.set_defaults(func=cmd_export)
    e = esub.add_parser(
        "alerts", help="open alerts as CSV (household_id, alert_type, severity, created_run, ...)"
    )
    e.add_argument("file")
    e.add_argument("--all", action="store_true", help="also resolved and closed alerts")
    e.set_defaults(func=cmd_export)

    p = sub.add_parser("marts", help="refresh the monitoring marts from the published master")
    p.add_argument("--as-of", help="business date, YYYY-MM-DD (default: the published master's)")
    p.set_defaults(func=cmd_marts)

    p = sub.add_parser(
        "nightly", help="the whole nightly chain once (ingest ... marts, reports), as the DAGs run it"
    )
    p.add_argument("landing")
    p.add_argument("--full", action="store_true", help="re-link everything")
    p.add_argument("--as-of", help="business date, YYYY-MM-DD (default: newest extract date)")
    p.add_argument("--workers", type=int, default=None)
    p.set_defaults(func=cmd_nightly)

    p = sub.add_parser("serve", help="the HTTP API over the published master (uvicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=8000)
    p.add_argument(
        "--db-role",
        default="shouwang_api",
        help="database role every connection acts as (least privilege; 'none': the login user's own)",
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("token", help="API tokens")
    tsub = p.add_subparsers(dest="token_command", required=True)
    t = tsub.add_parser("create", help="a token bound to a client, a role and townships (shown once)")
    t.add_argument("--client", required=True)
    t.add_argument("--role", choices=["reader", "privileged"], default="reader")
    t.add_argument("--township", action="append", help="township code it may see (repeatable; none: all)")
    t.set_defaults(func=cmd_token)

    p = sub.add_parser(
        "scan-logs", help="look for ID numbers, phones and names in log files (default: $SHOUWANG_HOME's)"
    )
    p.add_argument("paths", nargs="*", help="files or folders (default: the logs under $SHOUWANG_HOME)")
    p.add_argument("--no-database", action="store_true", help="patterns only, no names from the warehouse")
    p.set_defaults(func=cmd_scan_logs)

    p = sub.add_parser("status", help="last runs with stage timings, publish, marts, failures, late feeds")
    p.add_argument("--limit", type=int, default=5)
    p.set_defaults(func=cmd_status)

    p = sub.add_parser("report", help="HTML run report, township work lists (XLSX) and the summary")
    p.add_argument("--out", help="folder (default: $SHOUWANG_HOME/reports)")
    p.add_argument("--run", type=int, help="marts run id (default: the latest)")
    p.add_argument(
        "--no-push", action="store_true", help="do not mark new alerts on the work lists as pushed"
    )
    p.set_defaults(func=cmd_report)

    p = sub.add_parser("alert", help="alerts: list open ones, record township feedback")
    asub = p.add_subparsers(dest="alert_command", required=True)
    a = asub.add_parser("list", help="open alerts, most severe first")
    a.add_argument("--township", help="township code")
    a.add_argument("--limit", type=int, default=50)
    a.set_defaults(func=cmd_alert)
    a = asub.add_parser("feedback", help="move an alert forward: pushed, verified, assisted, resolved")
    a.add_argument("alert_id", type=int)
    a.add_argument("status", choices=["pushed", "verified", "assisted", "resolved"])
    a.add_argument("--by", required=True, help="who reports it (kept with the alert's history)")
    a.add_argument("--note")
    a.set_defaults(func=cmd_alert)

    from shouwang.synth.cli import add_arguments

    p = sub.add_parser("demo-data", help="generate a synthetic county's deliveries (and its truth)")
    add_arguments(p).set_defaults(func=cmd_demo_data)

    p = sub.add_parser("demo", help="generate a county and run the pipeline on it")
    p.add_argument("--households", type=int, default=2000)
    p.add_argument("--seed", type=int, default=1)
    p.set_defaults(func=cmd_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    _setup_logging(args.verbose)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())

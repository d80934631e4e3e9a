"""Ingest benchmark: a generated county of 450,000 households (all 40 feeds) loaded end to end.

    make bench-ingest            # or: .venv/bin/python -m benchmarks.ingest_benchmark --households 450000

Prints rows/s end to end (archive, read, standardise, quarantine, change sets, ledger), peak memory
of the ingest processes, and the speed of a plain PostgreSQL COPY of the same rows measured in the
same run (raw values into an untyped text table), with the ratio. Targets (2 cores): >= 50,000 rows/s,
peak memory <= 4 GB, ratio >= 0.3.
"""

from __future__ import annotations

import argparse
import io
import json
import time
from pathlib import Path

from benchmarks.common import ROOT, PeakMemory, fresh_database, generated_county


def _rows_as_csv(path: Path, feed) -> tuple[bytes, int, int]:
    """The delivered rows of one file as CSV for COPY (conversion is not timed)."""
    import pyarrow as pa
    import pyarrow.csv as pcsv

    from shouwang.landing.readers import read_delivery

    read = read_delivery(path, feed)
    table = pa.table({f"c{i}": pa.array(v, type=pa.string()) for i, v in enumerate(read.columns.values())})
    buf = io.BytesIO()
    pcsv.write_csv(table, buf, write_options=pcsv.WriteOptions(include_header=False))
    return buf.getvalue(), read.n_rows, len(read.columns)


def copy_baseline(url: str, landing: Path) -> tuple[int, float]:
    """Plain COPY of every delivered row into one untyped table per feed; returns (rows, seconds)."""
    from sqlalchemy import create_engine

    from shouwang.landing.discover import discover
    from shouwang.registry import load_registry

    deliveries, _ = discover(landing, load_registry())
    prepared = [(d.feed.feed_id, *_rows_as_csv(d.path, d.feed)) for d in deliveries]
    engine = create_engine(url)
    total = 0
    raw = engine.raw_connection()
    try:
        with raw.cursor() as cur:
            for feed_id, _, _, width in prepared:
                cols = ", ".join(f"c{i} text" for i in range(width))
                cur.execute(f"CREATE TABLE copy_{feed_id} ({cols})")
        raw.commit()
        t0 = time.perf_counter()
        with raw.cursor() as cur:
            for feed_id, text_rows, n, _ in prepared:
                cur.copy_expert(f"COPY copy_{feed_id} FROM STDIN WITH (FORMAT csv)", io.BytesIO(text_rows))
                total += n
        raw.commit()
        seconds = time.perf_counter() - t0
    finally:
        raw.close()
    engine.dispose()
    return total, seconds


def _own_cpu(resource) -> float:
    """CPU seconds of this process and its finished children (the worker pool)."""
    me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=20210630)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args(argv)

    import os

    landing, _ = generated_county(args.households, args.seed)
    url = fresh_database("shouwang_bench_ingest")
    os.environ["SHOUWANG_DATABASE_URL"] = url
    os.environ["SHOUWANG_HOME"] = str(ROOT / "var" / "bench" / "home")
    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade
    from shouwang.ingest import ingest_landing

    upgrade(get_engine(url))
    import resource

    import psutil

    cpu_before, ours_before = psutil.cpu_times(), _own_cpu(resource)
    with PeakMemory() as mem:
        t0 = time.perf_counter()
        reports = ingest_landing(landing, database_url=url, workers=args.workers)
        seconds = time.perf_counter() - t0
    cpu_after, ours_after = psutil.cpu_times(), _own_cpu(resource)
    machine_cpu = (cpu_after.user + cpu_after.system) - (cpu_before.user + cpu_before.system)
    python_cpu = ours_after - ours_before
    rows = sum(r.rows_read for r in reports)
    unbalanced = [r.file for r in reports if not r.balanced]
    failed = [r.file for r in reports if r.status not in ("loaded",)]

    copy_url = fresh_database("shouwang_bench_copy")
    copy_rows, copy_seconds = copy_baseline(copy_url, landing)
    result = {
        "households": args.households,
        "files": len(reports),
        "rows": rows,
        "seconds": round(seconds, 1),
        "rows_per_second": round(rows / seconds),
        "peak_memory_gb": round(mem.peak_gb, 2),
        "copy_rows": copy_rows,
        "copy_seconds": round(copy_seconds, 1),
        "copy_rows_per_second": round(copy_rows / copy_seconds),
        "ratio_to_copy": round((rows / seconds) / (copy_rows / copy_seconds), 2),
        "cpu_seconds_python": round(python_cpu, 1),
        "cpu_seconds_rest_of_machine (PostgreSQL)": round(machine_cpu - python_cpu, 1),
        "prepare_seconds_summed": round(sum(r.seconds_prepare for r in reports), 1),
        "database_seconds_summed": round(sum(r.seconds - r.seconds_prepare for r in reports), 1),
        "slowest_files": [
            f"{r.file} {r.rows_read:,} rows {r.seconds:.1f}s (prepare {r.seconds_prepare:.1f}s)"
            for r in sorted(reports, key=lambda r: -r.seconds)[:6]
        ],
        "unbalanced_files": unbalanced,
        "not_loaded_files": failed,
    }
    print(json.dumps(result, indent=2, ensure_ascii=False))
    out = ROOT / "var" / "bench" / "ingest_result.json"
    out.write_text(json.dumps(result, indent=2), encoding="utf-8")
    ok = (
        result["rows_per_second"] >= 50_000
        and result["peak_memory_gb"] <= 4
        and result["ratio_to_copy"] >= 0.3
    )
    print("targets met" if ok else "TARGETS NOT MET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

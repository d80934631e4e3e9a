"""Linkage benchmark: a generated 450,000-household county linked in full, then one incremental
night with 1% of rows changed, and Splink 5 (DuckDB) on the same records, side by side.

    make bench-link          # or: .venv/bin/python -m benchmarks.link_benchmark --households 450000

Each phase runs in its own process so its peak memory (resident set of that process; PostgreSQL's
own backends are not included) is its own. Quality is pairwise precision / recall / F1 against the
generator's truth, at person and household level. Targets (2 cores): full link <= 15 minutes, peak
memory <= 8 GB, incremental night <= 2 minutes; person F1 >= 0.995 with precision >= 0.998,
household F1 >= 0.98. Splink needs the benchmark extra: pip install -e ".[bench]".
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import time
from pathlib import Path

from benchmarks.common import ROOT, PeakMemory, admin_url, county_tag, fresh_database, generated_county


def _database(
    households: int, seed: int, landing: Path, reuse: bool, names: str = "realistic"
) -> tuple[str, float | None]:
    """A database with the county ingested (reused when --reuse and it is there)."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    name = f"shouwang_bench_link_{county_tag(households, seed, names)}"
    url = make_url(admin_url()).set(database=name).render_as_string(hide_password=False)
    if reuse:
        try:
            with create_engine(url).connect() as conn:
                loaded = conn.execute(
                    text("SELECT count(*) FROM raw.delivery WHERE status = 'loaded'")
                ).scalar()
            if loaded:
                from shouwang.db import get_engine
                from shouwang.db.migrate import upgrade

                upgrade(get_engine(url))  # a database ingested by an older version
                return url, None
        except Exception:
            pass
    url = fresh_database(name)
    from shouwang.db import get_engine
    from shouwang.db.migrate import upgrade
    from shouwang.ingest import ingest_landing

    upgrade(get_engine(url))
    t0 = time.perf_counter()
    ingest_landing(landing, database_url=url, workers=2)
    return url, time.perf_counter() - t0


def _phase_link(url: str, full: bool, out: mp.Queue) -> None:
    os.environ["SHOUWANG_DATABASE_URL"] = url
    from linkage.run import run_linkage
    from shouwang.db import get_engine

    t0 = time.perf_counter()
    report = run_linkage(get_engine(url), full=full)
    out.put({"seconds": time.perf_counter() - t0, "figures": report.figures})


def _phase_splink(url: str, out: mp.Queue) -> None:
    from sqlalchemy import create_engine

    from benchmarks.splink_model import link_with_splink
    from linkage.db import frame
    from shouwang.staging.standardize.names import name_pinyin

    t0 = time.perf_counter()
    with create_engine(url).connect() as conn:
        records = frame(
            conn,
            "SELECT feed_id, record_key, id_digits, id_key, name, sex, birth_date::text AS birth_date,"
            " township_code, village_code, phone, address_detail, account FROM linkage.record",
        )
    records["pinyin"] = name_pinyin(records["name"])
    load_seconds = time.perf_counter() - t0
    clusters, figures = link_with_splink(records)
    clusters.to_parquet(ROOT / "var" / "bench" / "splink_clusters.parquet")
    out.put({"seconds": time.perf_counter() - t0, "load_seconds": load_seconds, "figures": figures})


def _measured(target, *args) -> tuple[dict, float]:
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    with PeakMemory() as mem:
        proc.start()
        result = queue.get()
        proc.join()
    if proc.exitcode:
        raise RuntimeError(f"benchmark phase {target.__name__} failed")
    return result, mem.peak_gb


def _scores(url: str, truth: Path) -> dict:
    from sqlalchemy import create_engine

    from linkage.db import frame
    from linkage.evaluate import score_against_truth

    with create_engine(url).connect() as conn:
        xref = frame(conn, "SELECT dept, feed, record_key, person_id, household_id FROM linkage.crosswalk")
    return score_against_truth(xref, truth)


def _splink_scores(truth: Path) -> dict:
    import pandas as pd

    from linkage.evaluate import pairwise_scores

    clusters = pd.read_parquet(ROOT / "var" / "bench" / "splink_clusters.parquet")
    t = pd.read_csv(truth / "records.csv", dtype=str, usecols=["dept", "feed", "record_key", "person_id"])
    t["feed_id"] = t["dept"] + "_" + t["feed"]
    joined = t.merge(clusters, on=["feed_id", "record_key"])
    return pairwise_scores(joined["cluster_id"].astype(str), joined["person_id"])


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--households", type=int, default=450_000)
    parser.add_argument("--seed", type=int, default=20210630)
    parser.add_argument(
        "--names",
        choices=("realistic", "stress"),
        default="realistic",
        help="the generator's name profile (stress: far more namesakes than real registers)",
    )
    parser.add_argument("--reuse", action="store_true", help="reuse an already ingested benchmark database")
    parser.add_argument("--no-splink", action="store_true", help="skip the Splink comparison")
    parser.add_argument("--full-only", action="store_true", help="measure the full link only")
    parser.add_argument(
        "--no-incremental", action="store_true", help="full link and Splink side by side, no night after"
    )
    parser.add_argument(
        "--incremental-only",
        metavar="YYYYMMDD",
        help="with --reuse: skip the full link and run one more incremental night dated YYYYMMDD",
    )
    args = parser.parse_args(argv)

    landing, truth = generated_county(args.households, args.seed, args.names)
    url, ingest_seconds = _database(args.households, args.seed, landing, args.reuse, args.names)
    result: dict = {
        "households": args.households,
        "names": args.names,
        "ingest_seconds": ingest_seconds and round(ingest_seconds, 1),
    }

    if not args.incremental_only:
        full, peak = _measured(_phase_link, url, True)
        result["full_link"] = {
            "seconds": round(full["seconds"], 1),
            "peak_memory_gb": round(peak, 2),
            "records": full["figures"]["records"],
            "stage_seconds": full["figures"]["seconds"],
            "persons": full["figures"]["persons"],
            "quality": _scores(url, truth),
        }
        print(json.dumps(result["full_link"], indent=2))

    if args.full_only:
        print(json.dumps(result, indent=2, default=str))
        return 0

    if args.no_incremental:
        return _splink_side_by_side(args, url, truth, result)
    # one incremental night: 1% of the rows of every CSV/JSONL feed changed
    from shouwang.ingest import ingest_landing
    from shouwang.synth.later import write_later_delivery

    night = args.incremental_only or "20210731"
    later = ROOT / "var" / "bench" / f"later_{county_tag(args.households, args.seed, args.names)}_{night}"
    if not later.exists():
        write_later_delivery(landing, later, night, 0.01, seed=int(night) % 1000)
    t0 = time.perf_counter()
    reports = ingest_landing(later, database_url=url, workers=2)
    result["later_delivery"] = {
        "files": len(reports),
        "rows_read": sum(r.rows_read for r in reports),
        "rows_changed": sum(r.rows_changed for r in reports),
        "ingest_seconds": round(time.perf_counter() - t0, 1),
    }
    inc, peak = _measured(_phase_link, url, False)
    result["incremental_link"] = {
        "seconds": round(inc["seconds"], 1),
        "peak_memory_gb": round(peak, 2),
        "records_changed": inc["figures"].get("records_changed"),
        "records_changed_share": round(
            (inc["figures"].get("records_changed") or 0) / max(inc["figures"].get("records") or 1, 1), 4
        ),
        "stage_seconds": inc["figures"]["seconds"],
        "person_ids": inc["figures"]["person_ids"],
        "quality": _scores(url, truth),
    }
    print(json.dumps(result["incremental_link"], indent=2))

    if args.incremental_only:
        print(json.dumps(result, indent=2, default=str))
        return 0
    return _splink_side_by_side(args, url, truth, result)


def _splink_side_by_side(args, url: str, truth, result: dict) -> int:
    if not args.no_splink:
        splink, peak = _measured(_phase_splink, url)
        result["splink"] = {
            "seconds": round(splink["seconds"], 1),
            "peak_memory_gb": round(peak, 2),
            "figures": splink["figures"],
            "quality_person": _splink_scores(truth),
        }
    side = {
        "shouwang": {
            "seconds": result["full_link"]["seconds"],
            "peak_gb": result["full_link"]["peak_memory_gb"],
            **{k: result["full_link"]["quality"]["person"][k] for k in ("precision", "recall", "f1")},
        },
    }
    if "splink" in result:
        side["splink5_duckdb"] = {
            "seconds": result["splink"]["seconds"],
            "peak_gb": result["splink"]["peak_memory_gb"],
            **{k: result["splink"]["quality_person"][k] for k in ("precision", "recall", "f1")},
        }
    result["side_by_side_person_level"] = side
    print(json.dumps(result, indent=2, default=str))
    out = ROOT / "var" / "bench" / "link_result.json"
    out.write_text(json.dumps(result, indent=2, default=str), encoding="utf-8")
    q = result["full_link"]["quality"]
    ok = (
        result["full_link"]["seconds"] <= 15 * 60
        and result["full_link"]["peak_memory_gb"] <= 8
        and result.get("incremental_link", {}).get("seconds", 0) <= 120
        and q["person"]["f1"] >= 0.995
        and q["person"]["precision"] >= 0.998
        and q["household"]["f1"] >= 0.98
    )
    print("targets met" if ok else "TARGETS NOT MET")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

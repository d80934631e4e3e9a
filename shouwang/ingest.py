"""Ingest a landing zone: every delivery of every feed, feeds in parallel, one report per file.

This is the single entry point used by the CLI (`shouwang ingest`) and the Airflow tasks, so both
run the same code. Feeds are independent: a bad file of one feed never stops the others.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path

from shouwang.config import load_settings
from shouwang.db import get_engine, resolve_database_url
from shouwang.landing.discover import Delivery, discover
from shouwang.registry import load_registry
from shouwang.staging.load import DeliveryReport, load_delivery

log = logging.getLogger(__name__)


_gazetteers: dict[int, object] = {}  # by the content of ref.village, per process


def load_gazetteer(engine):
    """The reference divisions as in the database (the reference file plus villages learnt since).

    The same village list gives the same gazetteer object, so a worker keeps what it has resolved
    (places, villages) from one feed to the next; a village learnt in between gives a new one."""
    import pandas as pd

    from shouwang.staging.standardize import default_gazetteer

    villages = pd.read_sql(
        "SELECT village_code, township_code, village FROM ref.village ORDER BY village_code", engine
    )
    digest = int(pd.util.hash_pandas_object(villages, index=False).sum())
    if digest not in _gazetteers:
        _gazetteers.clear()
        _gazetteers[digest] = default_gazetteer().with_villages(villages)
    return _gazetteers[digest]


def ingest_feed(database_url: str, archive_dir: str, feed_id: str, paths: list[str]) -> list[dict]:
    """Load the given files of one feed in extract-date order (runs in a worker process)."""
    registry = load_registry()
    engine = get_engine(database_url)
    gazetteer = load_gazetteer(engine)
    reports = []
    from shouwang.landing.discover import parse_name

    for p in paths:
        delivery = parse_name(Path(p), registry)
        assert isinstance(delivery, Delivery) and delivery.feed.feed_id == feed_id
        try:
            reports.append(load_delivery(engine, delivery, Path(archive_dir), gazetteer).as_dict())
        except Exception as exc:  # infrastructure failure (database down...): report, let others go on
            # First line only: database errors carry row values (DETAIL/CONTEXT) on later lines.
            first_line = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"[:300]
            log.error("loading %s failed: %s", delivery.path.name, first_line)
            reports.append(
                DeliveryReport(
                    dept=delivery.feed.dept,
                    feed=delivery.feed.feed,
                    file=delivery.path.name,
                    status="failed",
                    extract_date=delivery.extract_date.isoformat(),
                    problems=[
                        {
                            "code": "load_failed",
                            "message": first_line,
                            "fatal": True,
                        }
                    ],
                ).as_dict()
            )
    return reports


def ingest_landing(
    landing: Path,
    database_url: str | None = None,
    workers: int | None = None,
    feed_ids: Iterable[str] | None = None,
    on_feed_done: Callable[[str, list[dict]], None] | None = None,
) -> list[DeliveryReport]:
    """Load everything in `landing`; returns one report per file (unrecognised files included)."""
    settings = load_settings()
    url = database_url or resolve_database_url(settings)
    registry = load_registry()
    wanted = set(feed_ids) if feed_ids is not None else None
    deliveries, unrecognised = discover(Path(landing), registry, wanted)
    by_feed: dict[str, list[str]] = {}
    for d in deliveries:
        by_feed.setdefault(d.feed.feed_id, []).append(str(d.path))
    # Largest feeds first so that the pool's tail is short.
    order = sorted(by_feed, key=lambda f: -sum(os.path.getsize(p) for p in by_feed[f]))
    workers = max(1, workers or min(2, os.cpu_count() or 1))
    results: list[dict] = []
    if workers == 1 or len(order) <= 1:
        for fid in order:
            got = ingest_feed(url, str(settings.archive_dir), fid, by_feed[fid])
            results += got
            if on_feed_done:
                on_feed_done(fid, got)
    else:
        with ProcessPoolExecutor(max_workers=workers, mp_context=get_context("spawn")) as pool:
            futures = {
                pool.submit(ingest_feed, url, str(settings.archive_dir), fid, by_feed[fid]): fid
                for fid in order
            }
            for fut in as_completed(futures):
                got = fut.result()
                results += got
                if on_feed_done:
                    on_feed_done(futures[fut], got)
    reports = [DeliveryReport(**r) for r in results]
    for u in unrecognised:
        reports.append(
            DeliveryReport(
                dept=u.path.parent.name,
                feed="",
                file=u.path.name,
                status="unrecognised",
                problems=[{"code": "unrecognised_file", "message": u.reason, "fatal": True}],
            )
        )
    reports.sort(key=lambda r: (r.dept, r.feed, r.file))
    return reports


def write_report(reports: list[DeliveryReport], path: Path) -> None:
    """The accounting as JSON: a list with one object per delivery file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps([r.as_dict() for r in reports], ensure_ascii=False, indent=2), encoding="utf-8"
    )

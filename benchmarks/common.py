"""Shared helpers for the benchmarks: a fresh database, a generated county, peak-memory sampling."""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

import psutil
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

ROOT = Path(__file__).resolve().parent.parent


def admin_url() -> str:
    url = os.environ.get("SHOUWANG_BENCH_ADMIN_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/postgres")
    try:
        with create_engine(url).connect():
            return url
    except Exception:
        from shouwang.db.embedded import embedded_url

        return embedded_url(ROOT / "var" / "bench-pgdata")


def fresh_database(name: str) -> str:
    """Drop and create database `name`; returns its URL."""
    admin = admin_url()
    engine = create_engine(admin, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return make_url(admin).set(database=name).render_as_string(hide_password=False)


def county_tag(households: int, seed: int, names: str = "realistic") -> str:
    """`<households>_<seed>`, plus `_stress` for the stress name profile: the suffix of a
    generated county's folder and of its benchmark database."""
    return f"{households}_{seed}" + ("" if names == "realistic" else f"_{names}")


def generated_county(households: int, seed: int, names: str = "realistic") -> tuple[Path, Path]:
    """A generated county under var/bench, reused when it already exists for these parameters
    (`names`: the generator's name profile, see shouwang.synth.names)."""
    base = ROOT / "var" / "bench" / f"county_{county_tag(households, seed, names)}"
    landing, truth = base / "landing", base / "truth"
    marker = base / ".complete"
    if not marker.exists():
        from shouwang.synth import generate_county

        t0 = time.perf_counter()
        generate_county(households=households, seed=seed, out_dir=landing, truth_dir=truth, names=names)
        print(f"generated county: {households:,} households in {time.perf_counter() - t0:.0f}s")
        marker.touch()
    return landing, truth


class PeakMemory:
    """Samples the RSS of this process and its children (the worker pool) and keeps the peak sum."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peak = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        me = psutil.Process()
        while not self._stop.is_set():
            total = 0
            for p in [me, *me.children(recursive=True)]:
                try:
                    total += p.memory_info().rss
                except psutil.Error:
                    pass
            self.peak = max(self.peak, total)
            time.sleep(self.interval)

    def __enter__(self) -> PeakMemory:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_gb(self) -> float:
        return self.peak / 1024**3

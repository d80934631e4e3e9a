"""Runs and stages of the nightly chain in ops.run / ops.run_stage: one record whether the chain runs
in Airflow (keyed by the dag run id) or from `shouwang nightly` (keyed cli:<time>), so
`shouwang status` shows both the same way. Stages hold timings, outcomes and counts, never data.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from sqlalchemy import Engine, text


@dataclass
class Stage:
    """What a stage reports back: counts for the run record (set `figures`, or `status = 'skipped'`)."""

    name: str
    figures: dict = field(default_factory=dict)
    status: str = "succeeded"


def open_run(engine: Engine, kind: str, run_key: str, as_of=None) -> int:
    """The ops.run row of (kind, run_key), created on first use (a retried task finds it again)."""
    with engine.begin() as conn:
        conn.execute(
            text("""INSERT INTO ops.run (kind, run_key, as_of_date) VALUES (:k, :key, :d)
                    ON CONFLICT (kind, run_key) WHERE run_key IS NOT NULL DO UPDATE
                    SET as_of_date = coalesce(EXCLUDED.as_of_date, ops.run.as_of_date)"""),
            {"k": kind, "key": run_key, "d": as_of},
        )
        return conn.execute(
            text("SELECT run_id FROM ops.run WHERE kind = :k AND run_key = :key"), {"k": kind, "key": run_key}
        ).scalar_one()


@contextmanager
def stage(engine: Engine, run_id: int, name: str) -> Iterator[Stage]:
    """Record one stage: started, then succeeded / skipped with its figures, or failed with the
    error's class and first line (messages of this code base carry no personal data)."""
    with engine.begin() as conn:
        attempt = conn.execute(
            text("""INSERT INTO ops.run_stage (run_id, stage, attempt)
                    SELECT :r, :s, coalesce(max(attempt), 0) + 1 FROM ops.run_stage
                    WHERE run_id = :r AND stage = :s
                    RETURNING attempt"""),
            {"r": run_id, "s": name},
        ).scalar_one()
    result = Stage(name)
    t0 = time.perf_counter()
    try:
        yield result
    except BaseException as exc:
        _close(engine, run_id, name, attempt, "failed", time.perf_counter() - t0, {}, _error(exc))
        with engine.begin() as conn:
            conn.execute(
                text("UPDATE ops.run SET status = 'failed', finished_at = now() WHERE run_id = :r"),
                {"r": run_id},
            )
        raise
    _close(engine, run_id, name, attempt, result.status, time.perf_counter() - t0, result.figures, None)


def finish_run(engine: Engine, run_id: int, status: str = "succeeded", summary: dict | None = None) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE ops.run SET status = :s, finished_at = now(),
                           summary = summary || CAST(:summary AS jsonb) WHERE run_id = :r"""),
            {"s": status, "summary": json.dumps(summary or {}, default=str, ensure_ascii=False), "r": run_id},
        )


def _close(engine, run_id, name, attempt, status, seconds, figures, error) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("""UPDATE ops.run_stage SET status = :st, finished_at = now(), seconds = :sec,
                           figures = CAST(:f AS jsonb), error = :e
                    WHERE run_id = :r AND stage = :s AND attempt = :a"""),
            {
                "st": status,
                "sec": round(seconds, 2),
                "f": json.dumps(figures, default=str, ensure_ascii=False),
                "e": error,
                "r": run_id,
                "s": name,
                "a": attempt,
            },
        )


def _error(exc: BaseException) -> str:
    return describe_error(exc)


def describe_error(exc: BaseException) -> str:
    """The error's class and first line, long digit runs masked (an ID number or phone that a
    driver quoted from a row must not reach the ops tables or a notification)."""
    message = str(exc).strip()
    first = message.splitlines()[0] if message else ""
    return f"{type(exc).__name__}: {_DIGITS.sub('#', first)}"[:500]


_DIGITS = re.compile(r"\d{6,}[\dXx]?")

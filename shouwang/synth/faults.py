"""Optional file-level delivery faults for tests (off by default).

faults = {"truncated_last_line": ["gongan/huji"], "missing": ["yibao/canbao"], ...}

  truncated_last_line  csv / jsonl: the last line is cut in the middle (no final newline)
  missing              the delivery is not written at all
  extra_column         an unregistered column 备注 is appended (as in a real yanglao delivery)
  missing_column       the last registered column is left out

Faults only change the delivered file; the truth files still describe the intended records.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np

FAULTS = ("truncated_last_line", "missing", "extra_column", "missing_column")


def validate(faults: Mapping[str, Iterable[str]], registry: Mapping[str, Any]) -> dict[str, list[str]]:
    """Turn {fault: [feed ids]} into {feed id: [faults]}, rejecting unknown names."""
    plan: dict[str, list[str]] = {}
    for fault, feed_ids in faults.items():
        if fault not in FAULTS:
            raise ValueError(f"unknown fault {fault!r}; known: {', '.join(FAULTS)}")
        for feed_id in feed_ids:
            if feed_id not in registry:
                raise ValueError(f"unknown feed {feed_id!r} for fault {fault!r}")
            if fault == "truncated_last_line" and registry[feed_id].format == "xlsx":
                raise ValueError("truncated_last_line applies to csv and jsonl deliveries only")
            plan.setdefault(feed_id, []).append(fault)
    return plan


def apply_to_columns(
    faults: list[str], columns: list[str], data: dict[str, Any]
) -> tuple[list[str], dict[str, Any]]:
    if "extra_column" in faults:
        n = len(next(iter(data.values()))) if data else 0
        data = {**data, "备注": np.full(n, "", dtype=object)}
        columns = [*columns, "备注"]
    if "missing_column" in faults and len(columns) > 1:
        columns = columns[:-1]
    return columns, data


def apply_to_file(faults: list[str], path: Path, fmt: str) -> None:
    if "truncated_last_line" in faults and fmt in ("csv", "jsonl"):
        raw = path.read_bytes()
        body = raw.rstrip(b"\n")
        start = body.rfind(b"\n") + 1
        cut = start + max(1, (len(body) - start) // 2)
        path.write_bytes(body[:cut])

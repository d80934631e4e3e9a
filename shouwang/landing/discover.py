"""Find delivery files in a landing zone: <landing>/<dept>/<feed>_<YYYYMMDD>.<ext>."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path

from shouwang.registry import Feed, Registry

_NAME = re.compile(r"^(?P<feed>[a-z0-9_]+)_(?P<date>\d{8})\.(?P<ext>[a-z0-9]+)$")


@dataclass(frozen=True)
class Delivery:
    """A file found in the landing zone that matches a registry feed."""

    path: Path
    feed: Feed
    extract_date: dt.date


@dataclass(frozen=True)
class Unrecognised:
    """A file that is not a delivery of any registered feed (reported, never loaded)."""

    path: Path
    reason: str


def parse_name(path: Path, registry: Registry) -> Delivery | Unrecognised:
    m = _NAME.match(path.name)
    if not m:
        return Unrecognised(path, "file name is not <feed>_<YYYYMMDD>.<ext>")
    feed = registry.find(path.parent.name, m.group("feed"))
    if feed is None:
        return Unrecognised(path, f"no registered feed {path.parent.name}/{m.group('feed')}")
    if m.group("ext") != feed.extension:
        return Unrecognised(path, f"extension .{m.group('ext')} but the contract says .{feed.extension}")
    try:
        extract = dt.datetime.strptime(m.group("date"), "%Y%m%d").date()
    except ValueError:
        return Unrecognised(path, f"extract date {m.group('date')} is not a calendar date")
    return Delivery(path=path, feed=feed, extract_date=extract)


def discover(landing: Path, registry: Registry, feed_ids: set[str] | None = None):
    """All files under `landing`, sorted by feed and extract date, split into deliveries and the rest."""
    deliveries: list[Delivery] = []
    unrecognised: list[Unrecognised] = []
    for path in sorted(p for p in landing.glob("*/*") if p.is_file() and not p.name.startswith(".")):
        found = parse_name(path, registry)
        if isinstance(found, Unrecognised):
            if feed_ids is None:
                unrecognised.append(found)
        elif feed_ids is None or found.feed.feed_id in feed_ids:
            deliveries.append(found)
    deliveries.sort(key=lambda d: (d.feed.feed_id, d.extract_date, d.path.name))
    return deliveries, unrecognised

"""Shared machinery of the feed builders: the per-feed context and what a builder returns."""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import noise as nz
from .gazetteer import Gazetteer, PlaceRenderer
from .population import World
from .registry import FeedSpec


@dataclass
class EventBatch:
    """Planted (or naturally arising) risk events, one per delivered row they concern."""

    event_type: str
    rows: np.ndarray  # row indices in the feed result
    date: np.ndarray  # datetime64[D] per row
    detail: Any = ""  # str or array of str per row
    person: np.ndarray | None = None  # defaults to the row's subject


@dataclass
class FeedResult:
    """Rendered columns of one delivery plus what the truth files need to know about it."""

    columns: dict[str, Any]
    key: np.ndarray
    subject: np.ndarray  # person index per row, -1 when the row is about no person
    id_noise: np.ndarray | None = None
    name_noise: np.ndarray | None = None
    other_noise: np.ndarray | None = None
    events: list[EventBatch] = field(default_factory=list)
    duplicates: np.ndarray | None = None  # rows delivered twice (exact duplicate lines)

    @property
    def n(self) -> int:
        return len(self.key)


def stable_rng(seed: int, name: str) -> np.random.Generator:
    """A generator that depends only on the seed and a name (so feeds are independent)."""
    return np.random.default_rng([seed, zlib.crc32(name.encode("utf-8"))])


class FeedCtx:
    """Everything a feed builder needs; helpers apply the feed's noise profile."""

    def __init__(
        self,
        world: World,
        gaz: Gazetteer,
        places: PlaceRenderer,
        spec: FeedSpec,
        seed: int,
        state: dict[str, Any],
    ) -> None:
        self.w = world
        self.gaz = gaz
        self.places = places
        self.spec = spec
        self.seed = seed
        self.state = state
        self.rng = stable_rng(seed, spec.feed_id)
        self.profile = nz.profile_for(spec.feed_id)
        self.xlsx = spec.format == "xlsx"
        self.ref = world.ref
        self.year = int(str(np.datetime64(world.ref, "Y")))
        self._id_noise: np.ndarray | None = None
        self._name_noise: np.ndarray | None = None
        self._other: list[np.ndarray] = []

    # -- identity ---------------------------------------------------------------------------
    def ids(
        self,
        persons: np.ndarray,
        *,
        subject: bool = False,
        rates: dict[str, float] | None = None,
        true_ids: np.ndarray | None = None,
    ) -> np.ndarray:
        ids = self.w.p_id[persons] if true_ids is None else true_ids
        by = self.w.p_birth[persons].astype("datetime64[Y]").astype(np.int64) + 1970
        vals, kinds = nz.noisy_ids(ids, self.rng, rates or self.profile.id, xlsx=self.xlsx, birth_year=by)
        if subject:
            self._id_noise = kinds
        return vals

    def mark_id_noise(self, rows: np.ndarray, kind: str) -> None:
        """Record noise done outside noisy_ids (e.g. an ID column left empty on purpose)."""
        if self._id_noise is not None:
            self._id_noise[rows] = kind

    def names(self, persons: np.ndarray, *, subject: bool = False, mark_dead: bool = True) -> np.ndarray:
        dead = self.w.p_dead[persons] if mark_dead else None
        vals, kinds = nz.noisy_names(self.w.p_name[persons], self.rng, self.profile, dead=dead)
        if subject:
            self._name_noise = kinds
        return vals

    def date(
        self, dates: np.ndarray, fmt: str, *, alt: float | None = None, track: bool = False
    ) -> np.ndarray:
        vals, kinds = nz.noisy_dates(
            dates, fmt, self.rng, self.profile.date_alt if alt is None else alt, xlsx=self.xlsx
        )
        if track:
            self._other.append(kinds)
        return vals

    def birth(self, persons: np.ndarray, fmt: str) -> np.ndarray:
        d, swapped = nz.swap_day_month(self.w.p_birth[persons], self.rng, self.profile.birth_swap)
        vals, kinds = nz.noisy_dates(d, fmt, self.rng, self.profile.date_alt, xlsx=self.xlsx)
        kinds = kinds.copy()
        kinds[swapped] = np.where(kinds[swapped] == "", "birth_dm_swap", kinds[swapped] + "+birth_dm_swap")
        self._other.append(kinds)
        return vals

    def phones(self, persons: np.ndarray, *, subject: bool = False, rate: float | None = None) -> np.ndarray:
        vals, kinds = nz.noisy_phones(
            self.w.p_phone[persons], self.rng, self.profile.phone if rate is None else rate
        )
        if subject:
            self._other.append(kinds)
        return vals

    # -- places -------------------------------------------------------------------------------
    def township_of_place(self, place: np.ndarray, variety: float | None = None) -> np.ndarray:
        t = self.places.p_tidx[place]
        return self.places.township(t, self.rng, self.profile.place if variety is None else variety)

    def village(self, place: np.ndarray, variety: float | None = None) -> np.ndarray:
        return self.places.village(place, self.rng, self.profile.place if variety is None else variety)

    def address(
        self, persons: np.ndarray, variety: float | None = None, *, place: np.ndarray | None = None
    ) -> np.ndarray:
        w = self.w
        hh = w.p_hh[persons]
        pl = w.hh_place[hh] if place is None else place
        return self.places.address(
            pl, w.hh_group[hh], w.hh_house[hh], self.rng, self.profile.address if variety is None else variety
        )

    # -- result -------------------------------------------------------------------------------
    def result(self, columns: dict[str, Any], key: np.ndarray, subject: np.ndarray, **kw: Any) -> FeedResult:
        n = len(key)
        other = None
        if self._other:
            other = np.full(n, "", dtype=object)
            for k in self._other:
                if len(k) != n:
                    continue
                has = k != ""
                other[has] = np.where(other[has] == "", k[has], other[has] + "+" + k[has])
        return FeedResult(
            columns=columns,
            key=np.asarray(key, dtype=object),
            subject=np.asarray(subject),
            id_noise=self._id_noise,
            name_noise=self._name_noise,
            other_noise=other,
            **kw,
        )


def codes(prefix: str, width: int, n: int, *, offset: int = 0, stride: int = 7919) -> np.ndarray:
    """n unique, random-looking fixed-width numeric codes with a text prefix."""
    i = np.arange(n, dtype=np.int64)
    v = (offset + i * stride) % (10**width)
    return prefix + pad(v, width)


def pick(
    rng: np.random.Generator, candidates: np.ndarray, share: float, *, weights: np.ndarray | None = None
) -> np.ndarray:
    """A random subset of about share * len(candidates) (weighted if weights given), sorted."""
    n = len(candidates)
    k = int(round(share * n))
    if k <= 0 or n == 0:
        return candidates[:0]
    k = min(k, n)
    if weights is None:
        sel = rng.choice(n, size=k, replace=False)
    else:
        w = np.asarray(weights, dtype=float)
        keys = np.log(rng.random(n)) / np.maximum(w, 1e-12)
        sel = np.argpartition(-keys, k - 1)[:k]
    return np.sort(candidates[sel])


def money(x: np.ndarray, step: float = 1.0) -> np.ndarray:
    """Round amounts to a step; ints as Python ints when the step is whole."""
    r = np.round(np.asarray(x, dtype=float) / step) * step
    if float(step).is_integer():
        return r.astype(np.int64)
    return np.round(r, 2)


def decimals(x: np.ndarray, places: int = 2) -> np.ndarray:
    """Amounts as cells: whole numbers as ints ("0", "960"), others rounded floats ("13919.18")."""
    v = np.round(np.asarray(x, dtype=float), places)
    out = v.astype(object)
    whole = v == np.floor(v)
    out[whole] = v[whole].astype(np.int64).astype(object)
    return out


def pad(values: np.ndarray, width: int) -> np.ndarray:
    """Zero-padded decimal strings (object array)."""
    v = np.asarray(values).astype(np.int64)
    if v.size == 0:
        return np.zeros(0, dtype=object)
    return np.strings.zfill(v.astype(str), width).astype(object)


def random_dates(
    rng: np.random.Generator, start: np.datetime64 | str, end: np.datetime64 | str, n: int
) -> np.ndarray:
    a = np.datetime64(start, "D")
    b = np.datetime64(end, "D")
    span = max(int((b - a).astype(np.int64)) + 1, 1)
    return a + rng.integers(0, span, size=n).astype("timedelta64[D]")


def alive(w: World, persons: np.ndarray) -> np.ndarray:
    return persons[~w.p_dead[persons]]

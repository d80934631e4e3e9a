"""generate_county: build the world, render all 40 feeds, write deliveries and truth files.

Deliveries go to <out>/<dept>/<feed>_<YYYYMMDD>.<ext> exactly as the contracts describe; the
truth (who every record really is, what was planted) goes to a separate folder that the
pipeline never reads.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future, ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, datetime
from datetime import time as dtime
from multiprocessing import get_context
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from . import faults as flt
from . import feeds_assets as fa
from . import feeds_people as fp
from . import feeds_welfare as fw
from .gazetteer import PlaceRenderer, load_gazetteer
from .population import DIBAO_LABEL, MON_CATEGORIES, STATUS_LABEL, World, build_world
from .registry import FeedSpec, load_registry
from .render import FeedCtx, FeedResult, pad, stable_rng
from .writers import write_csv, write_jsonl, write_xlsx

log = logging.getLogger(__name__)

Builder = Callable[[FeedCtx], FeedResult]

# Build order: later builders read facts that earlier ones left in the shared state
# (payments need the pension, disability, ranger, post and land records; audit needs payments).
BUILDERS: dict[str, Builder] = {
    # spreadsheets first: they are written by a helper process while the CSV feeds are built
    "renshe/gongyigang": fp.gongyigang,
    "renshe/jiuye": fp.jiuye,
    "jiaoyu/xueji": fp.xueji,
    "xiangcun/jiance": fw.jiance,
    "minzheng/ertong": fp.ertong,
    "weijian/manbing": fp.manbing,
    "linye/hulinyuan": fp.hulinyuan,
    "jiaotong/hulu": fp.hulu,
    "canlian/canjiren": fp.canjiren,
    "minzheng/jiuzhu": fw.jiuzhu,
    "zuzhi/bangfu": fw.bangfu,
    "fagai/banqian": fw.banqian,
    "nongye/chanye": fw.chanye,
    "zhujian/fangwu": fw.fangwu,
    "yingji/zaiqing": fa.zaiqing,
    "shuili/yinshui_hu": fa.yinshui_hu,
    "shuili/yinshui": fa.yinshui,
    "tongji/shouzhi": fa.shouzhi,
    "gongan/huji": fp.huji,
    "dashuju/renkou": fp.renkou,
    "yibao/canbao": fp.canbao,
    "renshe/yanglao": fp.yanglao,
    "jiaoyu/zizhu": fp.zizhu,
    "weijian/siwang": fp.siwang,
    "minzheng/binzang": fp.binzang,
    "dashuju/shuidian": fp.shuidian,
    "zuzhi/gongzhi": fp.gongzhi,
    "fagai/yigong": fp.yigong,
    "xiangcun/xiaoe": fw.xiaoe,
    "nongye/chengbao": fw.chengbao,
    "gongan/jidongche": fa.jidongche,
    "ziran/budongchan": fa.budongchan,
    "jiaotong/yingyun": fa.yingyun,
    "shichang/zhuti": fa.zhuti,
    "jinrong/daikuan": fa.daikuan,
    "shuiwu/geshui": fa.geshui,
    "yibao/jiesuan": fa.jiesuan,
    "xinfang/xinfang": fa.xinfang,
    "caizheng/yikatong": fw.yikatong,
    "shenji/wenti": fw.wenti,
}


@dataclass
class GenerationSummary:
    """What was generated: sizes per feed and how long it took."""

    households: int
    persons: int
    seed: int
    extract_date: date
    out_dir: Path
    truth_dir: Path
    rows: dict[str, int] = field(default_factory=dict)  # feed id ("dept/feed") -> delivered rows
    files: dict[str, Path] = field(default_factory=dict)
    events: int = 0
    elapsed_seconds: float = 0.0

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def default_truth_dir(out_dir: Path) -> Path:
    """The sibling <out>_truth folder."""
    out_dir = Path(out_dir)
    return out_dir.parent / (out_dir.name + "_truth")


def delivery_path(out_dir: Path, spec: FeedSpec, extract_date: date) -> Path:
    return Path(out_dir) / spec.dept / f"{spec.feed}_{extract_date:%Y%m%d}.{spec.ext}"


def generate_county(
    households: int,
    seed: int,
    out_dir: Path,
    extract_date: date = date(2021, 6, 30),
    truth_dir: Path | None = None,
    *,
    feeds: Iterable[str] | None = None,
    faults: Mapping[str, Iterable[str]] | None = None,
    workers: int | None = None,
    names: str = "realistic",
) -> GenerationSummary:
    """Generate a synthetic county of `households` hukou households and deliver all feeds.

    Deterministic for a given seed (same bytes). `feeds` restricts delivery to some feed ids
    ("dept/feed"; the others are still built when later feeds depend on them). `faults` plants
    file-level delivery faults, e.g. {"truncated_last_line": ["gongan/huji"]}; see faults.py.
    `workers` > 1 writes spreadsheets in a helper process (default: 2 when the county is large).
    `names`: "realistic" (default) or "stress" (far more namesakes than real registers; see
    shouwang.synth.names).
    """
    t0 = time.perf_counter()
    if households < 1:
        raise ValueError("households must be >= 1")
    out_dir = Path(out_dir)
    truth_dir = default_truth_dir(out_dir) if truth_dir is None else Path(truth_dir)
    if truth_dir.resolve() == out_dir.resolve() or out_dir.resolve() in truth_dir.resolve().parents:
        raise ValueError("the truth folder must not be inside the delivery folder")
    registry = {s.feed_id: s for s in load_registry()}
    missing = set(registry) - set(BUILDERS)
    if missing:
        raise RuntimeError(f"no builder for registered feeds: {sorted(missing)}")
    wanted = set(registry) if feeds is None else set(feeds)
    unknown = wanted - set(registry)
    if unknown:
        raise ValueError(f"unknown feeds: {sorted(unknown)}")
    fault_plan = flt.validate(faults or {}, registry)
    out_dir.mkdir(parents=True, exist_ok=True)
    truth_dir.mkdir(parents=True, exist_ok=True)

    if workers is None:
        workers = 2 if households >= 50_000 else 1
    pool = None
    if workers > 1:
        # start the writer process now, while this process is still small (it is forked)
        pool = ProcessPoolExecutor(max_workers=1, mp_context=get_context("fork"))
    try:
        if pool is not None:
            pool.submit(int).result()
        summary, truth = _generate(
            households, seed, out_dir, extract_date, truth_dir, registry, wanted, fault_plan, pool, t0,
            names,
        )
    finally:
        if pool is not None:
            pool.shutdown(wait=True)
    summary.events = truth.finish()
    summary.elapsed_seconds = time.perf_counter() - t0
    log.info(
        "generated %d rows in %d feeds (%.1fs)",
        summary.total_rows,
        len(summary.rows),
        summary.elapsed_seconds,
    )
    return summary


def _generate(
    households: int,
    seed: int,
    out_dir: Path,
    extract_date: date,
    truth_dir: Path,
    registry: dict[str, FeedSpec],
    wanted: set[str],
    fault_plan: dict[str, list[str]],
    pool: ProcessPoolExecutor | None,
    t0: float,
    names: str = "realistic",
) -> tuple[GenerationSummary, _TruthWriter]:
    gaz = load_gazetteer()
    places = PlaceRenderer(gaz)
    world = build_world(households, stable_rng(seed, "world"), gaz, extract_date, names)
    log.info(
        "world built: %d households, %d persons (%.1fs)",
        world.n_households,
        world.n_persons,
        time.perf_counter() - t0,
    )
    summary = GenerationSummary(
        households=world.n_households,
        persons=world.n_persons,
        seed=seed,
        extract_date=extract_date,
        out_dir=out_dir,
        truth_dir=truth_dir,
    )
    truth = _TruthWriter(truth_dir, world, gaz)
    state: dict[str, Any] = {}
    created = datetime.combine(extract_date, dtime(8, 0, 0))
    pending: list[Future] = []
    for feed_id, builder in BUILDERS.items():
        spec = registry[feed_id]
        t1 = time.perf_counter()
        res = builder(FeedCtx(world, gaz, places, spec, seed, state))
        _check(spec, res)
        if feed_id not in wanted:
            continue
        data, n_rows = _materialise(spec, res)
        path = delivery_path(out_dir, spec, extract_date)
        path.parent.mkdir(parents=True, exist_ok=True)
        faults_here = fault_plan.get(feed_id, [])
        if "missing" in faults_here:
            continue
        columns = list(spec.columns)
        columns, data = flt.apply_to_columns(faults_here, columns, data)
        title = f"唐河县{extract_date.year}年{extract_date.month}月{spec.title}"
        args = (spec.format, path, columns, data, spec.encoding, title, created, faults_here)
        if pool is not None and spec.format == "xlsx":
            pending.append(pool.submit(_write_delivery, *args))
        else:
            _write_delivery(*args)
        truth.add(spec, res)
        summary.rows[feed_id] = n_rows
        summary.files[feed_id] = path
        log.info("%s: %d rows (%.1fs)", feed_id, n_rows, time.perf_counter() - t1)
        del res, data, args  # keep at most one feed's columns alive in this process
    for f in pending:
        f.result()
    return summary, truth


def _check(spec: FeedSpec, res: FeedResult) -> None:
    got, want = list(res.columns), list(spec.columns)
    if set(got) != set(want):
        raise RuntimeError(f"{spec.feed_id}: columns {got} differ from the registry {want}")
    n = res.n
    for col, values in res.columns.items():
        if len(values) != n:
            raise RuntimeError(f"{spec.feed_id}: column {col} has {len(values)} values for {n} rows")
    if len(pd.unique(res.key)) != n:
        raise RuntimeError(f"{spec.feed_id}: record keys are not unique")


def _materialise(spec: FeedSpec, res: FeedResult) -> tuple[dict[str, Any], int]:
    """Columns in registry order, with exact duplicate rows repeated in place."""
    data = {c: res.columns[c] for c in spec.columns}
    if res.duplicates is not None and len(res.duplicates):
        idx = np.sort(np.concatenate([np.arange(res.n), res.duplicates]))
        data = {
            c: np.asarray(v, dtype=object)[idx] if not isinstance(v, np.ndarray) else v[idx]
            for c, v in data.items()
        }
        return data, len(idx)
    return data, res.n


def _write_delivery(
    fmt: str,
    path: Path,
    columns: list[str],
    data: dict[str, Any],
    encoding: str | None,
    title: str,
    created: datetime,
    faults_here: list[str],
) -> None:
    if fmt == "csv":
        write_csv(path, columns, data, encoding or "utf-8")
    elif fmt == "xlsx":
        write_xlsx(path, columns, data, title, created)
    elif fmt == "jsonl":
        write_jsonl(path, columns, data)
    else:
        raise ValueError(f"unknown format {fmt}")
    flt.apply_to_file(faults_here, path, fmt)


# ---- truth ---------------------------------------------------------------------------------------


def person_ids(idx: np.ndarray) -> np.ndarray:
    out = ("P" + pad(np.maximum(idx, 0), 8)).astype(object)
    out[idx < 0] = ""
    return out


def household_ids(idx: np.ndarray) -> np.ndarray:
    out = ("H" + pad(np.maximum(idx, 0), 7)).astype(object)
    out[idx < 0] = ""
    return out


class _TruthWriter:
    """Streams records.csv and collects events; persons/households are written at the end."""

    def __init__(self, truth_dir: Path, world: World, gaz: Any) -> None:
        self.dir = truth_dir
        self.w = world
        self.gaz = gaz
        self.records_path = truth_dir / "records.csv"
        self._records_started = False
        self.events: list[pd.DataFrame] = []
        self.noise: list[dict[str, Any]] = []

    def add(self, spec: FeedSpec, res: FeedResult) -> None:
        w = self.w
        subj = np.asarray(res.subject, dtype=np.int64)
        hh = np.where(subj >= 0, w.p_hh[np.maximum(subj, 0)], -1)
        n = res.n

        def col(a: np.ndarray | None) -> np.ndarray:
            return np.full(n, "", dtype=object) if a is None else a

        df = pd.DataFrame(
            {
                "dept": spec.dept,
                "feed": spec.feed,
                "record_key": res.key,
                "person_id": person_ids(subj),
                "household_id": household_ids(hh),
                "id_noise": col(res.id_noise),
                "name_noise": col(res.name_noise),
                "other_noise": col(res.other_noise),
            }
        )
        df.to_csv(
            self.records_path,
            mode="a" if self._records_started else "w",
            header=not self._records_started,
            index=False,
            encoding="utf-8",
            lineterminator="\n",
        )
        self._records_started = True
        for field_name, kinds in (("id", res.id_noise), ("name", res.name_noise), ("other", res.other_noise)):
            if kinds is None:
                continue
            vals, counts = np.unique(kinds.astype(str), return_counts=True)
            for v, k in zip(vals.tolist(), counts.tolist(), strict=True):
                if v:
                    self.noise.append(
                        {
                            "dept": spec.dept,
                            "feed": spec.feed,
                            "field": field_name,
                            "kind": v,
                            "count": k,
                            "rows": n,
                            "rate": round(k / n, 5) if n else 0.0,
                        }
                    )
        for ev in res.events:
            rows = np.asarray(ev.rows, dtype=np.int64)
            if len(rows) == 0:
                continue
            person = subj[rows] if ev.person is None else np.asarray(ev.person, dtype=np.int64)
            phh = np.where(person >= 0, w.p_hh[np.maximum(person, 0)], -1)
            detail = ev.detail if isinstance(ev.detail, str) else np.asarray(ev.detail, dtype=object)
            self.events.append(
                pd.DataFrame(
                    {
                        "household_id": household_ids(phh),
                        "person_id": person_ids(person),
                        "event_type": ev.event_type,
                        "event_date": pd.to_datetime(np.asarray(ev.date, dtype="datetime64[D]")).strftime(
                            "%Y-%m-%d"
                        ),
                        "dept": spec.dept,
                        "feed": spec.feed,
                        "record_key": res.key[rows],
                        "detail": detail,
                    }
                )
            )

    def finish(self) -> int:
        w, gaz = self.w, self.gaz
        if not self._records_started:
            pd.DataFrame(
                columns=[
                    "dept",
                    "feed",
                    "record_key",
                    "person_id",
                    "household_id",
                    "id_noise",
                    "name_noise",
                    "other_noise",
                ]
            ).to_csv(self.records_path, index=False)
        ev = (
            pd.concat(self.events, ignore_index=True)
            if self.events
            else pd.DataFrame(
                columns=[
                    "household_id",
                    "person_id",
                    "event_type",
                    "event_date",
                    "dept",
                    "feed",
                    "record_key",
                    "detail",
                ]
            )
        )
        ev.insert(0, "event_id", [f"E{i:07d}" for i in range(len(ev))])
        ev.to_csv(self.dir / "events.csv", index=False, encoding="utf-8", lineterminator="\n")
        pd.DataFrame(self.noise, columns=["dept", "feed", "field", "kind", "count", "rows", "rate"]).to_csv(
            self.dir / "noise.csv", index=False, encoding="utf-8", lineterminator="\n"
        )
        n_p = w.n_persons
        idx = np.arange(n_p)
        birth = pd.to_datetime(w.p_birth).strftime("%Y-%m-%d")
        death = pd.Series(pd.to_datetime(w.p_death).strftime("%Y-%m-%d")).fillna("")
        pd.DataFrame(
            {
                "person_id": person_ids(idx),
                "id_number": w.p_id,
                "name": w.p_name,
                "sex": np.where(w.p_male, "M", "F"),
                "birth_date": birth,
                "household_id": household_ids(w.p_hh),
                "hukou_no": w.hh_hukou[w.p_hh],
                "alive": np.where(w.p_dead, "false", "true"),
                "death_date": death,
                "family_id": ("F" + pad(w.p_fam, 7)).astype(object),
                "relation_to_head": w.p_rel,
                "relation_to_family_head": w.p_famrel,
                "former_name": w.p_former,
                "ethnicity": w.p_eth,
                "hukou_status": w.p_status,
            }
        ).to_csv(self.dir / "persons.csv", index=False, encoding="utf-8", lineterminator="\n")
        places = gaz.places
        n_h = w.n_households
        hidx = np.arange(n_h)
        fam = w.hh_fam
        # the family's first household is where a split household came from
        first_hh = np.full(len(w.fam_status), -1, dtype=np.int64)
        first_hh[fam[::-1]] = hidx[::-1]
        split_from = np.where(w.hh_part == 1, first_hh[fam], -1)
        size = np.bincount(w.p_hh, minlength=n_h)
        alive = np.bincount(w.p_hh, weights=~w.p_dead, minlength=n_h).astype(np.int64)
        code = places["code"].to_numpy(dtype=object)
        pd.DataFrame(
            {
                "household_id": household_ids(hidx),
                "hukou_no": w.hh_hukou,
                "township_code": places["township_code"].to_numpy(dtype=object)[w.hh_place],
                "village_code": code[w.hh_place],
                "village_name": places["name"].to_numpy(dtype=object)[w.hh_place],
                "head_person_id": person_ids(w.hh_head),
                "poverty_status": STATUS_LABEL[w.fam_status[fam]],
                "monitoring_category": MON_CATEGORIES[w.fam_mon_cat[fam]],
                "risk_types": np.where(w.fam_status[fam] == 2, w.fam_risk[fam], ""),
                "poverty_household_no": w.fam_poverty_no[fam],
                "family_id": ("F" + pad(fam, 7)).astype(object),
                "split_from_household_id": household_ids(split_from),
                "relocated": np.where(w.fam_relocated[fam], "true", "false"),
                "origin_village_code": code[w.fam_origin_place[fam]],
                "assistance_type": DIBAO_LABEL[w.hh_dibao],
                "members": size,
                "members_alive": alive,
            }
        ).to_csv(self.dir / "households.csv", index=False, encoding="utf-8", lineterminator="\n")
        return len(ev)

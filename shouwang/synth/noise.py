"""Identity noise, as departments really deliver it (see the contracts' noise catalogue).

Every function works on a whole column: it chooses the rows to damage with vectorised draws and
only loops in Python over the (few) damaged rows. Each returns the rendered values and, per row,
the kind of damage done ("" when clean) so that the truth files can say what was planted.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from .idcard import to_id15
from .names import CONFUSABLE, DOT_VARIANTS, S2T

ID_KINDS = ("old15", "lower_x", "fullwidth", "space", "apostrophe", "typo", "transpose", "empty", "excel")
NAME_KINDS = ("traditional", "typo", "dot", "trailing_space", "status")
DATE_FORMATS = ("ymd", "iso", "slash", "cn", "datetime", "serial")

_FULLWIDTH = str.maketrans("0123456789Xx", "０１２３４５６７８９Ｘｘ")
_EXCEL_EPOCH = np.datetime64("1899-12-30", "D")


@dataclass(frozen=True)
class Profile:
    """Noise rates of one feed (shares of rows, except where noted)."""

    id: dict[str, float]
    name: dict[str, float]
    name_dot: float = 0.3  # share of minority-name rows whose middle dot is written differently
    name_dead: float = 0.0  # share of rows about deceased people carrying "(已故)" or similar
    date_alt: float = 0.015  # share of date cells in another format than the feed's own
    birth_swap: float = 0.005  # day/month swapped in birth dates
    phone: float = 0.03
    place: float = 0.15  # township/village not written as the official full name
    address: float = 0.3  # free-text address in an informal variant
    extra: dict[str, float] = field(default_factory=dict)

    def scaled(self, k: float) -> Profile:
        return replace(
            self,
            id={a: b * k for a, b in self.id.items()},
            name={a: b * k for a, b in self.name.items()},
        )


TIER_A = Profile(
    id=dict(
        old15=0.002,
        lower_x=0.001,
        fullwidth=0.001,
        space=0.001,
        apostrophe=0.002,
        typo=0.003,
        transpose=0.002,
        empty=0.004,
        excel=0.0,
    ),
    name=dict(traditional=0.001, typo=0.003, trailing_space=0.003, status=0.001),
    name_dot=0.05,
    date_alt=0.003,
    birth_swap=0.002,
    phone=0.01,
    place=0.03,
    address=0.05,
)
TIER_B = Profile(
    id=dict(
        old15=0.008,
        lower_x=0.004,
        fullwidth=0.004,
        space=0.005,
        apostrophe=0.008,
        typo=0.008,
        transpose=0.005,
        empty=0.012,
        excel=0.006,
    ),
    name=dict(traditional=0.004, typo=0.008, trailing_space=0.01, status=0.003),
    name_dot=0.3,
    name_dead=0.3,
    date_alt=0.015,
    birth_swap=0.005,
    phone=0.03,
    place=0.15,
    address=0.3,
)
TIER_C = Profile(
    id=dict(
        old15=0.02,
        lower_x=0.01,
        fullwidth=0.01,
        space=0.01,
        apostrophe=0.015,
        typo=0.02,
        transpose=0.012,
        empty=0.04,
        excel=0.01,
    ),
    name=dict(traditional=0.01, typo=0.015, trailing_space=0.02, status=0.005),
    name_dot=0.5,
    name_dead=0.2,
    date_alt=0.04,
    birth_swap=0.01,
    phone=0.06,
    place=0.3,
    address=0.6,
)


def with_id(p: Profile, **rates: float) -> Profile:
    return replace(p, id={**p.id, **rates})


# Feed -> noise profile. Police and the poverty roster are careful; the big-data merge is not;
# some feeds simply do not collect ID numbers for most rows.
FEED_PROFILES: dict[str, Profile] = {
    "gongan/huji": TIER_A,
    "xiangcun/jiance": with_id(TIER_A, excel=0.002),
    "dashuju/renkou": TIER_C,
    "dashuju/shuidian": with_id(TIER_C, empty=0.45),
    "xinfang/xinfang": with_id(TIER_C, empty=0.55),
    "jiaotong/yingyun": with_id(TIER_C, empty=0.2),
    "jiaoyu/xueji": with_id(TIER_B, empty=0.01),
    "ziran/budongchan": TIER_C.scaled(0.8),
    "jiaoyu/zizhu": TIER_B.scaled(1.5),
}


def profile_for(feed_id: str) -> Profile:
    return FEED_PROFILES.get(feed_id, TIER_B)


def _pick(
    rng: np.random.Generator, clean: np.ndarray, eligible: np.ndarray, rate: float, n: int
) -> np.ndarray:
    """Rows to damage: about rate*n rows among the eligible clean ones."""
    el = clean & eligible
    k = int(el.sum())
    if k == 0 or rate <= 0:
        return np.zeros(n, dtype=bool)
    p = min(1.0, rate * n / k)
    return el & (rng.random(n) < p)


def _typo_digit(s: str, rng: np.random.Generator) -> str:
    i = int(rng.integers(0, 17))
    d = s[i]
    new = str((int(d) + int(rng.integers(1, 10))) % 10)
    return s[:i] + new + s[i + 1 :]


def _transpose(s: str, rng: np.random.Generator) -> str:
    cands = [i for i in range(16) if s[i] != s[i + 1]]
    if not cands:
        return _typo_digit(s, rng)
    i = cands[int(rng.integers(0, len(cands)))]
    return s[:i] + s[i + 1] + s[i] + s[i + 2 :]


def _spaces(s: str, rng: np.random.Generator) -> str:
    r = rng.random()
    if r < 0.4:
        return s[:6] + " " + s[6:14] + " " + s[14:]
    if r < 0.7:
        i = int(rng.integers(1, len(s)))
        return s[:i] + " " + s[i:]
    if r < 0.85:
        return " " + s
    return s + " "


def noisy_ids(
    ids: np.ndarray,
    rng: np.random.Generator,
    rates: dict[str, float],
    *,
    xlsx: bool,
    birth_year: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render true IDs with noise. Returns (values, kind per row); Excel-mangled cells in xlsx
    feeds are floats (the ID was stored as a number and lost its last digits)."""
    n = len(ids)
    out = ids.astype(object).copy()
    kinds = np.full(n, "", dtype=object)
    if n == 0:
        return out, kinds
    s = ids.astype(str)
    is18 = np.char.str_len(s) == 18
    endx = np.char.endswith(s, "X")
    clean = is18.copy()
    for kind in ID_KINDS:
        rate = rates.get(kind, 0.0)
        if rate <= 0:
            continue
        if kind == "old15":
            el = np.ones(n, dtype=bool) if birth_year is None else birth_year <= 1983
        elif kind == "lower_x":
            el = endx
        elif kind == "excel":
            el = ~endx
        else:
            el = np.ones(n, dtype=bool)
        sel = _pick(rng, clean, el, rate, n)
        idx = np.flatnonzero(sel)
        if len(idx) == 0:
            continue
        clean &= ~sel
        kinds[idx] = kind
        if kind == "old15":
            out[idx] = [to_id15(v) for v in out[idx]]
        elif kind == "lower_x":
            out[idx] = [v[:-1] + "x" for v in out[idx]]
        elif kind == "fullwidth":
            out[idx] = [v.translate(_FULLWIDTH) for v in out[idx]]
        elif kind == "space":
            out[idx] = [_spaces(v, rng) for v in out[idx]]
        elif kind == "apostrophe":
            out[idx] = ["'" + v for v in out[idx]]
        elif kind == "typo":
            out[idx] = [_typo_digit(v, rng) for v in out[idx]]
        elif kind == "transpose":
            out[idx] = [_transpose(v, rng) for v in out[idx]]
        elif kind == "empty":
            out[idx] = ""
        elif kind == "excel":
            if xlsx:
                out[idx] = [float(f"{int(v):.15g}") for v in out[idx]]
            else:
                out[idx] = [
                    f"{float(v):.5E}" if rng.random() < 0.8 else f"{int(v):.15g}".replace("e+17", "E+17")
                    for v in out[idx]
                ]
    return out, kinds


def _trad(s: str) -> str:
    return "".join(S2T.get(c, c) for c in s)


def _confuse(s: str, rng: np.random.Generator) -> str:
    pos = [i for i, c in enumerate(s) if c in CONFUSABLE]
    given = [i for i in pos if i > 0]
    pool = given if given and rng.random() < 0.85 else pos
    i = pool[int(rng.integers(0, len(pool)))]
    alts = CONFUSABLE[s[i]]
    return s[:i] + alts[int(rng.integers(0, len(alts)))] + s[i + 1 :]


_TRAIL = [" ", "  ", "\u3000", " \u3000"]
_STATUS_LIVE = ["（务工）", "(外出)", "(代领)", "（外出务工）"]
_STATUS_DEAD = ["(已故)", "（已故）", "(死亡)", "（殁）"]


def noisy_names(
    names: np.ndarray,
    rng: np.random.Generator,
    profile: Profile,
    *,
    dead: np.ndarray | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """Render names with traditional characters, typos, dot variants, trailing blanks and
    glued status words. Returns (values, kind per row)."""
    n = len(names)
    out = names.astype(object).copy()
    kinds = np.full(n, "", dtype=object)
    if n == 0:
        return out, kinds
    s = names.astype(str)
    clean = np.char.str_len(s) > 0
    has_dot = np.char.find(s, "·") >= 0
    # minority names: the dot is rendered differently by many systems
    if profile.name_dot > 0 and has_dot.any():
        sel = clean & has_dot & (rng.random(n) < profile.name_dot)
        idx = np.flatnonzero(sel)
        if len(idx):
            clean &= ~sel
            kinds[idx] = "dot"
            out[idx] = [
                v.replace("·", DOT_VARIANTS[int(rng.integers(0, len(DOT_VARIANTS)))]) for v in out[idx]
            ]
    if dead is not None and profile.name_dead > 0 and dead.any():
        sel = clean & dead & (rng.random(n) < profile.name_dead)
        idx = np.flatnonzero(sel)
        if len(idx):
            clean &= ~sel
            kinds[idx] = "status"
            out[idx] = [v + _STATUS_DEAD[int(rng.integers(0, len(_STATUS_DEAD)))] for v in out[idx]]
    rates = profile.name
    for kind in ("traditional", "typo", "trailing_space", "status"):
        rate = rates.get(kind, 0.0)
        if rate <= 0:
            continue
        if kind == "traditional":
            el = _has_any(s, S2T)
        elif kind == "typo":
            el = _has_any(s, CONFUSABLE)
        elif kind == "status" and dead is not None:
            el = ~dead
        else:
            el = np.ones(n, dtype=bool)
        sel = _pick(rng, clean, el, rate, n)
        idx = np.flatnonzero(sel)
        if len(idx) == 0:
            continue
        clean &= ~sel
        kinds[idx] = kind
        if kind == "traditional":
            out[idx] = [_trad(v) for v in out[idx]]
        elif kind == "typo":
            out[idx] = [_confuse(v, rng) for v in out[idx]]
        elif kind == "trailing_space":
            out[idx] = [v + _TRAIL[int(rng.integers(0, len(_TRAIL)))] for v in out[idx]]
        elif kind == "status":
            out[idx] = [v + _STATUS_LIVE[int(rng.integers(0, len(_STATUS_LIVE)))] for v in out[idx]]
    return out, kinds


def _has_any(s: np.ndarray, table: dict[str, str]) -> np.ndarray:
    """Rows containing at least one character of `table` (via the set of distinct values)."""
    uniq, inv = np.unique(s, return_inverse=True)
    flags = np.array([any(c in table for c in v) for v in uniq], dtype=bool)
    return flags[inv]


# -- dates ---------------------------------------------------------------------------------------


def _fmt_one(d: np.datetime64, fmt: str) -> str:
    y, m, dd = str(d).split("-")
    if fmt == "ymd":
        return y + m + dd
    if fmt == "iso":
        return f"{y}-{m}-{dd}"
    if fmt == "slash":
        return f"{y}/{int(m)}/{int(dd)}"
    if fmt == "cn":
        return f"{y}年{int(m)}月{int(dd)}日"
    if fmt == "datetime":
        return f"{y}-{m}-{dd} 00:00:00"
    if fmt == "ym":
        return f"{y}-{m}"
    raise ValueError(fmt)


def format_dates(dates: np.ndarray, fmt: str) -> np.ndarray:
    """Format datetime64[D] values (NaT -> "") through the set of distinct dates (fast)."""
    d = dates.astype("datetime64[D]")
    out = np.full(len(d), "", dtype=object)
    ok = ~np.isnat(d)
    if ok.any():
        uniq, inv = np.unique(d[ok], return_inverse=True)
        table = np.array([_fmt_one(u, fmt) for u in uniq], dtype=object)
        out[ok] = table[inv]
    return out


def excel_serial(dates: np.ndarray) -> np.ndarray:
    return (dates.astype("datetime64[D]") - _EXCEL_EPOCH).astype(np.int64)


def noisy_dates(
    dates: np.ndarray,
    fmt: str,
    rng: np.random.Generator,
    alt_rate: float,
    *,
    xlsx: bool,
) -> tuple[np.ndarray, np.ndarray]:
    """Dates in the feed's own format, a share `alt_rate` in one of the other formats seen in
    the wild (and Excel serial numbers in xlsx feeds). Returns (values, kind per row)."""
    out = format_dates(dates, fmt)
    n = len(out)
    kinds = np.full(n, "", dtype=object)
    if n == 0 or alt_rate <= 0:
        return out, kinds
    ok = ~np.isnat(dates.astype("datetime64[D]"))
    sel = ok & (rng.random(n) < alt_rate)
    alts = [f for f in DATE_FORMATS if f != fmt and (xlsx or f != "serial")]
    choice = rng.integers(0, len(alts), size=n)
    for i, f in enumerate(alts):
        m = sel & (choice == i)
        if not m.any():
            continue
        kinds[m] = "date_" + f
        if f == "serial":
            out[m] = excel_serial(dates[m]).astype(object)
        else:
            out[m] = format_dates(dates[m], f)
    return out, kinds


def swap_day_month(dates: np.ndarray, rng: np.random.Generator, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Birth dates with day and month swapped (only where the result is still a valid date)."""
    d = dates.astype("datetime64[D]").copy()
    n = len(d)
    swapped = np.zeros(n, dtype=bool)
    if n == 0 or rate <= 0:
        return d, swapped
    ok = ~np.isnat(d)
    month = np.zeros(n, dtype=np.int64)
    day = np.zeros(n, dtype=np.int64)
    month[ok] = d[ok].astype("datetime64[M]").astype(np.int64) % 12 + 1
    day[ok] = (d[ok] - d[ok].astype("datetime64[M]")).astype(np.int64) + 1
    el = ok & (day <= 12) & (day != month)
    swapped = _pick(rng, np.ones(n, dtype=bool), el, rate, n)
    if swapped.any():
        years = d[swapped].astype("datetime64[Y]")
        d[swapped] = (years.astype("datetime64[M]") + (day[swapped] - 1).astype("timedelta64[M]")).astype(
            "datetime64[D]"
        ) + (month[swapped] - 1).astype("timedelta64[D]")
    return d, swapped


# -- phones --------------------------------------------------------------------------------------


def noisy_phones(phones: np.ndarray, rng: np.random.Generator, rate: float) -> tuple[np.ndarray, np.ndarray]:
    """Mobile numbers with a share `rate` mistyped or oddly formatted."""
    n = len(phones)
    out = phones.astype(object).copy()
    kinds = np.full(n, "", dtype=object)
    has = np.array([bool(v) for v in out], dtype=bool) if n else np.zeros(0, dtype=bool)
    sel = has & (rng.random(n) < rate)
    kinds_all = ["drop", "dup", "transpose", "dash", "space", "prefix86", "landline"]
    for i in np.flatnonzero(sel):
        v = out[i]
        k = kinds_all[int(rng.integers(0, len(kinds_all)))]
        j = int(rng.integers(1, 10))
        if k == "drop":
            v = v[:j] + v[j + 1 :]
        elif k == "dup":
            v = v[:j] + v[j] + v[j:]
        elif k == "transpose":
            v = v[:j] + v[j + 1] + v[j] + v[j + 2 :]
        elif k == "dash":
            v = v[:3] + "-" + v[3:7] + "-" + v[7:]
        elif k == "space":
            v = v[:3] + " " + v[3:7] + " " + v[7:]
        elif k == "prefix86":
            v = "+86 " + v
        else:
            v = "0377-" + str(int(rng.integers(6000000, 8999999)))
        out[i] = v
        kinds[i] = "phone_" + k
    return out, kinds

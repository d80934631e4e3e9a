"""The synthetic county's "true world": families, hukou households, persons and their situation.

Everything is held as numpy columns (one array per attribute) so that a county of 450,000
households (~1.5 million people) is built in seconds. Feeds are renderings of this world.

Families are the unit of the poverty roster; a family usually has one hukou household (户号) but
some families have split (分户): the married son's household got its own 户号 while the poverty
roster still lists the whole family under one 户编号.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np

from .gazetteer import KIND_COMMUNITY, KIND_SITE, KIND_VILLAGE, OUTSIDE_PLACES, Gazetteer
from .idcard import make_ids
from .names import MINORITY_ETHNICITY, MINORITY_NAMES, draw_given, draw_surnames

# family types
T_SINGLE_OLD, T_OLD_COUPLE, T_NUCLEAR, T_THREE_GEN, T_WITH_PARENTS, T_SINGLE_ADULT = range(6)
TYPE_P = [0.08, 0.14, 0.39, 0.19, 0.14, 0.06]

# roles (relative to the family head)
R_HEAD, R_SPOUSE, R_CHILD, R_CHILD_SPOUSE, R_GRANDCHILD, R_PARENT, R_SIBLING, R_OTHER = range(8)

STATUS_GENERAL, STATUS_POOR, STATUS_MONITORED = 0, 1, 2
STATUS_LABEL = np.array(["一般农户", "脱贫户", "监测户"], dtype=object)
MON_CATEGORIES = np.array(["", "脱贫不稳定户", "边缘易致贫户", "突发严重困难户"], dtype=object)
RISK_TYPES = [
    "因病",
    "因残",
    "因学",
    "因灾",
    "因意外事故",
    "缺劳动力",
    "缺技术",
    "缺资金",
    "务工就业不稳",
    "产业项目失败",
    "住房出现安全问题",
    "饮水安全问题",
    "其他",
]

DIBAO_NONE, DIBAO_RURAL, DIBAO_URBAN, DIBAO_TEKUN, DIBAO_TEMP = range(5)
DIBAO_LABEL = np.array(["", "农村低保", "城市低保", "特困供养", "临时救助"], dtype=object)

DIS_CATS = np.array(["视力", "听力", "言语", "肢体", "智力", "精神", "多重"], dtype=object)
DIS_CAT_P = [0.12, 0.15, 0.02, 0.45, 0.08, 0.10, 0.08]
DIS_GRADES = np.array(["", "一级", "二级", "三级", "四级"], dtype=object)
CHRONIC = np.array(
    ["高血压", "糖尿病", "重性精神障碍", "恶性肿瘤", "尿毒症", "心脑血管病", "其他"], dtype=object
)
CHRONIC_P = [0.55, 0.22, 0.03, 0.05, 0.01, 0.09, 0.05]
STAFF_CATS = np.array(["公务员", "参公人员", "事业编制", "村干部"], dtype=object)
STAGES = np.array(["学前", "小学", "初中", "高中", "中职"], dtype=object)

OTHER_AREAS = np.array([411323, 411303, 411381, 411330, 411327, 420683, 411321, 411325, 411302, 420625])
SOUTH_HILLY = {"马振抚镇", "祁仪镇", "毕店镇", "少拜寺镇", "湖阳镇"}

PHONE_PREFIXES = np.array(
    [
        130,
        131,
        132,
        133,
        134,
        135,
        136,
        137,
        138,
        139,
        150,
        151,
        152,
        153,
        155,
        156,
        157,
        158,
        159,
        166,
        170,
        173,
        175,
        176,
        177,
        180,
        181,
        182,
        183,
        184,
        185,
        186,
        187,
        188,
        189,
        198,
        199,
    ]
)

UNITS_GOV = [
    "唐河县人民政府办公室",
    "唐河县财政局",
    "唐河县公安局",
    "唐河县教育局",
    "唐河县民政局",
    "唐河县交通运输局",
    "唐河县医保局",
    "唐河县农业农村局",
    "唐河县自然资源局",
    "唐河县住房和城乡建设局",
    "唐河县税务局",
    "唐河县水利局",
    "唐河县乡村振兴局",
    "唐河县市场监督管理局",
    "唐河县卫生健康委员会",
    "唐河县人社局",
]
UNITS_INST = [
    "唐河县人民医院",
    "唐河县中医院",
    "唐河县第一高级中学",
    "唐河县第二高级中学",
    "唐河县实验中学",
    "唐河县疾病预防控制中心",
    "唐河县农业技术推广中心",
    "唐河县不动产登记中心",
]


@dataclass
class World:
    """Column arrays for families (fam_*), hukou households (hh_*) and persons (p_*)."""

    ref: np.datetime64
    # families
    fam_type: np.ndarray
    fam_head: np.ndarray
    fam_status: np.ndarray
    fam_was_poor: np.ndarray
    fam_mon_cat: np.ndarray  # index into MON_CATEGORIES
    fam_risk: np.ndarray  # text, several types joined by 、
    fam_risk_gone: np.ndarray
    fam_identified: np.ndarray
    fam_income: np.ndarray
    fam_poverty_no: np.ndarray
    fam_relocated: np.ndarray
    fam_origin_place: np.ndarray
    fam_move_in: np.ndarray
    fam_cadre: np.ndarray
    fam_split_date: np.ndarray
    # hukou households
    hh_fam: np.ndarray
    hh_part: np.ndarray
    hh_hukou: np.ndarray
    hh_place: np.ndarray
    hh_group: np.ndarray
    hh_house: np.ndarray
    hh_head: np.ndarray
    hh_dibao: np.ndarray
    hh_dibao_single: np.ndarray  # person covered by a single-person 低保 carve-out, else -1
    hh_dibao_start: np.ndarray
    hh_dibao_amount: np.ndarray
    # persons
    p_hh: np.ndarray
    p_fam: np.ndarray
    p_role: np.ndarray
    p_rel: np.ndarray  # relation to the hukou head (text)
    p_famrel: np.ndarray  # relation to the family head (text)
    p_male: np.ndarray
    p_birth: np.ndarray
    p_id: np.ndarray
    p_name: np.ndarray
    p_former: np.ndarray
    p_eth: np.ndarray
    p_dead: np.ndarray
    p_death: np.ndarray
    p_status: np.ndarray  # huji 人员状态
    p_status_date: np.ndarray
    p_phone: np.ndarray
    p_migrant: np.ndarray  # 0 none, 1 in county, 2 in province, 3 out of province
    p_outside: np.ndarray  # outside place text for migrants ("" otherwise)
    p_prev_place: np.ndarray  # marriage move: place of origin in the county, else -1
    p_stage: np.ndarray  # -1 or index into STAGES
    p_grade: np.ndarray
    p_dis_cat: np.ndarray  # -1 or index into DIS_CATS
    p_dis_grade: np.ndarray  # 0 or 1..4
    p_dis_date: np.ndarray
    p_chronic: np.ndarray  # -1 or index into CHRONIC
    p_chronic_date: np.ndarray
    p_staff: np.ndarray  # -1 or index into STAFF_CATS
    p_unit: np.ndarray
    p_father: np.ndarray  # person index or -1
    p_mother: np.ndarray

    @property
    def n_persons(self) -> int:
        return len(self.p_hh)

    @property
    def n_households(self) -> int:
        return len(self.hh_fam)

    def age(self, at: np.datetime64 | None = None) -> np.ndarray:
        """Age in whole years at `at` (default: the extract date)."""
        at = self.ref if at is None else at
        return age_at(self.p_birth, at)

    @property
    def p_place(self) -> np.ndarray:
        return self.hh_place[self.p_hh]

    @property
    def p_status_fam(self) -> np.ndarray:
        return self.fam_status[self.p_fam]


def age_at(birth: np.ndarray, at: np.datetime64) -> np.ndarray:
    b = birth.astype("datetime64[D]")
    by = b.astype("datetime64[Y]").astype(np.int64)
    ay = np.datetime64(at, "Y").astype(np.int64)
    age = ay - by
    # birthday not reached yet this year
    bday_this_year = (b - b.astype("datetime64[Y]")).astype(np.int64)
    at_doy = (np.datetime64(at, "D") - np.datetime64(at, "Y")).astype(np.int64)
    return age - (bday_this_year > at_doy)


def _uniform_dates(rng: np.random.Generator, start: str, end: str, n: int) -> np.ndarray:
    a = np.datetime64(start, "D")
    b = np.datetime64(end, "D")
    span = int((b - a).astype(np.int64)) + 1
    return a + rng.integers(0, span, size=n).astype("timedelta64[D]")


def _topk_weighted(rng: np.random.Generator, weights: np.ndarray, k: int) -> np.ndarray:
    """k indices drawn without replacement with probability proportional to weights."""
    k = int(min(k, int((weights > 0).sum())))
    if k <= 0:
        return np.zeros(0, dtype=np.int64)
    keys = np.full(len(weights), -np.inf)
    pos = weights > 0
    keys[pos] = np.log(rng.random(int(pos.sum()))) / weights[pos]
    return np.argpartition(-keys, k - 1)[:k]


def build_world(
    n_households: int,
    rng: np.random.Generator,
    gaz: Gazetteer,
    extract_date: date,
    names: str = "realistic",
) -> World:
    """Build families, hukou households and persons for a county of `n_households` 户号
    (`names`: the name profile, see shouwang.synth.names)."""
    ref = np.datetime64(extract_date, "D")
    n_split_target = int(round(0.045 * n_households))
    n_fam = max(1, n_households - n_split_target)
    ftype = rng.choice(6, size=n_fam, p=TYPE_P)
    n_three = int((ftype == T_THREE_GEN).sum())
    n_split = min(n_split_target, n_three)
    if n_split + n_fam < n_households:  # tiny counties: top up with nuclear families
        extra = n_households - n_split - n_fam
        ftype = np.concatenate([ftype, np.full(extra, T_NUCLEAR)])
        n_fam += extra
    split_fams = np.zeros(n_fam, dtype=bool)
    if n_split:
        split_fams[rng.choice(np.flatnonzero(ftype == T_THREE_GEN), size=n_split, replace=False)] = True

    # ---- members ------------------------------------------------------------------------
    fams, roles, males, ages, parts, sons = [], [], [], [], [], []

    def add(
        f: np.ndarray,
        role: int,
        male: np.ndarray,
        age: np.ndarray,
        part: np.ndarray | int = 0,
        son: bool = False,
    ) -> None:
        sons.append(np.full(len(f), son, dtype=bool))
        fams.append(f.astype(np.int64))
        roles.append(np.full(len(f), role, dtype=np.int64))
        males.append(male.astype(bool))
        ages.append(np.clip(age, 0, 100).astype(np.int64))
        parts.append(np.broadcast_to(np.asarray(part, dtype=np.int64), (len(f),)).copy())

    fidx = np.arange(n_fam)
    lo = np.array([62, 60, 24, 48, 28, 22])
    hi = np.array([96, 90, 62, 78, 54, 65])
    beta = np.where(
        np.isin(ftype, [T_NUCLEAR, T_WITH_PARENTS, T_THREE_GEN]),
        rng.beta(1.6, 1.6, size=n_fam),
        rng.beta(1.3, 2.0, size=n_fam),
    )
    head_age = (lo[ftype] + beta * (hi[ftype] - lo[ftype])).astype(np.int64)
    p_male_head = np.array([0.4, 0.97, 0.88, 0.82, 0.9, 0.7])[ftype]
    head_male = rng.random(n_fam) < p_male_head
    add(fidx, R_HEAD, head_male, head_age)

    p_spouse = np.array([0.0, 1.0, 0.9, 0.8, 0.93, 0.0])[ftype]
    has_sp = rng.random(n_fam) < p_spouse
    gap = rng.integers(-2, 7, size=n_fam)
    sp_age = np.where(head_male, head_age - gap, head_age + gap)
    sp_age = np.maximum(sp_age, 20)
    add(fidx[has_sp], R_SPOUSE, ~head_male[has_sp], sp_age[has_sp])
    mother_age = np.where(head_male & has_sp, sp_age, head_age)

    # children of nuclear families and of families living with the head's parents
    kid_p = [0.06, 0.3, 0.45, 0.15, 0.04]
    nk = np.where(np.isin(ftype, [T_NUCLEAR, T_WITH_PARENTS]), rng.choice(5, size=n_fam, p=kid_p), 0)
    kf = np.repeat(fidx, nk)
    k_age = mother_age[kf] - rng.integers(20, 37, size=len(kf))
    ok = k_age >= 0
    add(kf[ok], R_CHILD, rng.random(int(ok.sum())) < 0.52, k_age[ok])

    # three generations: the married son, his wife and their children (part 1 if the family split)
    tg = fidx[ftype == T_THREE_GEN]
    son_age = np.maximum(head_age[tg] - rng.integers(22, 33, size=len(tg)), 20)
    part = split_fams[tg].astype(np.int64)
    add(tg, R_CHILD, np.ones(len(tg), dtype=bool), son_age, part, son=True)
    dil_age = np.maximum(son_age + rng.integers(-5, 4, size=len(tg)), 19)
    add(tg, R_CHILD_SPOUSE, np.zeros(len(tg), dtype=bool), dil_age, part)
    ng = rng.choice(4, size=len(tg), p=[0.1, 0.38, 0.42, 0.1])
    gf = np.repeat(np.arange(len(tg)), ng)
    g_age = son_age[gf] - rng.integers(21, 34, size=len(gf))
    ok = g_age >= 0
    add(tg[gf][ok], R_GRANDCHILD, rng.random(int(ok.sum())) < 0.53, g_age[ok], part[gf][ok])
    extra = rng.random(len(tg)) < 0.2
    e_age = rng.integers(16, 30, size=len(tg))
    e_age = np.minimum(e_age, son_age - 1)
    add(tg[extra], R_CHILD, rng.random(int(extra.sum())) < 0.5, e_age[extra])

    # the head's own parents
    wp = fidx[ftype == T_WITH_PARENTS]
    npar = rng.choice([1, 2], size=len(wp), p=[0.6, 0.4])
    fa_age = head_age[wp] + rng.integers(22, 35, size=len(wp))
    both = npar == 2
    add(wp[both], R_PARENT, np.ones(int(both.sum()), dtype=bool), fa_age[both])
    add(
        wp[both],
        R_PARENT,
        np.zeros(int(both.sum()), dtype=bool),
        fa_age[both] - rng.integers(-1, 6, size=int(both.sum())),
    )
    one = ~both
    one_male = rng.random(int(one.sum())) < 0.35
    add(wp[one], R_PARENT, one_male, fa_age[one] - np.where(one_male, 0, 2))

    # single adults: sometimes with a sibling or another relative
    sa = fidx[ftype == T_SINGLE_ADULT]
    sib = rng.random(len(sa)) < 0.25
    add(
        sa[sib],
        R_SIBLING,
        rng.random(int(sib.sum())) < 0.6,
        head_age[sa][sib] + rng.integers(-8, 9, size=int(sib.sum())),
    )
    oth = rng.random(n_fam) < np.where(ftype == T_SINGLE_ADULT, 0.08, np.where(ftype == T_NUCLEAR, 0.02, 0.0))
    add(fidx[oth], R_OTHER, rng.random(int(oth.sum())) < 0.5, rng.integers(5, 31, size=int(oth.sum())))

    p_fam = np.concatenate(fams)
    p_role = np.concatenate(roles)
    p_male = np.concatenate(males)
    p_agey = np.concatenate(ages)
    p_part = np.concatenate(parts)
    p_son = np.concatenate(sons)

    # ---- households -----------------------------------------------------------------------
    hh_key = p_fam * 2 + p_part
    uniq_keys, p_hh = np.unique(hh_key, return_inverse=True)
    hh_fam = uniq_keys // 2
    hh_part = uniq_keys % 2
    n_hh = len(uniq_keys)
    # order persons: household, role in that household, older first
    hh_role = p_role.copy()
    in_part1 = p_part == 1
    hh_role[in_part1 & (p_role == R_CHILD)] = R_HEAD
    hh_role[in_part1 & (p_role == R_CHILD_SPOUSE)] = R_SPOUSE
    hh_role[in_part1 & (p_role == R_GRANDCHILD)] = R_CHILD
    order = np.lexsort((-p_agey, hh_role, p_hh))
    p_fam, p_role, p_male, p_agey, p_part, p_hh, hh_role, p_son = (
        a[order] for a in (p_fam, p_role, p_male, p_agey, p_part, p_hh, hh_role, p_son)
    )
    n_p = len(p_fam)
    first_of_hh = np.r_[True, p_hh[1:] != p_hh[:-1]]
    hh_head = np.flatnonzero(first_of_hh)
    fam_head = hh_head[hh_part == 0][np.argsort(hh_fam[hh_part == 0], kind="stable")]

    # relations
    p_rel = _relation_text(hh_role, p_male)
    p_famrel = _relation_text(p_role, p_male)
    p_father, p_mother = _parents(p_fam, p_role, p_male, p_son, n_fam)

    # ---- places ---------------------------------------------------------------------------
    places = gaz.places
    kind = places["kind"].to_numpy()
    w = rng.lognormal(0.0, 0.45, size=len(places))
    w[kind == KIND_SITE] = 0.0
    w[kind == KIND_VILLAGE] *= 0.92 / w[kind == KIND_VILLAGE].sum()
    w[kind == KIND_COMMUNITY] *= 0.08 / max(w[kind == KIND_COMMUNITY].sum(), 1e-9)
    fam_place = rng.choice(len(places), size=n_fam, p=w / w.sum())
    n_groups = rng.integers(5, 17, size=len(places))
    fam_group = (rng.random(n_fam) * n_groups[fam_place]).astype(np.int64) + 1
    hh_place = fam_place[hh_fam].copy()
    hh_group = fam_group[hh_fam].copy()
    moved = (hh_part == 1) & (rng.random(n_hh) < 0.3)
    hh_group[moved] = (rng.random(int(moved.sum())) * n_groups[hh_place[moved]]).astype(np.int64) + 1
    hh_house = rng.integers(1, 220, size=n_hh)
    hh_hukou = (rng.choice(900_000_000, size=n_hh, replace=False) + 100_000_000).astype(str).astype(object)

    # ---- births, names, ethnicity -------------------------------------------------------------
    days = (p_agey * 365.25 + rng.integers(0, 365, size=n_p)).astype(np.int64)
    p_birth = ref - days.astype("timedelta64[D]")
    birth_year = p_birth.astype("datetime64[Y]").astype(np.int64) + 1970

    fam_surname = draw_surnames(rng, n_fam)
    own_surname = draw_surnames(rng, n_p)
    lineage = (
        np.isin(p_role, [R_CHILD, R_GRANDCHILD, R_SIBLING, R_OTHER])
        | (np.isin(p_role, [R_HEAD]) & p_male)
        | ((p_role == R_SPOUSE) & p_male)
        | ((p_role == R_PARENT) & p_male)
    )
    surname = np.where(lineage, fam_surname[p_fam], own_surname)
    given = draw_given(rng, birth_year, p_male, names)
    p_name = surname + given
    p_eth = np.full(n_p, "汉族", dtype=object)
    hui = rng.random(n_fam) < 0.01
    p_eth[hui[p_fam]] = "回族"
    other_eth = rng.random(n_p) < 0.003
    p_eth[other_eth] = np.array(["壮族", "满族", "蒙古族", "土家族", "苗族"], dtype=object)[
        rng.integers(0, 5, size=int(other_eth.sum()))
    ]
    married_in = np.isin(p_role, [R_SPOUSE, R_CHILD_SPOUSE])
    minority = married_in & (rng.random(n_p) < 0.004)
    for sex, flag in (("M", True), ("F", False)):
        m = minority & (p_male == flag)
        pool = np.array(MINORITY_NAMES[sex], dtype=object)
        p_name[m] = pool[rng.integers(0, len(pool), size=int(m.sum()))]
    p_eth[minority] = np.array(MINORITY_ETHNICITY, dtype=object)[rng.integers(0, 2, size=int(minority.sum()))]
    p_former = np.full(n_p, "", dtype=object)
    has_former = (rng.random(n_p) < 0.03) & ~minority
    p_former[has_former] = surname[has_former] + draw_given(
        rng, birth_year[has_former] - 20, p_male[has_former], names
    )

    # ---- marriage moves and ID numbers -------------------------------------------------------
    mi = married_in & ~minority
    r = rng.random(n_p)
    from_outside = (mi & (r < 0.15)) | minority
    moved_in_county = mi & (r >= 0.15) & (r < 0.7)
    p_prev_place = np.full(n_p, -1, dtype=np.int64)
    vil_idx = np.flatnonzero(kind == KIND_VILLAGE)
    p_prev_place[moved_in_county] = vil_idx[rng.integers(0, len(vil_idx), size=int(moved_in_county.sum()))]
    area = np.full(n_p, 411328, dtype=np.int64)
    old = (birth_year < 1994) & (rng.random(n_p) < 0.45)
    area[old] = 412927
    outside_area = from_outside & (rng.random(n_p) < 0.7)
    area[outside_area] = OTHER_AREAS[rng.integers(0, len(OTHER_AREAS), size=int(outside_area.sum()))]
    p_id = make_ids(area, p_birth, p_male, rng)

    # ---- deaths and hukou status ------------------------------------------------------------
    q = _annual_mortality(p_agey)
    p_dead = rng.random(n_p) < 1 - (1 - q) ** 3
    p_death = np.full(n_p, np.datetime64("NaT"), dtype="datetime64[D]")
    nd = int(p_dead.sum())
    p_death[p_dead] = ref - rng.integers(1, 3 * 365, size=nd).astype("timedelta64[D]")
    p_death[p_dead] = np.maximum(p_death[p_dead], p_birth[p_dead] + np.timedelta64(1, "D"))
    p_status = np.full(n_p, "正常", dtype=object)
    recorded = p_dead & (rng.random(n_p) < np.where((ref - p_death).astype(np.int64) < 90, 0.55, 0.92))
    p_status[recorded] = "死亡"
    age = p_agey
    out_mig = (~p_dead) & (age >= 18) & (age <= 35) & (rng.random(n_p) < 0.012) & (p_role != R_HEAD)
    p_status[out_mig] = "迁出"
    army = (~p_dead) & p_male & (age >= 18) & (age <= 23) & (rng.random(n_p) < 0.02) & (p_status == "正常")
    p_status[army] = "服兵役"
    abroad = (~p_dead) & (age >= 20) & (age <= 50) & (rng.random(n_p) < 0.0008) & (p_status == "正常")
    p_status[abroad] = "出国"

    # ---- health, disability, school, work ---------------------------------------------------
    dis_p = np.select([age < 18, age < 60, age < 80], [0.01, 0.03, 0.08], 0.15)
    disabled = rng.random(n_p) < dis_p
    p_dis_cat = np.where(disabled, rng.choice(7, size=n_p, p=DIS_CAT_P), -1)
    p_dis_grade = np.where(disabled, rng.choice([1, 2, 3, 4], size=n_p, p=[0.12, 0.2, 0.33, 0.35]), 0)
    p_dis_date = _uniform_dates(rng, "2006-01-01", str(ref - np.timedelta64(181, "D")), n_p)
    # certified at the earliest at one year old, and never after the extract date (a baby's
    # certificate is dated the extract date rather than in the future)
    p_dis_date = np.minimum(np.maximum(p_dis_date, p_birth + np.timedelta64(365, "D")), ref)
    p_dis_date[~disabled] = np.datetime64("NaT")

    # planted: new severe disabilities certified in the last six months
    cand = np.flatnonzero((~p_dead) & (age >= 16) & (p_dis_grade == 0))
    k = int(round(0.0005 * n_p)) + 1
    if len(cand):
        new = cand[rng.choice(len(cand), size=min(k, len(cand)), replace=False)]
        p_dis_cat[new] = rng.choice(7, size=len(new), p=DIS_CAT_P)
        p_dis_grade[new] = rng.choice([1, 2], size=len(new))
        p_dis_date[new] = ref - rng.integers(1, 180, size=len(new)).astype("timedelta64[D]")

    ch_p = np.select([age < 35, age < 50, age < 65], [0.003, 0.05, 0.15], 0.26)
    chronic = rng.random(n_p) < ch_p
    p_chronic = np.where(chronic, rng.choice(len(CHRONIC), size=n_p, p=CHRONIC_P), -1)
    p_chronic_date = _uniform_dates(rng, "2008-01-01", str(ref - np.timedelta64(30, "D")), n_p)
    p_chronic_date[~chronic] = np.datetime64("NaT")

    p_stage, p_grade = _school(p_birth, rng, school_year_start(ref))
    p_stage[p_dead | (p_status != "正常")] = -1
    p_grade[p_stage < 0] = ""

    is_urban_p = kind[hh_place[p_hh]] != KIND_VILLAGE
    staff_p = np.where(is_urban_p, 0.05, 0.012)
    staff = (~p_dead) & (age >= 22) & (age <= 59) & (rng.random(n_p) < staff_p) & (p_status == "正常")
    cat = rng.choice(4, size=n_p, p=[0.25, 0.1, 0.5, 0.15])
    cat = np.where(is_urban_p & (cat == 3), 2, cat)
    p_staff = np.where(staff, cat, -1)

    mig_p = np.select([age < 18, age <= 40, age <= 55], [0.0, 0.45, 0.3], 0.0)
    migr = (~p_dead) & (p_staff < 0) & (p_stage < 0) & (rng.random(n_p) < mig_p) & (p_status == "正常")
    p_migrant = np.where(migr, rng.choice([1, 2, 3], size=n_p, p=[0.2, 0.3, 0.5]), 0)
    p_outside = np.full(n_p, "", dtype=object)
    far = p_migrant >= 2
    p_outside[far] = np.array(OUTSIDE_PLACES, dtype=object)[
        rng.integers(0, len(OUTSIDE_PLACES), size=int(far.sum()))
    ]

    has_phone = (age >= 14) & (rng.random(n_p) < np.where(age >= 75, 0.55, 0.93))
    p_phone = np.full(n_p, "", dtype=object)
    k = int(has_phone.sum())
    nums = PHONE_PREFIXES[rng.integers(0, len(PHONE_PREFIXES), size=k)] * 10**8 + rng.integers(
        0, 10**8, size=k
    )
    p_phone[has_phone] = nums.astype(str).astype(object)

    # ---- poverty status (family level) -------------------------------------------------------
    fam_rural = kind[fam_place] == KIND_VILLAGE
    t_names = gaz.townships["township"].to_numpy(dtype=object)
    hilly = np.isin(t_names[places["t_idx"].to_numpy()[fam_place]], list(SOUTH_HILLY))
    fam_has_dis = np.bincount(p_fam, weights=(p_dis_grade > 0) & (p_dis_grade <= 2), minlength=n_fam) > 0
    fam_has_staff = np.bincount(p_fam, weights=p_staff >= 0, minlength=n_fam) > 0
    hh_per_fam = np.bincount(hh_fam, minlength=n_fam)
    base = np.array([0.25, 0.22, 0.09, 0.12, 0.12, 0.2])[ftype]
    wpov = base * np.where(fam_rural, 1.0, 0.08) * np.where(hilly, 1.6, 1.0) * np.where(fam_has_dis, 2.2, 1.0)
    wpov *= np.where(fam_has_staff, 0.15, 1.0)
    fam_status = np.zeros(n_fam, dtype=np.int64)
    # targets are shares of hukou households; split families count twice
    k_poor = int(round(0.125 * n_hh / hh_per_fam.mean()))
    poor = _topk_weighted(rng, wpov, k_poor)
    fam_status[poor] = STATUS_POOR
    fam_was_poor = fam_status == STATUS_POOR
    k_mon_poor = int(round(0.01 * n_hh / hh_per_fam.mean()))
    unstable = _topk_weighted(rng, np.where(fam_was_poor, wpov, 0.0), k_mon_poor)
    fam_status[unstable] = STATUS_MONITORED
    k_mon_gen = int(round(0.02 * n_hh / hh_per_fam.mean()))
    edge = _topk_weighted(rng, np.where(fam_status == STATUS_GENERAL, wpov, 0.0), k_mon_gen)
    fam_status[edge] = STATUS_MONITORED
    fam_mon_cat = np.zeros(n_fam, dtype=np.int64)
    fam_mon_cat[unstable] = 1
    fam_mon_cat[edge] = np.where(rng.random(len(edge)) < 0.7, 2, 3)

    # planted verification signal: a public employee inside a registered household
    pov = fam_status > 0
    cand = np.flatnonzero(pov[p_fam] & (~p_dead) & (age >= 22) & (age <= 59) & (p_staff < 0) & (p_stage < 0))
    k = min(len(cand), int(round(0.008 * pov.sum())) + (1 if pov.any() else 0))
    if k:
        chosen = cand[rng.choice(len(cand), size=k, replace=False)]
        p_staff[chosen] = np.where(rng.random(k) < 0.6, 3, 2)
        p_migrant[chosen] = 0
        p_outside[chosen] = ""

    p_unit = np.full(n_p, "", dtype=object)
    st = p_staff >= 0
    gov = st & np.isin(p_staff, [0, 1])
    p_unit[gov] = np.array(UNITS_GOV, dtype=object)[rng.integers(0, len(UNITS_GOV), size=int(gov.sum()))]
    inst = st & (p_staff == 2)
    town_of_p = places["t_idx"].to_numpy()[hh_place[p_hh]]
    town_units = np.where(
        rng.random(n_p) < 0.5, t_names[town_of_p] + "人民政府", t_names[town_of_p] + "中心学校"
    )
    inst_units = np.array(UNITS_INST, dtype=object)[rng.integers(0, len(UNITS_INST), size=n_p)]
    p_unit[inst] = np.where(rng.random(int(inst.sum())) < 0.5, town_units[inst], inst_units[inst])
    vc = st & (p_staff == 3)
    p_unit[vc] = places["name"].to_numpy(dtype=object)[hh_place[p_hh][vc]] + "村民委员会"

    # risk types, identification, income
    fam_risk = np.full(n_fam, "", dtype=object)
    mon = np.flatnonzero(fam_status == STATUS_MONITORED)
    fam_has_chronic = np.bincount(p_fam, weights=np.isin(p_chronic, [2, 3, 4, 5]), minlength=n_fam) > 0
    fam_has_student = np.bincount(p_fam, weights=np.isin(p_stage, [3, 4]), minlength=n_fam) > 0
    fam_workers = np.bincount(p_fam, weights=(age >= 18) & (age <= 59) & ~p_dead, minlength=n_fam)
    for f in mon:
        risks = []
        if fam_has_chronic[f] and rng.random() < 0.8:
            risks.append("因病")
        if fam_has_dis[f] and rng.random() < 0.8:
            risks.append("因残")
        if fam_has_student[f] and rng.random() < 0.4:
            risks.append("因学")
        if fam_workers[f] == 0 and rng.random() < 0.8:
            risks.append("缺劳动力")
        if not risks or rng.random() < 0.3:
            risks.append(RISK_TYPES[int(rng.choice(len(RISK_TYPES), p=_RISK_P))])
        fam_risk[f] = "、".join(dict.fromkeys(risks))
    fam_risk_gone = (fam_status == STATUS_MONITORED) & (rng.random(n_fam) < 0.3)
    fam_identified = np.where(
        fam_status == STATUS_MONITORED,
        _uniform_dates(
            rng,
            str(min(np.datetime64("2020-04-01"), ref - np.timedelta64(400, "D"))),
            str(ref - np.timedelta64(5, "D")),
            n_fam,
        ),
        _uniform_dates(rng, "2014-03-01", "2016-12-31", n_fam),
    )
    fam_income = np.where(
        fam_status == STATUS_MONITORED,
        rng.lognormal(np.log(5800), 0.25, size=n_fam),
        rng.lognormal(np.log(12500), 0.35, size=n_fam),
    )
    fam_income = np.maximum(fam_income, 3000).astype(np.int64)
    fam_poverty_no = np.full(n_fam, "", dtype=object)
    pv = np.flatnonzero(fam_status > 0)
    fam_poverty_no[pv] = _affine_codes("41132820", 8, np.arange(len(pv)), 523650, 104729)

    # relocation (易地扶贫搬迁): some registered families moved to a resettlement site
    site_idx = np.flatnonzero(kind == KIND_SITE)
    fam_relocated = np.zeros(n_fam, dtype=bool)
    fam_origin_place = fam_place.copy()
    cand = np.flatnonzero((fam_status > 0) & fam_rural)
    k = int(round(0.03 * len(cand)))
    if k and len(site_idx):
        wts = np.where(hilly[cand], 3.0, 1.0)
        rel = cand[_topk_weighted(rng, wts, k)]
        fam_relocated[rel] = True
        new_place = site_idx[rng.integers(0, len(site_idx), size=len(rel))]
        fam_place_new = fam_place.copy()
        fam_place_new[rel] = new_place
        hh_place = fam_place_new[hh_fam]
        hh_group[fam_relocated[hh_fam]] = rng.integers(1, 13, size=int(fam_relocated[hh_fam].sum()))
    fam_move_in = np.full(n_fam, np.datetime64("NaT"), dtype="datetime64[D]")
    fam_move_in[fam_relocated] = _uniform_dates(rng, "2017-06-01", "2020-10-31", int(fam_relocated.sum()))
    fam_split_date = np.full(n_fam, np.datetime64("NaT"), dtype="datetime64[D]")
    fam_split_date[split_fams] = _uniform_dates(
        rng, "2006-01-01", str(ref - np.timedelta64(30, "D")), n_split
    )

    # ---- social assistance (per hukou household) -----------------------------------------------
    hh_status = fam_status[hh_fam]
    hh_kind = kind[hh_place]
    hh_rural = hh_kind != KIND_COMMUNITY
    alive_size = np.bincount(p_hh, weights=~p_dead, minlength=n_hh).astype(np.int64)
    head_age_hh = age[hh_head]
    hh_dis = np.bincount(p_hh, weights=p_dis_grade > 0, minlength=n_hh) > 0
    u = rng.random(n_hh)
    hh_dibao = np.zeros(n_hh, dtype=np.int64)
    p_rural = np.select([hh_status == STATUS_POOR, hh_status == STATUS_MONITORED], [0.35, 0.4], 0.0)
    p_rural = np.where(
        hh_status == STATUS_GENERAL, np.where(hh_dis | (head_age_hh >= 70), 0.03, 0.004), p_rural
    )
    hh_dibao[hh_rural & (u < p_rural)] = DIBAO_RURAL
    hh_dibao[(~hh_rural) & (u < np.where(hh_status > 0, 0.35, 0.03))] = DIBAO_URBAN
    single_old = (alive_size == 1) & ((head_age_hh >= 60) | hh_dis) & ~p_dead[hh_head]
    hh_dibao[single_old & (rng.random(n_hh) < np.where(hh_status > 0, 0.3, 0.03))] = DIBAO_TEKUN
    temp = (hh_dibao == DIBAO_NONE) & (
        rng.random(n_hh) < np.where(hh_status == STATUS_MONITORED, 0.08, 0.003)
    )
    hh_dibao[temp] = DIBAO_TEMP
    hh_dibao[alive_size == 0] = DIBAO_NONE
    # single-person carve-out: one disabled member of a larger family gets his own 低保
    hh_dibao_single = np.full(n_hh, -1, dtype=np.int64)
    dis_member = np.flatnonzero((p_dis_grade > 0) & (p_dis_grade <= 3) & ~p_dead)
    carve = dis_member[(hh_dibao[p_hh[dis_member]] == DIBAO_RURAL) & (alive_size[p_hh[dis_member]] >= 3)]
    carve = carve[rng.random(len(carve)) < 0.3]
    hh_dibao_single[p_hh[carve]] = carve
    hh_dibao_start = _uniform_dates(rng, "2015-01-01", str(ref - np.timedelta64(20, "D")), n_hh)
    covered = np.where(hh_dibao_single >= 0, 1, alive_size)
    per_person = np.select(
        [hh_dibao == DIBAO_RURAL, hh_dibao == DIBAO_URBAN, hh_dibao == DIBAO_TEKUN],
        [
            rng.integers(15, 34, size=n_hh) * 10,
            rng.integers(30, 51, size=n_hh) * 10,
            rng.integers(50, 71, size=n_hh) * 10,
        ],
        rng.integers(5, 50, size=n_hh) * 100,
    )
    hh_dibao_amount = np.where(hh_dibao == DIBAO_TEMP, per_person, per_person * np.maximum(covered, 1))
    hh_dibao_amount[hh_dibao == DIBAO_NONE] = 0

    # ---- cadres paired with registered families ------------------------------------------------
    pool = np.flatnonzero((p_staff >= 0) & (p_staff <= 2) & ~pov[p_fam])
    fam_cadre = np.full(n_fam, -1, dtype=np.int64)
    if len(pool) and len(pv):
        per = max(1, int(np.ceil(len(pv) / len(pool))))
        slots = np.repeat(pool, max(per, 5))
        fam_cadre[pv] = (
            slots[rng.permutation(len(slots))[: len(pv)]]
            if len(slots) >= len(pv)
            else pool[rng.integers(0, len(pool), size=len(pv))]
        )

    # ---- change dates (变动日期) -----------------------------------------------------------------
    start90 = np.datetime64("1990-07-01", "D")
    p_status_date = np.where(
        p_birth < start90,
        start90 + rng.integers(0, 366, size=n_p).astype("timedelta64[D]"),
        p_birth + rng.integers(0, 31, size=n_p).astype("timedelta64[D]"),
    )
    mar = (from_outside | moved_in_county) & ~minority
    mar_date = p_birth + (rng.integers(21, 28, size=n_p) * 365).astype("timedelta64[D]")
    use = mar & (mar_date > start90) & (mar_date < ref)
    p_status_date[use] = mar_date[use]
    sd = fam_split_date[p_fam]
    use = (p_part == 1) & ~np.isnat(sd) & (p_birth < sd)
    p_status_date[use] = sd[use]
    mv = fam_move_in[p_fam]
    use = ~np.isnat(mv) & (p_birth < mv)
    p_status_date[use] = mv[use]
    use = recorded
    p_status_date[use] = np.minimum(
        p_death[use] + rng.integers(0, 40, size=int(use.sum())).astype("timedelta64[D]"), ref
    )
    use = np.isin(p_status, ["迁出", "服兵役", "出国"])
    p_status_date[use] = _uniform_dates(rng, "2016-01-01", str(ref - np.timedelta64(1, "D")), int(use.sum()))
    p_status_date = np.minimum(p_status_date, ref)

    return World(
        ref=ref,
        fam_type=ftype,
        fam_head=fam_head,
        fam_status=fam_status,
        fam_was_poor=fam_was_poor,
        fam_mon_cat=fam_mon_cat,
        fam_risk=fam_risk,
        fam_risk_gone=fam_risk_gone,
        fam_identified=fam_identified,
        fam_income=fam_income,
        fam_poverty_no=fam_poverty_no,
        fam_relocated=fam_relocated,
        fam_origin_place=fam_origin_place,
        fam_move_in=fam_move_in,
        fam_cadre=fam_cadre,
        fam_split_date=fam_split_date,
        hh_fam=hh_fam,
        hh_part=hh_part,
        hh_hukou=hh_hukou,
        hh_place=hh_place,
        hh_group=hh_group,
        hh_house=hh_house,
        hh_head=hh_head,
        hh_dibao=hh_dibao,
        hh_dibao_single=hh_dibao_single,
        hh_dibao_start=hh_dibao_start,
        hh_dibao_amount=hh_dibao_amount,
        p_hh=p_hh,
        p_fam=p_fam,
        p_role=p_role,
        p_rel=p_rel,
        p_famrel=p_famrel,
        p_male=p_male,
        p_birth=p_birth,
        p_id=p_id,
        p_name=p_name,
        p_former=p_former,
        p_eth=p_eth,
        p_dead=p_dead,
        p_death=p_death,
        p_status=p_status,
        p_status_date=p_status_date,
        p_phone=p_phone,
        p_migrant=p_migrant,
        p_outside=p_outside,
        p_prev_place=p_prev_place,
        p_stage=p_stage,
        p_grade=p_grade,
        p_dis_cat=p_dis_cat,
        p_dis_grade=p_dis_grade,
        p_dis_date=p_dis_date,
        p_chronic=p_chronic,
        p_chronic_date=p_chronic_date,
        p_staff=p_staff,
        p_unit=p_unit,
        p_father=p_father,
        p_mother=p_mother,
    )


_RISK_P = np.array([20, 10, 5, 6, 6, 8, 8, 8, 10, 4, 5, 3, 7], dtype=float)
_RISK_P /= _RISK_P.sum()


def _relation_text(role: np.ndarray, male: np.ndarray) -> np.ndarray:
    out = np.empty(len(role), dtype=object)
    table = {
        R_HEAD: ("户主", "户主"),
        R_SPOUSE: ("配偶", "配偶"),
        R_CHILD: ("子", "女"),
        R_CHILD_SPOUSE: ("其他", "儿媳"),
        R_GRANDCHILD: ("孙子", "孙女"),
        R_PARENT: ("父亲", "母亲"),
        R_SIBLING: ("兄弟姐妹", "兄弟姐妹"),
        R_OTHER: ("其他", "其他"),
    }
    for r, (m_label, f_label) in table.items():
        sel = role == r
        out[sel & male] = m_label
        out[sel & ~male] = f_label
    return out


def _first_per_family(mask: np.ndarray, p_fam: np.ndarray, n_fam: int) -> np.ndarray:
    out = np.full(n_fam, -1, dtype=np.int64)
    idx = np.flatnonzero(mask)[::-1]
    out[p_fam[idx]] = idx
    return out


def _parents(
    p_fam: np.ndarray, p_role: np.ndarray, p_male: np.ndarray, p_son: np.ndarray, n_fam: int
) -> tuple[np.ndarray, np.ndarray]:
    """Father and mother (person index or -1) of each person, where they live in the family."""
    n = len(p_fam)
    head = _first_per_family(p_role == R_HEAD, p_fam, n_fam)
    spouse = _first_per_family(p_role == R_SPOUSE, p_fam, n_fam)
    son = _first_per_family(p_son, p_fam, n_fam)
    dil = _first_per_family(p_role == R_CHILD_SPOUSE, p_fam, n_fam)
    fa_parent = _first_per_family((p_role == R_PARENT) & p_male, p_fam, n_fam)
    mo_parent = _first_per_family((p_role == R_PARENT) & ~p_male, p_fam, n_fam)
    father = np.full(n, -1, dtype=np.int64)
    mother = np.full(n, -1, dtype=np.int64)
    f = p_fam
    head_male = p_male[head[f]]
    child = p_role == R_CHILD
    father[child] = np.where(head_male[child], head[f][child], spouse[f][child])
    mother[child] = np.where(head_male[child], spouse[f][child], head[f][child])
    gc = p_role == R_GRANDCHILD
    father[gc] = son[f][gc]
    mother[gc] = dil[f][gc]
    hd = p_role == R_HEAD
    father[hd] = fa_parent[f][hd]
    mother[hd] = mo_parent[f][hd]
    return father, mother


def _annual_mortality(age: np.ndarray) -> np.ndarray:
    return np.select(
        [age < 1, age < 40, age < 50, age < 60, age < 70, age < 80, age < 90],
        [0.005, 0.0008, 0.003, 0.006, 0.013, 0.035, 0.09],
        0.2,
    )


def school_year_start(ref: np.datetime64) -> np.datetime64:
    """1 September that opened the school year running at `ref`."""
    y = int(str(np.datetime64(ref, "Y")))
    start = np.datetime64(f"{y}-09-01")
    return start if np.datetime64(ref, "D") >= start else np.datetime64(f"{y - 1}-09-01")


def _school(
    birth: np.ndarray, rng: np.random.Generator, start: np.datetime64
) -> tuple[np.ndarray, np.ndarray]:
    """School stage and grade in the running school year (age on its 1 September)."""
    n = len(birth)
    a = age_at(birth, start)
    stage = np.full(n, -1, dtype=np.int64)
    grade = np.full(n, "", dtype=object)
    pre = (a >= 3) & (a <= 5) & (rng.random(n) < 0.85)
    stage[pre] = 0
    grade[pre] = np.array(["小班", "中班", "大班"], dtype=object)[a[pre] - 3]
    pri = (a >= 6) & (a <= 11) & (rng.random(n) < 0.995)
    stage[pri] = 1
    grade[pri] = np.array(["一年级", "二年级", "三年级", "四年级", "五年级", "六年级"], dtype=object)[
        a[pri] - 6
    ]
    jun = (a >= 12) & (a <= 14) & (rng.random(n) < 0.99)
    stage[jun] = 2
    grade[jun] = np.array(["七年级", "八年级", "九年级"], dtype=object)[a[jun] - 12]
    sen = (a >= 15) & (a <= 17)
    r = rng.random(n)
    hs = sen & (r < 0.55)
    vs = sen & (r >= 0.55) & (r < 0.85)
    stage[hs] = 3
    grade[hs] = np.array(["高一", "高二", "高三"], dtype=object)[a[hs] - 15]
    stage[vs] = 4
    grade[vs] = np.array(["一年级", "二年级", "三年级"], dtype=object)[a[vs] - 15]
    return stage, grade


def _affine_codes(prefix: str, width: int, i: np.ndarray, offset: int, stride: int) -> np.ndarray:
    """Unique, random-looking fixed-width codes: (offset + i*stride) mod 10^width (stride coprime to 10)."""
    v = (offset + i.astype(np.int64) * stride) % (10**width)
    if v.size == 0:
        return np.zeros(0, dtype=object)
    return prefix + np.strings.zfill(v.astype(str), width).astype(object)

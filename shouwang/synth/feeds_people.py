"""Person registers: hukou, the big-data population base, insurance, schools, health, deaths, staff."""

from __future__ import annotations

import numpy as np

from .gazetteer import KIND_COMMUNITY, KIND_VILLAGE
from .population import (
    CHRONIC,
    DIBAO_RURAL,
    DIBAO_TEKUN,
    DIBAO_URBAN,
    DIS_CATS,
    DIS_GRADES,
    R_CHILD,
    R_GRANDCHILD,
    STAFF_CATS,
    STAGES,
    school_year_start,
)
from .render import EventBatch, FeedCtx, FeedResult, codes, money, pick, random_dates

MALE_FEMALE = np.array(["女", "男"], dtype=object)


def assisted_persons(c: FeedCtx) -> np.ndarray:
    """Persons in a registered (脱贫/监测) family or an assisted (低保/特困/临时救助) household."""
    w = c.w
    return (w.fam_status[w.p_fam] > 0) | (w.hh_dibao[w.p_hh] > 0)


def usual(c: FeedCtx) -> np.ndarray:
    """Alive people whose hukou is in the county as normal (not moved out, not in the army)."""
    w = c.w
    return (~w.p_dead) & (w.p_status == "正常")


# ---- gongan/huji ---------------------------------------------------------------------------------


def huji(c: FeedCtx) -> FeedResult:
    w = c.w
    n = w.n_persons
    p = np.arange(n)
    hh = w.p_hh
    place = w.hh_place[hh]
    cols = {
        "人员编号": codes("411328", 10, n, offset=712386535, stride=7919),
        "公民身份号码": c.ids(p, subject=True),
        "姓名": c.names(p, subject=True, mark_dead=False),
        "曾用名": w.p_former,
        "性别": MALE_FEMALE[w.p_male.astype(int)],
        "民族": w.p_eth,
        "出生日期": c.birth(p, "ymd"),
        "户号": w.hh_hukou[hh],
        "与户主关系": w.p_rel,
        "乡镇街道": c.township_of_place(place),
        "村居委会": c.village(place),
        "详细地址": c.address(p),
        "人员状态": w.p_status,
        "变动日期": c.date(w.p_status_date, "ymd"),
        "变更类型": np.full(n, "新增", dtype=object),
    }
    return c.result(cols, cols["人员编号"], p)


# ---- dashuju/renkou ------------------------------------------------------------------------------

RENKOU_SOURCES = np.array(
    ["医保参保", "民政救助", "人社社保卡", "卫健基本公卫", "教育学籍", "计生服务"], dtype=object
)


def renkou(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    n = w.n_persons
    stale_dead = w.p_dead & ((w.p_status != "死亡") | (rng.random(n) < 0.3))
    base_ok = (w.p_status != "迁出") & ((~w.p_dead) | stale_dead) & (rng.random(n) < 0.9)
    base = np.flatnonzero(base_ok)
    dup = base[rng.random(len(base)) < 0.08]
    persons = np.concatenate([base, dup])
    src = np.concatenate(
        [
            np.full(len(base), "公安户籍", dtype=object),
            RENKOU_SOURCES[rng.integers(0, len(RENKOU_SOURCES), size=len(dup))],
        ]
    )
    order = np.lexsort((np.r_[np.zeros(len(base)), np.ones(len(dup))], persons))
    persons, src = persons[order], src[order]
    m = len(persons)
    keys = hex_keys(rng, m)
    sex = MALE_FEMALE[w.p_male[persons].astype(int)].copy()
    sex[rng.random(m) < 0.005] = "未知"
    birth = c.birth(persons, "iso")
    birth[rng.random(m) < 0.03] = ""
    addr = c.address(persons)
    outside = w.p_outside[persons]
    show_out = (outside != "") & (rng.random(m) < 0.6)
    addr[show_out] = outside[show_out]
    prev = w.p_prev_place[persons]
    show_prev = (prev >= 0) & (rng.random(m) < 0.08)
    if show_prev.any():
        addr[show_prev] = c.places.address(
            prev[show_prev],
            w.hh_group[w.p_hh[persons[show_prev]]],
            w.hh_house[w.p_hh[persons[show_prev]]],
            rng,
            0.6,
        )
    upd = random_dates(rng, c.ref - np.timedelta64(90, "D"), c.ref - np.timedelta64(1, "D"), m)
    secs = rng.integers(0, 86400, size=m)
    cols = {
        "主键": keys,
        "姓名": c.names(persons, subject=True, mark_dead=False),
        "证件号码": c.ids(persons, subject=True),
        "性别": sex,
        "出生日期": birth,
        "手机号码": c.phones(persons, subject=True),
        "现住址": addr,
        "数据来源": src,
        "更新时间": datetimes(upd, secs),
    }
    return c.result(cols, keys, persons)


def hex_keys(rng: np.random.Generator, n: int) -> np.ndarray:
    """n distinct 16-hex-digit keys (like the big-data bureau's 主键)."""
    v = rng.integers(0, 2**63, size=n, dtype=np.int64)
    for _ in range(20):
        _, first = np.unique(v, return_index=True)
        if len(first) == n:
            break
        dup = np.ones(n, dtype=bool)
        dup[first] = False
        v[dup] = rng.integers(0, 2**63, size=int(dup.sum()), dtype=np.int64)
    return np.array([f"{x:016x}" for x in v.tolist()], dtype=object)


_HMS = np.array(
    [f"{h:02d}:{m:02d}:{s:02d}" for h in range(24) for m in range(60) for s in range(60)], dtype=object
)


def datetimes(days: np.ndarray, secs: np.ndarray) -> np.ndarray:
    from .noise import format_dates

    return format_dates(days, "iso") + " " + _HMS[secs]


# ---- yibao/canbao --------------------------------------------------------------------------------


def subsidy_category(c: FeedCtx, persons: np.ndarray) -> np.ndarray:
    w = c.w
    hh = w.p_hh[persons]
    st = w.fam_status[w.p_fam[persons]]
    d = w.hh_dibao[hh]
    return np.select(
        [d == DIBAO_TEKUN, np.isin(d, [DIBAO_RURAL, DIBAO_URBAN]), st == 2, st == 1],
        ["特困人员全额资助", "低保对象定额资助", "监测对象定额资助", "脱贫人口定额资助"],
        "无",
    ).astype(object)


def canbao(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    n = w.n_persons
    ok = usual(c) & (w.p_staff < 0) & (rng.random(n) < 0.96)
    persons = np.flatnonzero(ok)
    m = len(persons)
    status = np.full(m, "正常参保", dtype=object)
    status[(w.p_migrant[persons] == 3) & (rng.random(m) < 0.25)] = "异地参保"
    r = rng.random(m)
    status[(status == "正常参保") & (r < 0.008)] = "停保"
    assisted = assisted_persons(c)[persons]
    status[(status == "正常参保") & (r > 0.988) & ~assisted] = "未参保"
    # planted: uninsured members of assisted households (their premiums are subsidised)
    cand = np.flatnonzero(assisted & (status == "正常参保"))
    unins = pick(rng, cand, 0.006)
    status[unins] = "未参保"
    cat = subsidy_category(c, persons)
    cat[status == "未参保"] = "无"
    place = w.hh_place[w.p_hh[persons]]
    prev = w.p_prev_place[persons]
    use_prev = (prev >= 0) & (rng.random(m) < 0.1)
    place = np.where(use_prev, prev, place)
    cols = {
        "参保人编号": codes("4113", 12, m, offset=4242, stride=7919),
        "姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "参保年度": np.full(m, str(c.year), dtype=object),
        "参保状态": status,
        "资助类别": cat,
        "乡镇": c.township_of_place(place),
    }
    ev_rows = np.flatnonzero(assisted & (status == "未参保"))
    events = [EventBatch("uninsured", ev_rows, np.full(len(ev_rows), c.ref), "参保状态=未参保")]
    return c.result(cols, cols["参保人编号"], persons, events=events)


# ---- renshe/yanglao ------------------------------------------------------------------------------


def yanglao(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    n = w.n_persons
    age = w.age()
    ok = (age >= 16) & (w.p_stage < 0) & (w.p_staff < 0) & (np.isin(w.p_status, ["正常", "死亡"]) | w.p_dead)
    ok &= rng.random(n) < 0.9
    persons = np.flatnonzero(ok)
    m = len(persons)
    a = age[persons]
    dead = w.p_dead[persons]
    status = np.where(a >= 60, "待遇领取", np.where(rng.random(m) < 0.86, "参保缴费", "暂停缴费")).astype(
        object
    )
    # most deaths are known and the record is closed; some pensions keep running (paid after death)
    recent = dead & (w.p_death[persons] > c.ref - np.timedelta64(90, "D"))
    closed = dead & (rng.random(m) < np.where(recent, 0.6, 0.97))
    status[closed] = "终止"
    level = np.array([100, 200, 300, 500, 1000, 2000])[
        rng.choice(6, size=m, p=[0.2, 0.2, 0.2, 0.15, 0.15, 0.1])
    ]
    hh = w.p_hh[persons]
    d = w.hh_dibao[hh]
    st = w.fam_status[w.p_fam[persons]]
    severe = (w.p_dis_grade[persons] >= 1) & (w.p_dis_grade[persons] <= 2)
    paid_for = np.select(
        [
            d == DIBAO_TEKUN,
            np.isin(d, [DIBAO_RURAL, DIBAO_URBAN]),
            severe,
            st == 2,
            (st == 1) & (rng.random(m) < 0.3),
        ],
        ["特困人员", "低保对象", "重度残疾人", "返贫致贫人口", "返贫致贫人口"],
        "无",
    ).astype(object)
    paid_for[a >= 60] = "无"
    level = np.where(paid_for != "无", 100, level).astype(object)
    level[status == "待遇领取"] = ""
    pension = np.full(m, "", dtype=object)
    receiving = status == "待遇领取"
    amount = 108 + rng.integers(0, 150, size=m)
    pension[receiving] = amount[receiving]
    cols = {
        "个人编号": codes("411328", 12, m, offset=777, stride=7919),
        "姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "参保状态": status,
        "缴费档次": level,
        "代缴类型": paid_for,
        "待遇领取月额": pension,
    }
    c.state["pensions"] = (persons[receiving], amount[receiving])
    return c.result(cols, cols["个人编号"], persons)


# ---- renshe/gongyigang ---------------------------------------------------------------------------


def pick_by_assistance(c: FeedCtx, base: np.ndarray, assisted_share: float, other_share: float) -> np.ndarray:
    """Persons drawn from `base`: a larger share of those in assisted households (posts and work
    relief go to registered households first), a small share of the rest; sorted."""
    assisted = assisted_persons(c)
    persons = np.concatenate(
        [
            pick(c.rng, np.flatnonzero(base & assisted), assisted_share),
            pick(c.rng, np.flatnonzero(base & ~assisted), other_share),
        ]
    )
    persons.sort()
    return persons


def gongyigang(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 25) & (age <= 64) & (w.p_staff < 0) & (w.p_stage < 0) & (w.p_migrant == 0)
    persons = pick_by_assistance(c, base, 0.05, 0.0008)
    m = len(persons)
    allowance = np.array([400, 500, 550, 600, 650, 800])[rng.integers(0, 6, size=m)]
    start = random_dates(rng, "2019-01-01", c.ref - np.timedelta64(10, "D"), m)
    left = rng.random(m) < 0.1
    end = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
    end[left] = np.minimum(
        start[left] + rng.integers(30, 500, size=int(left.sum())).astype("timedelta64[D]"),
        c.ref - np.timedelta64(1, "D"),
    )
    ptype = np.array(["保洁", "护路", "护林", "水管", "治安", "其他"], dtype=object)[
        rng.choice(6, size=m, p=[0.4, 0.15, 0.1, 0.1, 0.15, 0.1])
    ]
    cols = {
        "岗位人员编号": codes("GYG", 7, m, offset=6594297, stride=7919),
        "姓名": c.names(persons, subject=True),
        "身份证号码": c.ids(persons, subject=True),
        "岗位类型": ptype,
        "月补贴": allowance,
        "上岗日期": c.date(start, "iso"),
        "离岗日期": c.date(end, "iso"),
    }
    c.state["posts"] = (persons[~left], allowance[~left])
    return c.result(cols, cols["岗位人员编号"], persons)


# ---- renshe/jiuye --------------------------------------------------------------------------------

WORK_COUNTY = [
    "唐河县牧原养殖场",
    "唐河县产业集聚区",
    "唐河县城建筑工地",
    "唐河县纺织厂",
    "唐河县食品厂",
    "唐河县物流园",
]
WORK_PROVINCE = ["郑州市", "南阳市卧龙区", "南阳市宛城区", "洛阳市", "许昌市", "新乡市"]


def jiuye(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    reg = w.fam_status[w.p_fam] > 0
    ok = reg & usual(c) & (age >= 16) & (age <= 64) & (w.p_stage < 0) & (rng.random(w.n_persons) < 0.92)
    persons = np.flatnonzero(ok)
    m = len(persons)
    mig = w.p_migrant[persons]
    post_persons, post_amount = c.state.get("posts", (np.zeros(0, dtype=np.int64), np.zeros(0)))
    post_map = dict(zip(post_persons.tolist(), post_amount.tolist(), strict=True))
    has_post = np.array([p in post_map for p in persons.tolist()], dtype=bool)
    status = np.full(m, "未就业", dtype=object)
    status[mig == 1] = "县内务工"
    status[mig == 2] = "县外省内务工"
    status[mig == 3] = "省外务工"
    local = mig == 0
    r = rng.random(m)
    older = age[persons] >= 58
    status[local & (r < 0.16) & ~older] = "扶贫车间"
    status[local & (r >= 0.16) & (r < 0.24) & ~older] = "自主创业"
    status[local & (r >= 0.24) & (r < 0.34) & ~older] = "县内务工"
    status[w.p_staff[persons] >= 0] = "县内务工"
    status[has_post] = "公益性岗位"
    # planted: previous earners whose work stopped (income collapse)
    earners = np.flatnonzero(mig >= 2)
    hh_of = w.p_hh[persons[earners]]
    _, first = np.unique(hh_of, return_index=True)
    collapse = pick(rng, earners[first], 0.05)
    status[collapse] = "未就业"
    c.state["collapsed"] = persons[collapse]
    place = np.full(m, "", dtype=object)
    place[status == "县内务工"] = np.array(WORK_COUNTY, dtype=object)[
        rng.integers(0, len(WORK_COUNTY), size=m)
    ][status == "县内务工"]
    sel = status == "县外省内务工"
    place[sel] = np.array(WORK_PROVINCE, dtype=object)[
        rng.integers(0, len(WORK_PROVINCE), size=int(sel.sum()))
    ]
    sel = status == "省外务工"
    out = w.p_outside[persons[sel]]
    place[sel] = np.where(out != "", out, "广东省东莞市")
    place[status == "公益性岗位"] = "本村"
    place[status == "扶贫车间"] = "本村扶贫车间"
    place[status == "自主创业"] = np.where(rng.random(m) < 0.5, "本村", "唐河县城")[status == "自主创业"]
    income = np.select(
        [
            status == "省外务工",
            status == "县外省内务工",
            status == "县内务工",
            status == "扶贫车间",
            status == "自主创业",
        ],
        [
            rng.integers(40, 71, size=m) * 100,
            rng.integers(30, 51, size=m) * 100,
            rng.integers(20, 36, size=m) * 100,
            rng.integers(12, 21, size=m) * 100,
            rng.integers(20, 51, size=m) * 100,
        ],
        0,
    )
    if has_post.any():
        income[has_post] = [post_map[p] for p in persons[has_post].tolist()]
    months = np.where(status == "未就业", 0, rng.integers(6, 13, size=m))
    months = np.where(status == "公益性岗位", 12, months)
    pl = w.hh_place[w.p_hh[persons]]
    cols = {
        "台账编号": codes("JY", 9, m, offset=313267, stride=7919),
        "姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "联系电话": c.phones(persons, subject=True),
        "就业状态": status,
        "务工地点": place,
        "月收入": income,
        "务工月数": months,
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
    }
    ev = [EventBatch("income_collapse", collapse, np.full(len(collapse), c.ref), "未就业; 上年外出务工")]
    dups = pick(rng, np.arange(m), 0.01)
    return c.result(cols, cols["台账编号"], persons, events=ev, duplicates=dups)


# ---- jiaoyu/xueji and zizhu ----------------------------------------------------------------------

HIGH_SCHOOLS = np.array(
    [
        "唐河县第一高级中学",
        "唐河县第二高级中学",
        "唐河县第三高级中学",
        "唐河县友兰高级中学",
        "唐河县源潭高级中学",
    ],
    dtype=object,
)
VOC_SCHOOLS = np.array(
    ["唐河县职业中等专业学校", "南阳工业学校", "唐河县中等职业学校", "南阳农业职业学院附属中专"], dtype=object
)


def school_of(c: FeedCtx, persons: np.ndarray) -> np.ndarray:
    """A stable school per student (same in xueji and zizhu): depends on place, stage and person."""
    w, pr = c.w, c.places
    place = w.hh_place[w.p_hh[persons]]
    t = pr.t_name[pr.p_tidx[place]]
    vcore = pr.p_core[place]
    stage = w.p_stage[persons]
    h = (persons * 2654435761) % 1000
    urban = pr.p_kind[place] != KIND_VILLAGE
    out = np.empty(len(persons), dtype=object)
    s0 = stage == 0
    out[s0] = np.where(h[s0] < 600, t[s0] + "中心幼儿园", vcore[s0] + "幼儿园")
    s1 = stage == 1
    out[s1] = np.where(h[s1] < 500, t[s1] + "中心小学", vcore[s1] + "小学")
    s2 = stage == 2
    out[s2] = np.where(urban[s2] | (h[s2] < 150), "唐河县实验中学", t[s2] + "第一初级中学")
    s3 = stage == 3
    out[s3] = HIGH_SCHOOLS[h[s3] % len(HIGH_SCHOOLS)]
    s4 = stage == 4
    out[s4] = VOC_SCHOOLS[h[s4] % len(VOC_SCHOOLS)]
    return out


def guardian_of(c: FeedCtx, persons: np.ndarray, prefer_grandparents: bool = False) -> np.ndarray:
    """Guardian: a parent at home, else a grandparent / household head."""
    w = c.w
    mo, fa = w.p_mother[persons], w.p_father[persons]
    head = w.hh_head[w.p_hh[persons]]
    fam_head = w.fam_head[w.p_fam[persons]]

    def usable(x: np.ndarray, at_home: bool) -> np.ndarray:
        ok = x >= 0
        xs = np.where(ok, x, 0)
        ok &= ~w.p_dead[xs]
        if at_home:
            ok &= w.p_migrant[xs] < 2
        return ok

    g = np.where(usable(mo, True), mo, np.where(usable(fa, True), fa, -1))
    gp = np.where(fam_head != persons, fam_head, head)
    if prefer_grandparents:
        g = np.where(usable(gp, True) & (gp != persons), gp, g)
    g = np.where(g >= 0, g, np.where(usable(mo, False), mo, np.where(usable(fa, False), fa, gp)))
    return g


def xueji(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    persons = np.flatnonzero((w.p_stage >= 0) & ~w.p_dead)
    m = len(persons)
    stage = w.p_stage[persons]
    no_id = rng.random(m) < 0.03
    true_ids = w.p_id[persons].copy()
    key = np.where(no_id, "", "G" + true_ids).astype(object)
    key[no_id] = codes("L20", 8, int(no_id.sum()), offset=11506816, stride=7919)
    ids = c.ids(persons, subject=True)
    ids[no_id] = ""
    c.mark_id_noise(no_id, "empty")
    status = np.full(m, "在读", dtype=object)
    r = rng.random(m)
    status[r < 0.003] = "休学"
    status[(r >= 0.003) & (r < 0.011)] = "转出"
    secondary = np.isin(stage, [2, 3, 4])
    status[secondary & (r >= 0.011) & (r < 0.012)] = "辍学"
    assisted = assisted_persons(c)[persons]
    drop = pick(rng, np.flatnonzero(assisted & secondary & (status == "在读")), 0.025)
    status[drop] = "辍学"
    g = guardian_of(c, persons)
    cols = {
        "全国学籍号": key,
        "学生姓名": c.names(persons, subject=True),
        "身份证件号": ids,
        "性别": MALE_FEMALE[w.p_male[persons].astype(int)],
        "出生日期": c.birth(persons, "slash"),
        "学校名称": school_of(c, persons),
        "学段": STAGES[stage],
        "年级": w.p_grade[persons],
        "学籍状态": status,
        "监护人姓名": c.names(g, mark_dead=False),
        "监护人身份证号": c.ids(g),
        "监护人电话": c.phones(g),
        "家庭住址": c.address(persons),
    }
    ev_rows = np.flatnonzero((status == "辍学") & assisted)
    ev_rows = np.union1d(ev_rows, np.flatnonzero(status == "辍学"))
    ev = [
        EventBatch(
            "dropout",
            ev_rows,
            random_dates(rng, c.ref - np.timedelta64(120, "D"), c.ref, len(ev_rows)),
            "学籍状态=辍学",
        )
    ]
    return c.result(cols, key, persons, events=ev)


def zizhu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    students = np.flatnonzero((w.p_stage >= 1) & ~w.p_dead)
    stage = w.p_stage[students]
    assisted = assisted_persons(c)[students]
    reg = w.fam_status[w.p_fam[students]] > 0
    rural = c.places.p_kind[w.hh_place[w.p_hh[students]]] == KIND_VILLAGE
    progs = []  # (persons, programme, amount per term)
    nutr = students[np.isin(stage, [1, 2]) & rural & (rng.random(len(students)) < 0.3)]
    progs.append((nutr, "营养改善计划", 800))
    progs.append(
        (students[(stage == 2) & assisted & (rng.random(len(students)) < 0.6)], "寄宿生生活补助", 625)
    )
    progs.append((students[(stage == 3) & assisted], "国家助学金", 1000))
    progs.append((students[(stage == 3) & assisted & (rng.random(len(students)) < 0.7)], "免学费", 600))
    progs.append((students[(stage == 4) & reg], "雨露计划", 1500))
    persons, prog, amount, term = [], [], [], []
    for ps, name, amt in progs:
        for t in (0, 1):
            persons.append(ps)
            prog.append(np.full(len(ps), name, dtype=object))
            amount.append(np.full(len(ps), amt))
            term.append(np.full(len(ps), t))
    persons = np.concatenate(persons)
    prog = np.concatenate(prog)
    amount = np.concatenate(amount)
    term = np.concatenate(term)
    order = np.lexsort((term, persons))
    persons, prog, amount, term = persons[order], prog[order], amount[order], term[order]
    m = len(persons)
    sy = school_year_start(c.ref)
    spring = np.datetime64(f"{int(str(sy)[:4]) + 1}-04-20")
    if spring > c.ref:  # the spring payment of this school year has not been made yet
        spring = sy - np.timedelta64(130, "D")
    paid = np.where(term == 0, sy + np.timedelta64(49, "D"), spring) + rng.integers(0, 8, size=m).astype(
        "timedelta64[D]"
    )
    cols = {
        "资助流水号": codes("ZZ", 10, m, offset=2352119563, stride=7919),
        "学生姓名": c.names(persons, subject=True),
        "身份证件号": c.ids(persons, subject=True),
        "资助项目": prog,
        "资助金额": amount,
        "发放日期": c.date(paid, "iso"),
        "学校名称": school_of(c, persons),
    }
    dups = pick(rng, np.arange(m), 0.015)
    return c.result(cols, cols["资助流水号"], persons, duplicates=dups)


# ---- minzheng/ertong -----------------------------------------------------------------------------


def ertong(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    kids = np.flatnonzero((age < 18) & ~w.p_dead & (w.p_status == "正常"))
    mo, fa = w.p_mother[kids], w.p_father[kids]

    def dead(x: np.ndarray) -> np.ndarray:
        return (x >= 0) & w.p_dead[np.maximum(x, 0)]

    def absent(x: np.ndarray) -> np.ndarray:
        return (x < 0) | dead(x)

    def severe(x: np.ndarray) -> np.ndarray:
        return (x >= 0) & (w.p_dis_grade[np.maximum(x, 0)] >= 1) & (w.p_dis_grade[np.maximum(x, 0)] <= 2)

    def away(x: np.ndarray) -> np.ndarray:
        return absent(x) | (w.p_migrant[np.maximum(x, 0)] >= 2)

    with_parents = np.isin(w.p_role[kids], [R_CHILD, R_GRANDCHILD])
    orphan = with_parents & absent(mo) & absent(fa) & (dead(mo) | dead(fa))
    unsupported = (
        ~orphan
        & with_parents
        & (
            (dead(mo) & (severe(fa) | absent(fa)))
            | (dead(fa) & (severe(mo) | absent(mo)))
            | (severe(mo) & severe(fa))
        )
    )
    unsupported |= ~with_parents & (rng.random(len(kids)) < 0.3)
    rural = c.places.p_kind[w.hh_place[w.p_hh[kids]]] == KIND_VILLAGE
    left_behind = ~orphan & ~unsupported & with_parents & away(mo) & away(fa) & rural
    left_behind &= ~(absent(mo) & absent(fa)) & (rng.random(len(kids)) < 0.5)
    hardship = (
        ~orphan
        & ~unsupported
        & ~left_behind
        & assisted_persons(c)[kids]
        & ((w.p_dis_grade[kids] > 0) | severe(mo) | severe(fa) | (rng.random(len(kids)) < 0.02))
    )
    cat = np.select(
        [orphan, unsupported, left_behind, hardship],
        ["孤儿", "事实无人抚养儿童", "农村留守儿童", "困境儿童"],
        "",
    ).astype(object)
    sel = cat != ""
    persons, cat = kids[sel], cat[sel]
    m = len(persons)
    g = guardian_of(c, persons, prefer_grandparents=True)
    allowance = np.select([cat == "孤儿", cat == "事实无人抚养儿童", cat == "困境儿童"], [1100, 1100, 300], 0)
    pl = w.hh_place[w.p_hh[persons]]
    cols = {
        "儿童编号": codes("ET411328", 6, m, offset=550827, stride=7919),
        "儿童姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "类别": cat,
        "监护人姓名": c.names(g, mark_dead=False),
        "监护人身份证号": c.ids(g),
        "基本生活费": allowance,
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
    }
    return c.result(cols, cols["儿童编号"], persons)


# ---- weijian/manbing and siwang; minzheng/binzang ------------------------------------------------

DOCTOR_SUFFIX = np.array(["大夫", "医生", "红霞", "秀梅", "建国", "卫东", "红梅", "志强"], dtype=object)


def manbing(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    persons = np.flatnonzero((w.p_chronic >= 0) & ~w.p_dead & (rng.random(w.n_persons) < 0.95))
    m = len(persons)
    place = w.hh_place[w.p_hh[persons]]
    # one contracted doctor per village / community
    from .names import SURNAMES

    doc_sur = SURNAMES[(place * 7 + 3) % 60]
    doctor = doc_sur + DOCTOR_SUFFIX[(place * 13) % len(DOCTOR_SUFFIX)]
    kind = c.places.p_kind[place]
    clinic = np.where(
        kind == KIND_COMMUNITY,
        c.places.p_core[place] + "社区卫生室",
        np.where(kind == KIND_VILLAGE, c.places.p_core[place] + "村卫生室", "安置点卫生室"),
    ).astype(object)
    cols = {
        "管理编号": codes("MB", 9, m, offset=99, stride=7919),
        "患者姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "病种": CHRONIC[w.p_chronic[persons]],
        "确诊日期": c.date(w.p_chronic_date[persons], "cn"),
        "签约家庭医生": doctor,
        "村卫生室": clinic,
    }
    return c.result(cols, cols["管理编号"], persons)


CAUSES_OLD = np.array(
    [
        "脑梗死",
        "心肌梗死",
        "慢性阻塞性肺疾病",
        "肺癌",
        "胃癌",
        "食管癌",
        "肝癌",
        "高血压性心脏病",
        "糖尿病并发症",
        "尿毒症",
        "脑出血",
        "肺炎",
    ],
    dtype=object,
)
CAUSES_YOUNG = np.array(
    ["交通事故", "高处坠落", "溺水", "白血病", "心肌梗死", "肝癌", "脑出血"], dtype=object
)


def deceased(c: FeedCtx, share: float) -> np.ndarray:
    w = c.w
    d = np.flatnonzero(w.p_dead)
    return d[c.rng.random(len(d)) < share]


def siwang(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    persons = deceased(c, 0.88)
    m = len(persons)
    young = w.age(c.ref)[persons] < 55
    cause = np.where(
        young,
        CAUSES_YOUNG[rng.integers(0, len(CAUSES_YOUNG), size=m)],
        CAUSES_OLD[rng.integers(0, len(CAUSES_OLD), size=m)],
    )
    cols = {
        "证明编号": codes("F411328", 9, m, offset=399984892, stride=7919),
        "姓名": c.names(persons, subject=True, mark_dead=False),
        "身份证号": c.ids(persons, subject=True),
        "死亡日期": c.date(w.p_death[persons], "iso"),
        "根本死因": cause,
        "变更类型": np.full(m, "新增", dtype=object),
    }
    ev = [EventBatch("death", np.arange(m), w.p_death[persons], cause)]
    return c.result(cols, cols["证明编号"], persons, events=ev)


def binzang(c: FeedCtx) -> FeedResult:
    w = c.w
    persons = deceased(c, 0.8)
    m = len(persons)
    cols = {
        "登记编号": codes("BZ", 9, m, offset=141377221, stride=7919),
        "逝者姓名": c.names(persons, subject=True, mark_dead=False),
        "身份证号": c.ids(persons, subject=True),
        "死亡日期": c.date(w.p_death[persons], "slash"),
        "户籍地址": c.address(persons),
        "变更类型": np.full(m, "新增", dtype=object),
    }
    ev = [EventBatch("death", np.arange(m), w.p_death[persons], "火化登记")]
    return c.result(cols, cols["登记编号"], persons, events=ev)


# ---- dashuju/shuidian ----------------------------------------------------------------------------


def shuidian(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    nh = w.n_households
    hhs = np.flatnonzero(rng.random(nh) < 0.95)
    second = hhs[rng.random(len(hhs)) < 0.03]
    hh_rows = np.sort(np.concatenate([hhs, second]))
    holder = w.hh_head[hh_rows]
    # a living spouse sometimes holds the account
    m = len(hh_rows)
    alive_mig = np.bincount(w.p_hh, weights=(~w.p_dead) & (w.p_migrant < 2), minlength=nh)
    kwh = rng.lognormal(np.log(1500), 0.5, size=m)
    empty_house = alive_mig[hh_rows] == 0
    kwh[empty_house] = rng.integers(5, 80, size=int(empty_house.sum()))
    place = w.hh_place[hh_rows]
    reloc = w.fam_relocated[w.hh_fam[hh_rows]] & (rng.random(m) < 0.5)
    place = np.where(reloc, w.fam_origin_place[w.hh_fam[hh_rows]], place)
    cols = {
        "用电户号": codes("03", 8, m, offset=1000, stride=7919),
        "户名": c.names(holder, subject=True, mark_dead=False),
        "证件号码": c.ids(holder, subject=True),
        "用电地址": c.places.address(place, w.hh_group[hh_rows], w.hh_house[hh_rows], rng, c.profile.address),
        "近12月用电量": money(kwh),
    }
    return c.result(cols, cols["用电户号"], holder)


# ---- zuzhi/gongzhi -------------------------------------------------------------------------------


def gongzhi(c: FeedCtx) -> FeedResult:
    w = c.w
    persons = np.flatnonzero((w.p_staff >= 0) & ~w.p_dead)
    m = len(persons)
    cols = {
        "人员代码": codes("GZ411328", 8, m, offset=74421928, stride=7919),
        "姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "单位名称": w.p_unit[persons],
        "人员类别": STAFF_CATS[w.p_staff[persons]],
    }
    rows = np.flatnonzero(assisted_persons(c)[persons])
    ev = [
        EventBatch("public_employee", rows, np.full(len(rows), c.ref), STAFF_CATS[w.p_staff[persons[rows]]])
    ]
    return c.result(cols, cols["人员代码"], persons, events=ev)


# ---- linye/hulinyuan, jiaotong/hulu, fagai/yigong ------------------------------------------------


def hulinyuan(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    reg = w.fam_status[w.p_fam] > 0
    base = usual(c) & reg & (age >= 30) & (age <= 64) & (w.p_migrant == 0) & (w.p_staff < 0)
    persons = pick(rng, np.flatnonzero(base), 0.025)
    m = len(persons)
    pay = np.where(rng.random(m) < 0.6, 8000, 10000)
    employed = rng.random(m) < 0.92
    pl = w.hh_place[w.p_hh[persons]]
    cols = {
        "护林员编号": codes("HLY411328", 5, m, offset=1240, stride=7919),
        "姓名": c.names(persons, subject=True),
        "身份证号码": c.ids(persons, subject=True),
        "管护面积": rng.integers(200, 3000, size=m),
        "年度补助": pay,
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
        "聘用状态": np.where(employed, "在聘", "解聘").astype(object),
    }
    c.state["rangers"] = (persons[employed], np.round(pay[employed] / 12).astype(np.int64))
    return c.result(cols, cols["护林员编号"], persons)


def hulu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    rural = c.places.p_kind[w.hh_place[w.p_hh]] == KIND_VILLAGE
    base = usual(c) & rural & (age >= 35) & (age <= 64) & (w.p_migrant == 0) & (w.p_staff < 0)
    persons = pick_by_assistance(c, base, 0.01, 0.0005)
    m = len(persons)
    pl = w.hh_place[w.p_hh[persons]]
    other = (pl + 1 + rng.integers(0, 5, size=m)) % c.gaz.n_places
    section = c.places.p_core[pl] + "至" + c.places.p_core[other] + "村道"
    cols = {
        "护路员编号": codes("HL411328", 5, m, offset=91379, stride=7919),
        "姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "管护路段": section,
        "月补贴": np.array([300, 400, 500])[rng.integers(0, 3, size=m)],
    }
    return c.result(cols, cols["护路员编号"], persons)


def yigong(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 20) & (age <= 60) & (w.p_migrant == 0) & (w.p_staff < 0) & (w.p_stage < 0)
    persons = pick_by_assistance(c, base, 0.02, 0.002)
    m = len(persons)
    t = c.places.t_name[c.places.p_tidx[w.hh_place[w.p_hh[persons]]]]
    kind = np.array(["道路建设", "农田水利", "水利设施", "村内道路硬化"], dtype=object)[
        rng.integers(0, 4, size=m)
    ]
    days = rng.integers(10, 91, size=m)
    cols = {
        "务工记录号": codes("YG", 8, m, offset=56361169, stride=7919),
        "项目名称": f"{c.year}年唐河县" + t + "以工代赈" + kind + "项目",
        "姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "务工天数": days,
        "劳务报酬": days * np.array([120, 150, 180])[rng.integers(0, 3, size=m)],
    }
    return c.result(cols, cols["务工记录号"], persons)


# ---- canlian/canjiren ----------------------------------------------------------------------------


def canjiren(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    dis = (w.p_dis_grade > 0) & ~w.p_dead
    recent = ~np.isnat(w.p_dis_date) & (w.p_dis_date >= c.ref - np.timedelta64(180, "D"))
    persons = np.flatnonzero(dis & ((rng.random(w.n_persons) < 0.88) | recent))
    cat = w.p_dis_cat[persons]
    grade = w.p_dis_grade[persons]
    cert = w.p_id[persons] + (cat + 1).astype(str).astype(object) + grade.astype(str).astype(object)
    d = w.hh_dibao[w.p_hh[persons]]
    living = np.where(np.isin(d, [DIBAO_RURAL, DIBAO_URBAN, DIBAO_TEKUN]), 80, 0)
    care = np.where(grade <= 2, 80, 0)
    pl = w.hh_place[w.p_hh[persons]]
    cols = {
        "残疾人证号": cert,
        "姓名": c.names(persons, subject=True),
        "身份证号码": c.ids(persons, subject=True),
        "残疾类别": DIS_CATS[cat],
        "残疾等级": DIS_GRADES[grade],
        "困难残疾人生活补贴": living,
        "重度残疾人护理补贴": care,
        "发证日期": c.date(w.p_dis_date[persons], "iso"),
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
    }
    total = living + care
    c.state["disability_pay"] = (persons[total > 0], total[total > 0])
    rows = np.flatnonzero((grade <= 2) & (w.p_dis_date[persons] >= c.ref - np.timedelta64(180, "D")))
    ev = [EventBatch("severe_disability", rows, w.p_dis_date[persons[rows]], DIS_GRADES[grade[rows]])]
    return c.result(cols, cert, persons, events=ev)

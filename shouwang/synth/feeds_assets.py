"""Assets, income, health costs, disasters, water, petitions and statistics."""

from __future__ import annotations

import numpy as np

from .feeds_people import assisted_persons, datetimes, usual
from .gazetteer import ESTATES, KIND_COMMUNITY, KIND_VILLAGE
from .noise import format_dates
from .population import SOUTH_HILLY
from .render import EventBatch, FeedCtx, FeedResult, codes, decimals, money, pad, pick, random_dates

_VIN_CHARS = np.array(list("ABCDEFGHJKLMNPRSTUVWXYZ0123456789"))
_PLATE_CHARS = np.array(list("ABCDEFGHJKLMNPQRSTUVWXYZ0123456789"))


def _random_strings(rng: np.random.Generator, alphabet: np.ndarray, n: int, width: int) -> np.ndarray:
    idx = rng.integers(0, len(alphabet), size=(n, width))
    chars = np.ascontiguousarray(alphabet[idx].astype("<U1"))
    return chars.view(f"<U{width}").reshape(n).astype(object)


def _first_in_household(c: FeedCtx, mask: np.ndarray) -> np.ndarray:
    """Per hukou household: the first person matching mask (-1 if none)."""
    w = c.w
    out = np.full(w.n_households, -1, dtype=np.int64)
    idx = np.flatnonzero(mask)[::-1]
    out[w.p_hh[idx]] = idx
    return out


def _adult_member_of_families(c: FeedCtx, fams: np.ndarray, lo: int = 20, hi: int = 65) -> np.ndarray:
    """One living member aged lo..hi per family (the head if no one qualifies)."""
    w = c.w
    age = w.age()
    cand = np.flatnonzero(~w.p_dead & (age >= lo) & (age <= hi) & (w.p_status == "正常"))
    perm = cand[c.rng.permutation(len(cand))]
    first = np.full(len(w.fam_status), -1, dtype=np.int64)
    first[w.p_fam[perm[::-1]]] = perm[::-1]
    out = first[fams]
    return np.where(out >= 0, out, w.fam_head[fams])


def _assisted_families(c: FeedCtx) -> np.ndarray:
    w = c.w
    hh_assisted = np.bincount(w.hh_fam, weights=w.hh_dibao > 0, minlength=len(w.fam_status)) > 0
    return np.flatnonzero((w.fam_status > 0) | hh_assisted)


# ---- gongan/jidongche ----------------------------------------------------------------------------

_VTYPES = np.array(
    ["小型轿车", "小型普通客车", "轻型货车", "三轮汽车", "低速货车", "普通二轮摩托车"], dtype=object
)


def jidongche(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    n = w.n_persons
    age = w.age()
    base = usual(c) & (age >= 20) & (age <= 70)
    assisted = assisted_persons(c)
    urban = c.places.p_kind[w.hh_place[w.p_hh]] != KIND_VILLAGE
    p_own = np.where(urban, 0.22, 0.11) * np.where(assisted, 0.4, 1.0)
    owners = np.flatnonzero(base & (rng.random(n) < p_own))
    second = owners[rng.random(len(owners)) < 0.05]
    persons = np.concatenate([owners, second])
    m = len(persons)
    a = assisted[persons]
    vtype = np.where(
        a,
        rng.choice(6, size=m, p=[0.08, 0.03, 0.02, 0.3, 0.07, 0.5]),
        rng.choice(6, size=m, p=[0.3, 0.1, 0.05, 0.15, 0.05, 0.35]),
    )
    vtype = _VTYPES[vtype]
    # planted verification signal: a registered household member owns a car
    planted = _adult_member_of_families(c, pick(rng, _assisted_families(c), 0.02))
    persons = np.concatenate([persons, planted])
    vtype = np.concatenate([vtype, np.full(len(planted), "小型轿车", dtype=object)])
    order = np.argsort(persons, kind="stable")
    persons, vtype = persons[order], vtype[order]
    m = len(persons)
    status = np.array(["正常", "注销", "报废"], dtype=object)[rng.choice(3, size=m, p=[0.9, 0.03, 0.07])]
    vin = "L" + _random_strings(rng, _VIN_CHARS, m, 16)
    vin = _unique(vin, lambda k: "L" + _random_strings(rng, _VIN_CHARS, k, 16))
    plate = "豫R·" + _random_strings(rng, _PLATE_CHARS, m, 5)
    reg = random_dates(rng, "2008-01-01", c.ref - np.timedelta64(5, "D"), m)
    cols = {
        "车辆识别代号": vin,
        "号牌号码": plate,
        "车辆类型": vtype,
        "所有人": c.names(persons, subject=True),
        "身份证明号码": c.ids(persons, subject=True),
        "初次登记日期": c.date(reg, "iso"),
        "机动车状态": status,
    }
    rows = np.flatnonzero(assisted[persons] & (vtype == "小型轿车") & (status == "正常"))
    c.state["assisted_car_owners"] = np.unique(persons[rows])
    ev = [EventBatch("vehicle_owner", rows, reg[rows], "车辆类型=小型轿车")]
    return c.result(cols, vin, persons, events=ev)


def _unique(keys: np.ndarray, redraw) -> np.ndarray:  # noqa: ANN001
    for _ in range(20):
        _, first = np.unique(keys, return_index=True)
        if len(first) == len(keys):
            return keys
        dup = np.ones(len(keys), dtype=bool)
        dup[first] = False
        keys[dup] = redraw(int(dup.sum()))
    raise RuntimeError("could not draw unique keys")


# ---- ziran/budongchan ----------------------------------------------------------------------------


def budongchan(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    nh = w.n_households
    pr = c.places
    origin = w.fam_origin_place[w.hh_fam]
    kind_now = pr.p_kind[w.hh_place]
    rural_origin = pr.p_kind[origin] == KIND_VILLAGE
    head = w.hh_head
    spouse = _first_in_household(c, w.p_rel == "配偶")
    age_head = w.age()[head]
    # (household, usage, acquisition)
    hh_list, usage, acq = [], [], []
    homestead = np.flatnonzero((w.hh_part == 0) & rural_origin & (rng.random(nh) < 0.72))
    hh_list.append(homestead)
    usage.append(np.full(len(homestead), "宅基地", dtype=object))
    acq.append(np.where(rng.random(len(homestead)) < 0.92, "自建", "继承").astype(object))
    urban = np.flatnonzero((kind_now == KIND_COMMUNITY) & (rng.random(nh) < 0.85))
    hh_list.append(urban)
    usage.append(np.full(len(urban), "城镇住宅", dtype=object))
    acq.append(np.where(rng.random(len(urban)) < 0.8, "购买", "拆迁安置").astype(object))
    hh_assisted = (w.fam_status[w.hh_fam] > 0) | (w.hh_dibao > 0)
    p_buy = np.where(hh_assisted, 0.005, 0.05)
    buyers = np.flatnonzero(rural_origin & (age_head >= 25) & (age_head <= 50) & (rng.random(nh) < p_buy))
    hh_list.append(buyers)
    usage.append(np.full(len(buyers), "城镇住宅", dtype=object))
    acq.append(np.full(len(buyers), "购买", dtype=object))
    # planted verification signal: a registered / assisted household bought a town flat
    fams = pick(rng, _assisted_families(c), 0.015)
    planted_hh = w.p_hh[w.fam_head[fams]]
    hh_list.append(planted_hh)
    usage.append(np.full(len(planted_hh), "城镇住宅", dtype=object))
    acq.append(np.full(len(planted_hh), "购买", dtype=object))
    shops = np.flatnonzero(rng.random(nh) < 0.004)
    hh_list.append(shops)
    usage.append(np.where(rng.random(len(shops)) < 0.92, "商业", "工业").astype(object))
    acq.append(np.where(rng.random(len(shops)) < 0.8, "购买", "自建").astype(object))
    hhs = np.concatenate(hh_list)
    usage = np.concatenate(usage)
    acq = np.concatenate(acq)
    order = np.argsort(hhs, kind="stable")
    hhs, usage, acq = hhs[order], usage[order], acq[order]
    m = len(hhs)
    if m >= 1_000_000:
        raise ValueError("unit numbers are unique only below one million titles")
    owner = head[hhs]
    co = spouse[hhs]
    two = (co >= 0) & (usage != "宅基地") & (rng.random(m) < 0.55) & ~w.p_dead[np.maximum(co, 0)]
    names = c.names(owner, subject=True, mark_dead=False)
    ids = c.ids(owner, subject=True)
    idx2 = np.flatnonzero(two)
    if len(idx2):
        co_names = c.names(co[idx2], mark_dead=False)
        co_ids = c.ids(co[idx2])
        sep = np.where(rng.random(len(idx2)) < 0.7, "、", ",")
        names[idx2] = [f"{a}{s}{b}" for a, s, b in zip(names[idx2], sep, co_names, strict=True)]
        ids[idx2] = [
            f"{a}{s}{b}" for a, s, b in zip(ids[idx2].astype(str), sep, co_ids.astype(str), strict=True)
        ]
    # location text
    place = np.where(usage == "宅基地", origin[hhs], w.hh_place[hhs])
    t = pr.t_name[pr.p_tidx[place]]
    loc = ("唐河县" + t + pr.p_name[place] + pad(w.hh_group[hhs], 1) + "组").astype(object)
    flat = usage != "宅基地"
    streets = pr.t_name[:4]
    st = streets[rng.integers(0, 4, size=m)]
    est = np.array(ESTATES, dtype=object)[rng.integers(0, len(ESTATES), size=m)]
    bld = rng.integers(1, 30, size=m).astype(str).astype(object)
    unit = rng.integers(1, 4, size=m).astype(str).astype(object)
    room = (rng.integers(1, 19, size=m) * 100 + rng.integers(1, 4, size=m)).astype(str).astype(object)
    flat_loc = "唐河县" + st + est + bld + "号楼" + unit + "单元" + room + "室"
    loc[flat] = flat_loc[flat]
    area = np.where(usage == "宅基地", rng.uniform(150, 300, size=m), rng.uniform(60, 150, size=m))
    reg = np.where(
        usage == "宅基地",
        random_dates(rng, "2015-01-01", "2020-12-31", m),
        random_dates(rng, "2008-01-01", c.ref - np.timedelta64(10, "D"), m),
    )
    i = np.arange(m)
    unit_no = "411328" + pad((314159 + i * 7919) % 1_000_000, 6) + "GB" + pad(i % 100_000, 5) + "F00010001"
    cols = {
        "不动产单元号": unit_no,
        "权利人": names,
        "证件号码": ids,
        "坐落": loc,
        "用途": usage,
        "面积": decimals(area),
        "登记日期": c.date(reg, "iso"),
        "取得方式": acq,
    }
    assisted = assisted_persons(c)[owner]
    rows = np.flatnonzero(assisted & (usage == "城镇住宅") & (acq == "购买"))
    ev = [EventBatch("urban_flat", rows, reg[rows], "用途=城镇住宅;取得方式=购买")]
    return c.result(cols, unit_no, owner, events=ev)


# ---- jiaotong/yingyun ----------------------------------------------------------------------------


def yingyun(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 25) & (age <= 60) & w.p_male & (w.p_staff < 0)
    persons = pick(rng, np.flatnonzero(base), 0.006)
    m = len(persons)
    cols = {
        "经营许可证号": codes("豫交运管许可宛字411328", 6, m, offset=161803, stride=7919),
        "业户名称": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "经营范围": np.array(["普通货运", "道路旅客运输", "出租客运"], dtype=object)[
            rng.choice(3, size=m, p=[0.85, 0.05, 0.1])
        ],
        "车辆数": rng.choice([1, 2, 3, 4], size=m, p=[0.5, 0.3, 0.15, 0.05]),
        "许可状态": np.where(rng.random(m) < 0.9, "有效", "注销").astype(object),
    }
    return c.result(cols, cols["经营许可证号"], persons)


# ---- shichang/zhuti ------------------------------------------------------------------------------

_SHOPS = np.array(
    [
        "农资店",
        "五金店",
        "日用百货店",
        "汽修店",
        "饭店",
        "超市",
        "理发店",
        "养殖场",
        "建材店",
        "服装店",
        "电动车行",
        "小吃店",
    ],
    dtype=object,
)
_WORDS = np.array(
    ["恒信", "宏达", "鑫源", "丰园", "瑞祥", "金穗", "兴旺", "华盛", "永安", "绿源", "康达", "宛东"],
    dtype=object,
)
_INDUSTRY = np.array(["食品", "农业开发", "建材", "商贸", "物流", "种植", "养殖", "纺织"], dtype=object)


def zhuti(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 25) & (age <= 65) & (w.p_staff < 0) & (w.p_stage < 0)
    urban = c.places.p_kind[w.hh_place[w.p_hh]] != KIND_VILLAGE
    assisted = assisted_persons(c)
    p = np.where(urban, 0.06, 0.03) * np.where(assisted, 0.3, 1.0)
    persons = np.flatnonzero(base & (rng.random(w.n_persons) < p))
    m0 = len(persons)
    btype = rng.choice(4, size=m0, p=[0.8, 0.08, 0.08, 0.04])
    planted = _adult_member_of_families(c, pick(rng, _assisted_families(c), 0.01), 25, 65)
    persons = np.concatenate([persons, planted])
    btype = np.concatenate([btype, np.where(rng.random(len(planted)) < 0.6, 1, 2)])
    order = np.argsort(persons, kind="stable")
    persons, btype = persons[order], btype[order]
    m = len(persons)
    planted_mask = np.zeros(m, dtype=bool)
    planted_mask[order.argsort()[m0:]] = True
    capital = np.select(
        [btype == 0, btype == 1, btype == 2],
        [rng.uniform(1, 30, size=m), rng.uniform(50, 500, size=m), rng.uniform(10, 200, size=m)],
        rng.uniform(10, 100, size=m),
    )
    capital[planted_mask] = rng.uniform(50, 300, size=int(planted_mask.sum()))
    capital = np.round(capital, 1)
    pr = c.places
    place = w.hh_place[w.p_hh[persons]]
    tcore = pr.t_core[pr.p_tidx[place]]
    name = np.empty(m, dtype=object)
    shop = _SHOPS[rng.integers(0, len(_SHOPS), size=m)]
    word = _WORDS[rng.integers(0, len(_WORDS), size=m)]
    ind = _INDUSTRY[rng.integers(0, len(_INDUSTRY), size=m)]
    pname = w.p_name[persons]
    name[btype == 0] = ("唐河县" + tcore + pname + shop)[btype == 0]
    name[btype == 1] = ("唐河县" + word + ind + "有限公司")[btype == 1]
    name[btype == 2] = (
        "唐河县" + pr.p_core[place] + word + np.where(rng.random(m) < 0.5, "种植", "养殖") + "专业合作社"
    )[btype == 2]
    name[btype == 3] = ("唐河县" + word + ind + "加工厂")[btype == 3]
    prefix = np.array(["92411328", "91411328", "93411328", "91411328"], dtype=object)[btype]
    digits = codes("", 6, m, offset=191340, stride=7919)
    tail = _random_strings(rng, _PLATE_CHARS, m, 4)
    credit = prefix + digits + tail
    btypes = np.array(["个体工商户", "有限责任公司", "农民专业合作社", "个人独资企业"], dtype=object)
    cols = {
        "统一社会信用代码": credit,
        "主体名称": name,
        "主体类型": btypes[btype],
        "法定代表人": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "注册资本": capital,
        "成立日期": c.date(random_dates(rng, "2005-01-01", c.ref - np.timedelta64(10, "D"), m), "iso"),
        "登记状态": np.array(["存续", "在业", "吊销", "注销"], dtype=object)[
            rng.choice(4, size=m, p=[0.8, 0.1, 0.05, 0.05])
        ],
    }
    c.state["businesses"] = (persons, btype, capital)
    rows = np.flatnonzero(assisted[persons] & (capital >= 50))
    ev = [
        EventBatch(
            "business_owner", rows, np.full(len(rows), c.ref), "注册资本(万元)=" + capital[rows].astype(str)
        )
    ]
    return c.result(cols, credit, persons, events=ev)


# ---- jinrong/daikuan -----------------------------------------------------------------------------


def daikuan(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 25) & (age <= 60) & (w.p_stage < 0)
    persons = pick(rng, np.flatnonzero(base), 0.025)
    m = len(persons)
    prod = rng.choice(3, size=m, p=[0.15, 0.25, 0.6])
    amount = np.select(
        [prod == 0, prod == 1],
        [rng.integers(10, 21, size=m) * 10000, rng.integers(5, 31, size=m) * 10000],
        rng.integers(3, 11, size=m) * 10000,
    )
    balance = np.round(amount * rng.uniform(0, 1, size=m), -2).astype(np.int64)
    cols = {
        "合同号": codes("DK411328", 8, m, offset=47745170, stride=7919),
        "借款人": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "贷款品种": np.array(["创业担保贷款", "普惠小微贷款", "农户信用贷款"], dtype=object)[prod],
        "合同金额": amount,
        "余额": balance,
        "五级分类": np.array(["正常", "关注", "次级", "可疑", "损失"], dtype=object)[
            rng.choice(5, size=m, p=[0.92, 0.04, 0.02, 0.01, 0.01])
        ],
    }
    return c.result(cols, cols["合同号"], persons)


# ---- shuiwu/geshui -------------------------------------------------------------------------------


def geshui(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    year = c.year - 1  # the last complete tax year
    n = w.n_persons
    age = w.age()
    wage = np.zeros(n, dtype=np.int64)
    biz = np.zeros(n, dtype=np.int64)
    listed = np.zeros(n, dtype=bool)
    staff = (w.p_staff >= 0) & ~w.p_dead
    wage[staff] = (
        np.where(
            w.p_staff[staff] == 3,
            rng.integers(150, 300, size=int(staff.sum())),
            rng.integers(400, 860, size=int(staff.sum())),
        )
        * 100
    )
    listed |= staff
    collapsed = c.state.get("collapsed", np.zeros(0, dtype=np.int64))
    wage[collapsed] = rng.integers(300, 600, size=len(collapsed)) * 100
    listed[collapsed] = True
    mig = (w.p_migrant >= 2) & ~w.p_dead & (rng.random(n) < 0.12)
    wage[mig] = rng.integers(200, 700, size=int(mig.sum())) * 100
    listed |= mig
    bp, bt, _cap = c.state.get("businesses", (np.zeros(0, dtype=np.int64),) * 3)
    earn = (bt == 1) | (rng.random(len(bp)) < 0.3)
    bp2 = bp[earn]
    biz[bp2] += (
        np.where(bt[earn] == 1, rng.integers(500, 3000, size=len(bp2)), rng.integers(50, 800, size=len(bp2)))
        * 100
    )
    listed[bp2] = True
    # planted: high taxable income inside a registered / assisted family
    planted = _adult_member_of_families(c, pick(rng, _assisted_families(c), 0.006), 22, 60)
    wage[planted] = rng.integers(600, 1200, size=len(planted)) * 100
    listed[planted] = True
    payers = usual(c) & (age >= 18) & (age <= 70) & (rng.random(n) < 0.06)
    listed |= payers
    listed &= ~w.p_dead
    persons = np.flatnonzero(listed)
    m = len(persons)
    is_staff = w.p_staff[persons] >= 0
    cols = {
        "纳税记录号": codes(f"NS{year}", 9, m, offset=321455299, stride=7919),
        "纳税人姓名": c.names(persons, subject=True),
        "纳税人识别号": c.ids(persons, subject=True),
        "所属年度": np.full(m, str(year), dtype=object),
        "工资薪金收入": wage[persons],
        "经营所得": biz[persons],
        "已缴城乡居民医保": np.where(rng.random(m) < 0.95, "是", "否").astype(object),
        "已缴城乡居民养老保险": np.where(is_staff, "否", np.where(rng.random(m) < 0.85, "是", "否")).astype(
            object
        ),
    }
    assisted = assisted_persons(c)[persons]
    rows = np.flatnonzero(assisted & ((wage[persons] >= 60000) | (biz[persons] >= 100000)))
    detail = (
        "工资薪金="
        + wage[persons][rows].astype(str).astype(object)
        + ";经营所得="
        + biz[persons][rows].astype(str).astype(object)
    )
    ev = [EventBatch("high_income", rows, np.full(len(rows), np.datetime64(f"{year}-12-31")), detail)]
    return c.result(cols, cols["纳税记录号"], persons, events=ev)


# ---- yibao/jiesuan -------------------------------------------------------------------------------

_HOSP_COUNTY = np.array(
    ["唐河县人民医院", "唐河县中医院", "唐河县第二人民医院", "唐河县肿瘤医院", "唐河县妇幼保健院"],
    dtype=object,
)
_HOSP_CITY = np.array(["南阳市中心医院", "南阳市第一人民医院", "南阳医专第一附属医院"], dtype=object)
_HOSP_PROV = np.array(["郑州大学第一附属医院", "河南省人民医院", "河南省肿瘤医院"], dtype=object)
_DIAG_OUT = np.array(
    [
        "急性上呼吸道感染",
        "慢性胃炎",
        "高血压",
        "2型糖尿病",
        "白内障",
        "腰椎间盘突出",
        "急性胃肠炎",
        "支气管炎",
        "龋齿",
    ],
    dtype=object,
)
_DIAG_IN = np.array(
    [
        "肺炎",
        "胆囊结石",
        "腰椎间盘突出",
        "急性胃肠炎",
        "脑梗死",
        "冠心病",
        "慢性阻塞性肺疾病",
        "骨折",
        "阑尾炎",
        "子宫肌瘤",
        "白内障",
    ],
    dtype=object,
)
_DIAG_SEVERE = np.array(
    ["肺恶性肿瘤", "胃恶性肿瘤", "食管恶性肿瘤", "肝恶性肿瘤", "尿毒症", "脑出血", "急性心肌梗死", "白血病"],
    dtype=object,
)
_DIAG_CHRONIC = np.array(["高血压", "2型糖尿病", "冠心病", "慢性肾功能衰竭", "精神分裂症"], dtype=object)


def jiesuan(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    n = w.n_persons
    start = c.ref - np.timedelta64(364, "D")
    age = w.age()
    chronic = w.p_chronic >= 0
    inside = (w.p_status != "迁出") & (~w.p_dead | (w.p_death > start + np.timedelta64(30, "D")))
    lam_in = (0.04 + 0.08 * (age >= 65) + 0.1 * np.isin(w.p_chronic, [2, 3, 4, 5])) * inside
    lam_out = 0.09 * inside
    lam_chr = 0.7 * chronic * inside
    counts = [rng.poisson(lam_out), rng.poisson(lam_in), rng.poisson(lam_chr)]
    persons = np.concatenate([np.repeat(np.arange(n), k) for k in counts])
    vtype = np.concatenate([np.full(int(k.sum()), t) for t, k in enumerate(counts)])
    # planted: several large inpatient bills for one member of a family
    fams = np.concatenate(
        [pick(rng, _assisted_families(c), 0.01), pick(rng, np.flatnonzero(w.fam_status == 0), 0.0015)]
    )
    sick = _adult_member_of_families(c, fams, 30, 85)
    nb = rng.integers(3, 6, size=len(sick))
    big = np.repeat(sick, nb)
    persons = np.concatenate([persons, big])
    vtype = np.concatenate([vtype, np.full(len(big), 3)])
    m = len(persons)
    # admission date within the window and before death
    last = np.where(w.p_dead[persons], w.p_death[persons], c.ref - np.timedelta64(1, "D"))
    span = np.maximum((last - start).astype(np.int64) - 1, 1)
    admit = start + (rng.random(m) * span).astype(np.int64).astype("timedelta64[D]")
    los = np.where(
        vtype == 1, rng.integers(3, 15, size=m), np.where(vtype == 3, rng.integers(7, 30, size=m), 0)
    )
    settle = np.minimum(admit + los.astype("timedelta64[D]"), c.ref - np.timedelta64(1, "D"))
    total = np.select(
        [vtype == 0, vtype == 1, vtype == 2],
        [
            rng.lognormal(np.log(180), 0.7, size=m),
            rng.lognormal(np.log(5500), 0.75, size=m),
            rng.lognormal(np.log(700), 0.6, size=m),
        ],
        rng.uniform(28000, 75000, size=m),
    )
    total = np.round(np.maximum(total, 12), 2)
    h = rng.random(m)
    hosp = np.empty(m, dtype=object)
    pr = c.places
    tnames = pr.t_name[pr.p_tidx[w.hh_place[w.p_hh[persons]]]]
    hosp[:] = _HOSP_COUNTY[rng.integers(0, len(_HOSP_COUNTY), size=m)]
    outp = np.isin(vtype, [0, 2])
    town = outp & (h < 0.55)
    hosp[town] = "唐河县" + tnames[town] + "卫生院"
    inpat = np.isin(vtype, [1, 3])
    city = inpat & (h > np.where(vtype == 3, 0.3, 0.8))
    hosp[city] = _HOSP_CITY[rng.integers(0, len(_HOSP_CITY), size=m)][city]
    prov = inpat & (h > np.where(vtype == 3, 0.7, 0.95))
    hosp[prov] = _HOSP_PROV[rng.integers(0, len(_HOSP_PROV), size=m)][prov]
    base_rate = np.select(
        [vtype == 0, vtype == 2], [0.5, 0.65], np.where(prov, 0.5, np.where(city, 0.6, 0.72))
    )
    basic = np.round(total * base_rate, 2)
    critical = np.where(inpat, np.round(np.maximum(total - basic - 15000, 0) * 0.6, 2), 0.0)
    assisted = assisted_persons(c)[persons]
    rest = total - basic - critical
    aid = np.where(
        assisted & inpat & (vtype != 3) & (rng.random(m) < 0.8),
        np.round(np.minimum(rest * 0.7, 10000), 2),
        0.0,
    )
    oop = np.round(total - basic - critical - aid, 2)
    diag = np.select(
        [vtype == 0, vtype == 1, vtype == 2],
        [
            _DIAG_OUT[rng.integers(0, len(_DIAG_OUT), size=m)],
            _DIAG_IN[rng.integers(0, len(_DIAG_IN), size=m)],
            _DIAG_CHRONIC[rng.integers(0, len(_DIAG_CHRONIC), size=m)],
        ],
        _DIAG_SEVERE[(persons * 7) % len(_DIAG_SEVERE)],
    )
    order = np.lexsort((admit, persons))
    persons, vtype, admit, settle, total, basic, critical, aid, oop, hosp, diag = (
        a[order] for a in (persons, vtype, admit, settle, total, basic, critical, aid, oop, hosp, diag)
    )
    secs_a = rng.integers(6 * 3600, 22 * 3600, size=m)
    secs_s = rng.integers(7 * 3600, 18 * 3600, size=m)
    ymd = format_dates(settle, "ymd")
    key = "JS" + ymd + codes("", 7, m, offset=2718281, stride=7919)
    cols = {
        "结算流水号": key,
        "姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "就诊类型": np.array(["门诊", "住院", "门诊慢特病", "住院"], dtype=object)[vtype],
        "医疗机构": hosp,
        "入院日期": datetimes(admit, secs_a),
        "结算日期": datetimes(settle, secs_s),
        "医疗总费用": decimals(total),
        "基本医保支付": decimals(basic),
        "大病保险支付": decimals(critical),
        "医疗救助支付": decimals(aid),
        "个人自付": decimals(oop),
        "主要诊断": diag,
        "变更类型": np.full(m, "新增", dtype=object),
    }
    per_person = np.bincount(persons, weights=oop, minlength=n)
    heavy = per_person[persons] > 20000
    rows = np.flatnonzero(heavy & np.isin(vtype, [1, 3]))
    detail = "个人自付合计=" + np.round(per_person[persons[rows]], 2).astype(str).astype(object)
    ev = [EventBatch("large_medical", rows, settle[rows], detail)]
    return c.result(cols, key, persons, events=ev)


# ---- yingji/zaiqing ------------------------------------------------------------------------------

_DISASTERS = [
    ("干旱", 415),
    ("洪涝", 345),
    ("风雹", 330),
    ("风雹", 267),
    ("低温冷冻", 164),
    ("地质灾害", 79),
    ("洪涝", 18),
]


def zaiqing(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    pr = c.places
    nh = w.n_households
    rural = pr.p_kind[w.hh_place] == KIND_VILLAGE
    t_of_hh = pr.p_tidx[w.hh_place]
    assisted_hh = (w.fam_status[w.hh_fam] > 0) | (w.hh_dibao > 0)
    hhs, dtype, ddate, damage = [], [], [], []
    nt = len(pr.t_name)
    for i, (kind, back) in enumerate(_DISASTERS):
        towns = rng.choice(nt, size=int(rng.integers(2, 6)), replace=False)
        hit = rural & np.isin(t_of_hh, towns) & (rng.random(nh) < 0.06 * np.where(assisted_hh, 1.5, 1.0))
        h = np.flatnonzero(hit)
        mild = kind in ("干旱", "低温冷冻")
        p = [0.95, 0.05, 0.0, 0.0] if mild else [0.62, 0.3, 0.05, 0.03]
        dmg = rng.choice(4, size=len(h), p=p)
        if i == len(_DISASTERS) - 1:
            planted = pick(rng, np.flatnonzero(rural & assisted_hh & ~hit), 0.001)
            h = np.concatenate([h, planted])
            dmg = np.concatenate([dmg, rng.choice([2, 3], size=len(planted))])
        hhs.append(h)
        dtype.append(np.full(len(h), kind, dtype=object))
        ddate.append(np.full(len(h), c.ref - np.timedelta64(back, "D")))
        damage.append(dmg)
    fire = np.flatnonzero(rng.random(nh) < 0.0002)
    hhs.append(fire)
    dtype.append(np.full(len(fire), "火灾", dtype=object))
    ddate.append(
        random_dates(rng, c.ref - np.timedelta64(400, "D"), c.ref - np.timedelta64(3, "D"), len(fire))
    )
    damage.append(rng.choice(4, size=len(fire), p=[0.3, 0.4, 0.2, 0.1]))
    hhs = np.concatenate(hhs)
    dtype = np.concatenate(dtype)
    ddate = np.concatenate(ddate)
    damage = np.concatenate(damage)
    m = len(hhs)
    labels = np.array(["无", "一般损坏", "严重损坏", "倒塌"], dtype=object)
    crop = np.where(dtype == "火灾", 0.0, np.round(rng.uniform(0.5, 10, size=m), 1))
    house_loss = np.select(
        [damage == 3, damage == 2, damage == 1],
        [
            rng.uniform(30000, 80000, size=m),
            rng.uniform(8000, 30000, size=m),
            rng.uniform(1000, 8000, size=m),
        ],
        0,
    )
    loss = money(crop * 800 + house_loss, 10)
    relief = np.select(
        [damage == 3, damage == 2, damage == 1],
        [
            rng.integers(100, 300, size=m) * 100,
            rng.integers(30, 100, size=m) * 100,
            rng.integers(0, 11, size=m) * 100,
        ],
        0,
    )
    head = w.hh_head[hhs]
    pl = w.hh_place[hhs]
    ymd = format_dates(ddate, "ymd")
    key = "ZQ" + ymd + codes("", 6, m, offset=141421, stride=7919)
    cols = {
        "灾情记录号": key,
        "灾害类型": dtype,
        "灾害发生日期": c.date(ddate, "cn"),
        "户主姓名": c.names(head, subject=True),
        "户主身份证号": c.ids(head, subject=True),
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
        "房屋损坏程度": labels[damage],
        "农作物受灾面积": decimals(crop, 1),
        "直接经济损失": loss,
        "救灾资金": relief,
    }
    rows = np.flatnonzero(damage >= 2)
    ev = [EventBatch("disaster_house", rows, ddate[rows], dtype[rows] + ":" + labels[damage[rows]])]
    return c.result(cols, key, head, events=ev)


# ---- shuili/yinshui_hu and yinshui ---------------------------------------------------------------

_WATER = np.array(["水量不足", "水质不达标", "取水不便", "无供水"], dtype=object)


def yinshui_hu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    pr = c.places
    rural = pr.p_kind[w.hh_place] == KIND_VILLAGE
    hilly = np.isin(pr.t_name[pr.p_tidx[w.hh_place]], list(SOUTH_HILLY))
    assisted_hh = (w.fam_status[w.hh_fam] > 0) | (w.hh_dibao > 0)
    wts = np.where(hilly, 2.0, 1.0) * np.where(assisted_hh, 1.5, 1.0)
    hhs = pick(rng, np.flatnonzero(rural), 0.012, weights=wts[rural])
    m = len(hhs)
    ptype = _WATER[rng.choice(4, size=m, p=[0.4, 0.3, 0.25, 0.05])]
    found = random_dates(rng, c.ref - np.timedelta64(365, "D"), c.ref - np.timedelta64(5, "D"), m)
    open_ = rng.random(m) < 0.4
    head = w.hh_head[hhs]
    cols = {
        "问题编号": codes("YS", 8, m, offset=36655276, stride=7919),
        "户主姓名": c.names(head, subject=True),
        "户主身份证号": c.ids(head, subject=True),
        "村": c.village(w.hh_place[hhs]),
        "问题类型": ptype,
        "发现日期": c.date(found, "iso"),
        "解决状态": np.where(open_, "未解决", "已解决").astype(object),
    }
    c.state["water_open"] = (w.hh_place[hhs[open_]], ptype[open_])
    rows = np.flatnonzero(open_)
    ev = [EventBatch("water_problem", rows, found[rows], ptype[rows])]
    return c.result(cols, cols["问题编号"], head, events=ev)


def yinshui(c: FeedCtx) -> FeedResult:
    rng = c.rng
    pr = c.places
    villages = np.flatnonzero(pr.p_kind == KIND_VILLAGE)
    m = len(villages)
    places, ptypes = c.state.get("water_open", (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=object)))
    counts = np.bincount(places, minlength=len(pr.p_kind))[villages]
    first_type = {}
    for p, t in zip(places.tolist(), ptypes.tolist(), strict=True):
        first_type.setdefault(p, t)
    desc = np.array(
        [
            f"{k}户{first_type.get(v, '')}" if k else "无"
            for v, k in zip(villages.tolist(), counts.tolist(), strict=True)
        ],
        dtype=object,
    )
    quality_bad = np.array([first_type.get(v) == "水质不达标" for v in villages.tolist()], dtype=bool)
    rate = np.round(rng.uniform(90, 100, size=m), 1)
    rate_cells = np.array([int(r) if float(r).is_integer() else float(r) for r in rate], dtype=object)
    cols = {
        "村代码": pr.p_code[villages],
        "乡镇": c.township_of_place(villages),
        "村": c.village(villages),
        "供水方式": np.where(rng.random(m) < 0.8, "集中供水", "分散供水").astype(object),
        "水质达标": np.where(quality_bad | (rng.random(m) < 0.03), "否", "是").astype(object),
        "供水保证率": rate_cells,
        "问题户数": counts,
        "问题描述": desc,
    }
    return c.result(cols, cols["村代码"], np.full(m, -1))


# ---- xinfang/xinfang -----------------------------------------------------------------------------

_SUMMARY = {
    "低保救助": ["申请纳入低保", "家庭困难申请低保", "反映低保被取消", "申请低保提标"],
    "住房安全": ["房屋漏雨墙体开裂申请危房改造", "房屋倒塌无处居住", "申请危房改造补助"],
    "医疗救助": ["家人患病医疗费用负担重申请救助", "大病住院费用无力承担", "申请医疗救助"],
    "就业": ["拖欠工资", "申请公益性岗位", "务工工伤赔偿"],
    "土地": ["土地承包纠纷", "宅基地纠纷", "征地补偿问题"],
    "教育": ["子女入学问题", "申请助学金"],
    "其他": ["邻里纠纷", "道路修建问题", "饮水问题", "噪音扰民"],
}
_CATS = np.array(list(_SUMMARY), dtype=object)
HARDSHIP = ("低保救助", "住房安全", "医疗救助")


def xinfang(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    age = w.age()
    base = usual(c) & (age >= 18) & (age <= 85)
    persons = pick(rng, np.flatnonzero(base), 0.002)
    cat = _CATS[rng.choice(len(_CATS), size=len(persons), p=[0.12, 0.08, 0.08, 0.12, 0.27, 0.05, 0.28])]
    hard = np.concatenate(
        [
            _adult_member_of_families(c, pick(rng, _assisted_families(c), 0.015), 18, 85),
            _adult_member_of_families(c, pick(rng, np.flatnonzero(w.fam_status == 0), 0.001), 18, 85),
        ]
    )
    persons = np.concatenate([persons, hard])
    cat = np.concatenate([cat, np.array(HARDSHIP, dtype=object)[rng.integers(0, 3, size=len(hard))]])
    m = len(persons)
    reg = random_dates(rng, c.ref - np.timedelta64(540, "D"), c.ref - np.timedelta64(1, "D"), m)
    order = np.argsort(reg, kind="stable")
    persons, cat, reg = persons[order], cat[order], reg[order]
    summary = np.array(
        [
            _SUMMARY[k][int(i) % len(_SUMMARY[k])]
            for k, i in zip(cat.tolist(), rng.integers(0, 100, size=m).tolist(), strict=True)
        ],
        dtype=object,
    )
    old = (c.ref - reg).astype(np.int64) > 60
    r = rng.random(m)
    status = np.where(old, np.where(r < 0.85, "办结", "办理中"), np.where(r < 0.5, "受理", "办理中")).astype(
        object
    )
    ymd = format_dates(reg, "ymd")
    key = "XF" + ymd + codes("", 5, m, offset=57721, stride=7919)
    cols = {
        "信访件编号": key,
        "信访人姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "联系电话": c.phones(persons),
        "住址": c.address(persons),
        "诉求类别": cat,
        "诉求摘要": summary,
        "登记日期": c.date(reg, "iso"),
        "办理状态": status,
        "变更类型": np.full(m, "新增", dtype=object),
    }
    rows = np.flatnonzero(np.isin(cat, HARDSHIP))
    ev = [EventBatch("hardship_petition", rows, reg[rows], cat[rows] + ":" + summary[rows])]
    return c.result(cols, key, persons, events=ev)


# ---- tongji/shouzhi ------------------------------------------------------------------------------


def shouzhi(c: FeedCtx) -> FeedResult:
    rng = c.rng
    towns = c.places.t_name
    year_end = int(str(np.datetime64(c.ref, "Y")))
    years = [year_end - 3, year_end - 2, year_end - 1]
    level = rng.uniform(0.8, 1.25, size=len(towns))
    years_col, town_col, inc_col, con_col, n_col = [], [], [], [], []
    county_base = 13500.0
    for k, y in enumerate(years):
        base = county_base * (1.075**k)
        inc = np.round(base * level * rng.uniform(0.97, 1.03, size=len(towns))).astype(np.int64)
        con = np.round(inc * rng.uniform(0.66, 0.74, size=len(towns))).astype(np.int64)
        sampled = rng.integers(30, 61, size=len(towns))
        years_col += [y] * (len(towns) + 1)
        town_col += list(towns) + ["全县"]
        inc_col += inc.tolist() + [int(np.round(np.average(inc, weights=sampled)))]
        con_col += con.tolist() + [int(np.round(np.average(con, weights=sampled)))]
        n_col += sampled.tolist() + [int(sampled.sum())]
    m = len(years_col)
    key = np.array([f"{y}+{t}" for y, t in zip(years_col, town_col, strict=True)], dtype=object)
    cols = {
        "统计年度": np.array(years_col, dtype=object),
        "乡镇": np.array(town_col, dtype=object),
        "农村居民人均可支配收入": np.array(inc_col, dtype=object),
        "农村居民人均消费支出": np.array(con_col, dtype=object),
        "调查户数": np.array(n_col, dtype=object),
    }
    return c.result(cols, key, np.full(m, -1))

"""Assistance and poverty-programme feeds: rosters, pairing, loans, land, housing, payments, audit."""

from __future__ import annotations

import numpy as np

from .feeds_people import assisted_persons
from .gazetteer import KIND_VILLAGE
from .noise import format_dates
from .population import (
    DIBAO_LABEL,
    DIBAO_NONE,
    DIBAO_RURAL,
    DIBAO_TEKUN,
    DIBAO_TEMP,
    DIBAO_URBAN,
    MON_CATEGORIES,
    STATUS_LABEL,
    STATUS_MONITORED,
)
from .render import EventBatch, FeedCtx, FeedResult, codes, decimals, pad, pick, random_dates


def _rank_within(groups: np.ndarray) -> np.ndarray:
    """1-based position of each row within its run of equal (sorted) group values."""
    n = len(groups)
    if n == 0:
        return np.zeros(0, dtype=np.int64)
    start = np.r_[True, groups[1:] != groups[:-1]]
    idx = np.arange(n)
    first = np.maximum.accumulate(np.where(start, idx, 0))
    return idx - first + 1


# ---- minzheng/jiuzhu -----------------------------------------------------------------------------

_CERT_PREFIX = np.array(["", "DB", "CB", "TK", "LS"], dtype=object)


def jiuzhu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    d = w.hh_dibao[w.p_hh]
    single = w.hh_dibao_single[w.p_hh]
    recent_dead = w.p_dead & (w.p_death >= c.ref - np.timedelta64(730, "D"))
    stale = recent_dead & (rng.random(w.n_persons) < 0.25)
    member = (d > 0) & ((~w.p_dead) | stale) & np.isin(w.p_status, ["正常", "死亡"])
    member &= (single < 0) | (single == np.arange(w.n_persons))
    persons = np.flatnonzero(member)
    m = len(persons)
    hh = w.p_hh[persons]
    hh_list, hh_rank = np.unique(hh, return_inverse=True)
    cert_hh = _CERT_PREFIX[w.hh_dibao[hh_list]] + codes("411328", 6, len(hh_list), offset=940172, stride=7919)
    cert = cert_hh[hh_rank]
    seq = _rank_within(hh)
    member_no = cert + "-" + pad(seq, 2)
    carve = w.hh_dibao_single[hh] >= 0
    head = np.where(carve, persons, w.hh_head[hh])
    covered = np.bincount(hh_rank)[hh_rank]
    amount = w.hh_dibao_amount[hh]
    amount_cells = amount.astype(object)
    as_text = rng.random(m) < 0.8
    amount_cells[as_text] = amount[as_text].astype(str).astype(object)
    pl = w.hh_place[hh]
    rel = np.where(carve, "户主", w.p_rel[persons]).astype(object)
    cols = {
        "成员编号": member_no,
        "救助证编号": cert,
        "救助类型": DIBAO_LABEL[w.hh_dibao[hh]],
        "户主姓名": c.names(head),
        "户主身份证号": c.ids(head),
        "成员姓名": c.names(persons, subject=True),
        "成员身份证号": c.ids(persons, subject=True),
        "与户主关系": rel,
        "保障人数": covered,
        "月保障金额": amount_cells,
        "享受起始年月": c.date(w.hh_dibao_start[hh], "ym", alt=0.0),
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
        "是否单人户": np.where(carve, "是", "否").astype(object),
    }
    rows = np.flatnonzero(w.p_dead[persons])
    ev = [EventBatch("deceased_on_roster", rows, w.p_death[persons[rows]], "死亡后仍在救助花名册")]
    # monthly payees for the one-card payments: head (or the single-person member)
    payee_hh = hh_list[w.hh_dibao[hh_list] != DIBAO_TEMP]
    payee = np.where(w.hh_dibao_single[payee_hh] >= 0, w.hh_dibao_single[payee_hh], w.hh_head[payee_hh])
    c.state["dibao_payees"] = (payee, w.hh_dibao_amount[payee_hh], w.hh_dibao[payee_hh])
    return c.result(cols, member_no, persons, events=ev)


# ---- xiangcun/jiance and zuzhi/bangfu ------------------------------------------------------------


def jiance(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    st = w.fam_status[w.p_fam]
    stale = w.p_dead & (rng.random(w.n_persons) < 0.01)
    persons = np.flatnonzero((st > 0) & ((~w.p_dead) | stale) & (w.p_status != "迁出"))
    m = len(persons)
    fam = w.p_fam[persons]
    status = w.fam_status[fam]
    mon = status == STATUS_MONITORED
    size = np.bincount(fam, minlength=len(w.fam_status))[fam]
    size = size + np.where(rng.random(m) < 0.05, rng.choice([-1, 1], size=m), 0)
    size = np.maximum(size, 1)
    pl = w.hh_place[w.p_hh[persons]]
    reloc = w.fam_relocated[fam] & (rng.random(m) < 0.5)
    pl = np.where(reloc, w.fam_origin_place[fam], pl)
    cadre = w.fam_cadre[fam]
    cadre_name = np.where(cadre >= 0, w.p_name[np.maximum(cadre, 0)], "").astype(object)
    cols = {
        "成员编号": codes("41132810", 9, m, offset=165960, stride=7919),
        "户编号": w.fam_poverty_no[fam],
        "户类型": STATUS_LABEL[status],
        "监测对象类别": MON_CATEGORIES[w.fam_mon_cat[fam]],
        "风险类型": np.where(mon, w.fam_risk[fam], "").astype(object),
        "风险是否消除": np.where(mon, np.where(w.fam_risk_gone[fam], "是", "否"), "").astype(object),
        "识别日期": c.date(w.fam_identified[fam], "iso"),
        "姓名": c.names(persons, subject=True),
        "证件号码": c.ids(persons, subject=True),
        "与户主关系": w.p_famrel[persons],
        "家庭人口数": size,
        "上年度家庭人均纯收入": w.fam_income[fam],
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
        "帮扶责任人": cadre_name,
    }
    return c.result(cols, cols["成员编号"], persons)


_POSITIONS = np.array(["科员", "副主任", "股长", "主任", "副科长", "教师", "医生", "干事"], dtype=object)


def bangfu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    fams = np.flatnonzero((w.fam_status > 0) & (w.fam_cadre >= 0))
    m = len(fams)
    head = w.fam_head[fams]
    cadre = w.fam_cadre[fams]
    ctype = np.array(["帮扶责任人", "工作队员", "驻村第一书记"], dtype=object)[
        rng.choice(3, size=m, p=[0.88, 0.07, 0.05])
    ]
    pos = _POSITIONS[rng.integers(0, len(_POSITIONS), size=m)]
    pos[ctype == "驻村第一书记"] = "第一书记"
    pl = w.hh_place[w.p_hh[head]]
    cols = {
        "结对编号": codes("BF", 8, m, offset=72505309, stride=7919),
        "干部姓名": c.names(cadre, mark_dead=False),
        "干部身份证号": c.ids(cadre),
        "工作单位": w.p_unit[cadre],
        "职务": pos,
        "干部类型": ctype,
        "帮扶户户主姓名": c.names(head, subject=True),
        "帮扶户户主身份证号": c.ids(head, subject=True),
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
    }
    return c.result(cols, cols["结对编号"], head)


# ---- xiangcun/xiaoe ------------------------------------------------------------------------------

BANKS = np.array(
    [
        "唐河农商银行",
        "中国邮政储蓄银行唐河支行",
        "中国农业银行唐河支行",
        "中原银行唐河支行",
        "河南唐河农村商业银行",
    ],
    dtype=object,
)


def _borrower(c: FeedCtx, fams: np.ndarray) -> np.ndarray:
    w = c.w
    head = w.fam_head[fams]
    age = w.age()
    ok = ~w.p_dead[head] & (age[head] <= 65)
    # otherwise the oldest living member aged 18-65 of the family, else the head anyway
    cand = np.flatnonzero(~w.p_dead & (age >= 18) & (age <= 65))
    first = np.full(len(w.fam_status), -1, dtype=np.int64)
    first[w.p_fam[cand[::-1]]] = cand[::-1]
    alt = first[fams]
    return np.where(ok | (alt < 0), head, alt)


def xiaoe(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    fams = pick(rng, np.flatnonzero(w.fam_status > 0), 0.15)
    persons = _borrower(c, fams)
    m = len(persons)
    amount = np.array([10000, 20000, 30000, 40000, 50000])[
        rng.choice(5, size=m, p=[0.1, 0.25, 0.2, 0.15, 0.3])
    ]
    issued = random_dates(rng, c.ref - np.timedelta64(3 * 365, "D"), c.ref - np.timedelta64(30, "D"), m)
    years = rng.choice([1, 2, 3], size=m, p=[0.1, 0.15, 0.75])
    due = issued + (years * 365).astype("timedelta64[D]") - np.timedelta64(1, "D")
    matured = due < c.ref
    status = np.where(
        matured,
        np.where(rng.random(m) < 0.92, "已结清", "逾期"),
        np.where(rng.random(m) < 0.96, "正常", "展期"),
    ).astype(object)
    overdue = pick(rng, np.flatnonzero(status == "正常"), 0.05)
    status[overdue] = "逾期"
    elapsed = np.minimum((c.ref - issued).astype(np.int64), (due - issued).astype(np.int64)) / 365.0
    subsidy = np.round(amount * 0.0435 * elapsed, 2)
    cols = {
        "借据号": codes("XD411328", 8, m, offset=8, stride=7919),
        "借款人姓名": c.names(persons, subject=True),
        "借款人证件号": c.ids(persons, subject=True),
        "贷款金额": amount,
        "发放日期": c.date(issued, "iso"),
        "到期日期": c.date(due, "iso"),
        "贴息金额": decimals(subsidy),
        "贷款状态": status,
        "经办银行": BANKS[rng.integers(0, len(BANKS), size=m)],
    }
    rows = np.flatnonzero(status == "逾期")
    ev = [EventBatch("loan_overdue", rows, np.minimum(due[rows], c.ref), "贷款状态=逾期")]
    return c.result(cols, cols["借据号"], persons, events=ev)


# ---- fagai/banqian -------------------------------------------------------------------------------

_FOLLOW_UP = np.array(
    ["扶贫车间就业", "技能培训+转移就业", "公益岗位安置", "产业分红", "技能培训", "社区工厂就业"],
    dtype=object,
)


def banqian(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    fams = np.flatnonzero(w.fam_relocated)
    m = len(fams)
    head = w.fam_head[fams]
    origin = w.fam_origin_place[fams]
    site = w.hh_place[w.p_hh[head]]
    pr = c.places
    site_name = (pr.t_name[pr.p_tidx[site]] + pr.p_name[site]).astype(object)
    scattered = rng.random(m) < 0.1
    site_name[scattered] = pr.t_name[pr.p_tidx[origin[scattered]]] + "集镇分散安置"
    moved = np.bincount(w.p_fam, weights=w.p_birth < w.fam_move_in[w.p_fam], minlength=len(w.fam_status))[
        fams
    ]
    cols = {
        "搬迁户编号": codes("BQ411328", 6, m, offset=101973, stride=7919),
        "户主姓名": c.names(head, subject=True),
        "户主身份证号": c.ids(head, subject=True),
        "搬迁人数": moved.astype(np.int64),
        "迁出乡镇": c.township_of_place(origin),
        "迁出村": c.village(origin),
        "安置点": site_name,
        "安置方式": np.where(scattered, "分散安置", "集中安置").astype(object),
        "入住日期": c.date(w.fam_move_in[fams], "iso"),
        "后续扶持措施": _FOLLOW_UP[rng.integers(0, len(_FOLLOW_UP), size=m)],
    }
    return c.result(cols, cols["搬迁户编号"], head)


# ---- nongye/chanye and chengbao ------------------------------------------------------------------

_ITEMS = np.array(
    ["小麦", "花生", "红薯", "生猪", "黄牛", "艾草", "栀子", "食用菌", "桃", "其他"], dtype=object
)
_LEADERS = np.array(
    [
        "牧原食品股份有限公司",
        "河南黄志牧业有限公司",
        "唐河县绿源食用菌合作社",
        "唐河县丰园农业开发有限公司",
        "唐河县桃源果蔬专业合作社",
        "唐河县红薯产业联合体",
        "唐河县艾草产业园",
    ],
    dtype=object,
)


def chanye(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    fams = pick(rng, np.flatnonzero(w.fam_status > 0), 0.55)
    twice = fams[rng.random(len(fams)) < 0.25]
    fams = np.sort(np.concatenate([fams, twice]))
    m = len(fams)
    head = w.fam_head[fams]
    method = np.array(["资金补助", "入股分红", "技术指导", "订单收购"], dtype=object)[
        rng.integers(0, 4, size=m)
    ]
    amount = np.where(method == "技术指导", 0, rng.integers(50, 500, size=m) * 10)
    cols = {
        "帮扶记录号": codes("CY", 8, m, offset=85561705, stride=7919),
        "户主姓名": c.names(head, subject=True),
        "户主身份证号": c.ids(head, subject=True),
        "帮扶项目": _ITEMS[
            rng.choice(len(_ITEMS), size=m, p=[0.12, 0.14, 0.1, 0.12, 0.08, 0.1, 0.06, 0.14, 0.06, 0.08])
        ],
        "帮扶方式": method,
        "金额": amount,
        "带贫主体": _LEADERS[rng.integers(0, len(_LEADERS), size=m)],
    }
    return c.result(cols, cols["帮扶记录号"], head)


def chengbao(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    origin = w.fam_origin_place[w.hh_fam]
    rural = c.places.p_kind[origin] == KIND_VILLAGE
    hhs = np.flatnonzero((w.hh_part == 0) & rural & (rng.random(w.n_households) < 0.93))
    place = origin[hhs]
    group = w.hh_group[hhs]
    order = np.lexsort((hhs, group, place))
    hhs, place, group = hhs[order], place[order], group[order]
    m = len(hhs)
    seq = _rank_within(place * 100 + group)
    code = c.places.p_code[place] + pad(group, 2) + pad(seq, 4)
    head = w.hh_head[hhs]
    # the contract is rarely updated after the representative dies
    replace_dead = w.p_dead[head] & (rng.random(m) < 0.4)
    alive_member = np.full(w.n_households, -1, dtype=np.int64)
    cand = np.flatnonzero(~w.p_dead & (w.age() >= 18))[::-1]
    alive_member[w.p_hh[cand]] = cand
    alt = alive_member[hhs]
    rep = np.where(replace_dead & (alt >= 0), alt, head)
    members = np.bincount(w.p_fam, minlength=len(w.fam_status))[w.hh_fam[hhs]]
    members = np.maximum(members + np.where(rng.random(m) < 0.1, rng.choice([-1, 1], size=m), 0), 1)
    area = np.round(np.maximum(members * rng.uniform(0.8, 1.9, size=m), 0.5), 1)
    subsidy = np.round(area * 110).astype(np.int64)
    cols = {
        "承包方编码": code,
        "承包方代表姓名": c.names(rep, subject=True),
        "证件号码": c.ids(rep, subject=True),
        "家庭成员数": members,
        "承包地面积": area,
        "补贴金额": subsidy,
        "乡镇": c.township_of_place(place),
        "村": c.village(place),
    }
    c.state["farmland"] = (rep, subsidy)
    return c.result(cols, code, rep)


# ---- zhujian/fangwu ------------------------------------------------------------------------------


def fangwu(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    nh = w.n_households
    kind = c.places.p_kind[w.hh_place]
    rural = kind == KIND_VILLAGE
    reg = w.fam_status[w.hh_fam] > 0
    assisted = reg | (w.hh_dibao != DIBAO_NONE)
    rated = rural & (assisted | (rng.random(nh) < 0.06))
    hhs = np.flatnonzero(rated)
    m = len(hhs)
    a = assisted[hhs]
    grade = np.where(
        a, rng.choice(4, size=m, p=[0.45, 0.38, 0.12, 0.05]), rng.choice(4, size=m, p=[0.6, 0.33, 0.05, 0.02])
    )
    assessed = random_dates(rng, "2019-01-01", c.ref - np.timedelta64(30, "D"), m)
    unsafe = grade >= 2
    method = np.full(m, "无", dtype=object)
    mc = np.array(["修缮加固", "置换", "租赁"], dtype=object)[rng.choice(3, size=m, p=[0.8, 0.1, 0.1])]
    md = np.array(["拆除重建", "集体公租房", "置换", "租赁"], dtype=object)[
        rng.choice(4, size=m, p=[0.7, 0.1, 0.1, 0.1])
    ]
    method[grade == 2] = mc[grade == 2]
    method[grade == 3] = md[grade == 3]
    status = np.full(m, "", dtype=object)
    r = rng.random(m)
    status[unsafe] = np.where(r < 0.82, "已竣工", np.where(r < 0.9, "改造中", "未改造"))[unsafe]
    done = status == "已竣工"
    completed = np.full(m, np.datetime64("NaT"), dtype="datetime64[D]")
    completed[done] = np.minimum(
        assessed[done] + rng.integers(60, 400, size=int(done.sum())).astype("timedelta64[D]"),
        c.ref - np.timedelta64(1, "D"),
    )
    head = w.hh_head[hhs]
    pl = w.hh_place[hhs]
    cols = {
        "鉴定编号": codes("JD", 8, m, offset=89737209, stride=7919),
        "户主姓名": c.names(head, subject=True),
        "户主身份证号": c.ids(head, subject=True),
        "乡镇": c.township_of_place(pl),
        "村": c.village(pl),
        "鉴定等级": np.array(["A", "B", "C", "D"], dtype=object)[grade],
        "鉴定日期": c.date(assessed, "cn"),
        "改造方式": method,
        "改造状态": status,
        "竣工日期": c.date(completed, "cn"),
    }
    rows = np.flatnonzero(unsafe & (status == "未改造"))
    ev = [EventBatch("unsafe_house", rows, assessed[rows], "鉴定等级=" + cols["鉴定等级"][rows] + ";未改造")]
    return c.result(cols, cols["鉴定编号"], head, events=ev)


# ---- caizheng/yikatong ---------------------------------------------------------------------------

_ITEM_CODE = {
    "低保金": "19",
    "特困供养金": "23",
    "残疾人两项补贴": "57",
    "护林员补助": "76",
    "公益岗位补贴": "95",
    "养老金": "14",
    "耕地地力保护补贴": "33",
}


def yikatong(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    batches = []
    payees, amounts, kinds = c.state.get("dibao_payees", (*empty, np.zeros(0, dtype=np.int64)))
    batches.append(
        (
            "低保金",
            payees[np.isin(kinds, [DIBAO_RURAL, DIBAO_URBAN])],
            amounts[np.isin(kinds, [DIBAO_RURAL, DIBAO_URBAN])],
        )
    )
    batches.append(("特困供养金", payees[kinds == DIBAO_TEKUN], amounts[kinds == DIBAO_TEKUN]))
    batches.append(("残疾人两项补贴", *c.state.get("disability_pay", empty)))
    batches.append(("护林员补助", *c.state.get("rangers", empty)))
    batches.append(("公益岗位补贴", *c.state.get("posts", empty)))
    batches.append(("养老金", *c.state.get("pensions", empty)))
    batches.append(("耕地地力保护补贴", *c.state.get("farmland", empty)))
    ym = np.datetime64(c.ref, "M")
    persons, item, amount, paid, keys = [], [], [], [], []
    for name, ps, am in batches:
        ps = np.asarray(ps, dtype=np.int64)
        am = np.asarray(am)
        n = len(ps)
        if name == "耕地地力保护补贴":
            day0 = (ym - 1).astype("datetime64[D]") + 19
        else:
            day0 = ym.astype("datetime64[D]") + 14
        dates = day0 + rng.integers(0, 5, size=n).astype("timedelta64[D]")
        # payments to people who have died stop, except where the death has not reached the system
        dead = w.p_dead[ps]
        stopped = dead & ((w.p_death[ps] < dates - np.timedelta64(60, "D")) | (rng.random(n) < 0.5))
        if name in ("耕地地力保护补贴", "养老金"):
            stopped = dead & (rng.random(n) < (0.3 if name == "耕地地力保护补贴" else 0.0))
        keep = ~stopped
        ps, am, dates = ps[keep], am[keep], dates[keep]
        n = len(ps)
        code = _ITEM_CODE[name]
        ymd = format_dates(dates, "ymd")
        keys.append("YKT" + ymd + code + codes("", 8, n, offset=int(code) * 1000, stride=7919))
        persons.append(ps)
        item.append(np.full(n, name, dtype=object))
        amount.append(am)
        paid.append(dates)
    persons = np.concatenate(persons)
    item = np.concatenate(item)
    amount = np.concatenate(amount).astype(np.int64)
    paid = np.concatenate(paid)
    key = np.concatenate(keys)
    m = len(persons)
    last4 = pad((persons * 7919 + c.seed) % 10000, 4)
    cols = {
        "发放流水号": key,
        "姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "补贴项目": item,
        "发放金额": amount,
        "发放日期": c.date(paid, "ymd"),
        "银行账号": "6228********" + last4,
        "变更类型": np.full(m, "新增", dtype=object),
    }
    rows = np.flatnonzero(w.p_dead[persons] & (w.p_death[persons] < paid) & (item != "耕地地力保护补贴"))
    c.state["paid_after_death"] = (persons[rows], amount[rows])
    ev = [EventBatch("paid_after_death", rows, paid[rows], item[rows])]
    return c.result(cols, key, persons, events=ev)


# ---- shenji/wenti --------------------------------------------------------------------------------


def wenti(c: FeedCtx) -> FeedResult:
    w, rng = c.w, c.rng
    empty = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    pad_p, pad_a = c.state.get("paid_after_death", empty)
    sel = rng.random(len(pad_p)) < 0.4
    parts = [(pad_p[sel], "死亡人员领取待遇", pad_a[sel] * rng.integers(2, 12, size=int(sel.sum())))]
    staff_assisted = np.flatnonzero((w.p_staff >= 0) & ~w.p_dead & (w.hh_dibao[w.p_hh] != DIBAO_NONE))
    s2 = staff_assisted[rng.random(len(staff_assisted)) < 0.5]
    parts.append((s2, "财政供养人员享受救助", rng.integers(20, 200, size=len(s2)) * 100))
    car = c.state.get("assisted_car_owners", np.zeros(0, dtype=np.int64))
    car_dibao = car[(w.hh_dibao[w.p_hh[car]] != DIBAO_NONE) & (rng.random(len(car)) < 0.5)]
    parts.append((car_dibao, "违规享受低保", rng.integers(20, 300, size=len(car_dibao)) * 100))
    ap = np.flatnonzero(assisted_persons(c) & ~w.p_dead & (w.age() >= 18))
    other = pick(rng, ap, 0.0008)
    kinds = np.where(rng.random(len(other)) < 0.5, "重复领取补贴", "其他")
    parts.append((other, kinds, rng.integers(5, 150, size=len(other)) * 100))
    persons = np.concatenate([p for p, _, _ in parts]).astype(np.int64)
    ptype = np.concatenate([np.broadcast_to(np.asarray(t, dtype=object), (len(p),)) for p, t, _ in parts])
    amount = np.concatenate([np.asarray(a) for _, _, a in parts]).astype(np.int64)
    order = np.argsort(persons, kind="stable")
    persons, ptype, amount = persons[order], ptype[order], amount[order]
    m = len(persons)
    found = random_dates(rng, "2020-06-01", c.ref - np.timedelta64(3, "D"), m)
    cols = {
        "线索编号": codes(f"SJ{c.year}", 5, m, offset=79107, stride=7919),
        "姓名": c.names(persons, subject=True),
        "身份证号": c.ids(persons, subject=True),
        "问题类型": ptype,
        "涉及金额": amount,
        "发现日期": c.date(found, "iso"),
        "整改状态": np.array(["未整改", "整改中", "已整改"], dtype=object)[
            rng.choice(3, size=m, p=[0.3, 0.3, 0.4])
        ],
    }
    return c.result(cols, cols["线索编号"], persons)

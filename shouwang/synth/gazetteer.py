"""Places of the synthetic county and the many ways departments write them.

Villages come from the project's reference gazetteer (shouwang/reference, read relative to the
package so the generator never depends on /work/shared at run time). The gazetteer has no urban
communities (社区) or resettlement sites (安置点), which the real feeds do show, so a small fixed
list of them is added here with codes in the 0xx range of their street (communities are 0xx,
villages 2xx in Chinese admin codes).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

REFERENCE_DIR = Path(__file__).resolve().parent.parent / "reference"

KIND_VILLAGE, KIND_COMMUNITY, KIND_SITE = 0, 1, 2

# street township code suffix -> communities (name core); codes 001.. in order
COMMUNITIES = {
    "001": ["滨河", "新华", "滨河花园"],
    "002": ["文峰", "建设路", "人民路"],
    "003": ["友兰", "锦华", "建业", "文峰路", "东兴"],
    "004": ["胜利", "长春路", "兴唐", "书香苑"],
}
# resettlement sites for relocated households (易地扶贫搬迁): street suffix -> site names
SITES = {
    "002": ["同心苑安置点"],
    "001": ["幸福家园安置点"],
    "003": ["和谐家园安置点"],
}
# urban residential estates (for real-estate titles of town flats)
ESTATES = [
    "兴唐新城",
    "东方明珠",
    "书香苑",
    "盛世华府",
    "御景湾",
    "学府名苑",
    "建业森林半岛",
    "滨河花园",
    "锦绣华府",
    "阳光城",
    "凤凰城",
    "帝景苑",
]
OUTSIDE_PLACES = [
    "福建省晋江市",
    "上海市松江区",
    "新乡市",
    "洛阳市",
    "郑州市金水区",
    "南阳市卧龙区",
    "许昌市",
    "广东省东莞市",
    "浙江省义乌市",
    "江苏省苏州市",
    "北京市大兴区",
    "新疆乌鲁木齐市",
    "广东省深圳市宝安区",
    "湖北省襄阳市",
    "天津市滨海新区",
]
CN_NUM = [
    "",
    "一",
    "二",
    "三",
    "四",
    "五",
    "六",
    "七",
    "八",
    "九",
    "十",
    "十一",
    "十二",
    "十三",
    "十四",
    "十五",
    "十六",
    "十七",
    "十八",
]


@dataclass
class Gazetteer:
    """All places: one row per village, community or resettlement site."""

    townships: pd.DataFrame  # township_code, township, core
    places: pd.DataFrame  # code, township_code, t_idx, name, core, kind

    @property
    def n_places(self) -> int:
        return len(self.places)


def load_gazetteer() -> Gazetteer:
    tw = pd.read_csv(REFERENCE_DIR / "townships.csv", dtype=str)
    vil = pd.read_csv(REFERENCE_DIR / "villages.csv", dtype=str)
    t_index = {c: i for i, c in enumerate(tw["township_code"])}
    rows = [
        (r.village_code, r.township_code, r.village, r.core, KIND_VILLAGE)
        for r in vil.itertuples(index=False)
    ]
    for suffix, cores in COMMUNITIES.items():
        tcode = "411328" + suffix
        for i, core in enumerate(cores, start=1):
            rows.append((f"{tcode}{i:03d}", tcode, core + "社区", core, KIND_COMMUNITY))
    for suffix, names in SITES.items():
        tcode = "411328" + suffix
        for i, name in enumerate(names, start=50):
            rows.append((f"{tcode}{i:03d}", tcode, name, name.replace("安置点", ""), KIND_SITE))
    places = pd.DataFrame(rows, columns=["code", "township_code", "name", "core", "kind"])
    places["t_idx"] = places["township_code"].map(t_index).astype(np.int64)
    places["kind"] = places["kind"].astype(np.int64)
    return Gazetteer(townships=tw, places=places)


class PlaceRenderer:
    """Vectorised rendering of township / village / address strings with realistic variation."""

    def __init__(self, gaz: Gazetteer) -> None:
        self.gaz = gaz
        p = gaz.places
        self.p_name = p["name"].to_numpy(dtype=object)
        self.p_core = p["core"].to_numpy(dtype=object)
        self.p_kind = p["kind"].to_numpy()
        self.p_tidx = p["t_idx"].to_numpy()
        self.p_code = p["code"].to_numpy(dtype=object)
        self.t_name = gaz.townships["township"].to_numpy(dtype=object)
        self.t_core = gaz.townships["core"].to_numpy(dtype=object)
        self.cn = np.array(CN_NUM, dtype=object)
        self.num = np.array([str(i) for i in range(len(CN_NUM))], dtype=object)

    # -- townships ---------------------------------------------------------------------------
    def township(self, t_idx: np.ndarray, rng: np.random.Generator, variety: float) -> np.ndarray:
        """Township names; `variety` is the share of rows not written as the full official name."""
        out = self.t_name[t_idx].copy()
        n = len(t_idx)
        if n == 0 or variety <= 0:
            return out
        u = rng.random(n)
        kind = rng.choice(4, size=n, p=[0.45, 0.25, 0.2, 0.1])
        sel = u < variety
        m = sel & (kind == 0)
        out[m] = self.t_core[t_idx[m]]
        m = sel & (kind == 1)
        out[m] = "唐河县" + self.t_name[t_idx[m]]
        m = sel & (kind == 2)
        out[m] = self.t_name[t_idx[m]] + " "
        m = sel & (kind == 3)
        out[m] = self.t_name[t_idx[m]] + "  "
        return out

    # -- villages ----------------------------------------------------------------------------
    def village(self, p_idx: np.ndarray, rng: np.random.Generator, variety: float) -> np.ndarray:
        out = self.p_name[p_idx].copy()
        n = len(p_idx)
        if n == 0 or variety <= 0:
            return out
        sel = rng.random(n) < variety
        kind = rng.choice(4, size=n, p=[0.35, 0.25, 0.2, 0.2])
        core = self.p_core[p_idx]
        isvil = self.p_kind[p_idx] == KIND_VILLAGE
        iscom = self.p_kind[p_idx] == KIND_COMMUNITY
        m = sel & (kind == 0) & (isvil | iscom)
        out[m] = core[m]
        m = sel & (kind == 1) & isvil
        out[m] = core[m] + "村委会"
        m = sel & (kind == 1) & iscom
        out[m] = core[m] + "居委会"
        m = sel & (kind == 2) & isvil
        out[m] = core[m] + "村委"
        m = sel & (kind == 3) & isvil
        out[m] = core[m] + "行政村"
        return out

    # -- free-text addresses -----------------------------------------------------------------
    def address(
        self,
        p_idx: np.ndarray,
        group: np.ndarray,
        house: np.ndarray,
        rng: np.random.Generator,
        variety: float,
    ) -> np.ndarray:
        """Free-text addresses ("河南省唐河县源潭镇刘岗村3组" and its many informal cousins)."""
        n = len(p_idx)
        t = self.p_tidx[p_idx]
        tn, tc = self.t_name[t], self.t_core[t]
        vn, vc = self.p_name[p_idx], self.p_core[p_idx]
        g = np.clip(group, 1, len(CN_NUM) - 1)
        gs, gc = self.num[g], self.cn[g]
        hs = house.astype(str).astype(object)
        kind = self.p_kind[p_idx]
        out = np.empty(n, dtype=object)
        vil = kind == KIND_VILLAGE
        com = kind == KIND_COMMUNITY
        site = kind == KIND_SITE
        out[vil] = "河南省唐河县" + tn[vil] + vn[vil] + gs[vil] + "组"
        out[com] = "河南省唐河县" + tn[com] + vn[com] + hs[com] + "号"
        out[site] = (
            "河南省唐河县" + tn[site] + vn[site] + (g[site] % 12 + 1).astype(str).astype(object) + "号楼"
        )
        if n == 0 or variety <= 0:
            return out
        sel = rng.random(n) < variety
        k = rng.integers(0, 8, size=n)
        tpl_v = [
            lambda m: "河南唐河" + tn[m] + vc[m] + "村委会第" + gs[m] + "村民组",
            lambda m: "南阳市唐河县" + tn[m] + vc[m] + gc[m] + "组",
            lambda m: "唐河县" + tc[m] + vn[m] + gc[m] + "组",
            lambda m: tc[m] + vc[m] + gs[m] + "队",
            lambda m: "河南省南阳市唐河县" + tc[m] + vn[m] + "第" + gs[m] + "村民组",
            lambda m: tn[m] + vn[m] + gs[m] + "组",
            lambda m: "唐河县" + tn[m] + vc[m] + "村委会" + gs[m] + "组",
            lambda m: "河南省唐河县" + tn[m] + vn[m] + gc[m] + "组",
        ]
        tpl_c = [
            lambda m: "河南唐河" + tc[m] + vc[m] + "居委会",
            lambda m: "南阳市唐河县" + tn[m] + vn[m],
            lambda m: "河南省南阳市唐河县" + tn[m] + vn[m],
            lambda m: "唐河县" + tc[m] + vc[m] + "居委会",
        ]
        for i, f in enumerate(tpl_v):
            m = sel & vil & (k == i)
            if m.any():
                out[m] = f(m)
        for i, f in enumerate(tpl_c):
            m = sel & com & (k % 4 == i)
            if m.any():
                out[m] = f(m)
        m = sel & site
        out[m] = "河南省唐河县" + tn[m] + vn[m]
        return out

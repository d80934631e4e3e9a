"""Chinese name pools for the synthetic county.

Surnames are weighted by their rough frequency in Henan, given names by birth cohort and sex.
Each cohort has its fashion names (建国, 秀英, 子涵), drawn with a steep (Zipf-like) weighting so
that common full names repeat many times (王秀英, 张伟): the linkage layer must cope with
namesakes, so the generator has to produce them.

Two name profiles (`NAME_PROFILES`):
- "realistic" (the default): a share of each cohort gets a fashion name, the rest a given name
  composed from the characters those names use (one or two of them). Calibrated on the Ministry
  of Public Security's name reports: the most common full name in China (张伟, about 294,000
  people in 2019) is 0.021 % of the population; here the most common one (王伟, about 900 people
  in a county of 1.5 M) is 0.06 % of the county, 2–3 × the national figure, for Henan's
  concentrated surnames and cohort fashions. Namesakes stay the rule: 94 % of persons share their
  name with someone in the county, 74 % with five or more.
- "stress": fashion names only (about 40 per cohort and sex), so that the most common full name is
  0.3 % of the county (14 × the national figure; 王伟 about 4,500 times in 1.5 M people) and two
  household heads of the same name often live in the same village group: a stress test for
  namesakes, far harder than real registers (docs/linkage.md).
"""

from __future__ import annotations

import numpy as np

# surname:weight (per mille, approximate Henan frequencies)
_SURNAMES = """
王:85 李:75 张:75 刘:60 陈:35 杨:30 赵:25 周:18 孙:15 高:15 马:15 郭:20 黄:15 吴:13 徐:13 朱:13
胡:12 宋:12 郑:11 梁:9 韩:9 冯:9 何:8 许:8 董:8 曹:8 罗:6 谢:7 唐:6 于:6 程:7 袁:6 邓:5 傅:3
沈:3 曾:3 彭:4 吕:5 苏:5 卢:4 蒋:3 蔡:4 贾:7 丁:5 魏:7 薛:4 叶:3 闫:6 余:3 潘:3 杜:6 戴:2
夏:3 钟:2 汪:2 田:6 任:6 姜:4 范:5 方:3 石:4 姚:4 廖:2 邹:2 熊:2 金:2 陆:2 郝:3 孔:3 白:4
崔:4 康:3 毛:3 邱:2 秦:3 江:2 史:3 顾:1 侯:4 邵:2 孟:4 龙:1 万:2 段:3 雷:2 钱:1 汤:2 尹:2
常:4 武:4 乔:3 贺:2 龚:1 翟:3 牛:3 岳:2 申:2 聂:2 庞:2 路:2 付:4 齐:2 靳:2 尚:2 焦:2 樊:2
葛:2 耿:2 林:5 肖:4 司马:0.3 欧阳:0.3
"""

# Given names per (cohort, sex). Earlier entries are more common.
_GIVEN = {
    ("c1", "M"): """建国 国强 福贵 富贵 金安 天义 有山 保平 建荣 来福 明元 德明 国富 志成 金山 长青 德胜 玉田
        广才 清泉 永福 文华 振华 俊 山 全德 水生 书林 树林 万福 春生 满仓 金堂 德山 守义 长顺 富有 新民
        建元 富山 国中 玉林 明山 长河""",
    ("c1", "F"): """秀英 桂兰 玉兰 秀兰 桂英 玉珍 凤英 秀珍 素华 爱兰 兰芝 玉霞 春华 月枝 玉莲 书梅 金菊
        秀芳 月花 玉梅 翠兰 桂枝 秀云 桂珍 凤兰 兰英 素珍 玉英 桂芝 秀荣 素英 淑珍 凤芝 金凤 爱荣 香菊
        桂香 玉芝 秀琴 兰香""",
    ("c2", "M"): """建国 建军 建华 国强 志刚 卫东 红旗 海强 建设 春雷 卫国 德明 保国 红军 建伟 国庆 振宇
        长斌 卫刚 红波 建山 新民 金刚 海生 中华 建平 振国 明杰 天明 庆丰 俊杰 平 军 强 伟 斌 勇 建新
        红卫 跃进 文斌""",
    ("c2", "F"): """秀英 玉兰 桂兰 丽 红 艳红 春芝 云丽 新燕 丽平 红燕 玉霞 淑莲 素华 桂芳 秀珍 玉珍
        春荣 丽萍 爱丹 艳 霞 燕 芳 秀梅 春梅 桂花 秀云 俊颖 慧萍 丽梅 巧云 凤霞 金枝 红梅 素云 爱华
        桂荣 秀芝""",
    ("c3", "M"): """伟 强 军 磊 勇 涛 斌 杰 鹏 辉 海涛 志辉 红伟 建伟 卫波 晓成 亚强 伟锋 建辉 红辉 亚锋
        国飞 军杰 宏宇 海平 春成 志强 俊峰 红亮 金斌 明 刚 浩 超 帅 亮 振雷 卫华 建军 海军 国伟 红涛
        晓东 志勇""",
    ("c3", "F"): """静 丽 艳 娟 芳 敏 红艳 丽平 春燕 海红 艳红 俊颖 晓丽 彩霞 丽红 巧静 丽敏 晶华 丽静
        丽云 金苹 艳丽 秀丽 晓燕 玉霞 丽娟 小红 燕 霞 莉 慧 琳 倩 婷 梅 红 丹 玲 丽霞 艳玲 晓红 春艳
        海燕 丽娜""",
    ("c4", "M"): """浩 鹏 杰 宇 豪 博 昊睿 宇豪 家豪 志博 家瑞 明睿 一鸣 天宇 晨 磊 帅 凯 鑫 龙 飞 旭 阳
        俊杰 子豪 浩然 文博 佳豪 嘉伟 振宇 亚东 晓东 明阳 志远 少华 家乐 晨阳 博文""",
    ("c4", "F"): """婷 雪 梦瑶 欣怡 思宁 丽 佳佳 静 娜 倩 梦涵 婉茹 语悦 俊云 依彤 梓妍 秋苹 子涵 嘉怡
        晓雪 雨 佳琪 欣 颖 璐 梦 慧敏 嘉欣 思雨 心怡 雅琪 亚楠 晓婷 梦洁 佳慧 雅静 文静""",
    ("c5", "M"): """子轩 梓航 浩宇 宇轩 天翔 奕哲 明轩 一鸣 铭航 锦熙 梓睿 晨阳 浩博 睿彬 鹏睿 天轩 子墨
        浩然 梓豪 俊熙 宇航 子豪 明航 志阳 佳铭 梓瑞 鹏航 晨彬 博文 宇泽 睿 凯 轩 诚 一诺 浩轩 梓轩
        皓轩 俊豪""",
    ("c5", "F"): """欣怡 梓涵 雨萱 子涵 可馨 思瑶 语汐 欣妍 梓然 雨瑶 紫茹 馨怡 晨雨 依瑜 子琪 可淇 怡璐
        静然 子瑜 晨淇 雨涵 诗涵 梦琪 佳怡 一诺 语桐 梓萱 若汐 欣悦 可欣 雨欣 佳琪 梦瑶 雅涵 思涵""",
}

# Minority names written with a middle dot (U+00B7), e.g. Uyghur spouses who married into the county.
MINORITY_NAMES = {
    "M": [
        "买买提·吐尔逊",
        "艾力·阿不都",
        "阿不都·热合曼",
        "努尔兰·哈力木",
        "吐尔洪·买买提",
        "艾克拜尔·吾买尔",
    ],
    "F": [
        "阿依古丽·买买提",
        "热依拉·艾力",
        "古丽娜·吐尔逊",
        "迪丽努尔·艾买提",
        "帕提古丽·热合曼",
        "阿娜尔·沙比提",
    ],
}
MINORITY_ETHNICITY = ["维吾尔族", "哈萨克族"]

# Simplified -> traditional for the characters used above (generated once with OpenCC s2t).
S2T = dict(
    zip(
        "万东丰丽义乐乔书云亚仓伟侠兰军冯净凤凯刘刚华卢卫叶吕吴国孙宁岚帅帼广庆庞张强悦晓晖来杨杰树梦欧汤泽洁涌涛满滨炜爱玮瑶红绣"
        "罗聂胜艳苏苹荣莲蒋蓝蔷许设诗诚语诺谢贵贺贾赵跃轩辉进远连遥邓邹郑钟钢钰钱铭锋锐锦长闫闽阳阵陆陈静韩顺顾颖风飞马鸣鹏黄齐龙龚",
        "萬東豐麗義樂喬書雲亞倉偉俠蘭軍馮淨鳳凱劉剛華盧衛葉呂吳國孫寧嵐帥幗廣慶龐張強悅曉暉來楊傑樹夢歐湯澤潔湧濤滿濱煒愛瑋瑤紅繡"
        "羅聶勝豔蘇蘋榮蓮蔣藍薔許設詩誠語諾謝貴賀賈趙躍軒輝進遠連遙鄧鄒鄭鍾鋼鈺錢銘鋒銳錦長閆閩陽陣陸陳靜韓順顧穎風飛馬鳴鵬黃齊龍龔",
        strict=True,
    )
)

# Homophone and similar-shape confusions seen in hand-keyed rosters (王伟/王玮, 刘桂兰/刘贵兰).
CONFUSABLE = {
    "伟": "玮炜",
    "桂": "贵",
    "兰": "蓝岚",
    "秀": "绣",
    "英": "瑛",
    "玉": "钰",
    "华": "化",
    "红": "宏洪",
    "军": "君",
    "建": "健",
    "国": "帼",
    "丽": "莉俐",
    "艳": "燕",
    "芳": "方",
    "明": "铭",
    "春": "椿",
    "霞": "侠",
    "苹": "萍",
    "平": "萍",
    "海": "亥",
    "何": "河",
    "陈": "阵",
    "治": "志",
    "志": "治",
    "斌": "滨彬",
    "贞": "珍",
    "珍": "贞",
    "宇": "语雨",
    "杰": "洁",
    "静": "净",
    "刚": "钢",
    "强": "蔷",
    "勇": "涌",
    "林": "琳",
    "梅": "玫",
    "娟": "涓",
    "敏": "闽",
    "涛": "滔",
    "鹏": "朋",
    "辉": "晖",
    "凤": "风",
    "云": "芸",
    "莲": "连",
    "琪": "棋",
    "婷": "亭",
    "浩": "皓",
    "轩": "萱",
    "涵": "晗",
    "欣": "新",
    "怡": "宜",
    "瑶": "遥",
    "睿": "锐",
    "彬": "斌",
    "峰": "锋",
    "锋": "峰",
    "张": "章",
    "王": "汪",
    "李": "里",
    "刘": "柳",
    "徐": "许",
    "许": "徐",
    "周": "邹",
    "吴": "武",
    "胡": "湖",
}

# Middle-dot variants that different systems produce for the same minority name.
DOT_VARIANTS = ["•", "・", "．", ".", "-", "", "･", "‧"]


def _parse_weighted(text: str) -> tuple[np.ndarray, np.ndarray]:
    names, weights = [], []
    for tok in text.split():
        name, w = tok.split(":")
        names.append(name)
        weights.append(float(w))
    p = np.array(weights)
    return np.array(names, dtype=object), p / p.sum()


SURNAMES, SURNAME_P = _parse_weighted(_SURNAMES)


def _zipf(n: int, s: float = 0.9) -> np.ndarray:
    w = 1.0 / np.arange(1, n + 1) ** s
    return w / w.sum()


GIVEN: dict[tuple[str, str], tuple[np.ndarray, np.ndarray]] = {}
for _key, _text in _GIVEN.items():
    _pool = np.array(_text.split(), dtype=object)
    GIVEN[_key] = (_pool, _zipf(len(_pool)))


def cohort_of(birth_year: np.ndarray) -> np.ndarray:
    """Cohort label index 0..4 (c1..c5) for birth years; name fashions differ by cohort."""
    return np.digitize(birth_year, [1950, 1970, 1990, 2005])


def draw_surnames(rng: np.random.Generator, n: int) -> np.ndarray:
    return SURNAMES[rng.choice(len(SURNAMES), size=n, p=SURNAME_P)]


NAME_PROFILES = ("realistic", "stress")
# "realistic": share of persons with one of their cohort's fashion names (calibrated as above),
# and of composed given names with a single character (two-character full names: 14 %, 2019)
FASHION_SHARE = 0.15
SINGLE_CHARACTER_SHARE = 0.12


def _characters(pool: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First and second characters of a pool's two-character names (composition material)."""
    two = [g for g in pool if len(g) == 2]
    first = np.array(sorted({g[0] for g in two}), dtype=object)
    second = np.array(sorted({g[1] for g in two} | {g for g in pool if len(g) == 1}), dtype=object)
    return first, second


CHARACTERS = {key: _characters(pool) for key, (pool, _) in GIVEN.items()}


def _composed(rng: np.random.Generator, key: tuple[str, str], k: int) -> np.ndarray:
    first, second = CHARACTERS[key]
    a = first[rng.integers(0, len(first), size=k)]
    b = second[rng.integers(0, len(second), size=k)]
    single = rng.random(k) < SINGLE_CHARACTER_SHARE
    return np.where(single, b, a + b)


def draw_given(
    rng: np.random.Generator, birth_year: np.ndarray, male: np.ndarray, profile: str = "realistic"
) -> np.ndarray:
    """Given names drawn per cohort and sex (vectorised per group); see NAME_PROFILES."""
    if profile not in NAME_PROFILES:
        raise ValueError(f"name profile {profile!r}: one of {NAME_PROFILES}")
    out = np.empty(len(birth_year), dtype=object)
    coh = cohort_of(birth_year)
    for ci in range(5):
        for sex, flag in (("M", True), ("F", False)):
            m = (coh == ci) & (male == flag)
            k = int(m.sum())
            if k:
                key = (f"c{ci + 1}", sex)
                pool, p = GIVEN[key]
                names = pool[rng.choice(len(pool), size=k, p=p)]
                if profile == "realistic":
                    composed = rng.random(k) >= FASHION_SHARE
                    names[composed] = _composed(rng, key, int(composed.sum()))
                out[m] = names
    return out

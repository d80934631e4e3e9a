"""Person names: one spelling per person, so that linkage compares like with like.

Cleaning is per distinct value (a county has far fewer distinct names than rows). Traditional
characters are folded character by character with OpenCC's t2s table: OpenCC's phrase
dictionary would rewrite real names (沈默 -> 沉默), so phrases are deliberately not applied.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable

import numpy as np
import pandas as pd

from ._common import FULLWIDTH, WHITESPACE, expand, expand_text, factorize, object_array, t2s_table

__all__ = ["STATUS_WORDS", "SURNAME_PINYIN", "name_pinyin", "split_first", "standardize_names"]

# Status words that clerks glue onto a name without brackets ("李秀英已故"). Bracketed
# notes are removed whatever they say; bare ones only if listed here (longest first).
STATUS_WORDS = tuple(
    sorted(
        set(
            "已故 已死亡 死亡 亡故 已去世 去世 病故 过世 离世 已离世 "
            "已迁出 迁出 户口迁出 外迁 已注销 注销 失踪 "
            "服刑 服兵役 参军 出国 务工 外出务工 在外务工".split()
        ),
        key=len,
        reverse=True,
    )
)

# Polyphonic surnames: the reading as a surname differs from the everyday default.
SURNAME_PINYIN: dict[str, str] = {
    "单": "shan", "曾": "zeng", "解": "xie", "仇": "qiu", "朴": "piao", "查": "zha", "区": "ou",
    "召": "shao", "缪": "miao", "翟": "zhai", "覃": "qin", "盖": "ge", "乐": "yue", "种": "chong",
    "秘": "bi", "繁": "po", "朝": "chao", "晟": "cheng", "隗": "wei", "尉": "wei", "员": "yun",
    "黑": "he", "折": "she", "句": "gou", "宿": "su", "纪": "ji", "柏": "bai", "薄": "bo",
    "卜": "bu", "万": "wan", "沈": "shen", "石": "shi", "任": "ren", "华": "hua", "燕": "yan",
    "过": "guo", "牟": "mou", "藏": "zang", "都": "du", "重": "chong", "长": "chang", "曲": "qu",
    "祭": "zhai", "能": "nai", "那": "na", "粘": "nian", "乜": "nie", "阚": "kan", "蕃": "pi",
    "贲": "ben", "郇": "huan", "洗": "xian", "冼": "xian", "相": "xiang", "车": "che", "弗": "fu",
    "长孙": "zhangsun", "尉迟": "yuchi", "万俟": "moqi", "澹台": "tantai", "令狐": "linghu",
    "欧阳": "ouyang", "上官": "shangguan", "司马": "sima", "诸葛": "zhuge", "皇甫": "huangfu",
    "宇文": "yuwen", "东方": "dongfang", "公孙": "gongsun", "夏侯": "xiahou", "司徒": "situ",
    "慕容": "murong", "呼延": "huyan", "轩辕": "xuanyuan", "闻人": "wenren", "南宫": "nangong",
}  # fmt: skip

_OPEN = "([{<【〔〖「『《〈"
_CLOSE = ")]}>】〕〗」』》〉"
_BRACKET = re.compile(f"[{re.escape(_OPEN)}]([^{re.escape(_CLOSE)}]*)[{re.escape(_CLOSE)}]?")
_GLUE = "-_,，、:：/·"
_BARE = re.compile(f"(.{{2,}}?)[{re.escape(_GLUE)}]*({'|'.join(STATUS_WORDS)})")
_DOTS = re.compile("·{2,}")
# Dot-like characters used between the parts of minority names (阿依古丽·买买提).
_DOT_CHARS = "·•・．‧﹒･.∙⋅●◦‧"


@functools.cache
def _name_table() -> dict[int, str | int | None]:
    """One translate table: full-width -> ASCII, whitespace removed, dot variants -> '·', t2s."""
    table: dict[int, str | int | None] = dict(t2s_table())
    table.update(FULLWIDTH)
    table.update({ord(c): None for c in WHITESPACE})
    table.update({ord(c): "·" for c in _DOT_CHARS})
    table[ord("．")] = "·"  # full-width full stop, before FULLWIDTH would make it "."
    return table


@functools.lru_cache(maxsize=1 << 18)
def _clean_one(raw: str) -> tuple[str | None, str | None]:
    """(name, note) of one delivered spelling; remembered per process, since a county's 1.5 M
    people share some tens of thousands of names and every feed spells them again."""
    s = raw.translate(_name_table())
    notes = []
    if any(c in s for c in _OPEN):
        notes = [n for n in _BRACKET.findall(s) if n]
        s = _BRACKET.sub("", s)
    m = _BARE.fullmatch(s)
    if m:
        s = m.group(1)
        notes.append(m.group(2))
    if "·" in s:
        s = _DOTS.sub("·", s).strip("·")
    s = s.strip(_GLUE)
    return (s or None), ("、".join(notes) or None)


@functools.cache
def _needs_cleaning() -> str:
    """RE2 pattern matching the spellings `_clean_one` could change: empty, holding a character it
    translates, a bracket, a glue or dot character, or ending with a status word. Every other
    spelling is already clean (name = itself, no note), which is most of a county's names."""
    special = set(map(chr, _name_table())) | set(_OPEN) | set(_GLUE) | set(_DOT_CHARS) | {"·"}
    chars = "".join(f"\\x{{{ord(c):x}}}" for c in sorted(special))  # RE2's \x{hhhh}: no escaping traps
    words = "|".join("".join(f"\\x{{{ord(c):x}}}" for c in w) for w in STATUS_WORDS)
    return f"^$|[{chars}]|(?:{words})$"


def _clean_uniques(uniques: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(names, notes) of distinct spellings: clean ones found by Arrow's regex kernel and kept as
    they are; only the others go through `_clean_one` (the same answers, a Python call less per
    distinct name: 10 % of a county's ingest CPU went to that call)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    names = uniques.copy()
    notes = np.full(len(uniques), None, dtype=object)
    if not len(uniques):
        return names, notes
    found = pc.match_substring_regex(pa.array(uniques, type=pa.string()), _needs_cleaning())
    dirty = np.flatnonzero(found.to_numpy(zero_copy_only=False))
    pairs = [_clean_one(u) for u in uniques[dirty].tolist()]
    names[dirty] = [p[0] for p in pairs]
    notes[dirty] = [p[1] for p in pairs]
    return names, notes


def standardize_names(raw: pd.Series) -> pd.DataFrame:
    """Clean person names; returns columns name and name_note (same index).

    name_note carries a status glued to the name (李秀英(已故) -> 李秀英 / 已故), which is a
    signal in its own right and must not leak into the name used for matching.
    """
    codes, uniques = factorize(raw)
    names, notes = _clean_uniques(uniques)
    return pd.DataFrame(
        {"name": expand_text(raw, codes, names), "name_note": expand_text(raw, codes, notes)},
        index=raw.index,
    )


_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_COMPOUND = {k: v for k, v in SURNAME_PINYIN.items() if len(k) == 2}
_SINGLE = {k: v for k, v in SURNAME_PINYIN.items() if len(k) == 1}


@functools.cache
def _lazy_pinyin() -> Callable[[str], list[str]]:
    """pypinyin loads large dictionaries on import; only pay for it when pinyin is asked for."""
    from pypinyin import Style, lazy_pinyin

    return functools.partial(lazy_pinyin, style=Style.NORMAL, errors="default")


@functools.cache
def _phrases() -> frozenset[str]:
    from pypinyin.phrases_dict import phrases_dict

    return frozenset(phrases_dict)


@functools.lru_cache(maxsize=50_000)
def _char_pinyin(char: str) -> str:
    return "".join(_lazy_pinyin()(char))


@functools.lru_cache(maxsize=200_000)
def _given_pinyin(given: str) -> str:
    """Given names repeat far more than full names do, so cache at this level. pypinyin's
    segmenter only matters when the given name is (or contains) a dictionary phrase; otherwise
    its reading is the per-character default, which is much cheaper to look up."""
    if len(given) > 2 or given in _phrases():
        return "".join(_lazy_pinyin()(given))
    return "".join(_char_pinyin(c) for c in given)


def _pinyin_one(name: str) -> str | None:
    name = name.replace("·", "")
    if not name:
        return None
    if len(name) >= 3 and name[:2] in _COMPOUND:
        head, rest = _COMPOUND[name[:2]], name[2:]
    else:
        head, rest = _SINGLE.get(name[0]) or _char_pinyin(name[0]), name[1:]
    body = _given_pinyin(rest) if rest else ""
    return _NON_ALNUM.sub("", (head + body).lower()) or None


def name_pinyin(names: pd.Series) -> pd.Series:
    """Toneless, space-free pinyin (张伟 -> "zhangwei") as a blocking/comparison key for
    homophone typos (王伟/王玮); surnames use their surname reading (曾 -> zeng, 单 -> shan)."""
    codes, uniques = factorize(names)
    out = object_array([_pinyin_one(u) for u in uniques.tolist()])
    return pd.Series(expand(codes, out, None), index=names.index, name=names.name)


_SEPARATORS = re.compile(r"\s*[、,，;；]\s*")


@functools.lru_cache(maxsize=1 << 16)
def _split_one(cell: str) -> tuple[str | None, str | None]:
    parts = _SEPARATORS.split(cell.strip())
    return parts[0] or None, "、".join(x for x in parts[1:] if x) or None


def split_first(raw: pd.Series) -> tuple[pd.Series, pd.Series]:
    """Split "names"/"ids" cells (周丽平、张斌) into the subject (first) and the others joined by 、.

    The registry's names/ids column types list co-owners in one cell; the first is the subject.
    """
    codes, uniques = factorize(raw)
    # Positions matter: "、411328..." is a row whose subject has no ID and whose co-owner has
    # one; dropping the empty part would hand the co-owner's ID to the subject.
    parts = [_split_one(u) for u in uniques.tolist()]
    first = object_array([p[0] for p in parts])
    rest = object_array([p[1] for p in parts])
    return (
        pd.Series(expand(codes, first, None), index=raw.index, name=raw.name),
        pd.Series(expand(codes, rest, None), index=raw.index, name=raw.name),
    )

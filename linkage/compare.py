"""Vectorised field comparisons: two aligned arrays in, one small integer level per pair out.

Level -1 always means "missing on one side" (no evidence either way); higher levels are closer
agreement. Each function documents its levels; the Fellegi–Sunter model (linkage.fs) learns one
m/u pair per level, so a level is only worth adding when it separates matches from non-matches.
Everything is numpy over whole chunks of pairs: a Python loop per pair would cap linkage at a few
hundred thousand comparisons per second.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

MISSING = -1


def _missing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return pd.isna(a) | pd.isna(b)


def _as_str(values) -> np.ndarray:
    return np.asarray(pd.Series(values, dtype=object).fillna("").to_numpy(dtype=object), dtype=str)


def _codepoints(values: np.ndarray, width: int) -> np.ndarray:
    """Fixed-width code-point matrix (n, width); shorter strings are padded with 0."""
    fixed = np.asarray(values, dtype=f"<U{width}")
    return fixed.view(np.uint32).reshape(len(fixed), width) if len(fixed) else np.zeros((0, width), np.uint32)


def char_edits(a: np.ndarray, b: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(positions that differ, is an adjacent transposition) for equal-length strings.

    Strings of different length (or longer than `width`) get a large difference count.
    """
    sa, sb = _as_str(a), _as_str(b)
    la = np.char.str_len(sa) if len(sa) else np.zeros(0, int)
    lb = np.char.str_len(sb) if len(sb) else np.zeros(0, int)
    ok = (la == lb) & (la <= width)
    ca = _codepoints(np.where(ok, sa, ""), width)
    cb = _codepoints(np.where(ok, sb, ""), width)
    neq = ca != cb
    ndiff = np.where(ok, neq.sum(axis=1), 99)
    # adjacent transposition: exactly two neighbouring positions differ and are swapped
    swapped = np.zeros(len(sa), dtype=bool)
    if width > 1 and len(sa):
        pair_diff = neq[:, :-1] & neq[:, 1:]
        cross = (ca[:, :-1] == cb[:, 1:]) & (ca[:, 1:] == cb[:, :-1])
        swapped = (ndiff == 2) & (pair_diff & cross).any(axis=1)
    return ndiff, swapped


def exact(a, b) -> np.ndarray:
    """1 equal, 0 different, -1 missing."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    miss = _missing(a, b)
    out = np.where(a == b, 1, 0).astype(np.int8)
    out[miss] = MISSING
    return out


def person_name(a, b, pinyin_a, pinyin_b) -> np.ndarray:
    """Chinese person names (already simplified and trimmed by staging).

    3 same characters; 2 same pinyin (homophone typo 王伟/王玮, 刘桂兰/刘贵兰); 1 one character
    differs and the surname agrees (similar-shape typo) or a middle dot / one character is
    missing; 0 different; -1 missing.
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    miss = _missing(a, b)
    out = np.zeros(len(a), dtype=np.int8)
    ndiff, _ = char_edits(a, b, 6)
    sa, sb = _as_str(a), _as_str(b)
    same_surname = _codepoints(sa, 8)[:, 0] == _codepoints(sb, 8)[:, 0]
    undotted = np.zeros(len(sa), dtype=bool)
    if len(sa):
        one_off = np.abs(np.char.str_len(sa) - np.char.str_len(sb)) == 1
        if one_off.any():
            undotted[one_off] = np.char.replace(sa[one_off], "·", "") == np.char.replace(sb[one_off], "·", "")
    out[(ndiff == 1) & same_surname] = 1
    out[undotted & ~(a == b)] = 1
    py_a, py_b = np.asarray(pinyin_a, dtype=object), np.asarray(pinyin_b, dtype=object)
    out[(py_a == py_b) & ~_missing(py_a, py_b)] = 2
    out[a == b] = 3
    out[miss] = MISSING
    return out


def _ymd(values) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    arr = np.asarray(values)
    if arr.dtype.kind in "iu":  # yyyymmdd integers, 0 = missing (see linkage.persons)
        return arr // 10000, arr // 100 % 100, arr % 100, arr == 0
    s = pd.to_datetime(pd.Series(values), errors="coerce")
    miss = s.isna().to_numpy()
    y = s.dt.year.fillna(0).to_numpy(dtype=np.int32)
    m = s.dt.month.fillna(0).to_numpy(dtype=np.int32)
    d = s.dt.day.fillna(0).to_numpy(dtype=np.int32)
    return y, m, d, miss


def birth_date(a, b) -> np.ndarray:
    """3 same date; 2 day and month swapped (a frequent keying error); 1 one of year / month / day
    differs; 0 more than that; -1 missing."""
    ya, ma, da, missa = _ymd(a)
    yb, mb, db, missb = _ymd(b)
    same = (ya == yb) & (ma == mb) & (da == db)
    swap = (ya == yb) & (ma == db) & (da == mb) & ~same
    parts = (ya == yb).astype(int) + (ma == mb) + (da == db)
    out = np.zeros(len(ya), dtype=np.int8)
    out[parts == 2] = 1
    out[swap] = 2
    out[same] = 3
    out[missa | missb] = MISSING
    return out


def age_window(birth, born_after, born_before, own_birth) -> np.ndarray:
    """Whether a profile's birth date lies in the window a record's feed implies (a pension
    being paid: born at least 60 years before the extract date): 1 inside, 0 outside, -1 no
    window, no profile birth date, or the record has a birth date of its own (compared as such).
    Dates are yyyymmdd integers, 0 unknown; an open end of the window is 0.
    """
    birth, after, before, own = (
        np.asarray(x, dtype=np.int64) for x in (birth, born_after, born_before, own_birth)
    )
    inside = ((after == 0) | (birth >= after)) & ((before == 0) | (birth <= before))
    out = np.where(inside, 1, 0).astype(np.int8)
    out[(birth == 0) | ((after == 0) & (before == 0)) | (own != 0)] = MISSING
    return out


_OLD_AREA = np.array([ord(c) for c in "412927"], dtype=np.uint32)
_NEW_AREA = np.array([ord(c) for c in "411328"], dtype=np.uint32)


def id_number(a, b) -> np.ndarray:
    """ID numbers compared on their first 17 characters.

    3 identical (only the check character may differ: a typo there); 2 one digit differs, two
    neighbouring digits are swapped (a typo that broke the check digit), or only the area code
    differs between Tanghe's old and new codes (412927 / 411328); 1 the leading digits an
    Excel-mangled number kept (14 to 16 of them: area code and birth date at least) agree, the
    last one possibly rounded up; 0 different; -1 missing.
    """
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    miss = _missing(a, b)
    ca, cb = _codepoints(_as_str(a), 18), _codepoints(_as_str(b), 18)
    la, lb = (ca != 0).sum(axis=1), (cb != 0).sum(axis=1)
    eq = ca == cb
    full = (la >= 17) & (lb >= 17)
    neq17 = ~eq[:, :17]
    nd17 = neq17.sum(axis=1)
    cross = (ca[:, :16] == cb[:, 1:17]) & (ca[:, 1:17] == cb[:, :16])
    swapped = (nd17 == 2) & (neq17[:, :16] & neq17[:, 1:17] & cross).any(axis=1)
    out = np.zeros(len(a), dtype=np.int8)
    out[full & ((nd17 == 1) | swapped)] = 2
    old_a, new_a = (ca[:, :6] == _OLD_AREA).all(axis=1), (ca[:, :6] == _NEW_AREA).all(axis=1)
    old_b, new_b = (cb[:, :6] == _OLD_AREA).all(axis=1), (cb[:, :6] == _NEW_AREA).all(axis=1)
    area_swap = full & eq[:, 6:17].all(axis=1) & ((old_a & new_b) | (new_a & old_b))
    out[area_swap] = 2
    # an Excel-mangled ID that kept its leading digits (at least area and birth date): the prefix
    # agreeing; Excel rounded the last digit it kept, so that one may be one more
    short_a, short_b = (la >= 14) & (la < 17), (lb >= 14) & (lb < 17)
    prefix = short_a | short_b
    if prefix.any():
        n = np.minimum(la, lb)
        pos = np.arange(18)[None, :]
        a_is_short = short_a & (lb >= la)
        diff = ca.astype(np.int64) - cb.astype(np.int64)
        rounded = np.where(a_is_short[:, None], diff, -diff) == 1
        covered = eq | (pos >= n[:, None]) | ((pos == (n - 1)[:, None]) & rounded)
        agrees = covered.all(axis=1) & (a_is_short | (short_b & (la >= lb)))
        out[prefix] = np.where(agrees[prefix], 1, 0)
    out[full & (nd17 == 0)] = 3
    out[miss | ((la < 14) & ~miss) | ((lb < 14) & ~miss)] = MISSING  # too few digits to say anything
    return out


def phone(a, b) -> np.ndarray:
    """3 same number; 2 one digit differs or two neighbours swapped; 0 different; -1 missing."""
    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    miss = _missing(a, b)
    ndiff, swapped = char_edits(a, b, 11)
    out = np.zeros(len(a), dtype=np.int8)
    out[(ndiff == 1) | swapped] = 2
    out[ndiff == 0] = 3
    out[miss] = MISSING
    return out


def place(village_a, village_b, township_a, township_b, detail_a=None, detail_b=None) -> np.ndarray:
    """5 same village and the same group / house number; 4 same village (the group or house
    number unknown on one side, or one gives a group and the other a house number); 3 same
    village but another group (or another house number); 2 same township, village known on one
    side only; 1 same township but different villages; 0 different township; -1 nothing to compare.

    "Village unknown" and "another village" are different evidence: a feed that only reports the
    township (医保 canbao) says nothing against a match, a different village does. Within a
    village, the group (村民组) tells apart two people of the same name, both ways: the same
    group is evidence for, another group evidence against (how much, the data says).
    """
    va, vb = np.asarray(village_a, dtype=object), np.asarray(village_b, dtype=object)
    ta, tb = np.asarray(township_a, dtype=object), np.asarray(township_b, dtype=object)
    # a village code starts with its township code: fill the township from it where missing
    ta, tb = fill_township(ta, va), fill_township(tb, vb)
    out = np.full(len(va), MISSING, dtype=np.int8)
    has_t = ~_missing(ta, tb)
    has_v = ~_missing(va, vb)
    same_t = has_t & (ta == tb)
    out[has_t] = 0
    out[same_t] = 2
    out[same_t & has_v & (va != vb)] = 1
    same_v = has_v & (va == vb)
    out[same_v] = 4
    if detail_a is not None and detail_b is not None:
        da, db = np.asarray(detail_a, dtype=object), np.asarray(detail_b, dtype=object)
        both = same_v & ~_missing(da, db)
        if both.any():
            a, b = pd.Series(da[both], dtype=object), pd.Series(db[both], dtype=object)
            same_kind = (a.str[0] == b.str[0]).to_numpy()  # 'G' group or 'N' house number
            out[both] = np.where((a == b).to_numpy(), 5, np.where(same_kind, 3, 4))
    return out


def fill_township(township: np.ndarray, village: np.ndarray) -> np.ndarray:
    """The township where only the village is known (its first 9 digits); only those rows are
    converted, so callers that fill it once per record (linkage.persons) pay nothing per pair."""
    township, village = np.asarray(township, dtype=object), np.asarray(village, dtype=object)
    need = pd.isna(township) & ~pd.isna(village)
    if not need.any():
        return township
    out = township.copy()
    out[need] = _prefix(village[need], 9)
    return out


def _prefix(values: np.ndarray, n: int) -> np.ndarray:
    """First n characters (None stays None); casting to a shorter fixed-width dtype truncates."""
    text = _as_str(values)
    return np.where(text == "", None, text.astype(f"<U{n}").astype(object))


def jaro_winkler_levels(a, b, thresholds: tuple[float, ...] = (0.94, 0.85)) -> np.ndarray:
    """Generic strings (the FEBRL configuration): len(thresholds) for exact, then one level per
    Jaro–Winkler threshold passed, 0 below all; -1 missing."""
    import jellyfish

    a, b = np.asarray(a, dtype=object), np.asarray(b, dtype=object)
    miss = _missing(a, b)
    sim = np.array(
        [
            jellyfish.jaro_winkler_similarity(x, y) if isinstance(x, str) and isinstance(y, str) else 0.0
            for x, y in zip(a, b, strict=True)
        ]
    )
    out = np.zeros(len(a), dtype=np.int8)
    for level, t in enumerate(sorted(thresholds), start=1):
        out[sim >= t] = level
    out[a == b] = len(thresholds) + 1
    out[miss] = MISSING
    return out

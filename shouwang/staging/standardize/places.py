"""Townships and villages of Tanghe County: free-text place names -> admin codes.

Departments write the same village as 刘岗 / 刘岗村 / 刘岗村委会 / 刘岗行政村, with or without
township and county, or inside a free-text address. Village core names repeat across
townships (115 cores occur more than once), so a village is only resolved inside its
township, or county-wide when its core is unique; anything ambiguous stays None.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable
from importlib import resources

import numpy as np
import pandas as pd

from ._common import DELETE_WHITESPACE, FULLWIDTH, expand_text, factorize, object_array, t2s_table

__all__ = ["Gazetteer", "address_detail", "default_gazetteer"]

TOWNSHIP_SUFFIXES = tuple("街道办事处 街道办 办事处 街道 街办 镇人民政府 乡人民政府 镇 乡".split())
VILLAGE_SUFFIXES = tuple(
    "社区居民委员会 村民委员会 居民委员会 社区居委会 村委会 居委会 行政村 村委 居委 社区 村".split()
)
# The county and its parents, optionally abbreviated: 河南省南阳市唐河县, 河南唐河, 唐河县 ...
_COUNTY_PREFIX = re.compile(r"(?:河南省?)?(?:南阳市?)?(?:唐河县?)?")
# What may follow a village name in an address: a suffix, a group (3组, 第11村民组, 八队), a
# house number, or nothing.
_CN_DIGITS = "一二三四五六七八九十百零〇两"
_AFTER_VILLAGE = re.compile(
    "(?:" + "|".join(VILLAGE_SUFFIXES) + rf"|委会|委|\d|第|[{_CN_DIGITS}]+[组队]|组|队|号|-|\()"
)

_ADDRESS_DETAIL = re.compile(r"[0-9０-９一二三四五六七八九十百]+(组|队|号|栋|幢|单元|室|楼|排).*$")
# Below the village: the group (8组, 第11村民组, 八队, 三村民小组) or, in town, the house number (63号).
_GROUP = re.compile(r"([0-9]{1,3}|[〇零一二两三四五六七八九十]{1,3})(?:村民|居民)?小?[组队]")
_HOUSE_NUMBER = re.compile(r"([0-9]{1,5})号")
_CN_NUMERALS = str.maketrans("〇零一二两三四五六七八九", "001223456789")
_FULLWIDTH_DIGITS = str.maketrans("０１２３４５６７８９", "0123456789")
COUNTY_CODE = "411328"
_UNSEEN = object()
COUNTY_NAMES = frozenset({"全县", "唐河县", "河南省唐河县", "全县合计", "合计"})


@functools.cache
def _table() -> dict[int, str | int | None]:
    table: dict[int, str | int | None] = dict(t2s_table())
    table.update(FULLWIDTH)
    table.update(DELETE_WHITESPACE)
    return table


def _normalise(text: str) -> str:
    return text.translate(_table()).strip()


def _text(value: object) -> str:
    """Cell value as trimmed text; None/NaN -> ""."""
    if value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NA:
        return ""
    return str(value).strip()


def _strip_suffix(text: str, suffixes: Iterable[str]) -> str:
    for suffix in suffixes:
        if len(text) > len(suffix) and text.endswith(suffix):
            return text[: -len(suffix)]
    return text


def _read_reference(name: str) -> pd.DataFrame:
    with (resources.files("shouwang.reference") / name).open("r", encoding="utf-8") as f:
        return pd.read_csv(f, dtype=str, keep_default_na=False)


class Gazetteer:
    """Lookup tables for one county's townships and villages; build once, reuse for all feeds."""

    def __init__(self, townships: pd.DataFrame, villages: pd.DataFrame) -> None:
        """townships: township_code, township, core; villages: village_code, township_code,
        village, core (codes as strings: 9 and 12 digits)."""
        self.townships_df = townships[["township_code", "township", "core"]].reset_index(drop=True)
        self.villages_df = villages[["village_code", "township_code", "village", "core"]].reset_index(
            drop=True
        )

        # Township: any name/suffix variant -> code; "bare" records keys without a suffix.
        self._township: dict[str, str] = {}
        self._township_bare: set[str] = set()
        for code, name, core in self.townships_df.itertuples(index=False):
            self._township[name] = code
            self._township[core] = code
            self._township_bare.add(core)
            for suffix in TOWNSHIP_SUFFIXES:
                self._township.setdefault(core + suffix, code)
        self._township_max = max(map(len, self._township), default=0)

        # Village: (township_code, key) -> codes and key -> codes county-wide; key = name or core.
        self._in_township: dict[tuple[str, str], set[str]] = {}
        self._county: dict[str, set[str]] = {}
        self._village_township: dict[str, str] = {}
        for vcode, tcode, name, core in self.villages_df.itertuples(index=False):
            self._village_township[vcode] = tcode
            for key in {name, core}:
                self._in_township.setdefault((tcode, key), set()).add(vcode)
                self._county.setdefault(key, set()).add(vcode)
        self._village_max = max(map(len, self._county), default=0)
        # What was resolved before: every feed repeats the same few thousand places.
        self._places: dict[str, tuple[str | None, str | None]] = {}
        self._villages: dict[tuple[str | None, str], str | None] = {}

    # ------------------------------------------------------------------ construction
    @classmethod
    def from_reference(cls) -> Gazetteer:
        """The packaged reference lists (shouwang/reference/*.csv)."""
        return cls(_read_reference("townships.csv"), _read_reference("villages.csv"))

    def with_villages(self, villages: pd.DataFrame, strict: bool = False) -> Gazetteer:
        """A new gazetteer with villages added or replaced, e.g. from the water department's
        village ledger (12-digit codes, first 9 digits = township). Columns: village_code,
        village, optional township_code and core. A ledger row replaces reference rows with the
        same code or the same (township, core). Rows with unusable codes are skipped, or raise
        ValueError when strict.
        """
        known_townships = set(self.townships_df["township_code"])
        has_township = "township_code" in villages.columns
        has_core = "core" in villages.columns
        rows: list[tuple[str, str, str, str]] = []
        bad = 0
        for record in villages.to_dict("records"):
            code = _text(record.get("village_code"))
            code = code[:-2] if code.endswith(".0") else code  # Excel numeric cell
            name = _normalise(_text(record.get("village")))
            township = _text(record.get("township_code")) if has_township else ""
            township = township or code[:9]
            if not (re.fullmatch(r"\d{12}", code) and township == code[:9] and township in known_townships):
                bad += 1
                continue
            if not name:
                bad += 1
                continue
            core = _normalise(_text(record.get("core"))) if has_core else ""
            rows.append((code, township, name, core or _strip_suffix(name, VILLAGE_SUFFIXES)))
        if strict and bad:
            raise ValueError(f"{bad} village rows have an unusable code or name")
        new = pd.DataFrame(rows, columns=["village_code", "township_code", "village", "core"], dtype=object)
        new = new.drop_duplicates("village_code", keep="last")
        old = self.villages_df
        new_keys = set(zip(new["township_code"], new["core"], strict=True))
        replaced = old["village_code"].isin(set(new["village_code"])) | pd.Series(
            [k in new_keys for k in zip(old["township_code"], old["core"], strict=True)], index=old.index
        )
        merged = pd.concat([old[~replaced], new], ignore_index=True)
        return Gazetteer(self.townships_df, merged.sort_values("village_code", kind="stable"))

    # ------------------------------------------------------------------ scalar matching
    def _township_exact(self, text: str) -> str | None:
        return self._township.get(text) or self._township.get(_strip_suffix(text, TOWNSHIP_SUFFIXES))

    def _township_prefix(self, text: str) -> tuple[str | None, str]:
        """Longest township name at the start of text -> (code, rest). A bare core (东兴) only
        counts when it is not really the start of a village name (张店村 is a village)."""
        for length in range(min(self._township_max, len(text)), 1, -1):
            code = self._township.get(text[:length])
            if code is None:
                continue
            rest = text[length:]
            if text[:length] in self._township_bare and rest.startswith(VILLAGE_SUFFIXES):
                continue
            return code, rest
        return None, text

    def _village_codes(self, key: str, township: str | None) -> set[str]:
        if township is not None:
            return self._in_township.get((township, key), set())
        return self._county.get(key, set())

    def _village_exact(self, text: str, township: str | None) -> str | None:
        candidates = [text]
        core = text
        while True:  # 刘岗村村委会 -> 刘岗村 -> 刘岗
            stripped = _strip_suffix(core, VILLAGE_SUFFIXES)
            if stripped == core:
                break
            core = stripped
            candidates.append(core)
        for key in candidates:
            codes = self._village_codes(key, township)
            if codes:
                return next(iter(codes)) if len(codes) == 1 else None
        return None

    def _village_prefix(self, text: str, township: str | None) -> str | None:
        """Longest known village name at the start of text, followed by a suffix, a group
        number or the end; ambiguous or unknown -> None."""
        for length in range(min(self._village_max, len(text)), 1, -1):
            codes = self._village_codes(text[:length], township)
            if not codes:
                continue
            rest = text[length:]
            if rest and not _AFTER_VILLAGE.match(rest):
                continue
            return next(iter(codes)) if len(codes) == 1 else None
        return None

    def _parse_place(self, place: str) -> tuple[str | None, str | None]:
        """`_parse_one`, remembered."""
        found = self._places.get(place)
        if found is None:
            found = self._places[place] = self._parse_one(place)
        return found

    def _parse_one(self, raw: str) -> tuple[str | None, str | None]:
        text = _normalise(raw)
        text = text[_COUNTY_PREFIX.match(text).end() :]  # type: ignore[union-attr]
        if not text:
            return None, None
        township, rest = self._township_prefix(text)
        if township is not None:
            rest = rest.lstrip("-,，、")
            village = self._village_prefix(rest, township) if rest else None
            if village is None and text[: len(text) - len(rest)] in self._township_bare:
                # 古城寨村... could be a village starting with a township core: prefer the
                # village reading when it is unique in the county.
                alt = self._village_prefix(text, None)
                if alt is not None:
                    return self._village_township[alt], alt
            return township, village
        # No township: only a county-unique village name at the very start counts, so another
        # city's address (洛阳市..., 南阳市卧龙区) cannot match (市/区 is no village boundary).
        village = self._village_prefix(text, None)
        return (self._village_township[village] if village else None), village

    # ------------------------------------------------------------------ vectorised API
    def townships(self, raw: pd.Series) -> pd.Series:
        """township_code (or None) for 源潭镇 / 源潭 / 唐河县源潭镇 / 河南省唐河县源潭镇 ...

        The county as a whole (全县, 唐河县) is the 6-digit county code 411328.
        """
        codes, uniques = factorize(raw)
        out = []
        for u in uniques.tolist():
            text = _normalise(u)
            if text in COUNTY_NAMES:  # the county total of statistical tables (统计 shouzhi: 全县)
                out.append(COUNTY_CODE)
                continue
            text = text[_COUNTY_PREFIX.match(text).end() :] or text  # type: ignore[union-attr]
            code = self._township_exact(text) if text else None
            if code is None and text:  # 源潭镇刘岗村 in a township cell
                code = self._township_prefix(text)[0]
            out.append(code)
        return pd.Series(expand_text(raw, codes, object_array(out)), index=raw.index, name=raw.name)

    def villages(self, township_codes: pd.Series, raw: pd.Series) -> pd.Series:
        """village_code (or None) for 刘岗村 / 刘岗 / 刘岗村委会 / 刘岗村民委员会 / 刘岗行政村.

        Resolved inside the given township; when the township is unknown (None), only if the
        village name is unique in the county. A village not in the given township is None.
        """
        if len(township_codes) != len(raw):
            raise ValueError("township_codes and raw must have the same length (aligned by position)")
        if not isinstance(township_codes.dtype, pd.ArrowDtype):  # objects, None or NaN for unknown
            township_codes = pd.Series(township_codes.to_numpy(dtype=object), index=raw.index)
        t_codes, t_uniques = factorize(township_codes)
        v_codes, v_uniques = factorize(raw)
        pair = (t_codes.astype(np.int64) + 1) * (len(v_uniques) + 1) + (v_codes.astype(np.int64) + 1)
        pairs, inverse = np.unique(pair, return_inverse=True)
        out = []
        for p in pairs.tolist():
            t_idx, v_idx = divmod(p, len(v_uniques) + 1)
            if v_idx == 0:
                out.append(None)
                continue
            township = t_uniques[t_idx - 1] if t_idx else None
            key = (township, v_uniques[v_idx - 1])
            found = self._villages.get(key, _UNSEEN)
            if found is _UNSEEN:
                found = self._villages[key] = self._village_one(*key)
            out.append(found)
        return pd.Series(
            expand_text(raw, inverse.ravel(), object_array(out)), index=raw.index, name=raw.name
        )

    def _village_one(self, township: str | None, raw: str) -> str | None:
        text = _normalise(raw)
        if not text:
            return None
        village = self._village_exact(text, township)
        if village is not None:
            return village
        # County or township written into the village cell, or a group number after it.
        text = text[_COUNTY_PREFIX.match(text).end() :]  # type: ignore[union-attr]
        written, rest = self._township_prefix(text)
        if written is None:
            return self._village_prefix(text, township)
        if township is not None and written != township:
            return None
        return self._village_prefix(rest, written)

    def parse_addresses(self, raw: pd.Series) -> pd.DataFrame:
        """township_code, village_code and detail (group or house number, see `address_detail`)
        from free text such as 河南省唐河县源潭镇刘岗村3组, 唐河县东兴街道南许寨村委会8队 or
        唐河县东兴友兰居委会; unknown parts are None."""
        codes, uniques = factorize(raw)
        # Only the leading township/village matter: group and house details (3组, 8队, 12号) are
        # split off first, so a county's ~50k distinct addresses parse as a few thousand places.
        split = [_place_and_detail(u) for u in uniques.tolist()]
        parsed = [self._parse_place(place) for place, _ in split]
        townships = object_array([p[0] for p in parsed])
        villages = object_array([p[1] for p in parsed])
        details = object_array([detail for _, detail in split])
        return pd.DataFrame(
            {
                "township_code": expand_text(raw, codes, townships),
                "village_code": expand_text(raw, codes, villages),
                "detail": expand_text(raw, codes, details),
            },
            index=raw.index,
        )


@functools.lru_cache(maxsize=1 << 18)
def _place_and_detail(address: str) -> tuple[str, str | None]:
    """The address without its group / house part (the place to parse), and that part as a key.

    Remembered per process: the feeds of one night repeat the same tens of thousands of addresses
    millions of times, chunk after chunk and feed after feed."""
    return _ADDRESS_DETAIL.sub("", address), address_detail(address)


def _small_number(text: str) -> int | None:
    """'11' / '十一' / '二十三' / '八' -> int (up to 99); None for anything else."""
    if text.isascii() and text.isdigit():
        return int(text)
    head, ten, tail = text.partition("十")
    if ten:
        if len(head) > 1 or len(tail) > 1 or "十" in tail:
            return None
        return int(head.translate(_CN_NUMERALS) or "1") * 10 + int(tail.translate(_CN_NUMERALS) or "0")
    if 1 <= len(text) <= 2:
        return int(text.translate(_CN_NUMERALS))
    return None


def address_detail(text: str | None) -> str | None:
    """The part of an address below the village as a short key: 'G<n>' for a village group
    (组 / 队 / 村民组 / 村民小组), else 'N<n>' for a house number, else None. Same rules as the
    SQL function linkage.address_detail (sql/migrations/V007), which back-fills older rows."""
    if not text:
        return None
    text = text.translate(_FULLWIDTH_DIGITS)
    group = _GROUP.search(text)
    if group is not None:
        n = _small_number(group.group(1))
        if n is not None:
            return f"G{n}"
    house = _HOUSE_NUMBER.search(text)
    return f"N{house.group(1).lstrip('0')}" if house else None


@functools.cache
def default_gazetteer() -> Gazetteer:
    """The reference gazetteer, loaded once per process."""
    return Gazetteer.from_reference()

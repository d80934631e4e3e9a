"""Blocking: which record pairs are compared at all, produced in bounded chunks.

A rule is a tuple of columns that must agree exactly (a blocking key). Candidate pairs are the
union over rules. Keys shared by more than `max_block` records on the right side are skipped for
that rule: such a key (a very common name alone) cannot carry a link by itself, and comparing it
would grow with the square of the block. Pairs are produced per chunk of left rows, so memory is
bounded by chunk size x typical block size, never by the square of a block.

Keys are integers, not strings: each column is coded once for both sides together (one hash
pass per column, shared by every rule that uses it), a rule's key combines its columns' codes,
and each rule's right side is grouped once. A chunk then only expands the groups its left rows
hit, so the cost follows the pairs produced, not the size of the right side times the chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import pandas as pd

MISSING = -1


@dataclass(frozen=True)
class BlockingRule:
    name: str
    columns: tuple[str, ...]
    max_block: int = 200


def _is_missing(values: np.ndarray) -> np.ndarray:
    """Missing: None/NaN, an empty string, or 0 in an integer-coded column (dates as yyyymmdd)."""
    if values.dtype.kind in "iu":
        return values == 0
    missing = pd.isna(values)
    if values.dtype == object:
        missing |= values == ""
    return missing


def _joint_codes(left: np.ndarray, right: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer codes of one column over both sides (equal values, equal codes; -1 missing)."""
    both = np.concatenate([left, right]) if left.dtype == right.dtype else np.concatenate(
        [left.astype(object), right.astype(object)]
    )
    codes, uniques = pd.factorize(both)
    codes = codes.astype(np.int64)
    codes[_is_missing(both)] = MISSING
    return codes[: len(left)], codes[len(left) :], len(uniques)


class _Coder:
    """Rule keys of both sides as int64, each column coded once."""

    def __init__(self, left: pd.DataFrame, right: pd.DataFrame, same_frame: bool) -> None:
        self.left, self.right, self.same = left, right, same_frame
        self._columns: dict[str, tuple[np.ndarray, np.ndarray, int]] = {}

    def column(self, name: str) -> tuple[np.ndarray, np.ndarray, int]:
        if name not in self._columns:
            if self.same:
                codes, _, n = _joint_codes(self.left[name].to_numpy(), np.empty(0, self.left[name].dtype))
                self._columns[name] = (codes, codes, n)
            else:
                self._columns[name] = _joint_codes(self.left[name].to_numpy(), self.right[name].to_numpy())
        return self._columns[name]

    def keys(self, columns: tuple[str, ...]) -> tuple[np.ndarray, np.ndarray]:
        lk, rk, n = self.column(columns[0])
        lk, rk = lk.copy(), rk.copy()
        for name in columns[1:]:
            lc, rc, m = self.column(name)
            if n * m >= 2**62:  # keep the combined code in range: re-code what exists so far
                lk, rk, n = _joint_codes(lk, rk)
            lk = np.where((lk < 0) | (lc < 0), MISSING, lk * m + lc)
            rk = np.where((rk < 0) | (rc < 0), MISSING, rk * m + rc)
            n *= m
        return lk, rk


@dataclass(frozen=True)
class _RightIndex:
    """One rule's right side, grouped by key: the rows of key code k are r[start[k]:start[k] + size[k]]."""

    keys: pd.Index
    start: np.ndarray
    size: np.ndarray
    r: np.ndarray

    @classmethod
    def build(cls, right_keys: np.ndarray, max_block: int) -> _RightIndex:
        rows = np.flatnonzero(right_keys >= 0)
        codes, uniques = pd.factorize(right_keys[rows])
        size = np.bincount(codes, minlength=len(uniques))
        keep = size[codes] <= max_block
        codes, rows = codes[keep], rows[keep]
        size = np.where(size <= max_block, size, 0)
        start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
        return cls(pd.Index(uniques), start, size, rows[np.argsort(codes, kind="stable")])

    def pairs(self, lrows: np.ndarray, lcodes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(l, r) for left rows with their group codes (-1: key absent on the right)."""
        found = lcodes >= 0
        lrows, lcodes = lrows[found], lcodes[found]
        counts = self.size[lcodes]
        ends = np.cumsum(counts)
        total = int(ends[-1]) if len(ends) else 0
        first = np.repeat(self.start[lcodes] - (ends - counts), counts)
        return np.repeat(lrows, counts), self.r[first + np.arange(total)]


def candidate_pairs(
    left: pd.DataFrame,
    right: pd.DataFrame,
    rules: list[BlockingRule],
    chunk_rows: int = 50_000,
    same_frame: bool = False,
) -> Iterator[pd.DataFrame]:
    """Yield DataFrames of candidate pairs (`l`, `r` positions, `rule` that first found them).

    `same_frame`: left and right are the same records (deduplication): only l < r is kept.
    """
    coder = _Coder(left, right, same_frame)
    indexes, left_codes = [], []
    for rule in rules:
        lk, rk = coder.keys(rule.columns)
        index = _RightIndex.build(rk, rule.max_block)
        indexes.append(index)
        left_codes.append(np.where(lk >= 0, index.keys.get_indexer(lk), MISSING))
    for start in range(0, len(left), chunk_rows):
        stop = min(start + chunk_rows, len(left))
        lrows = np.arange(start, stop)
        parts = []
        for rule, index, codes in zip(rules, indexes, left_codes, strict=True):
            li, ri = index.pairs(lrows, codes[start:stop])
            if same_frame:
                keep = li < ri
                li, ri = li[keep], ri[keep]
            if len(li):
                parts.append(pd.DataFrame({"l": li, "r": ri, "rule": rule.name}))
        if parts:
            chunk = pd.concat(parts, ignore_index=True).drop_duplicates(subset=["l", "r"], keep="first")
            yield chunk.reset_index(drop=True)


def blocking_recall(found: pd.DataFrame, true_pairs: pd.DataFrame) -> float:
    """Share of true (l, r) pairs that blocking produced."""
    if true_pairs.empty:
        return 1.0
    hit = true_pairs.merge(found[["l", "r"]].drop_duplicates(), on=["l", "r"], how="left", indicator=True)
    return float((hit["_merge"] == "both").mean())

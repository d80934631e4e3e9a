"""Fellegi–Sunter model: m/u probabilities per comparison level, match weights and probabilities.

m and u are estimated from the data with recordlinkage: supervised (its naive Bayes classifier,
which is Fellegi–Sunter with m/u counted on labelled pairs; the labels come from high-confidence
deterministic links, e.g. the same valid ID number) or unsupervised (ECM). The model itself is a
small frozen object that scores level tables with numpy, so millions of pairs score in seconds.

Weights are in bits (log2 m/u). A missing value (level -1) weighs 0: whether a department filled a
field says nothing about whether two records are the same person. Term frequencies: for a field
named in `tf_u`, exact agreement uses the value's own u (its share among entities) instead of the
average, so 王秀英 = 王秀英 is weak evidence and a rare name strong.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

MAX_BITS = 30.0


@dataclass(frozen=True)
class FSModel:
    m: dict[str, dict[int, float]]
    u: dict[str, dict[int, float]]
    prior: float  # share of matches among candidate pairs (lambda)
    fields: tuple[str, ...] = field(default=())

    def level_weights(self, name: str) -> dict[int, float]:
        out = {}
        for level, m in self.m[name].items():
            u = self.u[name].get(level, 1e-12)
            out[int(level)] = (
                0.0
                if level < 0
                else float(np.clip(math.log2(max(m, 1e-12) / max(u, 1e-12)), -MAX_BITS, MAX_BITS))
            )
        return out

    def weights(
        self, levels: pd.DataFrame, tf_u: dict[str, list[tuple[int, np.ndarray]]] | None = None
    ) -> pd.DataFrame:
        """Per-field weights in bits for each pair (same index as `levels`)."""
        out = {}
        for name in self.fields:
            table = self.level_weights(name)
            lv = levels[name].to_numpy()
            # one lookup per pair, however many levels a field has (a level not in the model: 0)
            keys = np.array(sorted(table), dtype=np.int64)
            bits = np.array([table[k] for k in keys], dtype=np.float64)
            at = np.clip(np.searchsorted(keys, lv), 0, max(len(keys) - 1, 0))
            w = np.where(keys[at] == lv, bits[at], 0.0) if len(keys) else np.zeros(len(lv))
            for tf_level, u_values in (tf_u or {}).get(name, []):
                hit = (lv == tf_level) & ~np.isnan(u_values)
                m = self.m[name].get(tf_level, 1.0)
                w[hit] = np.clip(np.log2(m / np.maximum(u_values[hit], 1e-12)), -MAX_BITS, MAX_BITS)
            out[name] = w
        return pd.DataFrame(out, index=levels.index)

    @property
    def prior_bits(self) -> float:
        p = min(max(self.prior, 1e-12), 1 - 1e-12)
        return math.log2(p / (1 - p))

    def probability(self, total_bits: np.ndarray) -> np.ndarray:
        """Match probability from the summed weights and the prior."""
        return 1.0 / (1.0 + np.exp2(-(np.asarray(total_bits) + self.prior_bits)))

    def as_dict(self) -> dict:
        return {
            "prior": self.prior,
            "fields": {
                f: {
                    str(level): {"m": self.m[f][level], "u": self.u[f].get(level), "bits": bits}
                    for level, bits in sorted(self.level_weights(f).items())
                }
                for f in self.fields
            },
        }


def _to_rl_frame(levels: pd.DataFrame) -> pd.DataFrame:
    idx = pd.MultiIndex.from_arrays([np.arange(len(levels)), np.arange(len(levels))])
    return pd.DataFrame(levels.to_numpy(), columns=levels.columns, index=idx)


def fit_supervised(levels: pd.DataFrame, is_match: np.ndarray, alpha: float = 0.5) -> FSModel:
    """m/u from labelled pairs with recordlinkage's naive Bayes classifier (supervised FS).

    `alpha` is Laplace smoothing in pair counts: a level never seen among matches still gets a
    finite (strongly negative) weight.
    """
    import recordlinkage as rl

    is_match = np.asarray(is_match, dtype=bool)
    if is_match.all() or not is_match.any():
        raise ValueError("supervised training needs both matching and non-matching pairs")
    X = _to_rl_frame(levels)
    clf = rl.NaiveBayesClassifier(binarize=None, alpha=alpha)
    clf.fit(X, X.index[is_match])
    m = {f: {int(k): float(v) for k, v in clf.m_probs[f].items()} for f in levels.columns}
    u = {f: {int(k): float(v) for k, v in clf.u_probs[f].items()} for f in levels.columns}
    return FSModel(m=m, u=u, prior=float(is_match.mean()), fields=tuple(levels.columns))


def fit_ecm(levels: pd.DataFrame) -> FSModel:
    """m/u without labels: recordlinkage's ECM on binary agreement (level > 0 = agree).

    ECM can collapse to all-matches or no-matches on some feature sets; the fitted prior is checked.
    """
    import recordlinkage as rl

    binary = (levels > 0).astype(int)
    X = _to_rl_frame(binary)
    clf = rl.ECMClassifier(binarize=None)
    clf.fit(X)
    p = float(clf.p)
    if not 0.0 < p < 1.0:
        raise ValueError(f"ECM collapsed (prior {p}); block more tightly or add labelled pairs")
    m = {
        f: {0: float(clf.m_probs[f].get(0, 1e-12)), 1: float(clf.m_probs[f].get(1, 1e-12)), -1: 1.0}
        for f in levels.columns
    }
    u = {
        f: {0: float(clf.u_probs[f].get(0, 1e-12)), 1: float(clf.u_probs[f].get(1, 1e-12)), -1: 1.0}
        for f in levels.columns
    }
    return FSModel(m=m, u=u, prior=p, fields=tuple(levels.columns))


def override_field(model: FSModel, name: str, m: dict[int, float], u: dict[int, float]) -> FSModel:
    """The same model with one field's m/u replaced (estimated another way, see persons.py)."""
    fields = model.fields if name in model.fields else (*model.fields, name)
    return FSModel(m={**model.m, name: m}, u={**model.u, name: u}, prior=model.prior, fields=fields)
